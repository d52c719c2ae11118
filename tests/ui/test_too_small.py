"""A terminal smaller than 80x24 gets a notice instead of a squeezed wizard (issue 10 §4)."""

from __future__ import annotations

from textual.widgets import Static

from screens.dialogs.too_small import TooSmallScreen


async def test_a_small_terminal_gets_a_notice_that_goes_when_it_grows(demo_app, settle):
    app = demo_app("ready")
    async with app.run_test(size=(70, 20)) as pilot:
        await settle(app, pilot)
        assert isinstance(app.screen, TooSmallScreen)
        assert "This terminal is 70x20; kubeadm-wizard needs at least 80x24" in str(
            app.screen.query_one("#too-small", Static).content)
        await pilot.resize_terminal(79, 30)
        await pilot.pause()
        assert isinstance(app.screen, TooSmallScreen)
        assert "79x30" in str(app.screen.query_one("#too-small", Static).content)
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        assert not isinstance(app.screen, TooSmallScreen)
        await pilot.resize_terminal(100, 23)
        await pilot.pause()
        assert isinstance(app.screen, TooSmallScreen)


async def test_80x24_shows_the_wizard(demo_app, settle):
    app = demo_app("ready")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        assert not isinstance(app.screen, TooSmallScreen)

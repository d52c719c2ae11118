"""q and ctrl+q ask before they lose something: a running apply or unsaved choices."""

from __future__ import annotations

from settling import settle_workers

from screens.dialogs.confirm import ConfirmDialog


async def test_q_quits_at_once_when_nothing_would_be_lost(demo_app):
    app = demo_app("ready")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle_workers(app, pilot)
        await pilot.press("q")
        await pilot.pause()
        assert app.return_code == 0 and not isinstance(app.screen, ConfirmDialog)


async def test_q_with_unsaved_choices_asks_and_n_stays(demo_app):
    app = demo_app("ubuntu-vagrant")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle_workers(app, pilot)
        app.choices.advertise_address = "192.168.56.10"
        await pilot.press("q")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        assert "not saved" in app.screen.question
        await pilot.press("n")
        await pilot.pause()
        assert app.is_running and not isinstance(app.screen, ConfirmDialog)
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("left", "enter")  # from Cancel to the yes button
        await pilot.pause()
        assert app.return_code == 0


async def test_ctrl_q_during_an_apply_asks(demo_app):
    app = demo_app("rpi4-bookworm")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle_workers(app, pilot)
        app.applying = True  # as apply_plan sets it while its worker runs
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        assert "apply is running" in app.screen.question
        app.applying = False

"""A number key shows a page and puts the focus in it: keys never act on a hidden page."""

from __future__ import annotations

import pytest
from settling import settle_workers

from screens.app import STEPS


def _shown_page(app):
    return app.query_one(f"#{app.current_step}")


@pytest.mark.parametrize("demo", ["rpi4-bookworm", "ubuntu-vagrant", "ready"])
async def test_tab_into_requirements_then_7_leaves_no_focus_in_a_hidden_page(demo_app, demo):
    app = demo_app(demo)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle_workers(app, pilot)
        await pilot.press("tab", "tab", "tab", "down", "down", "down")
        skipped = list(app.choices.skipped_fixes)
        plan_before = set(app.plan)
        await pilot.press("7")
        await pilot.pause()
        assert app.current_step == STEPS[6].id
        focused = app.focused
        assert focused is not None and focused.display
        assert app.query_one("#sidebar") in focused.ancestors_with_self or (
            _shown_page(app) in focused.ancestors)
        requirements = app.query_one(f"#{STEPS[0].id}")
        assert requirements not in focused.ancestors
        await pilot.press("space")
        await settle_workers(app, pilot)
        if _shown_page(app) not in app.focused.ancestors:  # space landed on the sidebar
            assert app.choices.skipped_fixes == skipped and set(app.plan) == plan_before


@pytest.mark.parametrize("number", range(1, len(STEPS) + 1))
async def test_every_number_key_focuses_the_page_it_shows(demo_app, number):
    app = demo_app("rpi4-bookworm")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle_workers(app, pilot)
        await pilot.press("tab", "tab")
        await pilot.press(str(number))
        await pilot.pause()
        page = _shown_page(app)
        focused = app.focused
        assert focused is not None
        assert page in focused.ancestors or app.query_one("#sidebar") in (
            focused.ancestors_with_self), (number, focused)


@pytest.mark.parametrize("tab", ["ij-join", "ij-diagnose", "ij-reset"])
async def test_the_first_tab_from_a_pane_s_tab_lands_in_its_first_field(demo_app, tab):
    """A pane of fields is no tab stop itself: an invisible one took the first Tab, and what
    the operator then typed (a join command) went to the app's keys instead."""
    from textual.widgets import TabbedContent, Tabs

    app = demo_app("ubuntu-vagrant", screen="init")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle_workers(app, pilot)
        app.query_one("#ij-tabs", TabbedContent).active = tab
        app.query_one("#ij-tabs Tabs", Tabs).focus()
        await pilot.pause()
        await pilot.press("tab")
        await pilot.pause()
        focused = app.focused
        assert focused is not None and app.query_one(f"#{tab}") in focused.ancestors
        assert focused.region.height > 0 and "pane-scroll" not in focused.classes

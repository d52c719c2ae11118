"""ctrl+p: the palette jumps to a screen, a check by id, a step of the plan (issue 10 §7)."""

from __future__ import annotations

from textual.command import CommandPalette
from textual.containers import VerticalScroll
from textual.widgets import DataTable

from screens.widgets.check_list import CheckList


async def palette(app, pilot, query: str) -> None:
    await pilot.press("ctrl+p")
    await pilot.pause()
    assert isinstance(app.screen, CommandPalette)
    await pilot.press(*query)
    for _ in range(40):  # the palette searches in the background
        await pilot.pause(0.05)
        if app.screen.query("CommandList Option, CommandList"):
            options = app.screen.query_one("CommandList")
            if options.option_count:
                break
    await pilot.pause(0.2)
    await pilot.press("enter")
    await pilot.pause()
    await pilot.pause()


async def test_the_palette_jumps_to_a_screen(demo_app, settle):
    app = demo_app("ubuntu-vagrant")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await palette(app, pilot, "Go to Cgroups")
        assert not isinstance(app.screen, CommandPalette)
        assert app.current_step == "cgroups"


async def test_the_palette_jumps_to_a_check_by_id(demo_app, settle):
    app = demo_app("ubuntu-vagrant")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await palette(app, pilot, "Check AdvertiseAddress")
        assert app.current_step == "network"
        check_list = app.query_one("#network").query_one(CheckList)
        table = check_list.query_one(DataTable)
        assert table.has_focus
        assert check_list.rows[table.cursor_row].id == "AdvertiseAddress"


async def test_the_palette_jumps_to_a_step_of_the_plan(demo_app, settle):
    app = demo_app("ubuntu-vagrant")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        entries = app.plan_entries
        last = entries[-1].step.title
        await palette(app, pilot, f"Plan step {len(entries)}: {last}")
        assert app.current_step == "review"
        await pilot.pause(0.3)  # the scroll waits for the page's layout
        assert app.query_one("#plan-scroll", VerticalScroll).scroll_y > 10

"""The Requirements screen: grouped checks, fixes in and out of the plan, role and version."""

from __future__ import annotations

from textual.widgets import DataTable, Select

from screens.widgets.check_list import CheckList


async def test_groups_fixes_and_the_plan(demo_app, settle):
    app = demo_app("rpi4-bookworm")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        check_list = app.query_one("#requirements CheckList", CheckList)
        groups = [check_list.query_one(DataTable).get_row_at(i)[1].plain
                  for i, r in enumerate(check_list.rows) if r is None]
        assert groups[:2] == ["Hardware", "Identity"]
        planned = {e.step.id for e in app.plan_entries}
        assert "swap-off-now" in planned

        swap_row = next(i for i, r in enumerate(check_list.rows) if r and r.id == "Swap")
        check_list.query_one(DataTable).focus()
        check_list.query_one(DataTable).move_cursor(row=swap_row)
        await pilot.press("space")
        await settle(app, pilot)
        planned = {e.step.id for e in app.plan_entries}
        assert "swap-off-now" not in planned
        assert "swap-off-now" in app.choices.skipped_fixes
        await pilot.press("space")
        await settle(app, pilot)
        assert "swap-off-now" in {e.step.id for e in app.plan_entries}


async def test_worker_role_changes_the_checks(demo_app, settle):
    app = demo_app("ready")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        ids = {r.id for r in app.results}
        assert "Port-6443" in ids and "Port-30000-32767" not in ids
        app.query_one("#role", Select).value = "worker"
        await pilot.pause()
        await settle(app, pilot)
        ids = {r.id for r in app.results}
        assert app.choices.role == "worker"
        assert "Port-6443" not in ids and "Port-30000-32767" in ids
        app.query_one("#version", Select).value = "1.30"
        await pilot.pause()
        await settle(app, pilot)
        assert app.choices.kubernetes_version == "1.30"
        assert "FileExisting-conntrack" in {r.id for r in app.results}


async def test_the_detail_of_another_check_starts_at_its_name(demo_app, settle):
    from textual.containers import VerticalScroll

    app = demo_app("rpi4-bookworm", screen="requirements")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        checks = app.query_one(CheckList)
        detail = checks.query_one(".check-detail", VerticalScroll)
        table = checks.query_one(DataTable)
        table.focus()
        rows = [i for i, r in enumerate(checks.rows) if r is not None]
        tallest = max(rows, key=lambda i: len(str(checks.rows[i].lesson)))
        table.move_cursor(row=tallest)
        await pilot.pause()
        detail.scroll_end(animate=False)
        await pilot.pause()
        assert detail.scroll_y > 0, "the lesson fits: nothing to scroll"
        await pilot.press("down" if tallest < rows[-1] else "up")
        await pilot.pause()
        assert detail.scroll_y == 0

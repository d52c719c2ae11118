"""Only the first page is built before the first frame; each other page is imported and built
the first time it is shown, however it is shown, and then shows the latest check results."""

from __future__ import annotations

from textual.widgets import ContentSwitcher, DataTable

from screens.bridge import BridgePage
from screens.flow import STEPS
from screens.network import NetworkPage
from screens.pending_page import PendingPage
from screens.review import ReviewPage
from screens.widgets.check_list import CheckList
from screens.widgets.sidebar import StepSidebar


def pending(app) -> list[str]:
    return [page.id for page in app.query(PendingPage)]


async def test_the_first_page_alone_is_built_and_a_number_key_builds_the_next(demo_app,
                                                                              settle):
    app = demo_app("rpi4-bookworm", screen="bridge")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        assert pending(app) == [s.id for s in STEPS if s.id != "bridge"]
        assert isinstance(app.query_one("#bridge"), BridgePage)
        await pilot.press("7")
        await settle(app, pilot)
        review = app.query_one("#review")
        assert isinstance(review, ReviewPage) and "review" not in pending(app)
        assert review.entries == app.plan_entries and review.entries  # the plan it was handed
        assert review in app.focused.ancestors


async def test_a_page_built_late_shows_the_results_of_the_checks_that_ran_before(demo_app,
                                                                                 settle):
    app = demo_app("rpi4-bookworm")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("3")
        await settle(app, pilot)
        check_list = app.query_one("#bridge CheckList", CheckList)
        shown = {row.id for row in check_list.rows if row is not None}
        assert shown == {r.id for r in app.results if r.screen == "bridge"} and shown
        assert check_list.query_one(DataTable).row_count >= len(shown)


async def test_shown_by_the_sidebar_or_the_switcher_it_is_built_too(demo_app, settle):
    app = demo_app("ubuntu-vagrant")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        app.query_one(StepSidebar).post_message(StepSidebar.StepChosen("network"))
        await settle(app, pilot)  # else the message, handled later, would hide cgroups again
        app.query_one("#pages", ContentSwitcher).current = "cgroups"
        await settle(app, pilot)
        assert isinstance(app.query_one("#network"), NetworkPage)
        assert "cgroups" not in pending(app) and "network" not in pending(app)
        assert len(app.query("#cgroups")) == 1  # replaced, never doubled


async def test_an_apply_from_another_page_builds_review_for_its_log(demo_app, settle):
    app = demo_app("rpi4-bookworm")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        steps = [e.step for e in app.plan_entries if not e.already_done][:1]
        app.apply_plan(steps)
        await settle(app, pilot)
        review = app.query_one("#review")
        assert isinstance(review, ReviewPage)
        log = "\n".join(review.query_one("#apply-log").lines)
        assert steps[0].title in log, log

"""Review & apply on a demo host: the plan, a confirmed apply, and the checks turning green."""

from __future__ import annotations

import pytest
from textual.widgets import Log

from screens.dialogs.confirm import ConfirmDialog
from screens.review import ReviewPage
from screens.widgets.sidebar import StepSidebar


async def test_apply_from_the_review_screen_fixes_the_demo_host(demo_app, settle):
    app = demo_app("ubuntu-vagrant", screen="review")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        review = app.query_one(ReviewPage)
        pending = [e for e in review.entries if not e.already_done]
        assert pending, "the vagrant demo has swap on: the plan cannot be empty"
        await pilot.press("a")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("left", "enter")  # from Cancel to the yes button
        await settle(app, pilot)
        await settle(app, pilot)
        log_text = "\n".join(review.query_one(Log).lines)
        assert "applied" in log_text
        assert app.host.read_text("/proc/swaps").strip().count("\n") == 0
        assert app.query_one(StepSidebar).statuses["requirements"] != "fail" or any(
            r.status.value == "fail" and r.screen == "requirements" and not r.fixes
            for r in app.results)


@pytest.mark.parametrize("keys", [
    ("n",),
    # Text typed where no field has the focus reaches the app's keys: "a" asks to apply, and
    # neither the "y" of "discovery" nor a pasted line's Enter may say yes to it.
    ("y", "enter"),
])
async def test_no_or_stray_keys_change_nothing(demo_app, settle, keys):
    app = demo_app("ubuntu-vagrant", screen="review")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        before = app.host.read_text("/etc/fstab")
        await pilot.press("a")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press(*keys)
        await settle(app, pilot)
        assert not isinstance(app.screen, ConfirmDialog)
        assert app.host.read_text("/etc/fstab") == before and not app.applying

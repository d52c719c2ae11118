"""After an apply, Review says what ran and what is left and why, not the dry-run intro; the
apply's confirmation names the warnings that no step will fix (issue 10 §4)."""

from __future__ import annotations

from screen_text import static_text

from screens.dialogs.confirm import ConfirmDialog


def shown(app, selector: str) -> str:
    return static_text(app, selector, width=300)


async def apply_all(app, pilot, settle) -> None:
    await settle(app, pilot)
    await pilot.press("a")
    await pilot.pause()
    assert isinstance(app.screen, ConfirmDialog)
    await pilot.press("left", "enter")  # from Cancel to the yes button
    await settle(app, pilot)
    await settle(app, pilot)


async def test_review_after_an_apply_says_what_was_applied_and_what_is_left(demo_app, settle):
    app = demo_app("ubuntu-vagrant", screen="review")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        assert "this is the dry run" in shown(app, "#review .page-intro")
        await apply_all(app, pilot, settle)
        intro = shown(app, "#review .page-intro")
        assert "this is the dry run" not in intro and "last apply" in intro
        summary = shown(app, "#apply-summary")
        assert "Applied 10 step(s)." in summary and "✓ Turn swap off now" in summary
        # the NAT address is the operator's choice: no step fixes it, so it is left open
        assert "AdvertiseAddress: a choice still open: 10.0.2.15" in summary
        assert "Turn swap off now:" not in summary  # applied and in place: not left
        assert all(e.already_done for e in app.plan_entries)


async def test_a_step_that_needs_a_reboot_is_left_with_that_reason(demo_app, settle):
    app = demo_app("rpi4-bookworm", screen="review")
    async with app.run_test(size=(80, 24)) as pilot:
        await apply_all(app, pilot, settle)
        summary = shown(app, "#apply-summary")
        assert "needs a reboot" in summary, summary


async def _confirmation(app, pilot) -> ConfirmDialog:
    await pilot.press("a")
    await pilot.pause()
    assert isinstance(app.screen, ConfirmDialog)
    return app.screen


async def test_the_apply_confirmation_lists_the_warnings_no_step_fixes(demo_app, settle):
    app = demo_app("ubuntu-vagrant", screen="review")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        dialog = await _confirmation(app, pilot)
        assert "These 2 open check(s) stay as they are" in dialog.question
        assert ("• AdvertiseAddress (warn): 10.0.2.15 is the VirtualBox/QEMU NAT address every "
                "such VM has") in dialog.question
        assert "DNSResolver" in dialog.question and "Swap" not in dialog.question
        assert "no step fixes it" in dialog.question
        assert dialog.query_one("#yes").region.bottom <= 24  # the buttons stay on screen
        await pilot.press("n")


async def test_a_fix_taken_out_of_the_plan_is_named_as_such(demo_app, settle):
    app = demo_app("rpi4-bookworm", screen="review")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        swap = next(r for r in app.results if r.id == "Swap")
        app.choices.skipped_fixes = sorted(step.id for step in swap.fixes)
        app.run_checks()
        await settle(app, pilot)
        dialog = await _confirmation(app, pilot)
        assert "• Swap (fail): " in dialog.question
        assert "its fix is left out of the plan" in dialog.question
        await pilot.press("n")


async def test_no_unfixed_warnings_no_list(demo_app, settle):
    app = demo_app("rpi4-bookworm", screen="review")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("a")
        await pilot.pause()
        assert "No step fixes" not in app.screen.question
        await pilot.press("n")

"""Applying the plan from the TUI: the confirmation, the worker, progress and the end.

A mixin of WizardApp, kept apart so the App stays a shell. The confirmation lists the open
warnings no step fixes, so nobody applies past them unknowingly; the narrator (Review's Step
through) is taken on the UI thread and handed to the worker.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual import work

from screens.dialogs.confirm import ConfirmDialog
from screens.messages import ApplyFinished, ApplyProgress, unless_closing
from screens.review import ReviewPage

if TYPE_CHECKING:
    from wizard.checks.base import CheckResult
    from wizard.host.base import Host
    from wizard.model import WizardChoices
    from wizard.steps.engine import AfterStep, PlanEntry
    from wizard.steps.step import Step


class ApplyActions:
    """Mixed into WizardApp (an App), which provides these attributes."""

    host: Host
    choices: WizardChoices
    results: list[CheckResult]
    applying: bool
    last_apply: tuple[list[Any], list[Any]] | None
    plan_entries: list[PlanEntry]

    def action_apply(self) -> None:
        if self.host.read_only:
            self.notify("Not running as root: this wizard is read-only here.",
                        severity="warning")
            return
        if self.applying:
            return
        entries = [e for e in self.plan_entries if not e.already_done]
        if not entries:
            self.notify("Nothing to apply.")
            return
        from wizard.steps.summary import open_warnings

        question = f"Apply {len(entries)} step(s) to {self.host.label}?"
        unfixed = open_warnings(self.results, self.choices.skipped_fixes)
        if unfixed:
            question += (f"\n\nThese {len(unfixed)} open check(s) stay as they are:\n"
                         + "\n".join(f"• {r.id} ({r.status.value}): "
                                      f"{_first_clause(r.message)}; {_why_left(r)}"
                                      for r in unfixed))
        self.action_go("review")
        self.push_screen(
            ConfirmDialog(question, yes="Apply"),
            callback=lambda yes: self._start_apply([e.step for e in entries]) if yes else None)

    async def _start_apply(self, steps: list[Step]) -> None:
        review = await self.page_shown("review")
        assert isinstance(review, ReviewPage)
        self.apply_plan(steps, review.narrator(steps))

    @work(thread=True, exclusive=True, group="apply", exit_on_error=False)
    def apply_plan(self, steps: list[Step], narrator: AfterStep | None = None) -> None:
        """Apply, and keep the choices it acted on beside the journal (the next session on
        this host starts from them)."""
        from wizard.steps.engine import apply_steps

        self.applying = True
        try:
            outcomes = apply_steps(self.host, steps, progress=lambda d, t, title:
                                   self.post_message(ApplyProgress(d, t, title)),
                                   after_step=narrator)
        finally:
            self.applying = False
        self.keep_applied_choices(outcomes)
        self.last_apply = (list(steps), outcomes)
        self.post_message(ApplyFinished(outcomes))

    # An apply from another page (the route helper's) reports in Review's log too, so Review
    # is built for it if it has not been shown yet.
    @unless_closing
    async def on_apply_progress(self, message: ApplyProgress) -> None:
        review = await self.page_shown("review")
        assert isinstance(review, ReviewPage)
        review.progress(message.done, message.total, message.title)

    @unless_closing
    async def on_apply_finished(self, message: ApplyFinished) -> None:
        review = await self.page_shown("review")
        assert isinstance(review, ReviewPage)
        review.finished(message.outcomes)
        failed = [o for o in message.outcomes if o.failed]
        self.notify(f"{len(failed)} step(s) failed; see the log." if failed
                    else "Applied. Re-checking the host.",
                    severity="error" if failed else "information")
        self.action_recheck()


def _why_left(result: CheckResult) -> str:
    """The operator took its fix out of the plan, or the wizard has none to offer."""
    return "its fix is left out of the plan" if result.fixes else "no step fixes it"


def _first_clause(message: str) -> str:
    """A warning's opening clause: the confirmation lists them, the checks explain them."""
    for cut in (". ", "; "):
        message = message.split(cut, 1)[0]
    return message

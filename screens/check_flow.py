"""Running the checks from the TUI and handing their results to the pages and the sidebar.

A mixin of WizardApp, kept apart so the App stays a shell. The checks and the plan's preview
run in a thread worker; a page that has not been built yet gets its results when it is.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import work

from screens.flow import STEPS
from screens.messages import ChecksFailed, ChecksFinished, unless_closing
from screens.widgets.sidebar import StepSidebar
from wizard.checks.base import worst

if TYPE_CHECKING:
    from textual.screen import Screen

    from screens.page import StepPage
    from wizard.checks.base import CheckResult
    from wizard.host.base import Host
    from wizard.model import WizardChoices
    from wizard.steps.engine import PlanEntry
    from wizard.steps.summary import ApplySummary

CHECKS_WAIT_AT_MOST = 20.0
"""Seconds the first check run waits for the opening page's own first read, at the most."""


class CheckActions:
    """Mixed into WizardApp (an App), which provides these attributes."""

    host: Host
    choices: WizardChoices
    results: list[CheckResult]
    plan: dict[str, PlanEntry]
    plan_entries: list[PlanEntry]
    last_apply: tuple[list, list] | None
    apply_summary: ApplySummary | None
    wizard_screen: Screen

    _checks_waiting = False

    def start_first_checks(self, opening: StepPage | None) -> None:
        """The first check run: at once, or once the page the wizard opened on has shown
        what it reads first (`StepPage.reads_first`), which then has the GIL to itself."""
        if opening is not None and opening.reads_first():
            self._checks_waiting = True
            self.set_timer(CHECKS_WAIT_AT_MOST, self._start_waiting_checks)
        else:
            self.action_recheck()

    @unless_closing
    def on_step_page_first_read_done(self, _message: StepPage.FirstReadDone) -> None:
        self._start_waiting_checks()

    def _start_waiting_checks(self) -> None:
        if self._checks_waiting and self.screen_stack:  # the timer can fire as the app closes
            self.action_recheck()

    def action_recheck(self) -> None:
        self._checks_waiting = False
        for step in STEPS:
            self.wizard_screen.query_one(StepSidebar).set_status(step.id, None)
        self.run_checks()

    @work(thread=True, exclusive=True, group="checks", exit_on_error=False)
    def run_checks(self) -> None:
        from wizard.checks.runner import default_fixes, run_checks
        from wizard.steps.engine import preview

        try:
            results = run_checks(self.host, self.choices)
            steps = [s for r in results for s in r.fixes]
            plan = {e.step.id: e for e in preview(self.host, steps)}
            self.call_from_thread(self._set_review_plan,
                                  preview(self.host, default_fixes(results,
                                                                   self.choices.skipped_fixes)))
        except Exception as error:  # a bug in a check must not take the wizard down
            self.post_message(ChecksFailed(f"{type(error).__name__}: {error}"))
            raise
        self.post_message(ChecksFinished(results, plan))

    def _set_review_plan(self, entries: list[PlanEntry]) -> None:
        self.plan_entries = entries
        review = self.mounted_page("review")
        if review is not None:
            review.show_plan(entries)

    @unless_closing
    def on_checks_finished(self, message: ChecksFinished) -> None:
        self.results = message.results
        self.plan = message.plan
        sidebar = self.wizard_screen.query_one(StepSidebar)
        for step in STEPS:
            mine = [r for r in self.results if r.screen == step.id]
            for page in self.wizard_screen.query(f"#{step.id}"):  # the page, its stand-in,
                page.show_results(mine)  # or neither for a moment while one replaces the other
            if step.id != "review":
                status = worst(mine)
                sidebar.set_status(step.id, status.value if status else None)
        pending = [e for e in self.plan_entries if not e.already_done]
        sidebar.set_status("review", "warn" if pending else "pass")
        if self.last_apply is not None:
            from wizard.steps.summary import summarize

            steps, outcomes = self.last_apply
            self.apply_summary = summarize(steps, outcomes, self.plan_entries, self.results,
                                           self.choices.skipped_fixes)
            review = self.mounted_page("review")
            if review is not None:
                review.show_summary(self.apply_summary)

    @unless_closing
    def on_checks_failed(self, message: ChecksFailed) -> None:
        self.notify(message.error, title="The checks could not run", severity="error",
                    markup=False)

"""What every step page has: a title, a one-line intro, and its checks with their fixes."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from screens.widgets.check_list import CheckList
from wizard.checks.base import CheckResult


class StepPage(Vertical):
    """A page in the wizard. Subclasses add their own widgets around the checks."""

    STEP_ID = ""
    TITLE = ""
    INTRO = ""

    def compose(self) -> ComposeResult:
        yield Static(self.TITLE, classes="page-title")
        yield Static(self.INTRO, classes="page-intro", markup=False)
        yield from self.compose_body()

    def compose_body(self) -> ComposeResult:
        yield CheckList()

    def show_results(self, results: list[CheckResult]) -> None:
        """Called by the app with this page's check results whenever they change."""
        for check_list in self.query(CheckList):
            check_list.show(results)

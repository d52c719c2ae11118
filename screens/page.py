"""What every step page has: a title, a one-line intro, and its checks with their fixes.

A page that shows more than its checks (a table of sysctls, the runtimes found) overrides
`read_facts`, which runs in a thread worker after every check run, and `show_facts`, which
gets its result on the UI thread: host reads never happen while the screen is drawn.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from textual import work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Static

from screens.widgets.check_list import CheckList
from wizard.checks.base import CheckContext, CheckResult


class StepPage(Vertical):
    """A page in the wizard. Subclasses add their own widgets around the checks."""

    STEP_ID = ""
    TITLE = ""
    INTRO = ""

    @dataclass
    class FactsReady(Message):
        facts: Any

    class FirstReadDone(Message):
        """The page has shown what it reads first; the app's first check run waits for it
        when the wizard opens on this page (see `reads_first`)."""

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
        self.results_shown(results)
        if type(self).read_facts is not StepPage.read_facts:
            self._load_facts(CheckContext(self.app.host, self.app.choices))

    def results_shown(self, results: list[CheckResult]) -> None:
        """Override: refresh what depends on the results besides the check list."""

    def reads_first(self) -> bool:
        """Override: whether, opened on, the page has a read of its own that the operator
        waits for (a routing table of a million routes): the checks, which also read the
        host, then start after it rather than beside it, in threads that share one GIL."""
        return False

    def read_facts(self, context: CheckContext) -> Any:
        """Override: gather what the page shows besides its checks (runs in a thread)."""
        return None

    def show_facts(self, facts: Any) -> None:
        """Override: put what `read_facts` returned on screen (runs on the UI thread)."""

    @work(thread=True, exclusive=True, group="page-facts", exit_on_error=False)
    def _load_facts(self, context: CheckContext) -> None:
        self.post_message(self.FactsReady(self.read_facts(context)))

    def on_step_page_facts_ready(self, message: FactsReady) -> None:
        message.stop()
        self.show_facts(message.facts)

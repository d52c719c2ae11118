"""The pause after a step when Review's "Step through" is on: what ran, what changed, and what
the verify commands answer now, until the operator presses Enter (or stops the apply).

The apply runs in a worker thread; it waits in `wait` while this panel is on screen. Text from
the host (diffs, command output) goes through Rich `Text` and `Syntax`, never Textual markup,
and is masked first: the panel is what a room full of learners sees on the projector.
"""

from __future__ import annotations

import threading

from rich.console import Group
from rich.syntax import Syntax
from rich.text import Text
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Static
from textual.worker import get_current_worker

from wizard.kubeadm.secrets import mask_secrets
from wizard.steps.engine import StepOutcome
from wizard.steps.handout import answer_lines
from wizard.steps.step import Step

HINT = "Enter or n: go on · Esc: stop the apply here"


def render_narration(step: Step, outcome: StepOutcome, number: int, total: int) -> Group:
    status_style = "bold red" if outcome.failed else "bold green"
    title = Text(f"Step {number}/{total}: ", style="bold") + Text(step.title, style="bold")
    title.append(f"  {outcome.status}", style=status_style)
    parts: list = [title, Text(HINT, style="dim"), Text("What ran", style="bold cyan")]
    parts += [Text(f"  {mask_secrets(message)}") for message in outcome.messages]
    if outcome.diffs:
        parts.append(Text("What changed", style="bold cyan"))
        parts += [Syntax(mask_secrets(diff).rstrip("\n"), "diff", theme="ansi_dark",
                         word_wrap=True) for diff in outcome.diffs]
    parts.append(Text("Verify: ", style="bold cyan") + Text(step.verify))
    for looked in outcome.verified:
        parts.append(Text("$ ", style="dim") + Text(looked.command, style="bold"))
        parts += [Text(f"  {mask_secrets(line)}") for line in answer_lines(looked)]
    return Group(*parts)


class NarrationPanel(VerticalScroll, can_focus=True):
    """Shown in place of the plan while the apply waits after a step."""

    DEFAULT_CSS = """
    NarrationPanel {
        height: 1fr;
        border-top: solid $accent;
    }
    """
    BINDINGS = [
        Binding("enter,n", "go_on", "Next step"),
        Binding("escape", "stop", "Stop here"),
    ]

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._answered = threading.Event()
        self.stop_requested = False

    def compose(self):
        yield Static("", id="narration-body")

    def show(self, step: Step, outcome: StepOutcome, number: int, total: int) -> None:
        """On the UI thread, before the worker waits: a key from now on answers this pause."""
        self.stop_requested = False
        self._answered.clear()
        self.query_one("#narration-body", Static).update(
            render_narration(step, outcome, number, total))
        self.scroll_home(animate=False)
        self.display = True
        self.focus()

    def wait(self) -> bool:
        """In the apply's worker thread: block until a key answers; True to go on. A worker
        cancelled meanwhile (the app quits) stops the apply."""
        worker = get_current_worker()
        while not self._answered.wait(0.1):
            if worker.is_cancelled:
                return False
        return not self.stop_requested

    def action_go_on(self) -> None:
        self._answered.set()

    def action_stop(self) -> None:
        self.stop_requested = True
        self._answered.set()

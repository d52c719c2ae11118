"""An answers file the wizard could not use: every problem, with its line, and what happens now.

The subcommands stop with exit 2 on such a file; the TUI opens anyway (a student should not be
left at a shell prompt), so it must say, before anything else, that the file was not used,
what is wrong in it, and where ctrl+s will save instead: never over the file being fixed.
"""

from __future__ import annotations

from pathlib import Path

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Static


class AnswersProblemsDialog(ModalScreen[None]):
    DEFAULT_CSS = """
    AnswersProblemsDialog { align: center middle; }
    AnswersProblemsDialog #answers-problems { width: 76; max-width: 100%; height: auto;
        max-height: 100%; padding: 1 2; border: thick $error; background: $surface; }
    AnswersProblemsDialog #answers-problems-list { height: auto; max-height: 12;
        color: $error; margin: 1 0; }
    AnswersProblemsDialog Horizontal { height: auto; align-horizontal: right; }
    """
    BINDINGS = [Binding("escape,enter", "close", "Close")]

    def __init__(self, problems: str, *, started_from: str, saves_to: Path) -> None:
        super().__init__()
        self.problems = problems.splitlines()
        self.started_from = started_from
        self.saves_to = saves_to

    def compose(self) -> ComposeResult:
        with Vertical(id="answers-problems"):
            yield Static(f"The answers file was not used: {len(self.problems)} problem(s).",
                         markup=False)
            with VerticalScroll(id="answers-problems-list"):
                yield Static("\n".join(self.problems), id="answers-problems-text", markup=False)
            yield Static(f"The wizard starts from {self.started_from}. ctrl+s saves to "
                         f"{self.saves_to}, not over the file; fix it and start again with "
                         "--answers to replay it.", id="answers-problems-next", markup=False)
            with Horizontal():
                yield Button("OK", variant="primary", id="answers-problems-ok")

    def on_mount(self) -> None:
        self.query_one(Button).focus()

    def on_button_pressed(self) -> None:
        self.dismiss(None)

    def action_close(self) -> None:
        self.dismiss(None)

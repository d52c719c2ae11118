"""A yes/no question whose answer is returned to the caller (the caller decides what it means).

No single letter says yes: text typed where no field has the focus reaches the app's keys,
and "a" (apply) followed by the "y" of "discovery" once applied a whole plan. The focus
starts on Cancel, so a stray Enter says no too; yes is a deliberate ← and Enter, or a click.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Static

KEYS_HINT = "← → choose · Enter presses · Esc cancels"


class ConfirmDialog(ModalScreen[bool]):
    AUTO_FOCUS = "#no"
    BINDINGS = [Binding("escape,n", "answer(False)", "No"),
                Binding("left", "app.focus_previous", "Previous", show=False),
                Binding("right", "app.focus_next", "Next", show=False)]

    def __init__(self, question: str, yes: str = "Yes") -> None:
        super().__init__()
        self.question = question
        self.yes = yes

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm"):
            with VerticalScroll(id="confirm-question"):
                yield Static(self.question, markup=False)
            with Horizontal(classes="buttons"):
                yield Button(self.yes, variant="warning", id="yes")
                yield Button("Cancel", id="no")
            yield Static(KEYS_HINT, classes="keys-hint")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_answer(self, value: bool) -> None:
        self.dismiss(value)

"""Keep a route change that may have cut the SSH session, or let it revert by itself.

The question is asked after the change is live. If the operator can still see and answer it,
the session survived and they keep the change; if the path back to them broke they cannot
answer, and the countdown running on the host reverts the change. So silence means False.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from wizard.network.ssh_guard import REVERT_SECONDS


class SshRevertDialog(ModalScreen[bool]):
    """Dismisses with True (keep) or False (revert: chosen, Escape, or the time ran out)."""

    DEFAULT_CSS = """
    SshRevertDialog { align: center middle; }
    SshRevertDialog #ssh-revert { width: 72; height: auto; border: thick $warning;
                                  padding: 1 2; background: $surface; }
    SshRevertDialog #ssh-revert-countdown { color: $warning; text-style: bold; margin: 1 0; }
    SshRevertDialog Horizontal { height: auto; }
    """
    BINDINGS = [Binding("escape,n", "answer(False)", "Revert now"),
                Binding("y", "answer(True)", "Keep")]

    def __init__(self, explanation: str, timeout: float = REVERT_SECONDS) -> None:
        super().__init__()
        self.explanation = explanation
        self.remaining = timeout

    def compose(self) -> ComposeResult:
        with Vertical(id="ssh-revert"):
            yield Static(self.explanation, markup=False)
            yield Static(self._countdown_text(), id="ssh-revert-countdown", markup=False)
            with Horizontal():
                yield Button("Keep the change", variant="success", id="keep")
                yield Button("Revert now", variant="error", id="revert")

    def on_mount(self) -> None:
        self.set_timer(self.remaining, lambda: self.action_answer(False))
        self.set_interval(1, self._tick)

    def _countdown_text(self) -> str:
        return f"Reverting in {max(0, round(self.remaining))} s unless you keep it."

    def _tick(self) -> None:
        self.remaining -= 1
        self.query_one("#ssh-revert-countdown", Static).update(self._countdown_text())

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.action_answer(event.button.id == "keep")

    def action_answer(self, keep: bool) -> None:
        if self.is_attached and self.app.screen is self:
            self.dismiss(keep)

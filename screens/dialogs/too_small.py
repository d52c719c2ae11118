"""Shown instead of the wizard while the terminal is smaller than the 80x24 it is laid out for:
a squeezed screen cuts the Result column and hides keys, which reads as a wrong answer."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Center, Middle
from textual.screen import ModalScreen
from textual.widgets import Static

MIN_WIDTH, MIN_HEIGHT = 80, 24


def too_small(width: int, height: int) -> bool:
    return width < MIN_WIDTH or height < MIN_HEIGHT


class TooSmallScreen(ModalScreen[None]):
    """Goes away by itself once the terminal is large enough again (the app pops it)."""

    DEFAULT_CSS = """
    TooSmallScreen { align: center middle; background: $background; }
    TooSmallScreen #too-small { width: auto; max-width: 100%; padding: 0 1; }
    """
    BINDINGS = [Binding("ctrl+q", "app.quit", "Quit")]

    def __init__(self, width: int, height: int) -> None:
        super().__init__()
        self.width, self.height = width, height

    def compose(self) -> ComposeResult:
        with Middle(), Center():
            yield Static(self.notice(), id="too-small", markup=False)

    def notice(self) -> str:
        return (f"This terminal is {self.width}x{self.height}; kubeadm-wizard needs at least "
                f"{MIN_WIDTH}x{MIN_HEIGHT}. Make the window larger (it carries on as it "
                "was), or press ctrl+q to quit.")

    def update_size(self, width: int, height: int) -> None:
        self.width, self.height = width, height
        self.query_one("#too-small", Static).update(self.notice())

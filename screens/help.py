"""F1: the lesson for the current screen, from assets/help/<screen>.md."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer, MarkdownViewer


class LessonScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,f1,q", "dismiss", "Close")]

    def __init__(self, markdown: str) -> None:
        super().__init__()
        self.markdown = markdown

    def compose(self) -> ComposeResult:
        with Vertical(id="lesson"):
            yield MarkdownViewer(self.markdown, show_table_of_contents=False)
        yield Footer()

    def action_dismiss(self) -> None:
        self.dismiss(None)

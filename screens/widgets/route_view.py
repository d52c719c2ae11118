"""A line-API table that stays smooth at a million rows (a full Internet routing table).

Textual's DataTable measures every cell when rows are added, which froze for about 9 s at
100,000 rows. This view keeps no per-row widgets or measurements: it asks its row source for
the handful of rows that are visible, formats them when they are painted, and caches nothing
but column widths.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip


class RowSource(Protocol):
    """What the view needs from a table of rows, however large."""

    def __len__(self) -> int: ...

    def row(self, index: int) -> tuple[str, ...]: ...


@dataclass(frozen=True)
class Column:
    title: str
    width: int


HEADER_STYLE = Style(bold=True, reverse=True)
CURSOR_STYLE = Style(reverse=True)
MATCH_STYLE = Style(bgcolor="dark_green", bold=True)


class RouteView(ScrollView, can_focus=True):
    """Rows from a RowSource, one line each, with a cursor and a highlighted (matched) row."""

    BINDINGS = [
        Binding("up", "cursor(-1)", "Up", show=False),
        Binding("down", "cursor(1)", "Down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("home", "jump(0)", "First", show=False),
        Binding("end", "jump(-1)", "Last", show=False),
    ]

    cursor = reactive(0, always_update=True)

    @dataclass
    class CursorMoved(Message):
        view: RouteView
        index: int

    def __init__(self, columns: list[Column], source: RowSource | None = None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.columns = columns
        self.source: RowSource = source if source is not None else ()
        self.highlight: int | None = None

    # ------------------------------------------------------------------ data
    def set_source(self, source: RowSource, *, keep_cursor: bool = True) -> None:
        """Swap in new rows (after a filter, sort or netlink change) without losing our place."""
        self.source = source
        count = len(source)
        self.virtual_size = Size(self._line_width, count + 1)
        if not keep_cursor:
            self.cursor = 0
        self.cursor = min(self.cursor, max(count - 1, 0))
        self.refresh()

    def set_columns(self, columns: list[Column]) -> None:
        self.columns = columns
        self.virtual_size = Size(self._line_width, len(self.source) + 1)
        self.refresh()

    def mark(self, index: int | None) -> None:
        """Highlight one row (the route a lookup matched) and bring it into view."""
        self.highlight = index
        if index is not None:
            self.cursor = index
        self.refresh()

    @property
    def _line_width(self) -> int:
        return sum(column.width + 1 for column in self.columns)

    # ------------------------------------------------------------- movement
    def _page_height(self) -> int:
        return max(self.scrollable_content_region.height - 1, 1)

    def action_cursor(self, delta: int) -> None:
        self._move_to(self.cursor + delta)

    def action_page(self, direction: int) -> None:
        self._move_to(self.cursor + direction * self._page_height())

    def action_jump(self, index: int) -> None:
        self._move_to(len(self.source) - 1 if index < 0 else index)

    def _move_to(self, index: int) -> None:
        if len(self.source):
            self.cursor = max(0, min(index, len(self.source) - 1))

    def watch_cursor(self, index: int) -> None:
        top = self.scroll_offset.y
        height = self._page_height()
        if index < top:
            self.scroll_to(y=index, animate=False)
        elif index >= top + height:
            self.scroll_to(y=index - height + 1, animate=False)
        self.refresh()
        self.post_message(self.CursorMoved(self, index))

    # ------------------------------------------------------------- painting
    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        scroll_x = self.scroll_offset.x
        if y == 0:
            text = self._format([column.title for column in self.columns])
            return self._strip(text, HEADER_STYLE, scroll_x, width)
        index = self.scroll_offset.y + y - 1
        if index >= len(self.source):
            return Strip.blank(width)
        text = self._format(self.source.row(index))
        style = Style()
        if index == self.highlight:
            style = MATCH_STYLE
        if index == self.cursor and self.has_focus:
            style = style + CURSOR_STYLE
        elif index == self.cursor:
            style = style + Style(underline=True)
        return self._strip(text, style, scroll_x, width)

    def _format(self, cells) -> str:
        parts = []
        for column, cell in zip(self.columns, cells, strict=False):
            cell = str(cell)
            if len(cell) > column.width:
                cell = cell[: column.width - 1] + "…"
            parts.append(cell.ljust(column.width))
        return " ".join(parts)

    @staticmethod
    def _strip(text: str, style: Style, scroll_x: int, width: int) -> Strip:
        visible = text[scroll_x: scroll_x + width].ljust(width)
        return Strip([Segment(visible, style)], width)

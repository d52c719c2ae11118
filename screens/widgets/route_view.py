"""A line-API table that stays smooth at a million rows (a full Internet routing table).

Textual's DataTable measures every cell when rows are added, which froze for about 9 s at
100,000 rows. This view keeps no per-row widgets or measurements: it asks its row source for
the handful of rows that are visible, formats them when they are painted, and caches nothing
but column widths. Filtering, sorting and reloading are the source's business: the view is
handed a new source and keeps the operator's place in it.

It shows the columns that fit its width, chosen by rank: at 80 columns the destination, the
gateway, the device and the metric, the rest as the width allows (the detail line under the
table has the whole route either way). A horizontally scrolled table hid the gateway of a
route behind its type.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Protocol

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip


class RowSource(Protocol):
    """What the view needs from a table of rows, however large.

    A source may also define ``style(index) -> Style | None`` to colour some rows.
    """

    def __len__(self) -> int: ...

    def row(self, index: int) -> Sequence[str]: ...


@dataclass(frozen=True)
class Column:
    """`rank`: 0 is the last to go when the view is narrow; `least`: the narrowest width the
    column may be cut to (its cells then end in an ellipsis), 0 for its full width."""

    title: str
    width: int
    rank: int = 0
    least: int = 0

    @property
    def narrowest(self) -> int:
        return min(self.width, self.least) if self.least else self.width


ALWAYS_SHOWN = 3
"""The three best-ranked columns (where a route goes: destination, gateway, device) are shown
however narrow the view."""
MAY_CUT = 4
"""The four best-ranked columns may cut the others down to their `least` to fit; a worse one
is shown only when it fits beside them all uncut."""


class _Empty:
    def __len__(self) -> int:
        return 0

    def row(self, index: int) -> Sequence[str]:
        raise IndexError(index)


HEADER_STYLE = Style(bold=True, reverse=True)
CURSOR_STYLE = Style(reverse=True)
MATCH_STYLE = Style(bgcolor="dark_green", bold=True)


def fit_columns(titles: Sequence[str], sample: Sequence[Sequence[str]],
                limits: Sequence[int], ranks: Sequence[int] | None = None,
                least: Sequence[int] | None = None) -> list[Column]:
    """Columns as wide as their title and the widest sampled cell, up to each limit.

    Measuring a sample (the first and last rows, say) instead of every row is what lets a
    million-row table open at once; a longer cell is cut with an ellipsis. `ranks` and
    `least` (by position) are for `choose_columns`; without them the columns rank in order.
    """
    widths = [len(title) for title in titles]
    for cells in sample:
        for position, cell in enumerate(cells[:len(widths)]):
            widths[position] = max(widths[position], len(cell))
    ranks = ranks or range(len(titles))
    least = least or [0] * len(titles)
    return [Column(title, min(width, limit), rank, shortest)
            for title, width, limit, rank, shortest
            in zip(titles, widths, limits, ranks, least, strict=True)]


def choose_columns(columns: Sequence[Column], width: int) -> list[tuple[int, Column]]:
    """The columns to show in `width` cells, in table order, each with the width it gets.

    Taken by rank (the first `ALWAYS_SHOWN` always), so a low-ranked column goes before any
    better one: the first `MAY_CUT` while their narrowest widths fit, later ones while all
    fit whole. The width that is left goes back to the columns that were cut, best rank
    first. Positions index the rows' cells.
    """
    ranked = sorted(range(len(columns)), key=lambda position: columns[position].rank)
    chosen: dict[int, int] = {}
    used = whole = -1  # n columns have n - 1 gaps
    for count, position in enumerate(ranked):
        column = columns[position]
        fits = (used + column.narrowest + 1 if count < MAY_CUT else whole + column.width + 1)
        if count >= ALWAYS_SHOWN and fits > width:
            break
        chosen[position] = column.narrowest
        used += column.narrowest + 1
        whole += column.width + 1
    spare = width - used
    for position in chosen:  # rank order
        grow = max(min(columns[position].width - chosen[position], spare), 0)
        chosen[position] += grow
        spare -= grow
    return [(position, replace(columns[position], width=chosen[position]))
            for position in sorted(chosen)]


class RouteView(ScrollView, can_focus=True):
    """Rows from a RowSource, one line each, under a fixed header, with a cursor and one
    highlighted row (the route a lookup matched)."""

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
        self.shown: list[tuple[int, Column]] = list(enumerate(columns))
        """The columns painted, from `choose_columns`: (position in the row, column)."""
        self.source: RowSource = source if source is not None else _Empty()
        self.highlight: int | None = None

    # ------------------------------------------------------------------ data
    def set_source(self, source: RowSource, *, keep_cursor: bool = True,
                   cursor: int | None = None) -> None:
        """Swap in new rows (after a filter, sort or netlink change) without losing our place.

        ``cursor``: where the row that was under the cursor is now; the cursor follows it
        and the view scrolls by the same amount, so that row stays on the same screen line.
        Otherwise the cursor keeps its position (``keep_cursor``) or goes to the top.
        """
        self.source = source
        count = len(source)
        self.virtual_size = Size(self._line_width, count + 1)
        if cursor is not None:
            self.scroll_to(y=self.scroll_offset.y + cursor - self.cursor, animate=False,
                           immediate=True)
            self.cursor = min(cursor, max(count - 1, 0))
        elif keep_cursor:
            self.cursor = min(self.cursor, max(count - 1, 0))
        else:
            self.scroll_to(y=0, animate=False, immediate=True)
            self.cursor = 0
        self.refresh()

    def set_columns(self, columns: list[Column]) -> None:
        self.columns = columns
        self._choose_columns()
        self.refresh()

    def _choose_columns(self) -> None:
        width = self.scrollable_content_region.width
        self.shown = choose_columns(self.columns, width) if width else \
            list(enumerate(self.columns))
        self.virtual_size = Size(self._line_width, len(self.source) + 1)

    def mark(self, index: int | None) -> None:
        """Highlight one row (None: none), put the cursor on it and bring it to the middle."""
        self.highlight = index
        if index is not None:
            self.scroll_to(y=max(index - self._page_height() // 2, 0), animate=False,
                           immediate=True)
            self.cursor = index
        self.refresh()

    @property
    def _line_width(self) -> int:
        return max(sum(column.width + 1 for _, column in self.shown) - 1, 0)

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
        self._show_cursor()
        self.refresh()
        self.post_message(self.CursorMoved(self, index))

    def _show_cursor(self) -> None:
        top = self.scroll_offset.y
        height = self._page_height()
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False, immediate=True)
        elif self.cursor >= top + height:
            self.scroll_to(y=self.cursor - height + 1, animate=False, immediate=True)

    def on_resize(self, _event: events.Resize) -> None:
        self._choose_columns()
        self._show_cursor()

    def on_focus(self, _event: events.Focus) -> None:
        self.refresh()  # the cursor row is drawn differently with focus

    def on_blur(self, _event: events.Blur) -> None:
        self.refresh()

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is not None and offset.y > 0:
            self._move_to(self.scroll_offset.y + offset.y - 1)

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
        row_style = getattr(self.source, "style", None)
        style = (row_style(index) if row_style else None) or Style()
        if index == self.highlight:
            style = MATCH_STYLE
        if index == self.cursor and self.has_focus:
            style = style + CURSOR_STYLE
        elif index == self.cursor:
            style = style + Style(underline=True)
        return self._strip(text, style, scroll_x, width)

    def _format(self, cells: Sequence[str]) -> str:
        parts = []
        for position, column in self.shown:
            cell = cells[position] if position < len(cells) else ""
            if len(cell) > column.width:
                cell = cell[: column.width - 1] + "…"
            parts.append(cell.ljust(column.width))
        return " ".join(parts)

    @staticmethod
    def _strip(text: str, style: Style, scroll_x: int, width: int) -> Strip:
        visible = text[scroll_x: scroll_x + width].ljust(width)
        return Strip([Segment(visible, style)], width)

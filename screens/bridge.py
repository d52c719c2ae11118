"""The Bridge & iptables step: each kernel module and sysctl now and after a reboot."""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.widgets import DataTable

from screens.page import StepPage
from screens.widgets.check_list import STATUS_STYLE, CheckList, shorten_id
from screens.widgets.fit_text import longest_word, wrap
from screens.widgets.table_height import fit_height_to_rows
from wizard.checks.base import CheckContext
from wizard.checks.kernel_networking import KernelRow, bridge_table

_COLUMNS = (("", "status"), ("Setting", "name"), ("Now", "now"), ("At boot", "boot"),
            ("Want", "wanted"), ("Decided by", "source"))
_NARROW_TITLES = {"boot": "Boot", "name": "Setting / decided by"}
_STATUS_WIDTH = 5  # "fail" and a gap
_SCROLLBAR = 2  # the vertical one, when the rows are taller than the table
_ASSUMED_WIDTH = 54  # before the first layout: about what a page has at 80 columns


def _values(row: KernelRow) -> tuple[str, ...]:
    return (row.status.value, row.name, row.now, row.boot, row.wanted or "-", row.source)


class KernelTable(DataTable):
    """Modules and sysctls: wanted value, now, after a reboot, and the file that decides.

    Where the six columns do not fit (80 columns: they took about 110 cells and the table
    scrolled sideways, showing only the setting and its value now), the file that decides goes
    under the setting, a long setting or path keeps its end, and the values wrap.
    """

    DEFAULT_CSS = """
    KernelTable { height: auto; max-height: 8; }
    KernelTable.-narrow { max-height: 11; }
    """
    # Narrow, a row takes two or three lines: the table scrolls down (the cursor follows),
    # never sideways.

    def __init__(self, **kwargs) -> None:
        super().__init__(cursor_type="row", **kwargs)
        self.facts: list[KernelRow] = []
        self._laid_out_for = 0

    def show(self, rows: list[KernelRow]) -> None:
        self.facts = list(rows)
        width = self.size.width or _ASSUMED_WIDTH
        self._laid_out_for = width
        self.clear(columns=True)
        values = [_values(r) for r in rows]
        wide = [max([len(title)] + [len(v[i]) for v in values]) for i, (title, _)
                in enumerate(_COLUMNS)]
        wide[0] = 4
        # cell padding 1: two cells a column, and the vertical scrollbar
        if sum(wide) + 2 * len(wide) + 1 <= width:
            self._show_wide(values)
        else:
            self._show_narrow(values, width)
        fit_height_to_rows(self)

    def _show_wide(self, values: list[tuple[str, ...]]) -> None:
        self.remove_class("-narrow")
        self.cell_padding = 1
        for title, key in _COLUMNS:
            self.add_column(title, key=key, width=4 if key == "status" else None)
        self.add_rows([(Text(v[0], style=STATUS_STYLE[v[0]]), *(Text(cell) for cell in v[1:]))
                       for v in values])

    def _show_narrow(self, values: list[tuple[str, ...]], width: int) -> None:
        """Setting with its deciding file under it, then now, at boot and wanted, wrapped."""
        self.add_class("-narrow")
        self.cell_padding = 0
        keys = [key for _, key in _COLUMNS[2:5]]
        def widths(measure: Callable[[str], int]) -> list[int]:
            return [max([len(_NARROW_TITLES.get(key, title))] + [measure(v[i + 2]) for v in values])
                    for i, (title, key) in enumerate(_COLUMNS[2:5])]

        def room(value_widths: list[int]) -> int:
            return width - _SCROLLBAR - _STATUS_WIDTH - sum(w + 1 for w in value_widths) - 1

        value_widths = widths(len)  # whole values while the setting's name still fits
        if room(value_widths) < max(len(v[1]) for v in values):
            value_widths = widths(longest_word)
        name_width = max(12, room(value_widths))
        self.add_column("", key="status", width=_STATUS_WIDTH)
        self.add_column(_NARROW_TITLES["name"], key="name", width=name_width + 1)
        for key, value_width in zip(keys, value_widths, strict=True):
            title = dict((k, t) for t, k in _COLUMNS)[key]
            self.add_column(_NARROW_TITLES.get(key, title), key=key, width=value_width + 1)
        for status, name, *rest in values:
            source = rest[-1]
            decided = (Text(shorten_id(source, name_width), style="dim") if source.startswith("/")
                       else wrap(source, name_width, style="dim"))
            setting = Text(shorten_id(name, name_width)) + Text("\n") + decided
            cells = [wrap(value, value_width) for value, value_width
                     in zip(rest[:-1], value_widths, strict=True)]
            height = max(len(cell.plain.splitlines()) for cell in (setting, *cells))
            self.add_row(Text(status, style=STATUS_STYLE[status]), setting, *cells,
                         height=height)

    def on_resize(self, _event: events.Resize) -> None:
        """A new width: choose the layout again."""
        if self.facts and self.size.width and self.size.width != self._laid_out_for:
            self.show(self.facts)


class BridgePage(StepPage):
    STEP_ID = "bridge"
    TITLE = "Bridge & iptables"
    INTRO = ("br_netfilter shows bridged pod traffic to iptables; ip_forward lets the node "
             "route it. F1: the lesson.")

    def compose_body(self) -> ComposeResult:
        yield KernelTable(id="kernel-table")
        yield CheckList()

    def read_facts(self, context: CheckContext) -> list[KernelRow]:
        """Reads /proc, /sys and the sysctl.d files."""
        return bridge_table(context)

    def show_facts(self, facts: list[KernelRow]) -> None:
        self.query_one(KernelTable).show(facts)

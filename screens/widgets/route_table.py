"""The routing-table panel: every table, IPv4 and IPv6, in iproute2's words, or netstat's.

Better than `ip route` + `netstat -rn` together: `v` cycles between the iproute2 view (every
table, both families) and exactly what `netstat -rn` and `netstat -rn -A inet6` print, so a
learner can put the wizard beside the seed's command. One filter box that understands tables,
interfaces, families and prefixes, a sort key (`s`), the full `ip route` line and the meaning
of the flags of the row under the cursor, and the policy rules that choose between the
tables. A lookup's matched route stays highlighted through filters, sorts and reloads.

Filtering and sorting a million routes takes a second or two, so both run in a thread
worker; the table keeps showing the previous rows meanwhile.
"""

from __future__ import annotations

import socket
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Collapsible, Input, Static
from textual.worker import get_current_worker

from screens.widgets.netstat_rows import NETSTAT_VIEWS, NetstatRows, NetstatView
from screens.widgets.route_filter import FILTER_HELP, RouteFilter, parse_filter
from screens.widgets.route_rows import RouteRows, find_near, iproute_text, rule_text
from screens.widgets.route_view import Column, RouteView, fit_columns
from wizard.network.rtnetlink.iproute_format import IPROUTE_COLUMNS, iproute_row
from wizard.network.rtnetlink.route_table import RouteTable

SORT_KEYS = ("kernel", "dst", "table", "metric", "dev")
"""`s` cycles through these; "kernel" is the dump order, the order `ip route` prints."""
IPROUTE_LIMITS = (11, 43, 39, 15, 10, 10, 8, 39, 10, 20)
IPROUTE_RANKS = (4, 0, 1, 2, 5, 7, 8, 6, 3, 9)
"""Which columns a narrow view keeps (0 first): where a route goes, then its metric (which of
two defaults wins), type, table, source; protocol, scope and flags go first."""
IPROUTE_LEAST = (0, 18, 15, 0, 0, 0, 0, 15, 0, 0)  # an IPv4 prefix fits in 18
_SAMPLE = 200  # rows measured at each end of the table to size the columns


class RouteTablePanel(Vertical):
    """The routes of one snapshot, filtered, sorted and shown in one of two column sets."""

    DEFAULT_CSS = """
    RouteTablePanel #route-status { height: auto; max-height: 2; color: $text-muted; }
    RouteTablePanel RouteView { height: 1fr; min-height: 4; scrollbar-size-horizontal: 0;
                                scrollbar-size-vertical: 1; scrollbar-gutter: stable; }
    RouteTablePanel #route-detail { height: auto; max-height: 3; }
    RouteTablePanel Collapsible { padding: 0; border: none; }
    RouteTablePanel Collapsible Contents { padding: 0 0 0 2; height: auto; max-height: 8;
                                            overflow-y: auto; }
    RouteTablePanel.-iproute #legend-box { display: none; }
    """

    BINDINGS = [
        Binding("v", "toggle_view", "ip/netstat"),
        Binding("s", "cycle_sort", "Sort"),
        Binding("slash", "focus_filter", "Filter"),
        Binding("escape", "focus_table", "Table", show=False),
    ]

    @dataclass
    class ViewReady(Message):
        """A filtered and sorted view of `routes` is ready; `cursor`: where the route that was
        under the cursor is now (None: not found)."""

        routes: RouteTable
        view: RouteTable
        reload: bool  # a new snapshot of the same table: keep the operator's place
        cursor: int | None
        rows: RouteRows | NetstatRows

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.routes: RouteTable | None = None
        self.view: RouteTable | None = None
        self.netstat: NetstatView | None = None  # None: the iproute2 view
        self.rows: RouteRows | NetstatRows | None = None
        self._sized_for: NetstatView | None | bool = False  # the view the columns fit
        self.sort_key = SORT_KEYS[0]
        self.route_filter = RouteFilter()
        self.highlight_index: int | None = None
        self._sorted: dict[str, RouteTable] = {}
        self._filter_timer: Timer | None = None
        self.add_class("-iproute")

    def compose(self) -> ComposeResult:
        yield Input(placeholder=FILTER_HELP, id="route-filter", compact=True)
        yield Static("Reading the routing table…", id="route-status", markup=False)
        yield RouteView(self._columns([]), id="route-view")
        yield Static("", id="route-detail", markup=False)
        with Collapsible(title="Flags (netstat view)", id="legend-box"):
            yield Static(NETSTAT_VIEWS[0].legend_text(), id="flag-legend", markup=False)
        with Collapsible(title="Policy rules", id="rules-box"):
            yield Static("", id="rules-list", markup=False)

    @property
    def table_view(self) -> RouteView:
        return self.query_one(RouteView)

    # ------------------------------------------------------------------ data in
    def show_routes(self, routes: RouteTable, rules: Sequence[Mapping[str, Any]]) -> None:
        """A new snapshot (first load or after a change): keep the place, filter and sort."""
        first = self.routes is None
        anchor = None
        if isinstance(self.rows, RouteRows) and len(self.rows):
            cursor = min(self.table_view.cursor, len(self.rows) - 1)
            anchor = (iproute_row(self.rows.route(cursor)), cursor)
        self.routes = routes
        self.highlight_index = None  # an index into the old snapshot; the page asks again
        self._sorted = {SORT_KEYS[0]: routes}
        self._show_rules(rules)
        self._build_view(self.sort_key, self.route_filter, self.netstat, anchor,
                         reload=not first)

    def show_error(self, text: str) -> None:
        self.query_one("#route-status", Static).update(text)

    def mark_route(self, index: int | None, *, jump: bool = True) -> None:
        """Highlight the route with this dump index (a lookup's match); `jump`: move to it."""
        self.highlight_index = index
        self._place_highlight(jump=jump)

    # ------------------------------------------------------------------ building views
    @work(thread=True, exclusive=True, group="route-view", exit_on_error=False)
    def _build_view(self, sort_key: str, route_filter: RouteFilter,
                    netstat: NetstatView | None,
                    anchor: tuple[tuple[str, ...], int] | None = None, *,
                    reload: bool = False) -> None:
        """Sorts are kept per snapshot (`_sorted`): typing a filter re-sorts nothing.
        A netstat view keeps netstat's own order, so it filters the dump order.

        The snapshot is read here, not passed in: a finished worker keeps its arguments
        until the cycle collector runs, and snapshots come several times a second while
        routes change (at a million routes, 50 MB each)."""
        routes, sorted_cache = self.routes, self._sorted
        if routes is None:
            return
        if netstat is not None:
            view = route_filter.apply(routes)
            rows: RouteRows | NetstatRows = NetstatRows(netstat.entries(view))
            cursor = None
        else:
            ordered = sorted_cache.get(sort_key)
            if ordered is None:
                ordered = sorted_cache[sort_key] = routes.sort(sort_key)
            view = route_filter.apply(ordered)
            rows = RouteRows(view)
            cursor = find_near(view, *anchor) if anchor else None
        if not get_current_worker().is_cancelled:
            self.post_message(self.ViewReady(routes, view, reload, cursor, rows))

    @on(ViewReady)
    def _view_ready(self, message: ViewReady) -> None:
        message.stop()
        if message.routes is not self.routes:
            return  # built from a snapshot that has been replaced since
        if isinstance(message.rows, NetstatRows) != (self.netstat is not None):
            return  # built for the view the operator has just left
        self.view = message.view
        self.rows = message.rows
        if self._sized_for is not self.netstat:
            self.table_view.set_columns(self._columns(self._sample(message.rows)))
            self._sized_for = self.netstat
        self.table_view.set_source(message.rows, keep_cursor=message.reload,
                                   cursor=message.cursor)
        self._place_highlight(jump=False)
        self._show_status()
        self._show_detail(self.table_view.cursor)

    def _rebuild(self, doing: str) -> None:
        """Filter or sort again; the old rows stay on screen until the new ones are ready."""
        if self.routes is not None:
            self.query_one("#route-status", Static).update(f"{doing}…")
            self._build_view(self.sort_key, self.route_filter, self.netstat)

    def _place_highlight(self, *, jump: bool) -> None:
        position = None
        if self.rows is not None and self.highlight_index is not None:
            position = self.rows.position_of(self.highlight_index)
        if jump and position is not None:
            self.table_view.mark(position)
        else:
            self.table_view.highlight = position
            self.table_view.refresh()

    # ------------------------------------------------------------------ showing
    def _columns(self, sample: Sequence[Sequence[str]]) -> list[Column]:
        if self.netstat is not None:
            return fit_columns(self.netstat.columns, sample, self.netstat.limits,
                               self.netstat.ranks, self.netstat.least)
        return fit_columns(IPROUTE_COLUMNS, sample, IPROUTE_LIMITS, IPROUTE_RANKS,
                           IPROUTE_LEAST)

    @staticmethod
    def _sample(source: RouteRows | NetstatRows) -> list[Sequence[str]]:
        """Cells of the first and last rows: enough to size the columns of any table."""
        size = len(source)
        positions = [*range(min(_SAMPLE, size)), *range(max(size - _SAMPLE, _SAMPLE), size)]
        return [source.row(position) for position in positions]

    def _show_status(self) -> None:
        if self.routes is None or self.view is None:
            return
        if self.netstat is not None and self.rows is not None:
            parts = [f"{self.netstat.command} (v): {len(self.rows):,} rows, "
                     f"{self.netstat.scope}; netstat's order"]
        else:
            parts = [f"{len(self.view):,} of {len(self.routes):,} routes shown",
                     f"order: {self.sort_key} (s)", "ip route (v)"]
        if self.highlight_index is not None and self.table_view.highlight is None:
            parts.append("the looked-up route is filtered out")
        self.query_one("#route-status", Static).update(" · ".join(filter(None, parts)))

    def _show_detail(self, index: int) -> None:
        detail = self.query_one("#route-detail", Static)
        if self.rows is None or not 0 <= index < len(self.rows):
            detail.update("")
            return
        route = self.rows.route(index)
        text = Text(iproute_text(route) if route is not None else
                    "the kernel's null entry: a table without a default route ends with it",
                    style="bold")
        if self.netstat is not None:
            text.append("\n" + self.netstat.flags_text(self.rows.row(index)), style="italic")
        detail.update(text)

    def _show_rules(self, rules: Sequence[Mapping[str, Any]]) -> None:
        families = [getattr(rule, "family", socket.AF_INET) for rule in rules]
        ipv6 = families.count(socket.AF_INET6)
        self.query_one("#rules-box", Collapsible).title = (
            f"Policy rules: {len(rules) - ipv6} IPv4, {ipv6} IPv6")
        self.query_one("#rules-list", Static).update(
            "\n".join(rule_text(rule) for rule in rules) or "no rules")

    # ------------------------------------------------------------------ events
    @on(RouteView.CursorMoved)
    def _cursor_moved(self, event: RouteView.CursorMoved) -> None:
        self._show_detail(event.index)

    @on(Input.Changed, "#route-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        """Wait for a pause in typing: each filter of a big table is a full scan."""
        if self._filter_timer is not None:
            self._filter_timer.stop()
        self._filter_timer = self.set_timer(0.15, self._apply_filter)

    @on(Input.Submitted, "#route-filter")
    def _filter_submitted(self, event: Input.Submitted) -> None:
        self._apply_filter()
        self.table_view.focus()

    def _apply_filter(self) -> None:
        if self._filter_timer is not None:
            self._filter_timer.stop()
            self._filter_timer = None
        text = self.query_one("#route-filter", Input).value
        try:
            route_filter = parse_filter(text)
        except ValueError as error:
            shown = "the last filter's routes" if self.route_filter != RouteFilter() \
                else "every route"
            self.query_one("#route-status", Static).update(
                f"filter: {error} (the table still shows {shown})")
            return
        if route_filter != self.route_filter:
            self.route_filter = route_filter
            self._rebuild("filtering")

    def action_toggle_view(self) -> None:
        """ip route → netstat -rn → netstat -rn -A inet6 → ip route."""
        order = [None, *NETSTAT_VIEWS]
        self.netstat = order[(order.index(self.netstat) + 1) % len(order)]
        self.set_class(self.netstat is None, "-iproute")
        if self.netstat is not None:
            self.query_one("#flag-legend", Static).update(self.netstat.legend_text())
        self.rows = None  # the old rows would not fit the new columns
        self.table_view.set_source(NetstatRows([]), keep_cursor=False)
        self.table_view.set_columns(self._columns([]))
        self._sized_for = False
        self._rebuild(f"reading {self.netstat.command}" if self.netstat else "ip route")

    def action_cycle_sort(self) -> None:
        self.sort_key = SORT_KEYS[(SORT_KEYS.index(self.sort_key) + 1) % len(SORT_KEYS)]
        self._rebuild(f"sorting by {self.sort_key}")

    def action_focus_filter(self) -> None:
        self.query_one("#route-filter", Input).focus()

    def action_focus_table(self) -> None:
        self.table_view.focus()

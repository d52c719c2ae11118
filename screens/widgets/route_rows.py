"""The rows of the routing-table panel's iproute2 view, and the `ip route` / `ip rule` lines
the panel and the lookups print, so both speak iproute2's words alike.
"""

from __future__ import annotations

import socket
from collections.abc import Mapping, Sequence
from typing import Any

from rich.style import Style

from wizard.network.policy_rules import describe_rule
from wizard.network.rtnetlink.constants import RT_TABLE_LOCAL
from wizard.network.rtnetlink.iproute_format import iproute_row, to_iproute_json
from wizard.network.rtnetlink.route_table import Route, RouteTable

_ANCHOR_REACH = 2000  # how far a reload may move the route under the cursor and still find it
_REJECT_STYLE = Style(color="red")
_LOCAL_STYLE = Style(dim=True)


def iproute_text(route: Route) -> str:
    """The route as one `ip route show` line."""
    data = to_iproute_json(route)
    words = [] if "type" not in data else [data["type"]]
    words.append(data["dst"])
    for key, word in (("gateway", "via"), ("dev", "dev"), ("table", "table"),
                      ("protocol", "proto"), ("scope", "scope"), ("prefsrc", "src"),
                      ("metric", "metric"), ("pref", "pref")):
        if key in data:
            words += [word, str(data[key])]
    words += data["flags"]
    for hop in data.get("nexthops", ()):
        words += ["nexthop", "via", str(hop.get("gateway") or hop.get("via")), "dev",
                  str(hop["dev"]), "weight", str(hop["weight"])]
    return " ".join(words)


class RouteRows:
    """The RowSource RouteView paints in the iproute2 view: a RouteTable view's rows."""

    def __init__(self, table: RouteTable) -> None:
        self.table = table
        self._last: tuple[int, Route] | None = None

    def __len__(self) -> int:
        return len(self.table)

    def route(self, index: int) -> Route:
        """Decoded once per painted row, for both its cells and its style."""
        if self._last is None or self._last[0] != index:
            self._last = (index, self.table[index])
        return self._last[1]

    def row(self, index: int) -> Sequence[str]:
        return iproute_row(self.route(index))

    def style(self, index: int) -> Style | None:
        route = self.route(index)
        if route.is_reject:
            return _REJECT_STYLE
        return _LOCAL_STYLE if route.table == RT_TABLE_LOCAL else None

    def position_of(self, dump_index: int) -> int | None:
        return self.table.position_of(dump_index)


def rule_text(rule: Mapping[str, Any]) -> str:
    """A policy rule as `ip rule` prints it, marked v6 for IPv6."""
    family = getattr(rule, "family", socket.AF_INET) or socket.AF_INET
    text = describe_rule(rule, family)
    return f"v6 {text}" if family == socket.AF_INET6 else text


def find_near(view: RouteTable, key: tuple[str, ...], around: int) -> int | None:
    """Where the route with these cells is now, searching outwards from its old position."""
    size = len(view)
    for distance in range(_ANCHOR_REACH):
        for position in {around + distance, around - distance}:
            if 0 <= position < size and iproute_row(view[position]) == key:
                return position
    return None

"""The rows of the routing-table panel's two netstat views: `netstat -rn` and `-A inet6`.

The core builds the rows exactly as net-tools prints them (wizard/network/rtnetlink/
netstat_format.py); this module only hands them to the RouteView and explains a row's flags.
"""

from __future__ import annotations

import socket
from collections.abc import Sequence

from rich.style import Style

from wizard.network.rtnetlink.netstat_format import (
    FLAG_LEGEND,
    FLAG_LEGEND6,
    NETSTAT_RN6_COLUMNS,
    NETSTAT_RN6_NOTE,
    NETSTAT_RN_COLUMNS,
    Entry,
    netstat_rn6_entries,
    netstat_rn_entries,
)
from wizard.network.rtnetlink.route_table import Route, RouteTable

_REJECT_STYLE = Style(color="red")


class NetstatView:
    """One of the two views: its command, columns, width limits and flag legend."""

    def __init__(self, family: int) -> None:
        self.family = family
        ipv6 = family == socket.AF_INET6
        self.command = "netstat -rn -A inet6" if ipv6 else "netstat -rn"
        self.columns = NETSTAT_RN6_COLUMNS if ipv6 else NETSTAT_RN_COLUMNS
        self.limits = (43, 39, 5, 10, 4, 4, 15) if ipv6 else (15, 15, 15, 5, 5, 6, 5, 15)
        # A narrow view keeps destination, gateway and interface, then mask and flags; the
        # columns that are always 0 or '-' (MSS, Window, irtt; Ref, Use) go first.
        self.ranks = (0, 1, 3, 4, 5, 6, 2) if ipv6 else (0, 1, 3, 4, 5, 6, 7, 2)
        self.least = (18, 15, 0, 0, 0, 0, 0) if ipv6 else None
        self.legend = FLAG_LEGEND6 if ipv6 else FLAG_LEGEND
        self.flags_column = 2 if ipv6 else 3
        self.scope = ("every table, IPv6; " + NETSTAT_RN6_NOTE) if ipv6 else \
            "the main table, IPv4, as /proc/net/route has it"

    def entries(self, table: RouteTable) -> list[Entry]:
        return netstat_rn6_entries(table) if self.family == socket.AF_INET6 \
            else netstat_rn_entries(table)

    def flags_text(self, cells: Sequence[str]) -> str:
        meanings = [f"{flag} {self.legend[flag]}" for flag in cells[self.flags_column]
                    if flag in self.legend]
        return "; ".join(meanings) or "no flags"

    def legend_text(self) -> str:
        return "\n".join(f"{flag}  {meaning}" for flag, meaning in self.legend.items())


NETSTAT_VIEWS = (NetstatView(socket.AF_INET), NetstatView(socket.AF_INET6))


class NetstatRows:
    """The RowSource RouteView paints for a netstat view: its rows in netstat's own order."""

    def __init__(self, entries: list[Entry]) -> None:
        self.entries = entries

    def __len__(self) -> int:
        return len(self.entries)

    def route(self, index: int) -> Route | None:
        return self.entries[index][0]

    def row(self, index: int) -> Sequence[str]:
        return self.entries[index][1]

    def style(self, index: int) -> Style | None:
        route = self.entries[index][0]
        return _REJECT_STYLE if route is None or route.is_reject else None

    def position_of(self, dump_index: int) -> int | None:
        """The first row showing the route with this dump index (a lookup's match)."""
        for position, (route, _cells) in enumerate(self.entries):
            if route is not None and route.index == dump_index:
                return position
        return None

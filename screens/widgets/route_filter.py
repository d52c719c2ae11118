"""The routing-table panel's filter box: what its words mean, read into RouteTable.filter's
keyword arguments, so a typo is refused with why before a million rows are scanned.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from wizard.network.rtnetlink.names import table_id
from wizard.network.rtnetlink.route_table import RouteTable

FILTER_HELP = "filter: text  table:52  dev:eth0  4|6  10.0.0.0/8  match:10.1.2.3"


@dataclass(frozen=True)
class RouteFilter:
    """A parsed filter: keyword arguments of RouteTable.filter plus free words (all must hit)."""

    options: Mapping[str, Any] = field(default_factory=dict)
    words: tuple[str, ...] = ()

    def apply(self, table: RouteTable) -> RouteTable:
        """Each free word narrows the previous result, so later words scan fewer rows."""
        view = table.filter(**self.options) if self.options else table
        for word in self.words:
            view = view.filter(text=word)
        return view


def parse_filter(text: str) -> RouteFilter:
    """Read the filter box; raises ValueError with a message fit for the operator.

    ``table:NAME|ID``, ``dev:IFACE``, ``4``/``6``, ``match:ADDRESS`` (routes a lookup could
    use), a prefix ``NET/LEN`` (routes inside it); any other word is searched as text.
    """
    options: dict[str, Any] = {}
    words: list[str] = []
    for token in text.split():
        key, colon, value = token.partition(":")
        if colon and key in ("table", "dev", "match") and value:
            if key == "table":
                table_id(value)  # raises ValueError("unknown table ...")
            if key == "match":
                _check_network(value)
            options[key] = value
        elif token in ("4", "6", "-4", "-6"):
            options["family"] = socket.AF_INET if token.endswith("4") else socket.AF_INET6
        elif "/" in token:
            _check_network(token)
            options["prefix"] = token
        else:
            words.append(token)
    return RouteFilter(options, tuple(words))


def _check_network(text: str) -> None:
    try:
        ipaddress.ip_network(text, strict=False)
    except ValueError:
        raise ValueError(f"{text!r} is not an address or prefix") from None

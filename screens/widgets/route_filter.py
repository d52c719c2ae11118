"""The routing-table panel's filter box: what its words mean, read into RouteTable.filter's
keyword arguments, so a typo is refused with why before a million rows are scanned.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from wizard.network.rtnetlink.names import table_id
from wizard.network.rtnetlink.route_table import RouteTable

FILTER_HELP = "filter: text  table:52  dev:eth0  4|6  10.0.0.0/8  match:10.1.2.3"


@dataclass(frozen=True)
class RouteFilter:
    """A parsed filter: keyword arguments of RouteTable.filter, one set per repeat of a key
    (``table:main table:local`` asks for both at once: nothing), plus free words; every one
    must hit."""

    options: tuple[Mapping[str, Any], ...] = ()
    words: tuple[str, ...] = ()

    def apply(self, table: RouteTable) -> RouteTable:
        """Each set and each free word narrows the previous result, so later ones scan
        fewer rows."""
        view = table
        for options in self.options:
            view = view.filter(**options)
        for word in self.words:
            view = view.filter(text=word)
        return view


def parse_filter(text: str) -> RouteFilter:
    """Read the filter box; raises ValueError with a message fit for the operator.

    ``table:NAME|ID``, ``dev:IFACE``, ``4``/``6``, ``match:ADDRESS`` (routes a lookup could
    use), a prefix ``NET/LEN`` (routes inside it); any other word is searched as text.
    """
    sets: list[dict[str, Any]] = [{}]
    words: list[str] = []

    def add(key: str, value: Any) -> None:
        if key in sets[-1]:  # a repeat: it must hold as well, not instead
            sets.append({})
        sets[-1][key] = value

    for token in text.split():
        key, colon, value = token.partition(":")
        if colon and key in ("table", "dev", "match"):
            if not value:
                raise ValueError(f"{token!r} needs a value, e.g. {_EXAMPLES[key]}")
            if key == "table":
                table_id(value)  # raises ValueError("unknown table ...")
            if key == "match":
                _check_network(value)
            add(key, value)
        elif token in ("4", "6", "-4", "-6"):
            add("family", socket.AF_INET if token.endswith("4") else socket.AF_INET6)
        elif "/" in token:
            _check_network(token)
            add("prefix", token)
        else:
            words.append(token)
    return RouteFilter(tuple(options for options in sets if options), tuple(words))


_EXAMPLES = {"table": "table:main", "dev": "dev:eth0", "match": "match:10.1.2.3"}


def _check_network(text: str) -> None:
    try:
        ipaddress.ip_network(text, strict=False)
    except ValueError:
        raise ValueError(f"{text!r} is not an address or prefix") from None

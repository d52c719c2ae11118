"""The streamed `routes` text: the same aligned columns as building every row first."""

from __future__ import annotations

import random

import pytest

from wizard.network.rtnetlink.iproute_format import (
    IPROUTE_COLUMNS,
    iproute_row,
    iproute_text_lines,
)
from wizard.network.rtnetlink.route_table import RouteTable


def materialised(routes: RouteTable) -> list[str]:
    """What `routes` printed before it streamed: every row built, then the widths."""
    rows = [IPROUTE_COLUMNS, *(iproute_row(route) for route in routes)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)
                      ).rstrip() for row in rows]


def random_routes(rng: random.Random, count: int) -> RouteTable:
    routes = []
    for number in range(count):
        kind = rng.random()
        if kind < 0.1:
            route = {"dst": f"10.{number % 250}.0.0/16", "nexthops": [
                {"gateway": "10.0.0.2", "dev": "eth0", "weight": 1, "flags": []},
                {"gateway": "10.0.0.254", "dev": "a-very-long-name", "weight": 1,
                 "flags": ["onlink"]}]}
        elif kind < 0.15:
            route = {"dst": f"192.0.{number % 250}.0/24", "dev": "eth0",
                     "via": {"family": "inet6", "host": "fe80::1"}}
        elif kind < 0.4:
            network = rng.choice((f"fd00:{number:x}::", f"fd00:{number:x}:abcd:{number:x}::"))
            route = {"dst": f"{network}/{rng.choice((48, 64, 128))}", "dev": "wg0",
                     "metric": rng.choice((256, 1024, 4294967295)), "pref": "medium",
                     "protocol": "kernel"}
        else:
            route = {"dst": rng.choice(("default", f"172.16.{number % 250}.{number % 7}",
                                        f"172.{number % 16 + 16}.0.0/12",
                                        f"198.51.{number % 250}.128/25")),
                     "gateway": f"192.168.{number % 3}.{rng.randint(1, 254)}", "dev": "eth0",
                     "table": rng.choice(("main", "local", "52", "1000")),
                     "type": rng.choice(("unicast", "unicast", "blackhole", "broadcast")),
                     "scope": rng.choice(("global", "link", "host")),
                     "prefsrc": rng.choice((None, "192.168.0.10")),
                     "flags": rng.choice(([], ["onlink"], ["linkdown", "onlink"]))}
            if route["prefsrc"] is None:
                del route["prefsrc"]
            if rng.random() < 0.5:
                route["metric"] = rng.randint(0, 10 ** rng.randint(1, 6))
        routes.append(route)
    return RouteTable.from_iproute_json(routes)


@pytest.mark.parametrize("seed", range(8))
def test_streamed_text_equals_the_materialised_table(seed):
    routes = random_routes(random.Random(seed), rng_count := 40 + seed * 30)
    assert len(routes) == rng_count
    for view in (routes, routes.filter(family=4), routes.sort("metric", reverse=True),
                 routes.filter(table="main")):
        assert list(iproute_text_lines(view)) == materialised(view)


def test_an_empty_table_is_the_header_alone():
    empty = RouteTable.from_iproute_json([])
    assert list(iproute_text_lines(empty)) == ["  ".join(IPROUTE_COLUMNS)]

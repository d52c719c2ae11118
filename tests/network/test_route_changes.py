"""Route notifications applied to a dumped table, in a namespace the test creates: routes are
added, replaced and deleted with ``ip -batch`` while a monitor listens, and the table kept
from the notifications must equal a fresh dump (the same routes, in the same order as
``ip -j route show table all``). Where the module cannot be sure, it must say so (None), not
guess. Needs root; skipped otherwise."""

from __future__ import annotations

import json
import random
import socket
import time

import pytest

from wizard.network.monitor import NetlinkMonitor
from wizard.network.route_changes import (
    MIN_BATCH_LIMIT,
    RTM_NEWROUTE,
    RouteMessage,
    _Splice,
    apply_route_messages,
)
from wizard.network.rtnetlink.decode import dump_routes
from wizard.network.rtnetlink.iproute_format import to_iproute_json

SEED = 20261206


def _messages(monitor: NetlinkMonitor) -> list[RouteMessage]:
    """Everything the monitor has received, once the namespace has been quiet a moment."""
    while monitor.wait_for_change(0.3):
        pass
    messages = monitor.take_route_messages()
    assert messages is not None
    return messages


def _rows(table) -> list[tuple]:
    return [tuple(route) for route in table]


def _iproute_keys(netns) -> list[tuple]:
    """What identifies each route in ``ip -j route show table all``, in its order."""
    return [(route.get("type", "unicast"), route["dst"], route.get("table", "main"),
             route.get("metric"), route.get("gateway"), route.get("dev"))
            for family in ("-4", "-6")
            for route in json.loads(netns.ip("-j", family, "route", "show", "table",
                                             "all").stdout)]


def _keys_of(table) -> list[tuple]:
    keys = []
    for route in table:
        shown = to_iproute_json(route)
        keys.append((shown.get("type", "unicast"), shown["dst"], shown.get("table", "main"),
                     shown.get("metric"), shown.get("gateway"), shown.get("dev")))
    return keys


def _random_changes(rng: random.Random, count: int) -> list[str]:
    """Adds, replaces and deletes over a small space of prefixes, so many hit each other:
    every length, nested prefixes, metrics, both families, four tables (77 is not there at
    first, and its bucket is free)."""
    lines, present = [], set()
    for _ in range(count):
        table = rng.choice(("main", "52", "1000", "77"))
        metric = rng.choice((5, 10, 1024))  # not 0: "del ... metric 0" deletes any metric
        if rng.random() < 0.7:
            length = rng.choice((8, 12, 16, 20, 24, 25, 28, 32))
            # 10.64.0.0/10 and below (clear of the links' own networks), and 10.0.0.0/8
            address = (10 << 24 | 1 << 22 | rng.getrandbits(10) << 12) & ~(
                (1 << (32 - length)) - 1)
            dst = socket.inet_ntoa(address.to_bytes(4, "big")) + f"/{length}"
            family = ""
            via = rng.choice(("via 10.1.0.2", "via 10.1.0.3", "dev v0"))
        else:
            length = rng.choice((32, 48, 56, 64, 96, 128))
            address = (0x2001_0db8 << 96 | rng.getrandbits(20) << 72) & ~(
                (1 << (128 - length)) - 1)
            dst = socket.inet_ntop(socket.AF_INET6, address.to_bytes(16, "big")) + f"/{length}"
            family = "-6 "
            via = rng.choice(("via fd01::2", "via fd01::3", "dev v0"))
        route = f"{dst} table {table} metric {metric}"
        if route in present and rng.random() < 0.5:
            lines.append(f"{family}route del {route}")
            present.discard(route)
        else:
            lines.append(f"{family}route replace {route} {via}")
            present.add(route)
    return lines


def _links(netns) -> None:
    netns.batch(["link add v0 type veth peer name v1", "link set v0 up", "link set v1 up",
                 "addr add 10.1.0.1/24 dev v0", "addr add fd01::1/64 dev v0",
                 "route add 10.200.0.0/16 dev v0 table 52",
                 "route add 10.200.0.0/16 dev v0 table 1000",
                 "-6 route add fd00:52::/32 dev v0 table 52",
                 "-6 route add fd00:1000::/32 dev v0 table 1000"])


def test_every_dump_is_in_the_order_routes_are_placed_in(scenario):
    """The place this module computes for each route sorts exactly as the kernel dumps:
    the scenario has every route type, nested and random prefixes, TOS, metrics, tables
    above 255, both families."""
    table = dump_routes(scenario.name)
    splice = _Splice(table._store)
    keys = [splice._row_key(row) for row in range(len(table))]
    # A source-specific IPv6 route (from ...) sits in its node's subtree: never placed.
    placed = [key for key, route in zip(keys, table, strict=True)
              if not (route.extras and "from" in route.extras)]
    assert placed == sorted(placed)
    # IPv4 has one route per place; IPv6 lets routes through different devices share one
    # (fe80::/64 on every link), and those are never placed (a reload instead).
    ipv4 = [key for key, route in zip(keys, table, strict=True)
            if route.family == socket.AF_INET]
    assert len(set(ipv4)) == len(ipv4) > 200


def test_the_followed_table_equals_a_fresh_dump(netns):
    _links(netns)
    rng = random.Random(SEED)
    netns.batch(_random_changes(rng, 400))  # a table to start from
    with NetlinkMonitor(netns.name) as monitor:
        _messages(monitor)
        followed = dump_routes(netns.name)
        for number in range(4):
            new_tables = ["route add 10.250.0.0/16 dev v0 table 99",
                          "-6 route add 2001:db8:99::/64 dev v0 table 99"] if number == 1 else []
            netns.batch(_random_changes(rng, 300) + new_tables)
            messages = _messages(monitor)
            assert len(messages) > 100
            changed = apply_route_messages(followed, messages)
            assert changed is not None
            followed = changed
            fresh = dump_routes(netns.name)
            assert _rows(followed) == _rows(fresh)
            assert _keys_of(followed) == _iproute_keys(netns)


def test_messages_the_dump_already_shows_change_nothing(netns):
    """What arrived while the table was being dumped may already be in it: applying it
    again (adds and deletes) must leave the dump as it is."""
    _links(netns)
    rng = random.Random(SEED + 1)
    with NetlinkMonitor(netns.name) as monitor:
        _messages(monitor)
        netns.batch(_random_changes(rng, 500))
        messages = _messages(monitor)
        fresh = dump_routes(netns.name)
        again = apply_route_messages(fresh, messages)
        assert again is not None
        assert _rows(again) == _rows(fresh)


def test_what_cannot_be_placed_asks_for_a_reload(netns):
    _links(netns)
    with NetlinkMonitor(netns.name) as monitor:
        _messages(monitor)
        table = dump_routes(netns.name)
        cases = {
            "a new table in a bucket with another": ["route add 10.77.0.0/16 dev v0 table 308"],
            "IPv6 multipath": ["-6 route add 2001:db8:5::/64 nexthop via fd01::2 "
                               "nexthop via fd01::3"],
            "source-specific IPv6": ["-6 route add 2001:db8:6::/64 from fd01::/64 "
                                     "via fd01::2"],
            "a second route at one place": ["route add 10.78.0.0/16 via 10.1.0.2",
                                            "route append 10.78.0.0/16 via 10.1.0.3"],
            "IPv6 routes sharing a place": ["-6 route add 2001:db8:7::/64 dev v0",
                                            "-6 route append 2001:db8:7::/64 dev v1"],
        }
        for name, lines in cases.items():
            netns.batch(lines)
            messages = _messages(monitor)
            assert messages, name
            assert apply_route_messages(table, messages) is None, name
            table = dump_routes(netns.name)
        netns.batch(f"route add 10.79.{n >> 8}.{n & 255}/32 dev v0"
                    for n in range(MIN_BATCH_LIMIT + 1))
        assert apply_route_messages(table, _messages(monitor)) is None  # a dump is cheaper


def test_lost_messages_are_reported(netns):
    """After ENOBUFS the messages kept so far are incomplete: the monitor hands out None."""
    _links(netns)
    with NetlinkMonitor(netns.name) as monitor:
        _messages(monitor)
        monitor._sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        netns.batch(f"route add 10.80.{n >> 8}.{n & 255}/32 dev v0" for n in range(2000))
        time.sleep(0.5)
        while monitor.wait_for_change(0.3):
            pass
        assert monitor.take_route_messages() is None
        assert monitor.take_route_messages() == []  # and then it keeps them again


def test_a_view_is_refused(netns):
    _links(netns)
    table = dump_routes(netns.name)
    with pytest.raises(ValueError, match="whole table"):
        apply_route_messages(table.filter(family=4), [RouteMessage(RTM_NEWROUTE, 0, b"")])

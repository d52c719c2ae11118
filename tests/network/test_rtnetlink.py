"""The rtnetlink reader against iproute2, on a real kernel, in throw-away namespaces.

Expected values always come from ``ip -j`` run on the same namespace, never from this
file. The one normalisation: ``expires`` (seconds left on an expiring route) may have
ticked down between our read and iproute2's, so it is compared within 2 seconds.
"""

from __future__ import annotations

import io
import json
import os
import socket
import threading
from typing import TYPE_CHECKING, Any

import pytest

from wizard.network.rtnetlink import constants, route_get
from wizard.network.rtnetlink.decode import dump_addresses, dump_links, dump_routes
from wizard.network.rtnetlink.iproute_format import (
    IPROUTE_COLUMNS,
    iproute_row,
    to_iproute_json,
    write_iproute_json,
)
from wizard.network.rtnetlink.netns_socket import NetnsNotFoundError
from wizard.network.rtnetlink.route_get import kernel_route_get, kernel_route_get_many
from wizard.network.rtnetlink.route_table import RouteTable
from wizard.network.rtnetlink.rules import dump_rules

if TYPE_CHECKING:
    from conftest import Netns

EXPIRES_SLACK = 2


def _without_expires(entries: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[int]]:
    kept, expires = [], []
    for entry in entries:
        entry = dict(entry)
        if "expires" in entry:
            expires.append(entry.pop("expires"))
        kept.append(entry)
    return kept, expires


def assert_same_routes(mine: list[dict[str, Any]], theirs: list[dict[str, Any]]) -> None:
    mine_kept, mine_expires = _without_expires(mine)
    theirs_kept, theirs_expires = _without_expires(theirs)
    assert len(mine_kept) == len(theirs_kept)
    for ours, iproute in zip(mine_kept, theirs_kept, strict=True):
        assert ours == iproute
    assert len(mine_expires) == len(theirs_expires)
    for ours, iproute in zip(mine_expires, theirs_expires, strict=True):
        assert abs(ours - iproute) <= EXPIRES_SLACK


@pytest.mark.parametrize(
    ("family", "ip_options"),
    [(None, ()), (socket.AF_INET, ("-4",)), (socket.AF_INET6, ("-6",))],
    ids=["all", "ipv4", "ipv6"],
)
def test_route_dump_equals_ip_route_show_table_all(
    scenario: Netns, family: int | None, ip_options: tuple[str, ...]
) -> None:
    routes = dump_routes(scenario.name, family=family)
    expected = scenario.ip_json(*ip_options, "route", "show", "table", "all")
    assert_same_routes([to_iproute_json(route) for route in routes], expected)


def test_scenario_really_has_what_the_comparison_claims_to_cover(scenario: Netns) -> None:
    """Guards the test above: an empty or half-built namespace would compare equal too."""
    routes = list(dump_routes(scenario.name))
    tables = {route.table for route in routes}
    types = {route.type for route in routes}
    assert {52, 1000, 254, 255} <= tables
    assert {"unicast", "local", "broadcast", "multicast", "blackhole", "unreachable",
            "prohibit", "throw"} <= types
    assert any(route.nexthops for route in routes if route.family == socket.AF_INET)
    assert any(route.nexthops for route in routes if route.family == socket.AF_INET6)
    assert any(route.flags & constants.RTNH_F_LINKDOWN for route in routes)
    assert any(route.extras and "metrics" in route.extras for route in routes)
    assert any(route.extras and "expires" in route.extras for route in routes)
    for key in ("via", "nhid", "from", "flow", "tos"):
        assert any(route.extras and key in route.extras for route in routes), key
    assert len(routes) > 300


def test_fast_json_text_equals_the_dict_form_and_ip(scenario: Netns) -> None:
    routes = dump_routes(scenario.name)
    buffer = io.StringIO()
    write_iproute_json(routes, buffer, chunk=7)
    written = json.loads(buffer.getvalue())
    assert written == [to_iproute_json(route) for route in routes]
    assert_same_routes(written, scenario.ip_json("route", "show", "table", "all"))


def test_rules_equal_ip_rule_show_for_both_families(scenario: Netns) -> None:
    rules = dump_rules(scenario.name)
    expected = scenario.ip_json("rule", "show") + scenario.ip_json("-6", "rule", "show")
    assert rules == expected
    assert [rule.family for rule in rules] == (
        [socket.AF_INET] * len(scenario.ip_json("rule", "show"))
        + [socket.AF_INET6] * len(scenario.ip_json("-6", "rule", "show"))
    )


def test_links_and_addresses_equal_ip_link_and_ip_addr(scenario: Netns) -> None:
    links = scenario.ip_json("link", "show")
    assert dump_links(scenario.name) == {link["ifindex"]: link["ifname"] for link in links}
    expected: dict[str, list[str]] = {}
    for link in scenario.ip_json("addr", "show"):
        for address in link["addr_info"]:
            expected.setdefault(link["ifname"], []).append(
                f"{address['local']}/{address['prefixlen']}"
            )
    assert dump_addresses(scenario.name) == expected


@pytest.mark.parametrize("family", [socket.AF_INET, socket.AF_INET6], ids=["ipv4", "ipv6"])
def test_kernel_route_get_equals_ip_route_get(scenario: Netns, family: int) -> None:
    for dst, src in scenario.random_queries(family, 200):
        _assert_same_answer(kernel_route_get(dst, src, netns=scenario.name),
                            scenario.route_get(dst, src), dst, src, scenario)


def _assert_same_answer(ours: dict, theirs: dict, dst: str, src: str | None,
                        scenario: Netns) -> None:
    """Our answer is iproute2's: the same route, or the same error from a reject route, or
    from a source the kernel refused (then iproute2, asked without it, answers otherwise)."""
    if "error" in theirs:
        assert ours["error"] == theirs["error"], (dst, src)
        if ours.get("cause") == "source":
            assert src is not None and "type" not in ours, (dst, src, ours)
            # iproute2 asked without the source answers otherwise, or the source is an
            # IPv4 address that is not this host's (checked before any route is looked at)
            assert (scenario.route_get(dst, None).get("error") != theirs["error"]
                    or (":" not in src and theirs["error"] == "Network is unreachable"
                        and scenario.route_get(src, None).get("type") != "local")), (dst, src)
        else:
            assert ours["type"] in ("blackhole", "unreachable", "prohibit"), (dst, src, ours)
            if src is not None:
                assert scenario.route_get(dst, None).get("error") == theirs["error"], (dst, src)
    else:
        assert_same_routes([ours], [theirs])


@pytest.mark.parametrize("family", [socket.AF_INET, socket.AF_INET6], ids=["ipv4", "ipv6"])
def test_many_lookups_share_one_session_and_equal_ip_route_get(
    scenario: Netns, family: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One socket and one namespace entry for the whole batch, yet every answer is the one
    ``ip route get`` gives for that address alone (also with a source for all of them)."""
    sessions: list[object] = []

    class CountingSession(route_get._Session):
        def __init__(self, netns: str | None) -> None:
            sessions.append(netns)
            super().__init__(netns)

    monkeypatch.setattr(route_get, "_Session", CountingSession)
    queries = scenario.random_queries(family, 100)
    destinations = [dst for dst, _src in queries]
    for src in (None, queries[0][1]):
        sessions.clear()
        answers = kernel_route_get_many(destinations, src, netns=scenario.name)
        assert sessions == [scenario.name]
        assert len(answers) == len(destinations)
        for dst, ours in zip(destinations, answers, strict=True):
            _assert_same_answer(ours, scenario.route_get(dst, src), dst, src, scenario)


def test_many_lookups_go_out_in_batches_and_keep_their_order(
    scenario: Netns, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Hundreds of addresses (rejects among them) in one send(2) per 128 after the link
    dump, each answer in its address's place, as ``ip route get`` gives it alone."""
    sends: list[int] = []

    class CountingSession(route_get._Session):
        def __init__(self, netns: str | None) -> None:
            super().__init__(netns)
            real = self.sock

            class Counting:
                def send(self, data: bytes) -> int:
                    sends.append(len(data))
                    return real.send(data)

                def __getattr__(self, name: str):
                    return getattr(real, name)

            self.sock = Counting()

    monkeypatch.setattr(route_get, "_Session", CountingSession)
    queries = scenario.random_queries(socket.AF_INET, 150) + scenario.random_queries(
        socket.AF_INET6, 150)
    destinations = [dst for dst, _src in queries]
    answers = kernel_route_get_many(destinations, netns=scenario.name)
    assert len(destinations) > 256
    assert len(sends) == 1 + -(-len(destinations) // 128), sends
    assert any("error" in answer for answer in answers)
    for dst, ours in zip(destinations, answers, strict=True):
        _assert_same_answer(ours, scenario.route_get(dst, None), dst, None, scenario)


def test_missing_namespace_is_a_clear_error() -> None:
    name = f"kwt-{os.getpid()}-does-not-exist"
    with pytest.raises(NetnsNotFoundError) as caught:
        dump_routes(name)
    assert name in str(caught.value)
    assert "does not exist" in str(caught.value)


def test_reading_a_namespace_leaves_the_caller_where_it_was(scenario: Netns) -> None:
    before = os.readlink(f"/proc/self/task/{threading.get_native_id()}/ns/net")
    dump_routes(scenario.name)
    kernel_route_get("10.1.0.7", netns=scenario.name)
    assert os.readlink(f"/proc/self/task/{threading.get_native_id()}/ns/net") == before


def test_tables_above_255_are_read_from_rta_table(scenario: Netns) -> None:
    """``ip route show table N`` leaves out the ``table`` key (it is implied), so ours is
    compared without it."""
    routes = dump_routes(scenario.name)
    for table in (52, 1000):
        ours = [to_iproute_json(route) for route in routes.filter(table=table)]
        assert ours and all(entry.pop("table") == str(table) for entry in ours)
        theirs = scenario.ip_json("route", "show", "table", str(table)) + scenario.ip_json(
            "-6", "route", "show", "table", str(table)
        )
        assert ours == theirs


def test_filter_prefix_and_match_agree_with_ip_root_and_match(scenario: Netns) -> None:
    routes = dump_routes(scenario.name, family=socket.AF_INET)
    for prefix in ("10.0.0.0/8", "10.4.0.0/16", "100.64.0.0/10"):
        ours = [route.dst for route in routes.filter(prefix=prefix, table="main")]
        theirs = [r["dst"] for r in scenario.ip_json("route", "show", "root", prefix)]
        assert ours == theirs
    for address in ("10.10.3.4", "10.4.1.1", "8.8.8.8"):
        ours = [route.dst for route in routes.filter(match=address, table="main")]
        theirs = [r["dst"] for r in scenario.ip_json("route", "show", "match", address)]
        assert ours == theirs


def test_table_0_is_every_table_as_ip_says(scenario: Netns) -> None:
    # The CLI's --table and the TUI's filter box both pass the operator's word through here.
    routes = dump_routes(scenario.name, family=socket.AF_INET)
    theirs = [r["dst"] for r in scenario.ip_json("-4", "route", "show", "table", "0")]
    for every in (0, "0", "unspec"):
        assert [route.dst for route in routes.filter(table=every)] == theirs


def test_filter_text_dev_family_and_sort(scenario: Netns) -> None:
    routes = dump_routes(scenario.name)
    on_br0 = routes.filter(dev="br0")
    assert len(on_br0) == len([r for r in routes if r.dev == "br0"
                               or any(hop.dev == "br0" for hop in r.nexthops)])
    blackholes = routes.filter(text="BLACKHOLE")
    assert len(blackholes) == len([r for r in routes if r.type == "blackhole"])
    by_metric = routes.filter(family=6).sort("metric")
    metrics = [route.metric or 0 for route in by_metric]
    assert metrics == sorted(metrics) and len(by_metric) == len(routes.filter(family=6))
    by_dst = routes.filter(family=4).sort("dst")
    keys = [(socket.inet_pton(socket.AF_INET, r.dst_addr), r.dst_len) for r in by_dst]
    assert keys == sorted(keys)
    view = by_dst[5:9]
    assert [route.index for route in view] == [route.index for route in list(by_dst)[5:9]]
    assert view.position_of(view[2].index) == 2


def test_rows_for_display(scenario: Netns) -> None:
    # netstat's rows are compared with net-tools itself in test_netstat_rn.py.
    for route in dump_routes(scenario.name):
        assert len(iproute_row(route)) == len(IPROUTE_COLUMNS)


def test_iproute_dicts_round_trip_through_a_route_table(scenario: Netns) -> None:
    expected = scenario.ip_json("route", "show", "table", "all")
    rebuilt = RouteTable.from_iproute_json(expected)
    assert [to_iproute_json(route) for route in rebuilt] == expected


def test_forwarding_rows_mark_exactly_the_routes_a_lookup_may_take_unread(
        scenario: Netns) -> None:
    """``forwarding_rows()`` comes from column slices of the packed records; each row's
    byte must say what the decoded route says: not a reject or throw, not dead, no
    extras. The dump has every route type; the dicts add dead routes and next hops."""
    dicts = scenario.ip_json("route", "show", "table", "all") + [
        {"dst": "198.51.100.0/24", "gateway": "10.1.0.2", "dev": "v0", "flags": ["dead"]},
        {"dst": "198.51.101.0/24", "flags": [], "nexthops": [
            {"gateway": "10.1.0.2", "dev": "v0", "weight": 1, "flags": ["dead"]},
            {"gateway": "10.1.0.3", "dev": "v0", "weight": 1, "flags": []}]},
        {"dst": "198.51.102.0/24", "gateway": "10.1.0.2", "dev": "v0", "flags": ["onlink"]},
    ]
    for table in (dump_routes(scenario.name), RouteTable.from_iproute_json(dicts)):
        expected = bytes(
            route.type not in ("blackhole", "unreachable", "prohibit", "throw")
            and not route.flags & constants.RTNH_F_DEAD and route.extras is None
            and not route.nexthops
            for route in table)
        assert table.forwarding_rows() == expected
        assert 0 < sum(expected) < len(table)
    assert RouteTable.from_iproute_json(dicts).forwarding_rows()[-3:] == b"\x00\x00\x01"

"""The index-backed table queries (`ip route show root P` / `match P`) against a brute-force
scan of every route, on random tables of many prefix lengths, families and tables."""

from __future__ import annotations

import ipaddress
import random
import socket

import pytest

from wizard.network import prefix_index
from wizard.network.prefix_index import LookupPlan, _index_for, covering_rows, within_rows
from wizard.network.rtnetlink.route_table import RouteTable, _parse_prefix

TABLES = ("main", "local", "52", "1000")


def random_table(rng: random.Random, count: int) -> RouteTable:
    """Clustered networks (so that covering and covered routes exist), duplicates in other
    tables and metrics, IPv4 and IPv6, some defaults."""
    routes = []
    for _ in range(count):
        v6 = rng.random() < 0.3
        bits = 128 if v6 else 32
        length = rng.choice([0, *range(1, bits + 1, 1 if not v6 else 7), bits])
        base = (0xFD << 120 if v6 else 10 << 24) | rng.getrandbits(12) << (bits - 20)
        value = base | rng.getrandbits(bits - 20) if rng.random() < 0.5 else base
        network = ipaddress.ip_network((value, length), strict=False)
        route = {"dst": "default" if length == 0 else (
            str(network.network_address) if length == bits else str(network)),
            "dev": rng.choice(("eth0", "wg0")), "table": rng.choice(TABLES),
            "metric": rng.choice((0, 10, 100))}
        if v6:
            route["pref"] = "medium"
        if length == 0 and v6:
            route["gateway"] = "fd00::1"
        routes.append(route)
    return RouteTable.from_iproute_json(routes)


def brute(routes: RouteTable, text: str, inside: bool, table: str | None = None) -> list[int]:
    family, _network, _length = _parse_prefix(text)
    found = []
    for route in routes:
        if family and route.family != family:
            continue
        if table is not None and route.table_name != table:
            continue
        if not family:  # "default": everything (root), or only default routes (match)
            if inside or route.dst_len == 0:
                found.append(route.index)
            continue
        mine = ipaddress.ip_network(f"{route.dst_addr}/{route.dst_len}")
        asked = ipaddress.ip_network(text, strict=False)
        if (mine.subnet_of(asked) if inside else asked.subnet_of(mine)):
            found.append(route.index)
    return found


def random_queries(rng: random.Random, count: int) -> list[str]:
    queries = ["default", "0.0.0.0/0", "::/0", "10.0.0.0/8", "fd00::/8"]
    for _ in range(count):
        v6 = rng.random() < 0.3
        bits = 128 if v6 else 32
        length = rng.randint(0, bits)
        value = (0xFD << 120 if v6 else 10 << 24) | rng.getrandbits(bits - 8)
        network = ipaddress.ip_network((value, length), strict=False)
        queries.append(str(network) if rng.random() < 0.8 else str(network.network_address))
    return queries


@pytest.mark.parametrize("seed", range(6))
def test_index_queries_equal_a_scan(seed):
    rng = random.Random(seed)
    routes = random_table(rng, 400)
    for query in random_queries(rng, 60):
        family, network, length = _parse_prefix(query)
        for table in (None, "main", "52"):
            number = None if table is None else {"main": 254, "52": 52}[table]
            assert within_rows(routes, family, network, length, number) == brute(
                routes, query, True, table), (query, table)
            assert covering_rows(routes, family, network, length, number) == brute(
                routes, query, False, table), (query, table)


@pytest.mark.parametrize("seed", range(4))
def test_filter_answers_the_same_on_every_kind_of_view(seed):
    """Whole table and filtered views take the index; a sorted view keeps its own order
    through the scan. Every one must list what a scan of that view lists, in its order."""
    rng = random.Random(100 + seed)
    routes = random_table(rng, 300)
    views = {"whole": routes, "ipv4": routes.filter(family=4), "table 52": routes.filter(
        table="52"), "sorted": routes.sort("metric"), "slice": routes[10:250]}
    for name, view in views.items():
        order = [route.index for route in view]
        for query in random_queries(rng, 25):
            for keyword, inside in (("prefix", True), ("match", False)):
                wanted = set(brute(view, query, inside))
                got = [route.index for route in view.filter(**{keyword: query})]
                assert got == [index for index in order if index in wanted], (name, query)
            both = view.filter(prefix="10.0.0.0/8", match=query, table="main")
            expected = set(brute(view, "10.0.0.0/8", True, "main")) & set(
                brute(view, query, False, "main"))
            assert [route.index for route in both] == [i for i in order if i in expected]


def test_a_filtered_view_keeps_dump_order_for_the_next_query():
    routes = random_table(random.Random(7), 200)
    view = routes.filter(family=4).filter(match="10.0.0.0/8")
    assert [route.index for route in view] == sorted(route.index for route in view)
    assert routes.sort("dst").filter(family=4)._ascending is False


@pytest.mark.parametrize("default_rules", [False, True], ids=["rules", "local+main merged"])
@pytest.mark.parametrize("size", [3000, 70000], ids=["/16 blocks", "/20 blocks"])
def test_lookup_blocks_never_skip_a_matching_length(size, default_rules, monkeypatch):
    """The per-block length masks and block starts only save work: every answer (route
    and trace) is the one of a lookup that bisects every prefix length of the table over
    all of its networks. Without custom rules local and main are looked up as one, with
    their masks merged (at 70k routes main's /20 blocks and local's /16 ones)."""
    from wizard.network.lookup import Resolver

    rng = random.Random(size)
    routes = [{"dst": "default", "gateway": "10.0.0.1", "dev": "eth0"}]
    for _ in range(size):
        length = rng.choice([8, 12, 15, 16, 17, 19, 20, 21, 22, 23, 24, 24, 24, 25, 28, 32])
        value = rng.choice((11, 45, 203)) << 24 | rng.getrandbits(12) << 12 | rng.getrandbits(12)
        network = ipaddress.ip_network((value, length), strict=False)
        routes.append({"dst": str(network) if length < 32 else str(network.network_address),
                       "gateway": f"10.0.0.{rng.randint(2, 9)}", "dev": "eth0",
                       "metric": rng.choice((0, 10))})
    for _ in range(60):
        value = rng.choice((11, 45)) << 24 | rng.getrandbits(24)
        routes.append({"type": "local", "dst": str(ipaddress.ip_address(value)),
                       "table": "local", "dev": "eth0", "protocol": "kernel", "scope": "host"})
    routes.append({"type": "broadcast", "dst": "45.0.0.0/8", "table": "local", "dev": "eth0"})
    table = RouteTable.from_iproute_json(routes)
    rules = None if default_rules else [
        {"priority": 0, "src": "all", "table": "local"},
        {"priority": 100, "src": "all", "dst": "203.0.0.0", "dstlen": 8, "table": "52"},
        {"priority": 32766, "src": "all", "table": "main"}]
    addresses = [f"{rng.choice((11, 45, 203, 99))}.{rng.getrandbits(8)}.{rng.getrandbits(8)}."
                 f"{rng.getrandbits(8)}" for _ in range(600)]
    addresses += [route["dst"] for route in routes[-61:-1]]  # the local ones
    monkeypatch.setattr(prefix_index, "_STARTS_MIN", 64)  # and bisect within /16 blocks
    fast = [(a["route_index"], list(a["trace"])) for a in map(Resolver(table, rules).lookup,
                                                                 addresses)]
    monkeypatch.setattr(LookupPlan, "steps_for", lambda plan, _address: plan.all_steps)
    monkeypatch.setattr(prefix_index, "_STARTS_MIN", 1 << 32)
    slow = [(b["route_index"], list(b["trace"])) for b in map(Resolver(table, rules).lookup,
                                                                 addresses)]
    assert fast == slow
    assert len({route_index for route_index, _trace in fast}) > 100


def test_block_starts_bound_each_16_block_of_networks(monkeypatch):
    """``block_starts(L)[b]`` is where /16 block b's /L networks begin: every network
    between two starts is in that block, and none is left out."""
    monkeypatch.setattr(prefix_index, "_STARTS_MIN", 100)
    rng = random.Random(16)
    routes = [{"dst": str(ipaddress.ip_network((rng.choice((0x0B, 0x2D, 0xCB)) << 24
                                                  | rng.getrandbits(16) << 8, 24))),
               "dev": "eth0"} for _ in range(3000)]
    routes += [{"dst": "11.1.0.0/16", "dev": "eth0"}, {"dst": "10.0.0.0/8", "dev": "eth0"}]
    index = _index_for(RouteTable.from_iproute_json(routes))[(socket.AF_INET, 254)]
    keys, starts = index.keys[24], index.block_starts(24)
    assert starts is not None and index.block_starts(16) is None  # one /16: no starts
    assert len(starts) == 65537 and starts[0] == 0 and starts[-1] == len(keys)
    for block in range(65536):
        inside = keys[starts[block]:starts[block + 1]]
        assert all(key >> 16 == block for key in inside)
    assert sum(starts[b + 1] - starts[b] for b in range(65536)) == len(keys) > 2900

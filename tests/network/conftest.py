"""Real network namespaces for the rtnetlink and lookup tests.

Test modules use the fixtures (and the :class:`Netns` methods), never ``from conftest
import``: pytest swaps ``conftest`` modules between test directories.

Every namespace is named ``kwt-<pid>-<n>`` (unique per test process, so parallel runs
and other projects' namespaces are never touched) and is deleted afterwards, even
when the test fails. Without root the tests skip, saying why.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import shutil
import socket
import subprocess
from collections.abc import Iterable, Iterator
from typing import Any

import pytest

_COUNTER = itertools.count()
SEED = 20240611


class Netns:
    """A scratch network namespace driven through ``ip -n NAME``."""

    def __init__(self, name: str) -> None:
        self.name = name

    def ip(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["ip", "-n", self.name, *args], check=check, capture_output=True, text=True
        )

    def ip_json(self, *args: str) -> Any:
        return json.loads(self.ip("-j", *args).stdout or "[]")

    def batch(self, commands: Iterable[str]) -> None:
        """Many ``ip`` commands in one process: thousands of routes in well under a second.

        A batch line cannot carry ``-6``, so lines starting with it go to an ``ip -6``
        batch (IPv6 rules need it; routes would guess the family from their addresses).
        """
        by_options: dict[tuple[str, ...], list[str]] = {(): [], ("-6",): []}
        for command in commands:
            option, _, rest = command.partition(" ")
            if option == "-6":
                by_options[("-6",)].append(rest)
            else:
                by_options[()].append(command)
        for options, lines in by_options.items():
            if lines:
                subprocess.run(
                    ["ip", *options, "-n", self.name, "-batch", "-"], check=True,
                    input="".join(f"{line}\n" for line in lines), capture_output=True, text=True,
                )

    def route_get(self, dst: str, src: str | None = None, mark: int = 0,
                  uid: int | None = None) -> dict[str, Any]:
        """``ip -j route get``; a refusal becomes ``{"error": <text after RTNETLINK answers:>}``.
        Without ``uid`` the kernel takes the caller's (root: 0)."""
        args = ["-j", "route", "get", dst, *(["from", src] if src else []),
                *(["mark", hex(mark)] if mark else []),
                *(["uid", str(uid)] if uid is not None else [])]
        done = self.ip(*args, check=False)
        if done.returncode:
            return {"error": done.stderr.strip().removeprefix("RTNETLINK answers: ")}
        return json.loads(done.stdout)[0]

    def add_links(self) -> None:
        self.batch(LINK_COMMANDS)

    def add_routes(self, skip_table: str | None = None) -> None:
        """The scenario's routes, optionally without one table's."""
        self.batch(c for c in ROUTE_COMMANDS if not skip_table or f"table {skip_table}" not in c)

    def build_scenario(self, random_routes: int = 300) -> None:
        """Links, routes and rules covering every route type, table and rule kind we read,
        plus random overlapping prefixes."""
        self.add_links()
        self.add_routes()
        self.batch(RULE_COMMANDS)
        self.batch(random_route_commands(random.Random(SEED), random_routes))

    def random_queries(self, family: int, count: int) -> list[tuple[str, str | None]]:
        """Seeded (destination, source) pairs: one inside every route's and every rule's
        prefix (so each route and rule is exercised), then ``count`` more: half inside a
        prefix of a random route type (rejects and throws as often as the many unicast
        routes), half anywhere (defaults, loopback, multicast, nothing at all). Prefixes
        come from the live namespace."""
        rng = random.Random(SEED + family)
        option = "-6" if family == socket.AF_INET6 else "-4"
        rule_prefixes = [(rule["dst"], rule.get("dstlen", _host_bits(family)))
                         for rule in self.ip_json(option, "rule", "show") if "dst" in rule]
        routes_by_type = _route_prefixes_by_type(self, option)
        every_prefix = rule_prefixes + [p for prefixes in routes_by_type.values() for p in prefixes]
        destinations = [_inside(rng, family, *prefix) for prefix in every_prefix]
        for number in range(count):
            if number % 2:
                route_type = rng.choice(sorted(routes_by_type))
                destinations.append(_inside(rng, family, *rng.choice(routes_by_type[route_type])))
            else:
                destinations.append(_anywhere(rng, family))
        return [(dst, rng.choice(SOURCES[family])) for dst in destinations]


def _require_namespaces() -> None:
    if os.geteuid() != 0:
        pytest.skip("needs root: the tests create network namespaces with 'ip netns add'")
    if shutil.which("ip") is None:
        pytest.skip("needs iproute2's 'ip' command")


def _create(name: str) -> Netns:
    done = subprocess.run(["ip", "netns", "add", name], capture_output=True, text=True)
    if done.returncode:
        pytest.skip(f"cannot create network namespaces here: {done.stderr.strip()}")
    namespace = Netns(name)
    # No duplicate address detection: IPv6 addresses are usable at once, not "tentative"
    # for a second, so the kernel's source address choice does not depend on timing.
    subprocess.run(
        ["ip", "netns", "exec", name, "sh", "-c",
         "echo 0 > /proc/sys/net/ipv6/conf/all/accept_dad && "
         "echo 0 > /proc/sys/net/ipv6/conf/default/accept_dad"],
        check=True, capture_output=True,
    )
    namespace.ip("link", "set", "lo", "up")
    return namespace


@pytest.fixture
def netns() -> Iterator[Netns]:
    """An empty namespace (loopback up), deleted after the test."""
    _require_namespaces()
    name = f"kwt-{os.getpid()}-{next(_COUNTER)}"
    try:
        yield _create(name)
    finally:
        subprocess.run(["ip", "netns", "delete", name], capture_output=True)


LINK_COMMANDS = (
    # v0 <-> v1: a veth pair with both ends in the namespace, both up.
    "link add v0 type veth peer name v1",
    "link set v0 up", "link set v1 up",
    "addr add 10.1.0.1/24 dev v0", "addr add fd01::1/64 dev v0",
    # br0 with p0 as its port; p1 (the other end) stays in the namespace too.
    "link add br0 type bridge", "link add p0 type veth peer name p1",
    "link set p0 master br0", "link set p0 up", "link set p1 up", "link set br0 up",
    "addr add 10.2.0.1/24 dev br0", "addr add 10.2.1.1/24 dev br0",
    "addr add fd02::1/64 dev br0",
    # d0 <-> d1 with d1 down: d0 has no carrier, so routes through it are "linkdown".
    "link add d0 type veth peer name d1", "link set d0 up",
    "addr add 10.3.0.1/24 dev d0",
)

ROUTE_COMMANDS = (
    # main: gateways, metrics, host routes, protocols, scopes, rejects, multipath.
    "route add default via 10.1.0.254",
    "route add 10.10.0.0/16 via 10.2.0.254 metric 10",
    "route add 10.10.0.0/16 via 10.1.0.254 metric 20",
    "route add 10.11.0.0/16 via 10.3.0.254",
    "route add 10.12.0.0/16 dev br0 scope link proto static",
    "route add 10.13.0.7 via 10.1.0.9 proto dhcp src 10.1.0.1",
    "route add 10.14.0.0/16 via 192.0.2.1 dev v0 onlink proto 77",
    "route add 10.15.0.0/16 via 10.1.0.3 mtu 1400 advmss 1360",
    "route add 10.5.0.0/16 nexthop via 10.1.0.2 weight 2 nexthop via 10.2.0.2 dev br0",
    "route add blackhole 10.9.0.0/16",
    "route add unreachable 10.8.0.0/16",
    "route add prohibit 10.7.0.0/16",
    "route add throw 10.16.0.0/16",
    # rarer attributes: a gateway of the other family (RTA_VIA), nexthop objects (nhid),
    # TOS, realms (RTA_FLOW), locked metrics and TCP features.
    "route add 10.17.0.0/16 via inet6 fd01::17 dev v0",
    "route add 10.22.0.0/16 nexthop via inet6 fd01::22 dev v0 nexthop via 10.1.0.22 dev v0",
    "nexthop add id 10 via 10.1.0.30 dev v0",
    "nexthop add id 11 via 10.1.0.31 dev v0",
    "nexthop add id 12 group 10/11",
    "route add 10.18.0.0/16 nhid 10",
    "route add 10.21.0.0/16 nhid 12",
    "route add 10.19.0.0/16 tos 0x10 via 10.1.0.19",
    "route add 10.20.0.0/16 via 10.1.0.20 realm 5",
    "route add 10.23.0.0/16 via 10.1.0.23 mtu lock 1300 features ecn quickack 1",
    # local: an AnyIP range answered by this host.
    "route add local 10.99.0.0/24 dev lo table local",
    # table 52 (what Tailscale uses) and 1000 (above 255: only RTA_TABLE can carry it).
    "route add 100.64.0.0/10 dev v0 table 52",
    "route add 100.100.100.100 via 10.1.0.200 table 52",
    "route add throw 10.0.0.0/8 table 52",
    "route add throw 192.168.0.0/16 table 52",
    "route add default via 10.2.0.254 table 1000",
    "route add 10.4.0.0/16 via 10.1.0.3 table 1000 proto static metric 5",
    "route add 10.4.0.0/16 via 10.2.0.3 table 1000 proto static metric 7",
    # IPv6.
    "-6 route add default via fd01::fe pref high",
    "-6 route add fd05::/64 nexthop via fd01::2 nexthop via fd01::3",
    "-6 route add blackhole fd09::/64",
    "-6 route add unreachable fd08::/64",
    "-6 route add prohibit fd07::/64",
    "-6 route add fd06::/64 via fd01::9 expires 300",
    "-6 route add fd0a::/48 via fd02::9 metric 50 pref low",
    "-6 route add fd0a::/48 via fd01::a metric 60",
    "-6 route add fd0b::/64 from fd01::/64 via fd01::b",
    "-6 route add fd0c::/64 via fd01::c dev v0 hoplimit 10 congctl lock cubic rtt 30ms",
    "-6 route add fd7a:115c:a1e0::/48 dev v0 table 52",
    "-6 route add throw fd11::/16 table 52",
    "-6 route add default via fd02::fe dev br0 table 1000",
)

RULE_COMMANDS = (
    "rule add from 10.1.0.0/24 to 10.4.0.0/16 lookup 1000 prio 100",
    "rule add to 100.64.0.0/10 lookup 52 prio 5270",
    "rule add lookup 52 prio 5271",
    "rule add fwmark 0x10/0xff lookup 1000 prio 300 protocol static",
    "rule add not from 10.0.0.0/8 lookup main suppress_prefixlength 0 prio 400",
    "rule add prohibit to 10.66.0.0/16 prio 600",
    "rule add unreachable to 10.67.0.0/16 prio 601",
    "rule add blackhole to 10.68.0.0/16 prio 602",
    "rule add to 10.69.0.0/16 goto 32766 prio 700",
    "rule add iif lo to 10.70.0.0/16 lookup 1000 prio 800",
    "rule add iif v0 to 10.71.0.0/16 lookup 1000 prio 801",
    "rule add uidrange 0-0 to 10.72.0.0/16 lookup 1000 prio 802",
    "rule add uidrange 100-200 to 10.73.0.0/16 lookup 1000 prio 803",
    "rule add ipproto tcp dport 80-90 sport 22 to 10.74.0.0/16 lookup 1000 prio 804",
    "rule add to 10.75.0.0/16 lookup 1000 suppress_prefixlength 16 prio 805",
    "-6 rule add from fd01::/64 lookup 1000 prio 100",
    "-6 rule add to fd10::/16 lookup 52 prio 200",
    "-6 rule add to fd11::/16 lookup 52 prio 201",
)


def _random_ipv4_network(rng: random.Random, length: int) -> int:
    """A random network outside 224.0.0.0/4. A multicast destination under a specific
    route makes the kernel cache that answer on the next hop (per CPU), and later
    ``ip route get`` through that next hop return the cached type: the kernel's answer
    would depend on lookup history, so the comparison could not be exact."""
    while True:
        address = rng.getrandbits(32) & ~((1 << (32 - length)) - 1)
        if address >> 28 != 0xE and address:
            return address


def random_route_commands(rng: random.Random, count: int) -> list[str]:
    """Random prefixes (overlapping, mixed lengths and metrics) in main, 52 and 1000."""
    commands = []
    for number in range(count):
        table = rng.choice(("main", "52", "1000"))
        metric = rng.choice((0, 0, 5, 100, 1024))
        if number % 3:
            length = rng.randint(8, 32)
            address = _random_ipv4_network(rng, length)
            dst = f"{address >> 24 & 255}.{address >> 16 & 255}.{address >> 8 & 255}." \
                  f"{address & 255}/{length}"
            gateway = rng.choice(("via 10.1.0.50", "via 10.2.0.50", "dev v0", "dev br0"))
            commands.append(f"route replace {dst} {gateway} table {table} metric {metric}")
        else:
            length = rng.randint(16, 128)
            address = (0x2000 << 112 | rng.getrandbits(125)) & ~((1 << (128 - length)) - 1)
            groups = [f"{address >> shift & 0xFFFF:x}" for shift in range(112, -1, -16)]
            gateway = rng.choice(("via fd01::50", "via fd02::50", "dev v0"))
            commands.append(
                f"-6 route replace {':'.join(groups)}/{length} {gateway} table {table} "
                f"metric {metric}"
            )
    return commands


SOURCES = {
    socket.AF_INET: (None, None, None, "10.1.0.1", "10.2.1.1", "127.0.0.1", "10.1.0.77"),
    socket.AF_INET6: (None, None, None, "fd01::1", "fd02::1", "fd01::77"),
}


def _inside(rng: random.Random, family: int, network: str, length: int) -> str:
    bits = 32 if family == socket.AF_INET else 128
    value = int.from_bytes(socket.inet_pton(family, network), "big")
    value |= rng.getrandbits(bits - length) if length < bits else 0
    return socket.inet_ntop(family, value.to_bytes(bits // 8, "big"))


def _anywhere(rng: random.Random, family: int) -> str:
    if family == socket.AF_INET:
        return _inside(rng, family, "0.0.0.0", 0)
    network, length = rng.choice((("2000::", 3), ("fe80::", 64), ("ff02::", 112)))
    return _inside(rng, family, network, length)


def _host_bits(family: int) -> int:
    return 32 if family == socket.AF_INET else 128


def _route_prefixes_by_type(namespace: Netns, option: str) -> dict[str, list[tuple[str, int]]]:
    default = "::/0" if option == "-6" else "0.0.0.0/0"
    by_type: dict[str, list[tuple[str, int]]] = {}
    for route in namespace.ip_json(option, "route", "show", "table", "all"):
        network, _, length = route["dst"].replace("default", default).partition("/")
        family = socket.AF_INET6 if option == "-6" else socket.AF_INET
        prefix = (network, int(length) if length else _host_bits(family))
        by_type.setdefault(route.get("type", "unicast"), []).append(prefix)
    return by_type


@pytest.fixture(scope="module")
def scenario() -> Iterator[Netns]:
    """One namespace per test module with :func:`build_scenario` applied, then deleted."""
    _require_namespaces()
    name = f"kwt-{os.getpid()}-{next(_COUNTER)}"
    try:
        namespace = _create(name)
        namespace.build_scenario()
        yield namespace
    finally:
        subprocess.run(["ip", "netns", "delete", name], capture_output=True)

"""Routes the way net-tools' `netstat -rn` (and `-A inet6`) prints them, row for row.

The seed teaches `netstat -rn`; a learner puts this view beside the real program, so it shows
what netstat shows (it reads /proc/net/route and /proc/net/ipv6_route), not a netstat-looking
rendering of every table. tests/network/test_netstat_rn.py compares both with net-tools.
"""

from __future__ import annotations

import socket

from wizard.network.rtnetlink.constants import RT_TABLE_MAIN, RTPROT_KERNEL
from wizard.network.rtnetlink.route_table import Route, RouteTable

FLAG_LEGEND = {
    "U": "up: the route is usable",
    "G": "gateway: packets go to a next-hop router instead of straight onto the link",
    "H": "host: the destination is one address (/32), not a network",
    "!": "reject: packets are refused (unreachable, prohibit)",
}
"""What the letters of `netstat -rn`'s Flags column mean (the ones Linux sets over IPv4)."""

FLAG_LEGEND6 = {
    "U": "up: the route is usable",
    "!": "reject: packets stop here (unreachable, prohibit, blackhole, throw)",
    "G": "gateway: packets go to the next hop instead of straight onto the link",
    "D": "default router, learnt from a router advertisement",
    "A": "address configuration: learnt from a router advertisement",
    "e": "expires: the route goes away unless it is renewed",
    "n": "no next hop: a local address, or a route that sends nothing on",
}
"""What the letters of `netstat -rn -A inet6`'s Flag column mean."""

Entry = tuple["Route | None", tuple[str, ...]]
"""A route and its cells; None for the kernel's null entry of an IPv6 table."""


def _netmask_text(route: Route) -> str:
    mask = (0xFFFFFFFF << (32 - route.dst_len)) & 0xFFFFFFFF
    return socket.inet_ntop(socket.AF_INET, mask.to_bytes(4, "big"))


# --------------------------------------------------------------------- netstat -rn itself
NETSTAT_RN_COLUMNS = ("Destination", "Gateway", "Genmask", "Flags", "MSS", "Window", "irtt",
                      "Iface")
"""`netstat -rn`'s columns (net-tools reads /proc/net/route: IPv4, the main table only)."""

_NOT_IN_PROC_NET_ROUTE = frozenset({"broadcast", "multicast"})
_PROC_REJECT_TYPES = frozenset({"unreachable", "prohibit"})
_ADVMSS_HEADER = 40  # /proc/net/route's "MTU" is the advertised MSS plus the TCP/IP headers


def netstat_rn_routes(table: RouteTable) -> list[Route]:
    """The routes `netstat -rn` lists, in its order: IPv4 in the main table (broadcast and
    multicast entries left out, as the kernel's /proc/net/route leaves them), by address and,
    for one address, the longer prefix first, then by metric (the FIB trie's order)."""
    main = table.filter(family=socket.AF_INET, table=RT_TABLE_MAIN)
    chosen = [r for r in main if r.type not in _NOT_IN_PROC_NET_ROUTE]
    return sorted(chosen, key=lambda r: (socket.inet_aton(r.dst_addr), -r.dst_len,
                                         r.metric or 0))


def netstat_rn_row(route: Route) -> tuple[str, ...]:
    """One route under :data:`NETSTAT_RN_COLUMNS`, as net-tools prints it: unreachable and
    prohibit routes are `!` with `-` in every other column; a route with several next hops
    shows the first (all /proc/net/route has), one through an IPv6 next hop a gateway flag and
    0.0.0.0; MSS, Window and irtt come from the route's
    advmss, window and rtt metrics."""
    mask = _netmask_text(route)
    if route.type in _PROC_REJECT_TYPES:
        flags = "!" + ("H" if route.dst_len == 32 else "")
        return (route.dst_addr, "-", mask, flags, "-", "-", "-", "-")
    hop = route.nexthops[0] if route.nexthops else None
    gateway = (hop.gateway if hop else route.gateway) or None
    dev = (hop.dev if hop else route.dev) or "*"
    flags = "U" + ("G" if gateway else "") + ("H" if route.dst_len == 32 else "")
    if gateway and ":" in gateway:
        gateway = None  # an IPv6 next hop (RFC 5549) has no IPv4 gateway field to fill
    metrics = ((route.extras or {}).get("metrics") or [{}])[0]
    advmss = int(metrics.get("advmss") or 0)
    return (route.dst_addr, gateway or "0.0.0.0", mask, flags,
            str(advmss + _ADVMSS_HEADER if advmss else 0), str(int(metrics.get("window") or 0)),
            str(int(metrics.get("rtt") or 0)), dev)


def netstat_rn_entries(table: RouteTable) -> list[Entry]:
    """`netstat -rn`'s rows with the route each shows."""
    return [(route, netstat_rn_row(route)) for route in netstat_rn_routes(table)]


def netstat_rn_text(table: RouteTable) -> str:
    """The whole `netstat -rn` output, laid out the way net-tools lays it out."""
    lines = ["Kernel IP routing table",
             "Destination     Gateway         Genmask         Flags   MSS Window  irtt Iface"]
    for _route, cells in netstat_rn_entries(table):
        dst, gateway, mask, flags, mss, window, irtt, dev = cells
        lines.append(f"{dst:<15} {gateway:<15} {mask:<15} {flags:<5} {mss:>5} {window:<6} "
                     f"{irtt:>5} {dev}")
    return "\n".join(lines)


# ------------------------------------------------------------ netstat -rn -A inet6
NETSTAT_RN6_COLUMNS = ("Destination", "Next Hop", "Flag", "Met", "Ref", "Use", "If")
"""`netstat -rn -A inet6`'s columns (net-tools reads /proc/net/ipv6_route: every table)."""

NETSTAT_RN6_NOTE = ("Ref is the kernel's reference count of the route, which netlink does not "
                    "report: shown as '-'. Use is always 0 on current kernels.")

_IPV6_BITS = 128
_RTPROT_RA = 9
_FIB6_TABLE_HASH = 256  # the kernel lists IPv6 tables in the order of its table hash
_NONEXTHOP_TYPES = frozenset({"local", "anycast"})


def _last_address(route: Route) -> int:
    network = int.from_bytes(socket.inet_pton(socket.AF_INET6, route.dst_addr), "big")
    return network | ((1 << (_IPV6_BITS - route.dst_len)) - 1)


def _ipv6_flags(route: Route, gateway: str | None) -> str:
    """The letters net-tools prints for the kernel's RTF_* flags, in its order (U ! G D A e n);
    the flags are read back from what netlink does say (type, protocol, expiry)."""
    if route.is_reject:
        return "!n"
    flags = "U" + ("G" if gateway else "")
    expires = bool((route.extras or {}).get("expires"))
    # Learnt from a router advertisement (RTF_ADDRCONF): a default router or route
    # information is `proto ra`, an on-link prefix `proto kernel`; both expire. A route
    # added by hand with `proto ra` has neither flag, as the kernel gives it none.
    if expires and route.protocol in (_RTPROT_RA, RTPROT_KERNEL):
        flags += ("D" if route.protocol == _RTPROT_RA and route.dst_len == 0 else "") + "A"
    if expires:
        flags += "e"
    if route.type in _NONEXTHOP_TYPES:
        flags += "n"
    return flags


def netstat_rn6_entries(table: RouteTable) -> list[Entry]:
    """The rows `netstat -rn -A inet6` prints, in its order, with the route each shows.

    /proc/net/ipv6_route walks every table in the kernel's hash order (the table id modulo
    256) and each table's prefix tree in post-order: the more specific routes of a prefix
    before the prefix itself, so a table ends with its default route, or, without one, with
    the kernel's "null" entry (``::/0 !n -1 lo``). One row per next hop of a multipath route.
    """
    by_table: dict[int, list[Route]] = {}
    for route in table.filter(family=socket.AF_INET6):
        by_table.setdefault(route.table, []).append(route)
    rows: list[Entry] = []
    for table_id in sorted(by_table, key=lambda t: (t % _FIB6_TABLE_HASH, t)):
        # A stable sort: routes of one prefix keep the kernel's (dump) order, metric first.
        chosen = sorted(by_table[table_id], key=lambda r: (_last_address(r), -r.dst_len))
        for route in chosen:
            rows.extend((route, cells) for cells in _ipv6_rows(route))
        if not any(r.dst_len == 0 for r in chosen):
            rows.append((None, ("::/0", "::", "!n", "-1", "-", "0", "lo")))
    return rows


def _ipv6_rows(route: Route) -> list[tuple[str, ...]]:
    destination = f"{route.dst_addr}/{route.dst_len}"
    metric = str(route.metric if route.metric is not None else 0)
    if route.is_reject:
        return [(destination, "::", "!n", metric, "-", "0", "lo")]
    hops = [(hop.gateway, hop.dev) for hop in route.nexthops] or [(route.gateway, route.dev)]
    return [(destination, gateway or "::", _ipv6_flags(route, gateway), metric, "-", "0",
             dev or "lo") for gateway, dev in hops]


def netstat_rn6_text(table: RouteTable) -> str:
    """The whole `netstat -rn -A inet6` output, laid out the way net-tools lays it out."""
    lines = ["Kernel IPv6 routing table",
             "Destination                    Next Hop                   Flag Met Ref  Use If"]
    for _route, (dst, hop, flags, metric, ref, use, dev) in netstat_rn6_entries(table):
        lines.append(f"{dst:<30} {hop:<26} {flags:<4} {metric:<3} {ref:<4} {use:>4} {dev}")
    return "\n".join(lines)

"""Routes the way ``route -n`` (net-tools) shows them, for readers used to that view."""

from __future__ import annotations

import socket

from wizard.network.rtnetlink.constants import _HOST_BITS, RTNH_F_DEAD, RTPROT_REDIRECT
from wizard.network.rtnetlink.route_table import Route, _devs_text, _gateways_text

NETSTAT_COLUMNS = ("Destination", "Gateway", "Genmask", "Flags", "Metric", "Iface")

FLAG_LEGEND = {
    "U": "up: the route is usable (its next hop is not dead)",
    "G": "gateway: packets go to a next-hop router instead of straight onto the link",
    "H": "host: the destination is one address (/32 or /128), not a network",
    "D": "dynamic: created by an ICMP redirect (protocol 'redirect')",
    "M": "modified by an ICMP redirect; Linux does not report this over netlink, so "
    "it never shows here",
    "R": "reinstate: a BSD-era flag for routes a daemon re-adds; Linux never sets it",
    "!": "reject: packets are refused (unreachable, prohibit) or dropped (blackhole, throw)",
}


def netstat_flags(route: Route) -> str:
    """``route -n`` style flags for the route; :data:`FLAG_LEGEND` explains each letter."""
    hops = route.nexthops
    dead = all(hop.flags & RTNH_F_DEAD for hop in hops) if hops else route.flags & RTNH_F_DEAD
    flags = "" if dead else "U"
    if (all(hop.gateway for hop in hops) if hops else route.gateway):
        flags += "G"
    if route.dst_len == _HOST_BITS[route.family]:
        flags += "H"
    if route.protocol == RTPROT_REDIRECT:
        flags += "D"
    if route.is_reject:
        flags += "!"
    return flags


def _netmask_text(route: Route) -> str:
    if route.family == socket.AF_INET6:
        return f"/{route.dst_len}"
    mask = (0xFFFFFFFF << (32 - route.dst_len)) & 0xFFFFFFFF
    return socket.inet_ntop(socket.AF_INET, mask.to_bytes(4, "big"))


def netstat_row(route: Route) -> tuple[str, ...]:
    """The route as cells under :data:`NETSTAT_COLUMNS`, the way ``route -n`` shows it.

    Reject routes show ``-`` for gateway and interface, like net-tools; IPv6 routes put
    ``/prefix`` in the Genmask column since IPv6 has no dotted mask.
    """
    unspecified = "0.0.0.0" if route.family == socket.AF_INET else "::"
    reject = route.is_reject
    return (
        route.dst_addr,
        "-" if reject else (_gateways_text(route) or unspecified),
        _netmask_text(route),
        netstat_flags(route),
        str(route.metric or 0),
        "-" if reject else (_devs_text(route) or "*"),
    )

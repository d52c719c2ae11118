"""Which of this host's networks a CIDR collides with, and a free private block instead.

Why: the pod and Service ranges are virtual. kube-proxy and the pod network capture traffic
for them on every node, so a range that overlaps the LAN, a VPN (Tailscale's table 52), a
Docker bridge or a host-only adapter makes the real machines in the overlap unreachable from
pods, long after `kubeadm init` succeeded. Every local address and every route in every table
is compared, and the route or address that causes each overlap is named.

Default routes (0.0.0.0/0, ::/0) are left out: they cover every address, so every range
would "overlap" them, and a default route never makes a range unusable.

The comparison and the suggestion are pure functions over data (`overlaps`,
`suggest_free_block`); `local_networks` and `find_overlaps` are the thin adapter that reads a
host, scanning only the routes that touch the ranges asked about (a full Internet table has
a million routes, none of them in the private blocks).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from wizard.network.rtnetlink.constants import RT_TABLE_MAIN
from wizard.network.rtnetlink.route_table import Route, RouteTable

if TYPE_CHECKING:
    from wizard.host.base import Host
    from wizard.host.network import Address

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

PRIVATE_BLOCKS: dict[int, tuple[Network, ...]] = {
    4: (ipaddress.ip_network("10.0.0.0/8"), ipaddress.ip_network("172.16.0.0/12"),
        ipaddress.ip_network("192.168.0.0/16")),
    6: (ipaddress.ip_network("fd00::/8"),),
}
"""Where suggestions come from: RFC 1918, and the locally assigned half of RFC 4193."""

DEFAULT_ROUTES_IGNORED = ("Default routes (0.0.0.0/0 and ::/0) are not counted: they cover "
                          "every address, so every range would overlap them.")


class NetworkUnavailable(Exception):
    """The host has no running network to compare with (a --root image), or it cannot be read."""


@dataclass(frozen=True)
class UsedNetwork:
    """A network this host uses, and where: an address on a link, or a route in a table."""

    network: Network
    kind: str  # "address", "route", or "range" (another CIDR given in the same question)
    where: str  # "address 10.0.2.15/24 on enp0s3", "route 10.0.0.0/8 dev wg0 (table 52)"
    dev: str | None = None


@dataclass(frozen=True)
class Overlap:
    """One CIDR asked about, and the local network it collides with."""

    cidr: str
    used: UsedNetwork

    @property
    def explanation(self) -> str:
        return f"{self.cidr} overlaps {self.used.network}: {self.used.where}"


def parse_cidrs(cidrs: Iterable[str]) -> dict[str, Network]:
    """Each CIDR ("v4,v6" pairs count as two) that parses; the rest is left to config checks."""
    parsed: dict[str, Network] = {}
    for text in cidrs:
        for part in (piece.strip() for piece in text.split(",")):
            try:
                parsed[part] = ipaddress.ip_network(part, strict=False)
            except ValueError:
                continue
    return parsed


def address_networks(addresses: Iterable[Address]) -> list[UsedNetwork]:
    return [UsedNetwork(ipaddress.ip_interface(a.cidr).network, "address",
                        f"address {a.cidr} on {a.dev}", a.dev) for a in addresses]


def route_networks(routes: Iterable[Route]) -> list[UsedNetwork]:
    """Every route but the default ones, named as `ip route` would show it."""
    found = []
    for route in routes:
        if route.dst_len == 0:
            continue
        network = ipaddress.ip_network(f"{route.dst_addr}/{route.dst_len}")
        words = [] if route.type == "unicast" else [route.type]
        words.append(route.dst)
        words += [f"via {route.gateway}"] if route.gateway else []
        words += [f"dev {route.dev}"] if route.dev else []
        table = "" if route.table == RT_TABLE_MAIN else f" (table {route.table_name})"
        found.append(UsedNetwork(network, "route", "route " + " ".join(words) + table,
                                 route.dev))
    return found


def overlaps(cidrs: Iterable[str], used: Iterable[UsedNetwork]) -> list[Overlap]:
    """Every (CIDR, used network) pair that shares an address; CIDRs given together are also
    checked against each other (a pod range inside the Service range is as broken)."""
    wanted = parse_cidrs(cidrs)
    used = list(used)
    found = [Overlap(text, other) for text, net in wanted.items() for other in used
             if other.network.version == net.version and other.network.overlaps(net)]
    texts = list(wanted)
    for index, text in enumerate(texts):
        for other in texts[index + 1:]:
            if wanted[text].version == wanted[other].version and wanted[text].overlaps(
                    wanted[other]):
                found.append(Overlap(text, UsedNetwork(wanted[other], "range",
                                                       f"the range {other}, also given")))
    return found


def suggest_free_block(cidr: str, used: Iterable[UsedNetwork | Network | str]) -> str | None:
    """The first private block of the CIDR's size, at or after it (wrapping), that overlaps
    nothing in `used`; None when no private block of that size is free.

    The private blocks are walked in address order (10/8, 172.16/12, 192.168/16; fd00::/8), so
    10.244.0.0/16 on a host routing 10.0.0.0/8 gets 172.16.0.0/16, and 192.168.0.0/16 on a
    home LAN wraps round to 10.0.0.0/16. Each collision skips past the used network, so the
    search costs one step per used network, even across fd00::/8.
    """
    net = ipaddress.ip_network(cidr, strict=False)
    taken = sorted({_as_network(u) for u in used if _as_network(u).version == net.version},
                   key=lambda n: (int(n.network_address), n.prefixlen))
    size = net.num_addresses
    blocks = [b for b in PRIVATE_BLOCKS[net.version] if b.prefixlen <= net.prefixlen]
    start = int(net.network_address)
    after = [(max(int(b.network_address), start), int(b.broadcast_address)) for b in blocks
             if int(b.broadcast_address) >= start]
    wrapped = [(int(b.network_address), int(b.broadcast_address)) for b in blocks]
    for low, high in after + wrapped:
        found = _first_free(low, high, size, taken)
        if found is not None:
            return str(ipaddress.ip_network((found, net.prefixlen)))
    return None


def _as_network(value: UsedNetwork | Network | str) -> Network:
    if isinstance(value, UsedNetwork):
        return value.network
    return ipaddress.ip_network(value, strict=False) if isinstance(value, str) else value


def _first_free(low: int, high: int, size: int, taken: Sequence[Network]) -> int | None:
    candidate = -(-low // size) * size  # aligned up
    while candidate + size - 1 <= high:
        end = candidate + size - 1
        blocker = next((n for n in taken if int(n.network_address) <= end
                        and int(n.broadcast_address) >= candidate), None)
        if blocker is None:
            return candidate
        candidate = -(-(int(blocker.broadcast_address) + 1) // size) * size
    return None


# ------------------------------------------------------------------- host adapter
def local_networks(host: Host, within: Iterable[str]) -> list[UsedNetwork]:
    """The host's addresses, and its routes (every table) that overlap any of `within`.

    Raises NetworkUnavailable when the host has no running network or it cannot be read.
    """
    view = host.network
    if view is None:
        raise NetworkUnavailable(f"{host.label} has no running network to compare with")
    try:
        addresses = view.addresses()
        table: RouteTable = view.routes()
    except OSError as error:
        raise NetworkUnavailable(f"the network of {host.label} could not be read "
                                 f"({error.strerror or error})") from None
    rows: dict[int, Route] = {}
    for net in parse_cidrs(within).values():
        for view_of in (table.filter(prefix=str(net)), table.filter(match=str(net))):
            rows.update((route.index, route) for route in view_of)
    return address_networks(addresses) + route_networks(rows[i] for i in sorted(rows))


def find_overlaps(cidrs: Iterable[str], host: Host) -> list[Overlap]:
    """Every local address and route (any table, default routes aside) each CIDR overlaps."""
    cidrs = list(cidrs)
    return overlaps(cidrs, local_networks(host, cidrs))


def free_block_near(cidr: str, host: Host, avoid: Iterable[str] = ()) -> str | None:
    """`suggest_free_block` against everything the host uses in the private blocks, and
    against `avoid` (the other cluster range, say)."""
    version = ipaddress.ip_network(cidr, strict=False).version
    within = [cidr, *(str(b) for b in PRIVATE_BLOCKS[version])]
    return suggest_free_block(cidr, [*local_networks(host, within), *avoid])

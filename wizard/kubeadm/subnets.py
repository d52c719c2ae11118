"""Do the pod and Service ranges collide with networks this host already uses?

Pod and Service addresses are virtual: kube-proxy and the pod network capture traffic for
them on every node. A range that overlaps the LAN, a VPN or a Docker bridge makes the real
hosts in the overlap unreachable from Pods (and Service IPs ambiguous), a failure that shows
long after `kubeadm init` succeeded. So each range is compared with the network of every
local address and with every route, and for a collision the nearest private block of the same
size that collides with nothing is suggested.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from wizard.host.base import Host

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

PRIVATE_BLOCKS: dict[int, tuple[Network, ...]] = {
    4: (ipaddress.ip_network("10.0.0.0/8"), ipaddress.ip_network("172.16.0.0/12"),
        ipaddress.ip_network("192.168.0.0/16")),
    6: (ipaddress.ip_network("fd00::/8"),),
}
"""Where a suggestion may come from: RFC 1918 and the locally assigned half of RFC 4193."""

CLUSTER_DEVICES = ("cni0", "flannel.", "cali", "vxlan.calico", "tunl0", "cilium_", "lxc",
                   "kube-ipvs0", "kube-bridge", "weave")
"""Links the cluster itself creates: their routes sit inside the pod or Service range by design."""

_SKIPPED_ROUTE_TYPES = frozenset({"broadcast", "multicast", "anycast", "throw"})
_MAX_CANDIDATES = 1 << 16


@dataclass(frozen=True)
class Conflict:
    """One local network a cluster range overlaps, and where the host uses it."""

    cidr: str
    network: str
    where: str  # "address 192.168.1.20/24 on eth0", "route 10.0.0.0/8 dev wg0"


@dataclass
class SubnetReport:
    """The comparison of cluster ranges with the host's networks, or why it was not made."""

    skipped: str = ""
    conflicts: dict[str, list[Conflict]] = field(default_factory=dict)
    suggestions: dict[str, str] = field(default_factory=dict)

    def for_cidr(self, cidr: str) -> list[Conflict]:
        """The conflicts of one range given to subnet_conflicts (one part of a dual-stack pair)."""
        return self.conflicts.get(cidr, [])


def subnet_conflicts(host: Host, cidrs: Iterable[str]) -> SubnetReport:
    """Compare each CIDR (a "v4,v6" pair counts as two) with the host's addresses and routes.

    Ranges that are not valid CIDRs are left to the configuration's own validation. A
    suggestion avoids the host's networks and every other range given here.
    """
    wanted = _parse(cidrs)
    local = _local_networks(host)
    if isinstance(local, str):
        return SubnetReport(skipped=local)
    report = SubnetReport()
    for text, net in wanted.items():
        found = [Conflict(text, str(other), where) for other, where in local
                 if other.version == net.version and other.overlaps(net)]
        if found:
            report.conflicts[text] = found
            taken = [other for other, _ in local] + [n for t, n in wanted.items() if t != text]
            suggestion = suggest_free_block(net, taken)
            if suggestion:
                report.suggestions[text] = suggestion
    return report


def suggest_free_block(net: Network, taken: Iterable[Network]) -> str | None:
    """The private block of net's size nearest to it that overlaps nothing in `taken`.

    The search starts where `net` is (in its own private block, moving outwards) and then tries
    the other private blocks from their start, e.g. 10.244.0.0/16 on a host routing 10.0.0.0/8
    gets 172.16.0.0/16.
    """
    taken = [other for other in taken if other.version == net.version]
    blocks = sorted(PRIVATE_BLOCKS[net.version], key=lambda block: not net.subnet_of(block))
    size = 1 << (net.max_prefixlen - net.prefixlen)
    for block in blocks:
        if block.prefixlen > net.prefixlen:
            continue
        count = 1 << (net.prefixlen - block.prefixlen)
        base = int(block.network_address)
        start = (int(net.network_address) - base) // size if net.subnet_of(block) else 0
        for index in _outwards(start, count):
            candidate = ipaddress.ip_network((base + index * size, net.prefixlen))
            if not any(candidate.overlaps(other) for other in taken):
                return str(candidate)
    return None


def _outwards(start: int, count: int) -> Iterator[int]:
    """start, start+1, start-1, start+2, ... within [0, count), at most _MAX_CANDIDATES."""
    yield start
    produced, step = 1, 1
    while produced < _MAX_CANDIDATES and (start + step < count or start - step >= 0):
        for index in (start + step, start - step):
            if 0 <= index < count:
                produced += 1
                yield index
        step += 1


def _parse(cidrs: Iterable[str]) -> dict[str, Network]:
    parsed: dict[str, Network] = {}
    for text in cidrs:
        for part in (piece.strip() for piece in text.split(",")):
            try:
                parsed[part] = ipaddress.ip_network(part, strict=False)
            except ValueError:
                continue
    return parsed


def _local_networks(host: Host) -> list[tuple[Network, str]] | str:
    """Each network the host has an address in or a route to, with where it comes from.

    Returns why not when the host's network cannot be read.
    """
    try:
        view = getattr(host, "network", None)
        if view is None:
            return f"{host.label} has no running network to compare the ranges with"
        addresses = view.addresses()
        routes = list(view.routes())
    except (ImportError, OSError) as error:
        return f"the network of {host.label} could not be read ({error})"
    found: list[tuple[Network, str]] = []
    for address in addresses:
        if not _is_cluster_device(address.dev):
            network = ipaddress.ip_interface(address.cidr).network
            found.append((network, f"address {address.cidr} on {address.dev}"))
    for route in routes:
        entry = _route_fields(route)
        dst, kind, dev = entry.get("dst"), entry.get("type") or "unicast", entry.get("dev") or ""
        if not dst or dst == "default" or kind in _SKIPPED_ROUTE_TYPES or _is_cluster_device(dev):
            continue
        try:
            network = ipaddress.ip_network(dst, strict=False)
        except ValueError:
            continue
        table = entry.get("table")
        where = f"route {dst}" + (f" dev {dev}" if dev else "") + (
            f" (table {table})" if table not in (None, "main", 254) else "")
        found.append((network, where))
    return found


def _route_fields(route: Any) -> Mapping[str, Any]:
    """A route as a mapping: simulated hosts give iproute2 dicts, netlink gives Route tuples."""
    if isinstance(route, Mapping):
        return route
    return {"dst": route.dst, "type": route.type, "dev": route.dev, "table": route.table_name}


def _is_cluster_device(dev: str) -> bool:
    return dev.startswith(CLUSTER_DEVICES)

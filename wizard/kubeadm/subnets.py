"""Do the pod and Service ranges collide with networks this host already uses?

Pod and Service addresses are virtual: kube-proxy and the pod network capture traffic for
them on every node. A range that overlaps the LAN, a VPN or a Docker bridge makes the real
hosts in the overlap unreachable from Pods (and Service IPs ambiguous), a failure that shows
long after `kubeadm init` succeeded. So each range is compared with the network of every
local address and with every route, and for a collision the nearest private block of the same
size that collides with nothing is suggested.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from wizard.network.overlap import (
    PRIVATE_BLOCKS,
    NetworkUnavailable,
    UsedNetwork,
    local_networks,
    overlaps,
    parse_cidrs,
    suggest_free_block,
)

if TYPE_CHECKING:
    from wizard.host.base import Host

CLUSTER_DEVICES = ("cni0", "flannel.", "cali", "vxlan.calico", "tunl0", "cilium_", "lxc",
                   "kube-ipvs0", "kube-bridge", "weave")
"""Links the cluster itself creates: their routes sit inside the pod or Service range by design."""

_IGNORED_KINDS = frozenset({"broadcast", "multicast", "anycast", "throw"})


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

    The comparison itself is `wizard.network.overlap`'s; this adds what is particular to a
    cluster: the links the cluster creates are not conflicts, and a suggestion must avoid the
    other ranges given here. Ranges that are not valid CIDRs are left to the config checks.
    """
    wanted = parse_cidrs(cidrs)
    within = [*wanted, *(str(block) for blocks in PRIVATE_BLOCKS.values() for block in blocks)]
    try:
        used = [u for u in local_networks(host, within)
                if not _is_cluster_device(u.dev or "") and not _ignored(u)]
    except NetworkUnavailable as error:
        return SubnetReport(skipped=str(error))
    report = SubnetReport()
    for overlap in overlaps(wanted, used):
        report.conflicts.setdefault(overlap.cidr, []).append(
            Conflict(overlap.cidr, str(overlap.used.network), overlap.used.where))
    for text in report.conflicts:
        others = [net for other, net in wanted.items() if other != text]
        suggestion = suggest_free_block(text, [*used, *others])
        if suggestion:
            report.suggestions[text] = suggestion
    return report


def _ignored(used: UsedNetwork) -> bool:
    """Broadcast, multicast, anycast and throw routes carry no traffic a range could steal."""
    return used.kind == "route" and used.where.split()[1] in _IGNORED_KINDS


def _is_cluster_device(dev: str) -> bool:
    return dev.startswith(CLUSTER_DEVICES)

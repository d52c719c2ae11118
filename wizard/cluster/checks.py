"""Checks no single node can make: what must differ between nodes, or agree between them.

Why separate from `wizard.checks`: these compare the facts the nodes reported (kubeadm's
install page asks for a unique hostname, MAC and product_uuid per node; the kubelet's node
name and the machine-id must be unique too, or nodes overwrite each other's Node object and
leases). Each result has a stable id and names the nodes it is about.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from wizard.checks.base import Status

if TYPE_CHECKING:
    from wizard.cluster.runner import NodeResult
    from wizard.model import WizardChoices

CLOCK_WARN_SECONDS = 2.0
"""etcd and the kubelet's leases notice a second or two of difference."""
CLOCK_FAIL_SECONDS = 60.0
"""A minute off and the certificates and tokens the control plane issues look not yet valid
(or expired) on the node, and `kubeadm join` fails its TLS checks."""


@dataclass
class ClusterResult:
    id: str
    status: Status
    message: str
    nodes: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "status": self.status.value, "message": self.message,
                "nodes": self.nodes}


ClusterCheck = Callable[["dict[str, NodeResult]", "WizardChoices"], "list[ClusterResult]"]
"""A check across the nodes: every node's result and the answers in, findings out."""


def _answered(results: dict[str, NodeResult]) -> dict[str, NodeResult]:
    return {name: r for name, r in results.items() if r.report is not None}


def reachable(results: dict[str, NodeResult], _choices: WizardChoices) -> list[ClusterResult]:
    failed = {n: r.error for n, r in results.items() if r.report is None}
    if not failed:
        return [ClusterResult("NodesChecked", Status.PASS,
                              f"all {len(results)} node(s) ran the wizard's checks",
                              sorted(results))]
    return [ClusterResult("NodesChecked", Status.FAIL,
                          "; ".join(f"{n}: {why}" for n, why in failed.items()),
                          sorted(failed))]


def _unique(check_id: str, what: str, value_of: Callable[[dict[str, Any]], list[str]]
            ) -> ClusterCheck:
    def run(results: dict[str, NodeResult], _choices: WizardChoices) -> list[ClusterResult]:
        owners: dict[str, list[str]] = {}
        empty = []
        for name, result in _answered(results).items():
            values = [v for v in value_of(result.facts) if v]
            if not values:
                empty.append(name)
            for value in dict.fromkeys(values):
                owners.setdefault(value, []).append(name)
        shared = {value: names for value, names in owners.items() if len(names) > 1}
        if shared:
            return [ClusterResult(check_id, Status.FAIL,
                                  f"{what} {value} is shared by {', '.join(names)}", names)
                    for value, names in shared.items()]
        note = f" ({', '.join(empty)}: none found)" if empty else ""
        return [ClusterResult(check_id, Status.PASS, f"every node has its own {what}{note}",
                              sorted(_answered(results)))]
    return run


def _subnet_overlap(check_id: str, attribute: str) -> ClusterCheck:
    def run(results: dict[str, NodeResult], choices: WizardChoices) -> list[ClusterResult]:
        from wizard.network.overlap import parse_cidrs

        cidr = getattr(choices, attribute)
        wanted = parse_cidrs([cidr])
        if not wanted:
            return [ClusterResult(check_id, Status.SKIP, f"no usable {attribute} in the answers")]
        found: list[ClusterResult] = []
        unknown = []
        for name, result in _answered(results).items():
            if not result.facts.get("running"):
                unknown.append(name)
                continue
            for used in result.facts.get("networks", []):
                network = ipaddress.ip_network(used["network"], strict=False)
                for text, net in wanted.items():
                    if net.version == network.version and net.overlaps(network):
                        found.append(ClusterResult(
                            check_id, Status.FAIL,
                            f"{text} overlaps {network} on {name}: {used['where']}", [name]))
        if found:
            return found
        if unknown and len(unknown) == len(_answered(results)):
            return [ClusterResult(check_id, Status.SKIP,
                                  f"no node is running: {cidr} not compared", unknown)]
        note = f"; not compared on {', '.join(unknown)} (not running)" if unknown else ""
        return [ClusterResult(check_id, Status.PASS,
                              f"{cidr} overlaps no node's addresses or routes{note}",
                              sorted(_answered(results)))]
    return run


def control_plane_reachable(results: dict[str, NodeResult],
                            _choices: WizardChoices) -> list[ClusterResult]:
    found = []
    for name, result in _answered(results).items():
        probe = result.facts.get("probe")
        if result.node.role != "worker" or probe is None:
            continue
        endpoint = probe.get("endpoint", "?")
        route = probe.get("route") or {}
        via = (f" via {route.get('gateway')}" if route.get("gateway") else "") + (
            f" dev {route['dev']}" if route.get("dev") else "")
        if not probe.get("ran"):
            found.append(ClusterResult("ControlPlaneReachable", Status.SKIP,
                                       f"{name}: {probe.get('message')}", [name]))
        elif route.get("error"):
            found.append(ClusterResult("ControlPlaneReachable", Status.FAIL,
                                       f"{name}: no route to {endpoint}: {route['error']}",
                                       [name]))
        elif not (probe.get("connect") or {}).get("ok"):
            reason = (probe.get("connect") or {}).get("reason") or probe.get("message")
            found.append(ClusterResult("ControlPlaneReachable", Status.FAIL,
                                       f"{name} -> {endpoint}{via}: {reason}", [name]))
        else:
            found.append(ClusterResult("ControlPlaneReachable", Status.PASS,
                                       f"{name} -> {endpoint}{via}: connected", [name]))
    return found


def _minor(text: str | None) -> int | None:
    from wizard.kube.versions import KubeVersion, VersionError

    try:
        return KubeVersion.parse(text).minor if text else None
    except VersionError:
        return None


def version_skew(results: dict[str, NodeResult], choices: WizardChoices) -> list[ClusterResult]:
    """kubeadm the same minor everywhere; no kubelet newer than the control plane's kubeadm,
    none more than three minors older (the version-skew policy)."""
    answered = _answered(results)
    kubeadm = {n: _minor(r.facts.get("versions", {}).get("kubeadm")) for n, r in answered.items()}
    kubelet = {n: _minor(r.facts.get("versions", {}).get("kubelet")) for n, r in answered.items()}
    control = [minor for n, r in answered.items()
               if r.node.role == "control-plane" and (minor := kubeadm[n]) is not None]
    if not control:
        from wizard.kube.versions import resolve_minor

        control = [resolve_minor(choices.kubernetes_version)]
    target = min(control)
    problems = []
    minors = {m for m in kubeadm.values() if m is not None}
    if len(minors) > 1:
        problems.append(ClusterResult(
            "VersionSkew", Status.FAIL, "kubeadm differs between nodes: " + ", ".join(
                f"{n} 1.{m}" for n, m in kubeadm.items() if m is not None),
            [n for n, m in kubeadm.items() if m is not None]))
    for name, minor in kubelet.items():
        if minor is not None and (minor > target or target - minor > 3):
            problems.append(ClusterResult(
                "VersionSkew", Status.FAIL,
                f"{name}: kubelet 1.{minor} against a 1.{target} control plane (a kubelet may "
                "not be newer, nor more than three minors older)", [name]))
    if problems:
        return problems
    missing = sorted(n for n in answered if kubeadm[n] is None or kubelet[n] is None)
    note = f"; not installed yet on {', '.join(missing)}" if missing else ""
    return [ClusterResult("VersionSkew", Status.PASS,
                          f"versions fit a 1.{target} control plane{note}", sorted(answered))]


def clock_skew(results: dict[str, NodeResult], _choices: WizardChoices) -> list[ClusterResult]:
    """Each node's clock against the controller's, measured around the task that read it:
    the window's half-width is how far off the measurement itself may be."""
    found = []
    for name, result in _answered(results).items():
        clock = result.facts.get("clock")
        if clock is None or result.window is None:
            continue
        start, end = result.window
        offset = float(clock) - (start + end) / 2
        margin = (end - start) / 2
        off = abs(offset) - margin
        text = f"{name}: {offset:+.1f} s against the controller (±{margin:.1f} s)"
        status = (Status.FAIL if off > CLOCK_FAIL_SECONDS else
                  Status.WARN if off > CLOCK_WARN_SECONDS else Status.PASS)
        found.append(ClusterResult("ClockSkew", status, text, [name]))
    return found


CLUSTER_CHECKS = (
    reachable,
    _unique("UniqueHostname", "hostname", lambda f: [f.get("hostname", "").lower()]),
    _unique("UniqueMachineID", "machine-id", lambda f: [f.get("machine_id", "")]),
    _unique("UniqueProductUUID", "product_uuid", lambda f: [f.get("product_uuid", "").lower()]),
    _unique("UniqueMACAddress", "MAC address",
            lambda f: [m.lower() for m in (f.get("macs") or {}).values()]),
    _subnet_overlap("ClusterPodSubnetOverlap", "pod_subnet"),
    _subnet_overlap("ClusterServiceSubnetOverlap", "service_subnet"),
    control_plane_reachable,
    version_skew,
    clock_skew,
)


def run_cluster_checks(results: dict[str, NodeResult],
                       choices: WizardChoices) -> list[ClusterResult]:
    return [found for check in CLUSTER_CHECKS for found in check(results, choices)]

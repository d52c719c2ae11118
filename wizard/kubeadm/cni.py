"""The pod network add-ons the wizard offers, and how each one's pod range must match kubeadm's.

kubeadm leaves the pod network to the operator ("You should now deploy a pod network to the
cluster"). The classic failure is a CNI whose pod range disagrees with ClusterConfiguration's
podSubnet, leaving CoreDNS Pending and nodes NotReady; cni_subnet_warning() catches that before
`kubeadm init` runs. Versions are pinned so the wizard installs what these notes describe.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

FLANNEL_VERSION = "v0.28.4"
CALICO_VERSION = "v3.32.2"
CILIUM_VERSION = "1.19.5"


@dataclass(frozen=True)
class CniPlugin:
    """One pod network add-on and the facts the wizard needs about it."""

    key: str
    name: str
    version: str
    default_pod_subnet: str
    needs_br_netfilter: bool
    manifest_url: str | None  # None when the add-on is installed with Helm
    docs_url: str


CNI_PLUGINS: dict[str, CniPlugin] = {
    # Flannel's kube-flannel.yml sets net-conf.json "Network": "10.244.0.0/16", and flannel reads
    # each node's podCIDR, which kube-controller-manager assigns only when podSubnet is set. It
    # bridges pods on cni0, so it needs br_netfilter, which kubeadm stopped checking in 1.30
    # (flannel README "Deploying Flannel with kubectl"; reference §1.5).
    "flannel": CniPlugin(
        key="flannel",
        name="Flannel",
        version=FLANNEL_VERSION,
        default_pod_subnet="10.244.0.0/16",
        needs_br_netfilter=True,
        manifest_url=(
            f"https://github.com/flannel-io/flannel/releases/download/{FLANNEL_VERSION}/kube-flannel.yml"
        ),
        docs_url="https://github.com/flannel-io/flannel#deploying-flannel-with-kubectl",
    ),
    # Calico's manifest leaves CALICO_IPV4POOL_CIDR commented out (default 192.168.0.0/16) and,
    # on kubeadm clusters, detects a different podSubnet from the running configuration (Calico
    # on-premises install docs). It routes pods without a Linux bridge, so no br_netfilter.
    "calico": CniPlugin(
        key="calico",
        name="Calico",
        version=CALICO_VERSION,
        default_pod_subnet="192.168.0.0/16",
        needs_br_netfilter=False,
        manifest_url=(
            f"https://raw.githubusercontent.com/projectcalico/calico/{CALICO_VERSION}/manifests/calico.yaml"
        ),
        docs_url="https://docs.tigera.io/calico/latest/getting-started/kubernetes/self-managed-onprem/onpremises",
    ),
    # Cilium's default "cluster-pool" IPAM hands out addresses from its own pool, Helm value
    # ipam.operator.clusterPoolIPv4PodCIDRList (default ["10.0.0.0/8"], /24 per node), and
    # ignores kubeadm's podSubnet. It is eBPF-based and needs no br_netfilter.
    "cilium": CniPlugin(
        key="cilium",
        name="Cilium",
        version=CILIUM_VERSION,
        default_pod_subnet="10.0.0.0/8",
        needs_br_netfilter=False,
        manifest_url=None,
        docs_url="https://docs.cilium.io/en/stable/network/concepts/ipam/cluster-pool/",
    ),
}

CILIUM_HELM_REPO = "https://helm.cilium.io/"


def get_cni(key: str) -> CniPlugin:
    """Look up an add-on by key ("flannel", "calico", "cilium"), naming the choices if unknown."""
    try:
        return CNI_PLUGINS[key]
    except KeyError:
        raise KeyError(f"unknown CNI {key!r}; choose one of {', '.join(CNI_PLUGINS)}") from None


def install_commands(cni: CniPlugin, pod_subnet: str | None) -> list[list[str]]:
    """The commands (argv lists) that install the add-on once `kubeadm init` has finished.

    Cilium gets the IPv4 part of pod_subnet as its cluster pool, so its pod range follows
    kubeadm's instead of its own 10.0.0.0/8 default.
    """
    if cni.manifest_url is not None:
        return [["kubectl", "apply", "-f", cni.manifest_url]]
    install = [
        "helm",
        "install",
        "cilium",
        "cilium/cilium",
        "--version",
        cni.version,
        "--namespace",
        "kube-system",
    ]
    ipv4 = _ipv4_ranges(pod_subnet)
    if ipv4:
        install += ["--set", f"ipam.operator.clusterPoolIPv4PodCIDRList={{{','.join(ipv4)}}}"]
    return [["helm", "repo", "add", "cilium", CILIUM_HELM_REPO], install]


def cni_subnet_warning(cni: CniPlugin, pod_subnet: str | None) -> str | None:
    """Why this add-on and this podSubnet would disagree, or None when they fit together."""
    if cni.key == "flannel":
        if pod_subnet is None:
            return (
                "Flannel needs podSubnet set (10.244.0.0/16 for its stock manifest): it uses the "
                "per-node ranges that kube-controller-manager hands out only when podSubnet is set."
            )
        if _normalised(pod_subnet) != [cni.default_pod_subnet]:
            return (
                f"Flannel's manifest uses Network {cni.default_pod_subnet} in net-conf.json but "
                f"podSubnet is {pod_subnet}; use {cni.default_pod_subnet}, or download "
                "kube-flannel.yml and change Network to match before applying it."
            )
        return None
    if cni.key == "calico":
        if pod_subnet is None:
            return (
                f"Without podSubnet Calico falls back to {cni.default_pod_subnet}, which many home "
                "and office LANs also use; set podSubnet to a range your network does not route."
            )
        return None
    if cni.key == "cilium" and not _ipv4_ranges(pod_subnet):
        return (
            f"Without an IPv4 podSubnet Cilium allocates from {cni.default_pod_subnet}, which "
            "contains kubeadm's default Service range 10.96.0.0/12; set podSubnet so the wizard "
            "can hand Cilium a pool that does not overlap it."
        )
    return None


def _normalised(pod_subnet: str) -> list[str]:
    ranges: list[str] = []
    for part in pod_subnet.split(","):
        try:
            ranges.append(str(ipaddress.ip_network(part.strip(), strict=False)))
        except ValueError:
            ranges.append(part.strip())
    return ranges


def _ipv4_ranges(pod_subnet: str | None) -> list[str]:
    if pod_subnet is None:
        return []
    return [r for r in _normalised(pod_subnet) if "." in r and ":" not in r]

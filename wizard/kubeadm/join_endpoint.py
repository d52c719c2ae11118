"""Whether a join endpoint can be the control plane, given this host and its answers.

A well-formed endpoint can still be one no control plane has: this node's own address (the
learner pasted the address of the machine they are on), loopback, or an address inside the
pod or Service range of the answers, which kube-proxy and the CNI route into the cluster
network rather than to a node. kubeadm join would retry it for minutes; the form says why at
once. Loopback is let through: a local load balancer in front of the control planes (as
kubespray's nginx proxy on 127.0.0.1:6443) is a real design. A host name is not resolved here.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from wizard.kubeadm.join_command import validate_endpoint


def endpoint_address(endpoint: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The IP address of ``host:port`` / ``[v6]:port``; None for a host name."""
    host = endpoint.strip().rpartition(":")[0].strip("[]")
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def endpoint_problem_here(endpoint: str, *, own_addresses: Iterable[str],
                          pod_subnet: str, service_subnet: str) -> str | None:
    """Why `endpoint` cannot be the control plane this node joins, or None."""
    problem = validate_endpoint(endpoint)
    if problem:
        return problem
    address = endpoint_address(endpoint)
    if address is None:
        return None
    if address.is_loopback:
        return None
    if address.is_unspecified:
        return (f"{address} means every address of a machine, not one to connect to: use "
                "the address the control plane's kubeadm init printed in its join command.")
    if str(address) in set(own_addresses):
        return (f"{address} is one of this machine's own addresses: a node joins another "
                "machine's control plane; use the address in the join command that the "
                "control plane printed.")
    for label, ranges in (("pod", pod_subnet), ("Service", service_subnet)):
        for cidr in filter(None, (part.strip() for part in ranges.split(","))):
            try:
                network = ipaddress.ip_network(cidr, strict=False)
            except ValueError:
                continue
            if address in network:
                return (f"{address} is inside the {label} subnet {network} of your answers: "
                        "that range is for the cluster's own addresses, so no node (and no "
                        f"control plane) can have it; change the endpoint or the {label} "
                        "subnet.")
    return None

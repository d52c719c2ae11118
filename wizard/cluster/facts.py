"""What one node reports about itself so that the controller can compare the nodes.

Why on the node, through its host object: the same reader then serves a live node (over SSH),
a mounted image (`--root`) and a test tree, and the controller never parses a remote file
itself. `kubeadm-wizard check --json --facts` prints this next to the checks, in one run.

Only facts that must differ between nodes (or agree between them) are here: the names kubeadm
and the kubelet identify a node by, the networks it uses, the versions it runs, its clock,
and, when asked, whether it reaches the control plane's endpoint.
"""

from __future__ import annotations

import ipaddress
import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from wizard.host.base import Host

MAX_ROUTES = 2000
"""Routes reported per node; a node carrying a full Internet table still answers quickly."""

_ZERO_MAC = "00:00:00:00:00:00"


def node_facts(host: Host, probe: str | None = None) -> dict[str, Any]:
    """The facts the cross-node checks compare; `probe` is "HOST:PORT" to connect to."""
    from wizard.kubeadm.plan import installed_tools

    identity = host.identity
    facts: dict[str, Any] = {
        "hostname": identity.hostname,
        "machine_id": (host.read_optional("/etc/machine-id") or "").strip(),
        "product_uuid": (host.read_optional("/sys/class/dmi/id/product_uuid") or "").strip(),
        "running": host.network is not None,
    }
    facts["macs"], facts["networks"], facts["network_note"] = _network_facts(host)
    tools = installed_tools(host)
    facts["versions"] = {name: str(tools[name].version) if tools[name].version else None
                         for name in ("kubeadm", "kubelet")}
    if probe:
        from wizard.kubeadm.endpoint_probe import probe_endpoint

        facts["probe"] = probe_endpoint(host, probe).to_json()
    facts["clock"] = time.time()  # last, so it is as close as can be to the task's end
    return facts


def _network_facts(host: Host) -> tuple[dict[str, str], list[dict[str, Any]], str]:
    """MACs by link, and every address and non-default route as a network it uses."""
    from wizard.network.overlap import address_networks, route_networks

    view = host.network
    if view is None:  # an image: its links' MACs are still in the tree's sysfs copy
        macs = {}
        for name in host.listdir("/sys/class/net"):
            mac = (host.read_optional(f"/sys/class/net/{name}/address") or "").strip()
            if name != "lo" and mac and mac != _ZERO_MAC:
                macs[name] = mac
        return macs, [], f"{host.label} is not running: no addresses or routes to compare"
    try:
        links = view.links()
        routes = list(view.routes())
    except OSError as error:
        return {}, [], f"the network could not be read ({error.strerror or error})"
    macs = {link.name: link.mac for link in links
            if link.kind != "loopback" and link.mac and link.mac != _ZERO_MAC}
    used = address_networks(a for link in links for a in link.addresses
                            if not ipaddress.ip_address(a.address).is_loopback)
    note = ""
    wanted = [route for route in routes if route.dst_len and route.type == "unicast"]
    if len(wanted) > MAX_ROUTES:
        note = f"only the first {MAX_ROUTES} of {len(wanted)} routes were reported"
        wanted = wanted[:MAX_ROUTES]
    used += route_networks(wanted)
    return macs, [{"network": str(u.network), "kind": u.kind, "where": u.where, "dev": u.dev}
                  for u in used], note


"""Network screen checks: the default route, the address kubeadm will advertise, the path to
the API server.

kubeadm picks the node's address by itself: the source address of the default route. On a
single-adapter host that is right. On a VirtualBox or QEMU VM with a NAT adapter (10.0.2.15,
the same on every VM) plus a host-only or bridged one, it picks the NAT address, which no
other node can reach, and the cluster half-works in confusing ways. These checks say which
address kubeadm would take, whether it is the one the operator chose, and whether traffic to
the API server leaves through the adapter that address lives on.

:func:`advertise_facts` is also what the Network screen shows, so the screen and the checks
never disagree.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from wizard.checks.base import CheckContext, CheckResult, Status, check
from wizard.host.network import Address, Link
from wizard.i18n import N_
from wizard.kubeadm.config import split_host_port
from wizard.kubeadm.subnets import CLUSTER_DEVICES
from wizard.model import WizardChoices
from wizard.network.lookup import kubeadm_advertise_address
from wizard.network.route_words import describe_route_get
from wizard.network.rtnetlink.constants import RT_TABLE_MAIN
from wizard.network.rtnetlink.route_table import Route, RouteTable

if TYPE_CHECKING:
    from wizard.host.network import NetworkView

SCREEN = "network"
USER_MODE_NAT_GATEWAY = "10.0.2.2"
"""The gateway of VirtualBox NAT and QEMU user networking: every such VM gets 10.0.2.15."""
HOST_LOCAL_DEVICES = (*CLUSTER_DEVICES, "docker", "virbr", "lxdbr", "podman")
"""Adapters that only this host's containers or VMs sit behind: never the cluster network."""

ADVERTISE_LESSON = (
    N_("kubeadm advertises the API server (and the kubelet registers the node) on the source "
    "address of the default route unless told otherwise. Other nodes must reach this address; "
    "with several adapters, the default route's adapter is often not the cluster network."))


@dataclass(frozen=True)
class AdvertiseFacts:
    """The adapters, the default routes, and the address kubeadm would take from them."""

    links: tuple[Link, ...]
    default_routes: tuple[Route, ...]  # IPv4 defaults of the main table, lowest metric first
    kubeadm_address: str | None

    @property
    def default_dev(self) -> str | None:
        """The adapter that carries the default route kubeadm follows."""
        return self.default_routes[0].dev if self.default_routes else None

    @property
    def user_mode_nat(self) -> bool:
        """The default route is VirtualBox NAT / QEMU user networking (10.0.2.2)."""
        return bool(self.default_routes) and self.default_routes[0].gateway == (
            USER_MODE_NAT_GATEWAY)

    @property
    def candidates(self) -> tuple[Address, ...]:
        """Global addresses on adapters that other machines can reach (not lo, docker0, cni0...)."""
        return tuple(address for link in self.links if _reachable_adapter(link)
                     for address in link.addresses if address.scope == "global")

    @property
    def other_networks(self) -> tuple[Address, ...]:
        """IPv4 candidates on another network than kubeadm's address: where the cluster
        network may be when it is not behind the default route."""
        picked = ipaddress.ip_address(self.kubeadm_address) if self.kubeadm_address else None
        return tuple(
            address for address in self.candidates
            if address.family == 4 and address.address != self.kubeadm_address
            and (picked is None or picked not in ipaddress.ip_network(address.cidr, strict=False)))

    def dev_of(self, address: str) -> str | None:
        """The adapter that holds ``address``, or None when it is not this host's."""
        for link in self.links:
            if any(a.address == address for a in link.addresses):
                return link.name
        return None

    def advertised(self, choices: WizardChoices) -> str | None:
        """The address the cluster will use: the operator's choice, else kubeadm's."""
        return choices.advertise_address or self.kubeadm_address


def _reachable_adapter(link: Link) -> bool:
    """Not loopback, not a container bridge, not a bridge port. A veth may well be the node's
    own adapter (a node that is itself a container, as with kind)."""
    return (link.kind != "loopback" and not link.master
            and not link.name.startswith(HOST_LOCAL_DEVICES))


def advertise_facts(links: Sequence[Link], routes: RouteTable) -> AdvertiseFacts:
    """Facts from the links and a routing table (any families and tables; only the main
    table's IPv4 default routes count, as kubeadm reads /proc/net/route)."""
    defaults = routes.filter(table=RT_TABLE_MAIN, match="0.0.0.0/0")
    addresses = {link.name: [a.address for a in link.addresses] for link in links}
    unicast = sorted((route for route in defaults if route.type == "unicast"),
                     key=lambda route: route.metric or 0)
    return AdvertiseFacts(tuple(links), tuple(unicast),
                          kubeadm_advertise_address(defaults, addresses))


def read_advertise_facts(network: NetworkView) -> AdvertiseFacts:
    """Ask the host (IPv4 routes only: kubeadm ignores IPv6 when an IPv4 default exists).

    The routes first: their reader refuses a namespace that does not exist, where pyroute2
    (behind links()) would create it.
    """
    routes = network.routes(4)
    return advertise_facts(network.links(), routes)


def endpoint_address(endpoint: str) -> str | None:
    """The IP address in ``host[:port]`` / ``[v6]:port``; None for a DNS name or nothing."""
    host, _port = split_host_port(endpoint.strip())
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        return None


def api_server_address(choices: WizardChoices, facts: AdvertiseFacts) -> str | None:
    """Where this node's API server traffic goes: the endpoint it joins (worker), the
    control-plane endpoint, else the address this control plane advertises."""
    endpoint = choices.join_endpoint if choices.role == "worker" else (
        choices.control_plane_endpoint)
    if endpoint:
        return endpoint_address(endpoint)
    return facts.advertised(choices) if choices.role != "worker" else None


# ----------------------------------------------------------------------------- checks
@dataclass(frozen=True)
class _EndpointRoute:
    """The API server endpoint (when it is another machine) and the kernel's route to it."""

    target: str
    answer: dict[str, Any]

    @property
    def dev(self) -> str | None:
        return None if self.answer.get("error") else self.answer.get("dev")


def _facts(ctx: CheckContext) -> AdvertiseFacts | str:
    """The facts, or why they cannot be read on this host."""
    network = ctx.host.network
    if network is None:
        return f"{ctx.host.label} is not a running system: it has no live routing table"
    try:
        return read_advertise_facts(network)
    except OSError as error:
        return f"the routing table could not be read: {error.strerror or error}"


def _endpoint_route(ctx: CheckContext, facts: AdvertiseFacts) -> _EndpointRoute | str:
    """The route to the API server, or why there is none to judge."""
    target = api_server_address(ctx.choices, facts)
    if target is None:
        return "no API server endpoint given as an IP address yet"
    if facts.dev_of(target) is not None:
        return f"the API server ({target}) is this node itself"
    network = ctx.host.network
    assert network is not None, "facts are only read from a host with a network"
    return _EndpointRoute(target, network.route_get(target))


@check(SCREEN, "addresses")
def network_checks(ctx: CheckContext) -> list[CheckResult]:
    """AdvertiseAddress, DefaultRoute and ClusterNetworkRoute share one read of the table."""
    facts = _facts(ctx)
    if isinstance(facts, str):
        return [CheckResult(check_id, Status.SKIP, message=f"not checked: {facts}", group=group)
                for check_id, group in (("AdvertiseAddress", "addresses"),
                                        ("DefaultRoute", "routes"),
                                        ("ClusterNetworkRoute", "routes"))]
    endpoint = _endpoint_route(ctx, facts)
    route = endpoint if isinstance(endpoint, _EndpointRoute) else None
    return [advertise_address(ctx.choices, facts, route), default_route(facts),
            cluster_network_route(ctx.choices, facts, endpoint)]


def default_route(facts: AdvertiseFacts) -> CheckResult:
    lesson = (N_("Without a default route kubeadm cannot pick the node's address by itself, and "
              "images are only pulled if a registry or proxy is reachable by a specific route."))
    expected = "an IPv4 default route in the main table"
    if not facts.default_routes:
        return CheckResult("DefaultRoute", Status.WARN, observed="no IPv4 default route",
                           expected=expected, lesson=lesson, group="routes",
                           message="no default route: choose the advertise address yourself "
                                   "and make sure the registry is reachable")
    best, *rest = facts.default_routes
    observed = f"default via {best.gateway or 'on-link'} dev {best.dev} metric {best.metric or 0}"
    if rest:
        observed += "; also " + ", ".join(f"dev {r.dev} metric {r.metric or 0}" for r in rest)
    return CheckResult("DefaultRoute", Status.PASS, observed=observed, expected=expected,
                       lesson=lesson, group="routes")


def _address_on(facts: AdvertiseFacts, dev: str | None) -> Address | None:
    return next((a for a in facts.candidates if a.dev == dev and a.family == 4), None)


def advertise_address(choices: WizardChoices, facts: AdvertiseFacts,
                      endpoint: _EndpointRoute | None = None) -> CheckResult:
    picked = facts.kubeadm_address
    chosen = choices.advertise_address
    observed = (f"kubeadm would advertise {picked} ({facts.default_dev}, the default route)"
                if picked else "kubeadm finds no address: there is no default route")
    result = CheckResult("AdvertiseAddress", Status.PASS, observed=observed, group="addresses",
                         expected="an address of this host that the other nodes reach",
                         lesson=ADVERTISE_LESSON)
    others = facts.other_networks
    cluster = _address_on(facts, endpoint.dev) if endpoint else None
    if chosen:
        if facts.dev_of(chosen) is None:
            result.status = Status.FAIL
            result.message = (f"the chosen advertise address {chosen} is not an address of this "
                              "host: the API server could not listen on it")
        else:
            result.observed = f"you chose {chosen} ({facts.dev_of(chosen)}); " + observed
    elif picked is None:
        result.status = Status.FAIL
        suggestion = cluster or (others[0] if others else None)
        result.message = ("kubeadm init stops with 'unable to select an IP from default routes': "
                          "choose the advertise address" + (
                              f" (e.g. {suggestion.address} on {suggestion.dev})"
                              if suggestion else ""))
    elif endpoint is not None and cluster is not None and cluster.dev != facts.default_dev:
        result.status = Status.WARN
        result.message = (f"the API server {endpoint.target} is reached through {cluster.dev}, "
                          f"not through the default route's {facts.default_dev}: kubeadm would "
                          f"advertise {picked}; choose {cluster.address}")
    elif facts.user_mode_nat and others:
        result.status = Status.WARN
        result.message = (f"{picked} is the VirtualBox/QEMU NAT address every such VM has; other "
                          f"nodes cannot reach it. The cluster network is probably "
                          f"{others[0].cidr} on {others[0].dev}: choose {others[0].address}")
    elif others:
        listed = ", ".join(f"{a.address} ({a.dev})" for a in others)
        result.message = (f"this host is also on other networks: {listed}. If the other nodes "
                          "reach it there, choose that address")
    return result


def cluster_network_route(choices: WizardChoices, facts: AdvertiseFacts,
                          endpoint: _EndpointRoute | str) -> CheckResult:
    lesson = (N_("The API server's traffic should leave through the adapter of the address this "
              "node advertises; otherwise replies come from an address the peer does not expect, "
              "or take a NAT path that only works one way."))
    result = CheckResult("ClusterNetworkRoute", Status.SKIP, group="routes", lesson=lesson,
                         expected="the API server reached through the advertised adapter")
    advertised = facts.advertised(choices)
    own_dev = facts.dev_of(advertised) if advertised else None
    if isinstance(endpoint, str) or own_dev is None:
        result.message = "not checked: " + (endpoint if isinstance(endpoint, str)
                                            else "no advertise address of this host yet")
        return result
    result.observed = "route to " + describe_route_get(endpoint.answer)
    if endpoint.dev is None:
        result.status = Status.FAIL
        result.message = f"no route to the API server {endpoint.target}: add one (Add route tab)"
    elif endpoint.dev == own_dev:
        result.status = Status.PASS
    else:
        result.status = Status.WARN
        other = _address_on(facts, endpoint.dev)
        result.message = (f"traffic to {endpoint.target} leaves through {endpoint.dev}, but this "
                          f"node advertises {advertised} on {own_dev}: "
                          + (f"choose {other.address} as the advertise address, or " if other
                             else "")
                          + f"add a route to the cluster network through {own_dev} "
                            "(Add route tab)")
    return result

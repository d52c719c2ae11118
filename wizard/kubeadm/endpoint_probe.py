"""Before a join: the route to the API server endpoint, and a TCP connection to it.

kubeadm join's first act is to fetch the cluster-info ConfigMap from the endpoint; when
that fails it retries for minutes before it says why, so the wizard asks first. One probe
serves the join check, the join run, the TUI's "Test" button and `cluster check`'s node
facts, and it leaves from the host's own network namespace (``--netns``), as the node's
kubeadm would.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from typing import Any

from wizard.host.base import Host
from wizard.host.ports import TcpProbe
from wizard.kubeadm.join_command import validate_endpoint

CONNECT_TIMEOUT = 3.0
"""Seconds to wait for the API server's TCP port before a join."""
_ROUTE_KEYS = ("dst", "dev", "gateway", "prefsrc", "type", "error")


@dataclass(frozen=True)
class EndpointProbe:
    """What the probe found; ``ran`` is False when no connection could be tried (a bad
    endpoint, or a host with no running system: a demo still gets its route)."""

    endpoint: str
    ran: bool
    message: str
    route: dict[str, Any] | None = None
    """The kernel's `ip route get` answer (its keys in ``_ROUTE_KEYS``), if one was asked."""
    route_problem: str = ""
    connect: TcpProbe | None = None

    @property
    def connected(self) -> bool:
        return self.connect is not None and self.connect.ok

    @property
    def route_text(self) -> str:
        """The route in words, or why there is none to show."""
        if self.route is None:
            return self.route_problem
        address = self.connect.address if self.connect else self.route.get("dst", "?")
        if self.route.get("error"):
            return f"no route to {address}: {self.route['error']}"
        parts = [f"via {self.route['gateway']}" if self.route.get("gateway") else "on-link",
                 f"dev {self.route.get('dev', '?')}"]
        if self.route.get("prefsrc"):
            parts.append(f"src {self.route['prefsrc']}")
        return f"route to {address}: " + " ".join(parts)

    def to_json(self) -> dict[str, Any]:
        """The node fact `cluster check` carries back to the controller."""
        answer: dict[str, Any] = {"endpoint": self.endpoint, "ran": self.ran,
                                  "message": self.message}
        if self.route is not None:
            answer["route"] = self.route
        elif self.route_problem:
            answer["route_error"] = self.route_problem
        if self.connect is not None:
            answer["connect"] = self.connect.to_json()
        return answer


def probe_endpoint(host: Host, endpoint: str, *, timeout: float = CONNECT_TIMEOUT
                   ) -> EndpointProbe:
    """Judge the endpoint by kubeadm join's rules, look up its route, and connect to it."""
    problem = validate_endpoint(endpoint)
    if problem:
        return EndpointProbe(endpoint, False, f"{endpoint!r}: {problem}")
    name, _, port_text = endpoint.strip().rpartition(":")
    name, port = name.strip("[]"), int(port_text)
    if host.kind != "live":
        # A demo still has its routing table: the route half teaches what a node would do.
        # A name is not resolved: this machine's resolver does not answer for the demo.
        literal = _literal(name)
        route, route_problem = _route_to(host, literal) if literal and host.network \
            else (None, "")
        return EndpointProbe(endpoint, False,
                             f"TCP connect not tried: {host.label} is not a running system",
                             route, route_problem)
    address, unresolved = _address_of(name, port)
    if address is None:  # asked, and the answer is that this node cannot reach it
        return EndpointProbe(endpoint, True, f"{name} does not resolve: {unresolved}")
    route, route_problem = _route_to(host, address)
    connect = host.tcp_connect(address, port, timeout=timeout)
    assert connect is not None  # a live host has a running system to connect from
    verdict = "succeeded" if connect.ok else f"failed: {connect.reason}"
    return EndpointProbe(endpoint, True, f"TCP connect to {address} port {port} {verdict}",
                         route, route_problem, connect)


def _literal(name: str) -> str | None:
    try:
        return str(ipaddress.ip_address(name))
    except ValueError:
        return None


def _address_of(name: str, port: int) -> tuple[str | None, str]:
    """The address itself, or the first one the system's resolver gives for a name; or why
    there is none."""
    literal = _literal(name)
    if literal:
        return literal, ""
    try:
        infos = socket.getaddrinfo(name, port, type=socket.SOCK_STREAM)
    except OSError as error:
        return None, getattr(error, "strerror", None) or str(error)
    return str(infos[0][4][0]), ""  # an IPv4/IPv6 sockaddr's host is always text


def _route_to(host: Host, address: str) -> tuple[dict[str, Any] | None, str]:
    """The kernel's answer for the address, or why the lookup could not be made."""
    if host.network is None:
        return None, "no route lookup on this host"
    try:
        answer = host.network.route_get(address)
    except (OSError, ValueError, NotImplementedError) as error:
        return None, f"route lookup failed: {getattr(error, 'strerror', None) or error}"
    return {key: answer[key] for key in _ROUTE_KEYS if answer.get(key)}, ""

"""The network as the wizard sees it: links, addresses, routes, rules and route lookups.

Two sources give the same answers: the running kernel over netlink (optionally inside a named
network namespace) and a simulated host's recorded state. Big routing tables come through the
streaming reader in `wizard.network.rtnetlink`; pyroute2 serves the small questions.
"""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from wizard.host.base import Host
    from wizard.network.rtnetlink.route_table import RouteTable


@dataclass(frozen=True)
class Address:
    dev: str
    family: int  # 4 or 6
    address: str
    prefixlen: int
    scope: str = "global"

    @property
    def cidr(self) -> str:
        return f"{self.address}/{self.prefixlen}"


@dataclass(frozen=True)
class Link:
    index: int
    name: str
    kind: str  # physical, wireless, loopback, bridge, veth, vlan, bond, tun, ...
    mac: str = ""
    mtu: int = 0
    state: str = "UNKNOWN"
    master: str = ""
    addresses: tuple[Address, ...] = field(default_factory=tuple)


class NetworkView:
    """What every network source answers. Route tables come as iproute2-style dicts."""

    def links(self) -> list[Link]:
        raise NotImplementedError

    def routes(self, family: int | None = None) -> Any:
        raise NotImplementedError

    def rules(self) -> list[dict[str, Any]]:
        raise NotImplementedError

    def route_get(self, dst: str, src: str | None = None) -> dict[str, Any]:
        raise NotImplementedError

    def change_route(self, op: str, route: dict[str, Any]) -> None:
        raise NotImplementedError

    def route_get_many(self, dsts: Iterable[str], src: str | None = None) -> list[dict[str, Any]]:
        """:meth:`route_get` for each address; a source that can share work overrides it."""
        return [self.route_get(dst, src) for dst in dsts]

    def addresses(self) -> list[Address]:
        return [address for link in self.links() for address in link.addresses]

    @contextmanager
    def snapshot(self) -> Iterator[None]:
        """Within this block the routing table is read once (a check run asks many times)."""
        yield

    def address_map(self) -> dict[str, list[str]]:
        """dev → addresses, the shape route lookups take to pick a source address."""
        found: dict[str, list[str]] = {}
        for address in self.addresses():
            found.setdefault(address.dev, []).append(address.address)
        return found


def classify_link(host: Host, name: str, info_kind: str | None, flags_loopback: bool) -> str:
    """A link's kind: what netlink says, else what sysfs shows (wireless, physical)."""
    if flags_loopback:
        return "loopback"
    if info_kind:
        return info_kind
    if host.exists(f"/sys/class/net/{name}/wireless") or host.exists(
            f"/sys/class/net/{name}/phy80211"):
        return "wireless"
    if host.exists(f"/sys/class/net/{name}/device"):
        return "physical"
    return "virtual"


class LiveNetwork(NetworkView):
    """The running kernel, through netlink, in the host's namespace or a named one."""

    def __init__(self, host: Host, netns: str | None = None) -> None:
        self.host = host
        self.netns = netns
        self._local = threading.local()  # a snapshot belongs to the thread that took it

    @contextmanager
    def snapshot(self) -> Iterator[None]:
        """One dump shared by every reader in this thread: a million-route table read three
        times by one check run is three times the memory and time. Other threads (the
        Network page following netlink changes) still read the kernel afresh."""
        outer = getattr(self._local, "routes", None) is not None
        if not outer:
            self._local.families = {}
            try:
                self._local.routes = self._dump(None)
            except OSError:  # each reader meets the error itself and says what it means
                self._local.routes = None
        try:
            yield
        finally:
            if not outer:
                self._local.routes = self._local.families = None

    def _dump(self, family: int | None) -> RouteTable:
        from wizard.network.rtnetlink.decode import dump_routes

        return dump_routes(netns=self.netns, family=family)

    def _ipr(self) -> Any:  # a pyroute2 IPRoute (pyroute2 ships no type information)
        from pyroute2 import IPRoute

        from wizard.network.rtnetlink.netns_socket import require_netns

        if self.netns:
            require_netns(self.netns)

        # flags=0: never create a namespace that does not exist (pyroute2's default would).
        return IPRoute(netns=self.netns, flags=0) if self.netns else IPRoute()

    def links(self) -> list[Link]:
        from wizard.network.rtnetlink.links import dump_links_and_addresses

        raw_links, raw_addrs = dump_links_and_addresses(self.netns)
        # The kernel names every link (IFLA_IFNAME), so an empty name is never shown.
        names = {link.index: link.name or "" for link in raw_links}
        by_index: dict[int, list[Address]] = {}
        for raw in raw_addrs:
            by_index.setdefault(raw.index, []).append(Address(
                dev=names.get(raw.index, str(raw.index)),
                family=4 if raw.family == socket.AF_INET else 6, address=raw.address or "",
                prefixlen=raw.prefixlen,
                scope={0: "global", 200: "site", 253: "link", 254: "host"}.get(
                    raw.scope, str(raw.scope))))
        return [Link(index=raw.index, name=names[raw.index],
                     kind=classify_link(self.host, names[raw.index], raw.kind, raw.loopback),
                     mac=raw.mac, mtu=raw.mtu, state=raw.state,
                     master=names.get(raw.master, "") if raw.master else "",
                     addresses=tuple(by_index.get(raw.index, ())))
                for raw in raw_links]

    def routes(self, family: int | None = None) -> RouteTable:
        shared: RouteTable | None = getattr(self._local, "routes", None)
        if shared is None:
            return self._dump(family)
        if family is None:
            return shared
        wanted = socket.AF_INET6 if family in (6, socket.AF_INET6) else socket.AF_INET
        # One view per family and snapshot: each reader then shares its prefix index too.
        view: RouteTable | None = self._local.families.get(wanted)
        if view is None:
            view = self._local.families[wanted] = shared.filter(family=wanted)
        return view

    def rules(self) -> list[dict[str, Any]]:
        from wizard.network.rtnetlink.rules import dump_rules

        rules: list[dict[str, Any]] = list(dump_rules(netns=self.netns))
        return rules

    def route_get(self, dst: str, src: str | None = None) -> dict[str, Any]:
        from wizard.network.rtnetlink.route_get import kernel_route_get

        return kernel_route_get(dst, src=src, netns=self.netns)

    def route_get_many(self, dsts: Iterable[str], src: str | None = None) -> list[dict[str, Any]]:
        from wizard.network.rtnetlink.route_get import kernel_route_get_many

        return kernel_route_get_many(dsts, src=src, netns=self.netns)

    def change_route(self, op: str, route: dict[str, Any]) -> None:
        """Add or delete a route through netlink; raises OSError with the kernel's reason."""
        from pyroute2.netlink.exceptions import NetlinkError

        from wizard.network.rtnetlink.names import table_id

        with self._ipr() as ipr:
            # proto boot, as `ip route add` sets it, so the command shown is what happened.
            spec: dict[str, Any] = {"dst": str(route["dst"]), "proto": 3}
            if route.get("gateway"):
                spec["gateway"] = route["gateway"]
            if route.get("dev"):
                found = ipr.link_lookup(ifname=route["dev"])
                if not found:
                    raise OSError(19, f"no such interface: {route['dev']}")
                spec["oif"] = found[0]
            if route.get("metric") is not None:
                spec["priority"] = int(route["metric"])
            if route.get("table") is not None:
                spec["table"] = table_id(str(route["table"]))
            try:
                ipr.route(op, **spec)
            except NetlinkError as error:
                raise OSError(error.code, os.strerror(error.code)) from None

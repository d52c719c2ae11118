"""A route request checked field by field, the way the kernel will judge it.

Why: `ip route add` answers a mistake with one terse errno after the fact ("Nexthop has
invalid gateway", "File exists"). The route helper checks while the operator types and says,
per field and in one sentence, what is wrong and what was probably meant, using the facts the
kernel will use: this host's links, addresses and routes (a :class:`RouteContext`).

Syntax checks need no host; the rest run only when a context is given, so the form can answer
every keystroke at once and leave the table scans to a worker.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from wizard.network.rtnetlink.constants import RT_TABLE_MAIN
from wizard.network.rtnetlink.names import table_id
from wizard.network.rtnetlink.route_table import Route, RouteTable
from wizard.steps.step import RouteChange

if TYPE_CHECKING:
    from wizard.host.base import Host
    from wizard.host.network import Address, Link

FIELDS = ("dst", "gateway", "dev", "metric", "table")
"""The request's fields, named as in `ip -j route show`."""

MAX_U32 = 4294967295
IPV6_DEFAULT_METRIC = 1024  # what the kernel gives an IPv6 route added without a metric
_DOWN_STATES = ("DOWN", "LOWERLAYERDOWN", "NOTPRESENT")
_WORDS = {"via": "gateway", "dev": "dev", "metric": "metric", "priority": "metric",
          "preference": "metric", "table": "table"}

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True)
class RouteRequest:
    """What the operator typed, untouched: the form's fields or the CLI's words."""

    dst: str = ""
    gateway: str = ""
    dev: str = ""
    metric: str = ""
    table: str = ""

    @classmethod
    def from_words(cls, words: Sequence[str]) -> RouteRequest:
        """`PREFIX [via GW] [dev IF] [metric N] [table T]`, as `ip route add` takes them.

        Raises ValueError with one sentence for a word iproute2 would not accept here.
        """
        if not words:
            raise ValueError("give the destination prefix first, e.g. 10.96.0.0/12")
        values: dict[str, str] = {"dst": words[0]}
        rest = list(words[1:])
        while rest:
            word = rest.pop(0)
            key = _WORDS.get(word)
            if key is None:
                raise ValueError(f"unexpected word {word!r}: expected via, dev, metric or table")
            if not rest:
                raise ValueError(f"{word!r} needs a value")
            if key in values:
                raise ValueError(f"{word!r} is given twice")
            values[key] = rest.pop(0)
        return cls(**values)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one field ("route" for the request as a whole)."""

    field: str
    message: str
    warning: bool = False


@dataclass(frozen=True)
class RouteSpec:
    """A validated route, in iproute2's own spelling so that it can be matched and shown.

    `dst` is iproute2's text ("default", "10.0.0.0/8", or a bare address for a host route);
    `out_dev` is the interface the packets leave by: the one given, or the one that reaches
    the gateway (a persistent config file needs it even when `ip route` does not).
    """

    dst: str
    family: int  # 4 or 6
    gateway: str | None = None
    dev: str | None = None
    metric: int | None = None
    table: str | None = None
    out_dev: str | None = None

    @property
    def network(self) -> Network:
        if self.dst == "default":
            return ipaddress.ip_network("0.0.0.0/0" if self.family == 4 else "::/0")
        return ipaddress.ip_network(self.dst)

    @property
    def prefix(self) -> str:
        """Always with a length ("0.0.0.0/0", "10.0.0.7/32"): what config files expect."""
        return str(self.network)

    @property
    def table_id(self) -> int:
        return table_id(self.table) if self.table else RT_TABLE_MAIN

    @property
    def effective_metric(self) -> int:
        """The metric the kernel records: IPv4 defaults to 0, IPv6 to 1024."""
        if self.metric is not None:
            return self.metric
        return IPV6_DEFAULT_METRIC if self.family == 6 else 0

    def route_fields(self) -> dict[str, str | int]:
        """The fields for a RouteChange, as `ip -j route show` would print this route.

        Main table and IPv4 metric 0 are left out, as iproute2 leaves them out.
        """
        found: dict[str, str | int] = {"dst": self.dst}
        if self.gateway:
            found["gateway"] = self.gateway
        if self.out_dev:
            found["dev"] = self.out_dev
        if self.metric is not None and not (self.family == 4 and self.metric == 0):
            found["metric"] = self.metric
        if self.table_id != RT_TABLE_MAIN:
            found["table"] = self.table or str(self.table_id)
        return found

    def change(self, op: str) -> RouteChange:
        return RouteChange.of(op, **self.route_fields())

    def describe(self) -> str:
        """The route as `ip route` arguments: "10.60.0.0/16 via 192.0.2.1 dev eth0"."""
        return self.change("add").shell_text.removeprefix("ip route add ")

    def as_iproute_dict(self) -> dict[str, Any]:
        """The route as `ip -j route show table all` would list it once added."""
        route: dict[str, Any] = {**self.route_fields(), "protocol": "boot", "flags": []}
        if not self.gateway:
            route["scope"] = "link"
        if self.family == 6:
            route["metric"] = self.effective_metric
            route["pref"] = "medium"
        return route

    # -------------------------------------------------------------- matching routes
    def _same_prefix(self, route: Route) -> bool:
        network = self.network
        return (route.family == (socket.AF_INET if self.family == 4 else socket.AF_INET6)
                and route.dst_len == network.prefixlen
                and route.dst_addr == str(network.network_address)
                and route.table == self.table_id)

    def same_slot(self, route: Route) -> bool:
        """Whether the kernel would call this route a duplicate: dst, table and metric."""
        metric = route.metric if route.metric is not None else (
            IPV6_DEFAULT_METRIC if self.family == 6 else 0)
        return self._same_prefix(route) and metric == self.effective_metric

    def matches(self, route: Route) -> bool:
        """Whether `ip route del` with these fields would remove this route."""
        if not self._same_prefix(route):
            return False
        if self.metric is not None and (route.metric or 0) != self.metric:
            return False
        if self.gateway and route.gateway != self.gateway:
            return False
        return not self.dev or route.dev == self.dev


@dataclass(frozen=True)
class RouteContext:
    """The host facts a route is judged against, read once (a dump can be large)."""

    links: tuple[Link, ...] = ()
    routes: RouteTable = field(default_factory=lambda: RouteTable.from_iproute_json([]))
    rules: tuple[Mapping[str, Any], ...] = ()

    @classmethod
    def from_host(cls, host: Host) -> RouteContext | None:
        """The running network of `host`; None when it has none (a --root image)."""
        network = host.network
        if network is None:
            return None
        return cls(tuple(network.links()), network.routes(), tuple(network.rules()))

    @property
    def addresses(self) -> list[Address]:
        return [address for link in self.links for address in link.addresses]

    def address_map(self) -> dict[str, list[str]]:
        found: dict[str, list[str]] = {}
        for address in self.addresses:
            found.setdefault(address.dev, []).append(address.address)
        return found

    def link(self, name: str) -> Link | None:
        return next((link for link in self.links if link.name == name), None)

    def routes_covering(self, prefix: str, family: int, table: int | None = None) -> RouteTable:
        """Routes whose destination contains `prefix` (`ip route show match`)."""
        return self.routes.filter(match=prefix, table=table, family=family)

    def connected(self, gateway: str, table: int) -> list[tuple[str, str]]:
        """(network, dev) of each directly connected network holding `gateway`.

        A network is connected when the host has an address in it or a route to it with no
        gateway and a scope narrower than global (link): the routes the kernel's nexthop check
        accepts for a gateway, in the route's table and then in main.
        """
        address = ipaddress.ip_address(gateway)
        found: list[tuple[str, str]] = []
        for own in self.addresses:
            network = ipaddress.ip_interface(own.cidr).network
            if network.version == address.version and address in network:
                found.append((str(network), own.dev))
        for table_number in {table, RT_TABLE_MAIN}:
            for route in self.routes_covering(gateway, address.version, table_number):
                if route.type == "unicast" and not route.gateway and route.dev and route.scope:
                    found.append((route.dst, route.dev))
        return list(dict.fromkeys(found))


@dataclass(frozen=True)
class Validation:
    """The verdict on a request: every problem, and the route when nothing is an error."""

    problems: tuple[Problem, ...]
    spec: RouteSpec | None

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if not p.warning]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.warning]

    def messages(self, field_name: str) -> list[str]:
        return [p.message for p in self.problems if p.field == field_name]


def validate(request: RouteRequest, context: RouteContext | None = None,
             op: str = "add") -> Validation:
    """Check a request for `op` ("add" or "del"); host checks only with a context."""
    problems: list[Problem] = []
    gateway = _parse_gateway(request.gateway.strip(), problems)
    family_hint = 6 if gateway is not None and gateway.version == 6 else 4
    network = _parse_destination(request.dst.strip(), family_hint, problems)
    family = network.version if network is not None else family_hint
    if gateway is not None and network is not None and gateway.version != network.version:
        problems.append(Problem("gateway", f"The gateway {gateway} is IPv{gateway.version} but "
                                f"the destination {network} is IPv{network.version}: both must "
                                "be the same family."))
    metric = _parse_metric(request.metric.strip(), problems)
    table = _parse_table(request.table.strip(), problems)
    dev = request.dev.strip() or None
    if op == "add" and gateway is None and dev is None and not request.gateway.strip():
        problems.append(Problem("route", "Give a gateway (via) or an interface (dev): the "
                                "kernel must know where to send the packets."))
    spec = None
    if network is not None and not any(p.field in ("dst", "gateway", "metric", "table")
                                       for p in problems):
        spec = RouteSpec(_iproute_dst(network), family, str(gateway) if gateway else None, dev,
                         metric, table, out_dev=dev)
    if context is not None and spec is not None:
        spec = _check_on_host(spec, context, op, problems)
    if any(not p.warning for p in problems):
        spec = None
    return Validation(tuple(problems), spec)


# ------------------------------------------------------------------ field by field
def _parse_destination(text: str, family_hint: int, problems: list[Problem]) -> Network | None:
    if not text:
        problems.append(Problem("dst", "Give the destination: a prefix such as 10.96.0.0/12, "
                                "a single address, or default."))
        return None
    if text == "default":
        return ipaddress.ip_network("0.0.0.0/0" if family_hint == 4 else "::/0")
    try:
        return ipaddress.ip_network(text)
    except ValueError:
        pass
    address, _, length = text.partition("/")
    try:
        interface = ipaddress.ip_interface(text)
    except ValueError:
        interface = None
    if interface is not None:
        problems.append(Problem("dst", f"{text} has host bits set: the network it lies in is "
                                f"{interface.network}."))
        return None
    try:
        version = ipaddress.ip_address(address).version
    except ValueError:
        problems.append(Problem("dst", f"{text!r} is not an IPv4 or IPv6 address or prefix."))
        return None
    bits = 32 if version == 4 else 128
    problems.append(Problem("dst", f"{length!r} is not a prefix length: IPv{version} allows "
                            f"0 to {bits}."))
    return None


def _parse_gateway(text: str, problems: list[Problem]
                   ) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    if not text:
        return None
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        problems.append(Problem("gateway", f"{text!r} is not an IP address."))
        return None
    if address.is_unspecified or address.is_multicast:
        problems.append(Problem("gateway", f"{address} cannot be a gateway: it must be the "
                                "unicast address of a neighbour."))
        return None
    return address


def _parse_metric(text: str, problems: list[Problem]) -> int | None:
    if not text:
        return None
    if not text.isdigit() or int(text) > MAX_U32:
        problems.append(Problem("metric", f"{text!r} is not a metric: use a whole number from "
                                f"0 to {MAX_U32} (the lowest wins)."))
        return None
    return int(text)


def _parse_table(text: str, problems: list[Problem]) -> str | None:
    if not text:
        return None
    try:
        number = table_id(text)
    except ValueError:
        number = None
    if number is None or not 1 <= number <= MAX_U32:
        problems.append(Problem("table", f"{text!r} is not a routing table: use a number from "
                                f"1 to {MAX_U32} or a name from rt_tables (main, local, "
                                "default, ...)."))
        return None
    return text


def _iproute_dst(network: Network) -> str:
    if network.prefixlen == 0:
        return "default"
    if network.prefixlen == network.max_prefixlen:
        return str(network.network_address)
    return str(network)


# ---------------------------------------------------------------- against the host
def _check_on_host(spec: RouteSpec, context: RouteContext, op: str,
                   problems: list[Problem]) -> RouteSpec:
    """Interface, gateway reachability and duplicates; returns the spec with `out_dev`."""
    if spec.dev is not None:
        link = context.link(spec.dev)
        if link is None:
            names = ", ".join(sorted(link.name for link in context.links)) or "none"
            problems.append(Problem("dev", f"There is no interface named {spec.dev!r} here "
                                    f"(there are: {names})."))
            return spec
        if link.state in _DOWN_STATES:
            problems.append(Problem("dev", f"{spec.dev} is down ({link.state}): the route "
                                    "carries nothing until the link is up, and the kernel "
                                    "refuses it while the link is switched off.", warning=True))
    if op == "add":
        return _check_add(spec, context, problems)
    return _check_del(spec, context, problems)


def _check_add(spec: RouteSpec, context: RouteContext, problems: list[Problem]) -> RouteSpec:
    out_dev = spec.dev
    if spec.gateway:
        out_dev = _check_gateway(spec, context, problems)
    for route in context.routes_covering(spec.prefix, spec.family, spec.table_id):
        if spec.same_slot(route):
            problems.append(Problem("route", f"Table {route.table_name} already has "
                                    f"{route.dst} with metric {spec.effective_metric} "
                                    f"({_route_words(route)}): choose another metric, or delete "
                                    "that route first."))
            break
    return replace(spec, out_dev=out_dev)


def _check_gateway(spec: RouteSpec, context: RouteContext, problems: list[Problem]
                   ) -> str | None:
    assert spec.gateway is not None, "only called for a route with a gateway"
    gateway = ipaddress.ip_address(spec.gateway)
    owner = next((a.dev for a in context.addresses
                  if ipaddress.ip_address(a.address) == gateway), None)
    if owner is not None:
        problems.append(Problem("gateway", f"{gateway} is this host's own address (on {owner}): "
                                "the kernel accepts it, but a gateway is normally another "
                                "machine.", warning=True))
    if gateway.version == 6 and gateway.is_link_local:
        if spec.dev is None:
            problems.append(Problem("gateway", f"A link-local gateway ({gateway}) is only "
                                    "meaningful on one link: choose the interface (dev)."))
        return spec.dev
    connected = context.connected(str(gateway), spec.table_id)
    devs = list(dict.fromkeys(dev for _, dev in connected))
    if not connected:
        networks = ", ".join(f"{net} on {dev}" for net, dev in _connected_networks(
            context, gateway.version)) or "none"
        problems.append(Problem("gateway", f"{gateway} is not on any connected network "
                                f"(this host has: {networks}); the kernel would answer "
                                "'Nexthop has invalid gateway'."))
        return spec.dev
    if spec.dev is not None and spec.dev not in devs:
        problems.append(Problem("gateway", f"{gateway} is reached through "
                                f"{' or '.join(devs)}, not {spec.dev}: the kernel would refuse "
                                "this route."))
        return spec.dev
    return spec.dev or devs[0]


def _connected_networks(context: RouteContext, version: int) -> list[tuple[str, str]]:
    return list(dict.fromkeys(
        (str(ipaddress.ip_interface(a.cidr).network), a.dev) for a in context.addresses
        if a.family == version and a.scope != "host"))


def _check_del(spec: RouteSpec, context: RouteContext, problems: list[Problem]) -> RouteSpec:
    found = [r for r in context.routes_covering(spec.prefix, spec.family, spec.table_id)
             if spec.matches(r)]
    if not found:
        table = "main" if spec.table_id == RT_TABLE_MAIN else spec.table
        problems.append(Problem("route", f"There is no route {spec.describe()} in table "
                                f"{table} to delete."))
        return spec
    # Spelled as the route was added (its gateway, a metric other than the default), so that
    # the persistent config's lines for it are found and the same route is removed.
    route = found[0]
    default_metric = RouteSpec(spec.dst, spec.family).effective_metric
    metric = spec.metric if spec.metric is not None else (
        route.metric if route.metric not in (None, default_metric) else None)
    return replace(spec, gateway=spec.gateway or route.gateway, metric=metric,
                   out_dev=spec.dev or route.dev)


def _route_words(route: Route) -> str:
    words = []
    if route.type != "unicast":
        words.append(route.type)
    if route.gateway:
        words.append(f"via {route.gateway}")
    if route.dev:
        words.append(f"dev {route.dev}")
    return " ".join(words) or "no next hop"


def example_gateway(context: RouteContext | None) -> str | None:
    """A gateway this host could really use, for the route form's placeholder (an example from
    another machine's networks would be rejected if typed): the main table's default gateway,
    else the first host of the first global IPv4 network on a link."""
    if context is None:
        return None
    for route in context.routes.filter(match="0.0.0.0/0", table="main"):
        if route.gateway:
            return route.gateway
    for address in context.addresses:
        if address.family == 4 and address.scope == "global":
            network = ipaddress.ip_interface(address.cidr).network
            return str(next(iter(network.hosts()), network.network_address))
    return None

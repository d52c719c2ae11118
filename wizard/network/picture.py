"""A picture of the network: this host, its adapters, the networks and gateways behind them.

Why a drawing when the Adapters and Routes tabs hold the same facts: the advertise address
question is about *where the other nodes are*, and a list of interfaces does not show that.
Drawn as a tree (host → adapter → network → gateway → what lies behind it), a Vagrant VM
shows its NAT network with the 10.0.2.15 every VM has, next to the host-only network where
the nodes meet; a Pi shows two adapters on one LAN. The last looked-up packet is drawn on
the same tree, so the rule, table, route and next hop are seen where they lead.

Pure: built from links (with addresses), a route table and an optional lookup answer, and
rendered to plain text lines with named style spans; the widget maps names to colours.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from wizard.checks.network import USER_MODE_NAT_GATEWAY, AdvertiseFacts
from wizard.host.network import Link
from wizard.network.policy_rules import describe_rule
from wizard.network.rtnetlink.constants import RT_TABLE_LOCAL, RT_TABLE_MAIN
from wizard.network.rtnetlink.route_table import Route

STYLES = ("host", "adapter", "address", "advertised", "default", "gateway", "network", "note",
          "warn", "muted", "path")
"""The style names spans use; the front end gives each one its look."""

LEGEND = "★ default route  ◀ advertised  ━▶ last lookup"


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    style: str


@dataclass(frozen=True)
class PictureLine:
    text: str
    spans: tuple[Span, ...] = ()


@dataclass(frozen=True)
class GatewayNode:
    """A next hop, and the destinations this host sends through it."""

    address: str
    destinations: tuple[str, ...]  # the first SHOWN_DESTINATIONS of them
    default_metric: int | None = None  # the metric of its default route, if it carries one
    kubeadm_default: bool = False  # the main table's best IPv4 default: what kubeadm follows
    route_indexes: frozenset[int] = frozenset()
    more: int = 0  # destinations through it beyond those shown (a full table: 900,000)


@dataclass(frozen=True)
class NetworkNode:
    """A network an adapter is on (`cidr`), or `on_link` routes sent out of it directly."""

    cidr: str
    source: str | None = None  # this host's address on it
    gateways: tuple[GatewayNode, ...] = ()
    shared_with: tuple[str, ...] = ()  # the other adapters on the same network
    notes: tuple[tuple[str, str], ...] = ()  # (text, style)
    route_indexes: frozenset[int] = frozenset()
    on_link: bool = False
    more: int = 0  # on-link destinations folded into this one (see SHOWN_ON_LINK)


@dataclass(frozen=True)
class AdapterNode:
    name: str
    kind: str
    state: str
    addresses: tuple[str, ...]  # CIDRs, link-local left out
    networks: tuple[NetworkNode, ...] = ()


@dataclass(frozen=True)
class PacketPath:
    """The last lookup, in the picture's terms."""

    dst: str
    rule: str = ""
    table: str = ""
    route: str = ""
    dev: str | None = None
    gateway: str | None = None
    source: str | None = None
    error: str = ""
    route_index: int | None = None
    local: bool = False


@dataclass(frozen=True)
class Picture:
    host: str
    advertised: str | None  # the address the cluster will know this node by
    chosen: bool  # the operator chose it (else it is kubeadm's default)
    kubeadm_address: str | None
    adapters: tuple[AdapterNode, ...]
    path: PacketPath | None = None


SHOWN_DESTINATIONS = 4
"""Destinations named per gateway: a picture of a router's full table stays a picture."""
SHOWN_ON_LINK = 6
"""On-link destinations drawn per adapter before the rest are counted on one line."""


# ---------------------------------------------------------------------------- the model
def _is_link_local(cidr: str) -> bool:
    if not cidr.startswith(("169.254.", "fe8", "fe9", "fea", "feb")):
        return False  # cheap: this runs for every route of the table
    try:
        return ipaddress.ip_interface(cidr).is_link_local
    except ValueError:
        return False


def _contains(cidr: str, address: str | None) -> bool:
    if not address:
        return False
    try:
        return ipaddress.ip_address(address) in ipaddress.ip_network(cidr, strict=False)
    except ValueError:
        return False


def _drawn_routes(routes: Iterable[Route]) -> Iterable[tuple[Route, str, str | None]]:
    """(route, dev, gateway) for every path worth drawing: unicast, not the local table,
    not loopback or link-local (every IPv6 adapter has fe80::/64; it says nothing)."""
    for route in routes:
        if route.table == RT_TABLE_LOCAL or route.type != "unicast":
            continue
        if _is_link_local(route.dst) or route.dst in ("::1", "127.0.0.0/8"):
            continue
        hops = [(hop.dev, hop.gateway) for hop in route.nexthops] or [(route.dev, route.gateway)]
        for dev, gateway in hops:
            if dev and dev != "lo":
                yield route, dev, gateway


def _destination(route: Route) -> str:
    where = "" if route.table == RT_TABLE_MAIN else f" (table {route.table_name})"
    return f"{route.dst}{where}"


class _AdapterBuilder:
    """Collects one adapter's networks and gateways while the routes stream past."""

    def __init__(self, link: Link) -> None:
        self.link = link
        self.networks: dict[str, dict[str, Any]] = {}
        self._homes: dict[str, dict[str, Any] | None] = {}  # a gateway's network, by address
        self._on_link_count = 0
        for address in link.addresses:
            if address.scope in ("link", "host") or _is_link_local(address.cidr):
                continue
            cidr = str(ipaddress.ip_interface(address.cidr).network)
            self._network(cidr, source=address.address)

    def _network(self, cidr: str, source: str | None = None, on_link: bool = False
                 ) -> dict[str, Any]:
        found = self.networks.get(cidr)
        if found is None:
            found = self.networks[cidr] = {"source": source, "gateways": {}, "indexes": set(),
                                           "on_link": on_link}
        elif source and not found["source"]:
            found["source"] = source
        return found

    def _home(self, address: str | None, route_len: int = 0) -> dict[str, Any] | None:
        """The connected network that holds `address` (the most specific one); with
        `route_len`, only one no longer than it (a route that lies inside the network)."""
        best = None
        for cidr, network in self.networks.items():
            if not network["on_link"] and cidr and _contains(cidr, address):
                length = ipaddress.ip_network(cidr).prefixlen
                fits = route_len == 0 or length <= route_len
                if fits and (best is None or length > best[0]):
                    best = (length, network)
        return best[1] if best else None

    def add(self, route: Route, gateway: str | None, best_default: Route | None) -> None:
        if gateway is None:
            home = self._home(route.dst_addr, route_len=route.dst_len) \
                if route.dst_len else None
            if home is None and route.dst not in self.networks \
                    and self._on_link_count >= SHOWN_ON_LINK:
                home = self._network("+", on_link=True)  # the rest, counted on one line
                home["more"] = home.get("more", 0) + 1
            elif home is None:
                self._on_link_count += route.dst not in self.networks
                home = self._network(route.dst, source=route.prefsrc, on_link=True)
            home["indexes"].add(route.index)
            if route.prefsrc and not home["source"]:
                home["source"] = route.prefsrc
            return
        if gateway not in self._homes:
            self._homes[gateway] = self._home(gateway)
        home = self._homes[gateway] or self._network("", on_link=True)
        hop = home["gateways"].setdefault(gateway, {"dsts": [], "metric": None,
                                                    "kubeadm": False, "indexes": set(),
                                                    "more": 0})
        destination = _destination(route)
        if destination == "default" or len(hop["dsts"]) < SHOWN_DESTINATIONS:
            hop["dsts"].append(destination)
        else:
            hop["more"] += 1
        hop["indexes"].add(route.index)
        if route.dst_len == 0 and route.table == RT_TABLE_MAIN:
            if hop["metric"] is None or (route.metric or 0) < hop["metric"]:
                hop["metric"] = route.metric or 0
            if best_default is not None and route.index == best_default.index:
                hop["kubeadm"] = True

    def node(self) -> AdapterNode:
        networks = []
        for cidr, found in self.networks.items():
            gateways = tuple(
                GatewayNode(address, tuple(hop["dsts"]), hop["metric"], hop["kubeadm"],
                            frozenset(hop["indexes"]), hop["more"])
                for address, hop in found["gateways"].items())
            networks.append(NetworkNode(cidr, found["source"], gateways,
                                        route_indexes=frozenset(found["indexes"]),
                                        on_link=found["on_link"], more=found.get("more", 0)))
        addresses = tuple(a.cidr for a in self.link.addresses if not _is_link_local(a.cidr))
        return AdapterNode(self.link.name, self.link.kind, self.link.state, addresses,
                           tuple(networks))


def build_picture(host: str, facts: AdvertiseFacts, routes: Iterable[Route], chosen: str = "",
                  answer: Mapping[str, Any] | None = None, dst: str = "") -> Picture:
    """The picture of `facts.links` and `routes`; `chosen`: the operator's advertise address
    ("" when kubeadm picks); `answer`: a :func:`wizard.network.lookup.lookup` result for `dst`."""
    best = facts.default_routes[0] if facts.default_routes else None
    builders = {link.name: _AdapterBuilder(link) for link in facts.links}
    for route, dev, gateway in _drawn_routes(routes):
        if dev in builders:
            builders[dev].add(route, gateway, best)
    adapters = [builder.node() for builder in builders.values()]
    advertised = chosen or facts.kubeadm_address
    adapters = _annotate(adapters, facts, advertised)
    path = packet_path(dst, answer) if answer is not None else None
    return Picture(host, advertised, bool(chosen), facts.kubeadm_address, tuple(adapters), path)


def _annotate(adapters: list[AdapterNode], facts: AdvertiseFacts, advertised: str | None
              ) -> list[AdapterNode]:
    """What each network means for the cluster: the notes that make the picture speak."""
    owners: dict[str, list[str]] = {}
    for adapter in adapters:
        for network in adapter.networks:
            if network.cidr and not network.on_link:
                owners.setdefault(network.cidr, []).append(adapter.name)
    result = []
    for adapter in adapters:
        networks = []
        for network in adapter.networks:
            shared = tuple(name for name in owners.get(network.cidr, ()) if name != adapter.name)
            notes = list(_notes(network, facts, advertised, shared))
            networks.append(replace(network, shared_with=shared, notes=tuple(notes)))
        result.append(replace(adapter, networks=tuple(networks)))
    return result


def _notes(network: NetworkNode, facts: AdvertiseFacts, advertised: str | None,
           shared: Sequence[str]) -> Iterable[tuple[str, str]]:
    if network.on_link or not network.cidr:
        return
    nat = any(hop.address == USER_MODE_NAT_GATEWAY for hop in network.gateways)
    if nat and network.source:
        cut_off = "; advertised, it cuts this node off" if advertised == network.source else ""
        yield (f"NAT: every VM has {network.source} here, no other node can reach it"
               f"{cut_off}", "warn")
        return
    if shared:
        yield (f"the same LAN as {', '.join(shared)}: two addresses here; the cluster must "
               "use one that stays", "note")
    if network.source and network.source not in {a.address for a in facts.candidates}:
        yield "this host's own (containers, bridges): no other node is on it", "muted"
        return
    has_default = any(hop.default_metric is not None for hop in network.gateways)
    if not has_default and network.source and ":" not in network.cidr:
        if facts.user_mode_nat:
            yield f"no way out, only machines: the nodes meet here, at {network.source}", "note"
        else:
            yield (f"no default route here: other machines reach this host at "
                   f"{network.source}", "note")


def packet_path(dst: str, answer: Mapping[str, Any]) -> PacketPath:
    """The lookup answer in the picture's words: the rule, table, route and next hop."""
    route: Route | None = answer.get("route")
    rule = answer.get("rule")
    rule_text = describe_rule(rule, route.family if route else 2) if rule else ""
    local = answer.get("type") == "local" or answer.get("dev") == "lo"
    return PacketPath(
        dst=dst or str(answer.get("dst", "")), rule=rule_text,
        table=route.table_name if route else str(answer.get("table", "")),
        route=_route_words(route) if route else "", dev=answer.get("dev"),
        gateway=answer.get("gateway"), source=answer.get("prefsrc"),
        error=str(answer.get("error") or ""),
        route_index=answer.get("route_index"), local=local)


def _route_words(route: Route) -> str:
    text = route.dst
    if route.gateway:
        text += f" via {route.gateway}"
    if route.dev:
        text += f" dev {route.dev}"
    return text


# ---------------------------------------------------------------------------- rendering
Segments = list[tuple[str, str]]


@dataclass
class _Node:
    segments: Segments
    notes: list[Segments] = field(default_factory=list)
    children: list[_Node] = field(default_factory=list)
    on_path: bool = False


def _adapter_tree(adapter: AdapterNode, picture: Picture) -> _Node:
    path = picture.path
    loopback = adapter.kind == "loopback"
    segments: Segments = [(adapter.name, "adapter")]
    if not loopback:
        segments.append((f" {adapter.kind} {adapter.state}", "muted"))
    for cidr in adapter.addresses:
        if loopback and ":" in cidr:
            continue
        address = cidr.split("/")[0]
        style = "advertised" if address == picture.advertised else "address"
        segments.append((f"  {cidr}", style))
        if address == picture.advertised:
            segments.append((" ◀ advertised" + (" (your choice)" if picture.chosen else ""),
                             "advertised"))
        elif picture.chosen and address == picture.kubeadm_address:
            segments.append((" (kubeadm's default)", "muted"))
    if loopback:
        segments.append((" · this host only", "muted"))
    on_dev = path is not None and not path.local and path.dev == adapter.name
    node = _Node(segments, on_path=on_dev)
    for network in adapter.networks:
        node.children.append(_network_tree(network, on_dev, path))
    return node


def _network_tree(network: NetworkNode, on_dev: bool, path: PacketPath | None) -> _Node:
    if network.on_link:
        label = (f"on-link: {network.more:,} more destinations" if network.cidr == "+"
                 else f"on-link {network.cidr}" if network.cidr
                 else "gateways reached on-link")
        segments: Segments = [(label, "network")]
    else:
        segments = [(f"network {network.cidr}", "network")]
    hit_gateway = on_dev and path is not None and any(
        hop.address == path.gateway for hop in network.gateways)
    hit_route = on_dev and path is not None and path.route_index in network.route_indexes
    node = _Node(segments, [[(text, style)] for text, style in network.notes],
                 on_path=hit_gateway or hit_route)
    for hop in network.gateways:
        node.children.append(_gateway_tree(hop, on_dev and path is not None
                                           and path.gateway == hop.address))
    return node


def _gateway_tree(hop: GatewayNode, on_path: bool) -> _Node:
    segments: Segments = [(f"gateway {hop.address}", "gateway"), (" ─▶ ", "muted")]
    others = [dst for dst in hop.destinations if dst != "default"]
    if hop.default_metric is not None:
        segments.append(("★ default" if hop.kubeadm_default else "default", "default"))
        segments.append((f", metric {hop.default_metric}", "muted"))
        if hop.kubeadm_default:
            segments.append((" (kubeadm follows it)", "default"))
        else:  # kubeadm reads IPv4 defaults only: an IPv6 one is no spare for it
            segments.append((" (IPv6)" if ":" in hop.address else " (a spare)", "muted"))
        if others:
            segments.append((", ", "muted"))
    segments.append((", ".join(others), "network"))
    if hop.more:
        segments.append((f" and {hop.more:,} more", "muted"))
    return _Node([s for s in segments if s[0]], on_path=on_path)


def picture_tree(picture: Picture) -> _Node:
    where = f"{picture.advertised}" if picture.advertised else "no address (no default route)"
    whose = "your choice" if picture.chosen else "kubeadm's default"
    root = _Node([("this host", "host"), (f" {picture.host}", "muted"),
                  (" · the cluster knows it as ", "muted"), (where, "advertised"),
                  (f" ({whose})" if picture.advertised else "", "muted")],
                 on_path=picture.path is not None and picture.path.local)
    root.segments = [s for s in root.segments if s[0]]
    # Loopback last: it leads nowhere, the eye should meet the real adapters first.
    ordered = sorted(picture.adapters, key=lambda adapter: adapter.kind == "loopback")
    root.children = [_adapter_tree(adapter, picture) for adapter in ordered]
    return root


def _path_lines(path: PacketPath) -> list[Segments]:
    head: Segments = [("▶ ", "path"), (f"packet to {path.dst}: ", "path")]
    if path.error:
        head.append((path.error, "warn"))
        return [head]
    steps = [("rule", path.rule or "none"), ("table", path.table or "-"),
             ("route", path.route or "-")]
    if path.local:
        steps.append(("delivered", "to this host"))
    else:
        steps += [("out", path.dev or "-"), ("next hop", path.gateway or "on-link (the "
                                                                          "destination itself)")]
    for number, (label, value) in enumerate(steps):
        head.append((("" if number == 0 else " → ") + f"{label} ", "muted"))
        head.append((value, "path"))
    return [head]


def render(picture: Picture, width: int = 80) -> list[PictureLine]:
    """The picture as lines no wider than `width` (long lines wrap under their branch)."""
    width = max(width, 24)
    lines: list[PictureLine] = []
    tree = picture_tree(picture)
    _emit(lines, "", "", tree.segments, width, tree.on_path)
    _emit_children(lines, tree, "", width)
    if picture.path is not None:
        for segments in _path_lines(picture.path):
            _emit(lines, "", "  ", segments, width, False)
    _emit(lines, "", "", [(LEGEND, "muted")], width, False)
    return lines


def _emit_children(lines: list[PictureLine], node: _Node, prefix: str, width: int) -> None:
    for number, child in enumerate(node.children):
        last = number == len(node.children) - 1
        branch = ("└" if last else "├") + ("━▶ " if child.on_path else "── ")
        below = prefix + ("   " if last else "│  ")
        _emit(lines, prefix + branch, below + "   ", child.segments, width, child.on_path)
        for note in child.notes:
            bar = "│  " if child.children else "   "
            _emit(lines, below + bar, below + bar, note, width, False)
        _emit_children(lines, child, below, width)


def _emit(lines: list[PictureLine], first: str, rest: str, segments: Segments, width: int,
          on_path: bool) -> None:
    """Word-wrap `segments` after `first`, continuing after `rest`; a path node is marked."""
    words = [(word, style) for text, style in segments for word in _words(text)]
    line_prefix, text = first, ""
    spans: list[tuple[int, int, str]] = []
    room = max(width - len(first), 8)

    def flush() -> None:
        nonlocal text, spans
        body = text.rstrip(" ")
        start = len(line_prefix)
        all_spans = [Span(0, start, "path" if on_path else "muted")] if line_prefix else []
        all_spans += [Span(start + a, start + min(b, len(body)), style)
                      for a, b, style in spans if a < len(body)]
        if on_path and body:
            all_spans.append(Span(start, start + len(body), "path"))
        lines.append(PictureLine(line_prefix + body, tuple(all_spans)))
        text, spans = "", []

    for word, style in words:
        while len(word) > room:  # a word wider than the room: cut it
            if text:
                flush()
                line_prefix, room = rest, max(width - len(rest), 8)
            spans.append((0, room, style))
            text = word[:room]
            flush()
            word = word[room:]
        if len(text) + len(word.rstrip(" ")) > room and text:
            flush()
            line_prefix, room = rest, max(width - len(rest), 8)
        if not text and word.strip() == "":
            continue
        spans.append((len(text), len(text) + len(word), style))
        text += word
    if text or not lines or line_prefix == first:
        flush()


def _words(text: str) -> list[str]:
    """Words with their trailing spaces, leading spaces kept as their own word."""
    out: list[str] = []
    current = ""
    for char in text:
        if char == " " and current and not current.endswith(" ") and current.strip():
            current += char
            continue
        if char != " " and current.endswith(" "):
            out.append(current)
            current = ""
        current += char
    if current:
        out.append(current)
    return out

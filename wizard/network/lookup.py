"""Predict the route the kernel picks for a destination, without asking the kernel.

Why: the wizard shows simulated hosts (no kernel to ask) and, on real hosts, wants to
highlight *which row* of a routing table answered and *which rule* led there — the
kernel's ``ip route get`` says neither. This module replays the kernel's decision:

1. policy rules in priority order (without rules: 0 → local, 32766 → main, 32767 →
   default), matching their from / to / iif / oif / fwmark / uidrange selectors;
2. in the rule's table, the longest matching prefix, then the lowest metric (IPv6 then
   prefers a higher router preference), skipping routes whose next hops are all dead;
3. blackhole / unreachable / prohibit end the lookup with an error, ``throw`` (and an
   empty table, and ``suppress_prefixlength``) go on with the next rule;
4. the source address: the route's ``prefsrc``, else the kernel's choice among the
   host's addresses (IPv4: inet_select_addr; IPv6: RFC 6724 rules 1, 2, 5, 6 and 8).

Pure: no I/O. Routes come as a :class:`~wizard.network.rtnetlink.route_table.RouteTable` or as
``ip -j route show table all`` dicts, rules as ``ip -j rule show`` dicts.

Knowingly not modelled: which path of a multipath route the flow hash picks (all
usable paths are returned in ``nexthops``, the first one in ``gateway``/``dev``), TOS,
IP protocol and port selectors (a plain ``route get`` has none, so such rules never
match), VRFs / l3mdev, ``suppress_ifgroup``, and IPv6 source-specific rules when no
source is given (the kernel picks a source first; here they do not match).
"""

from __future__ import annotations

import bisect
import errno
import socket
import weakref
from array import array
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from wizard.network.rtnetlink.constants import (
    RT_TABLE_DEFAULT,
    RT_TABLE_LOCAL,
    RT_TABLE_MAIN,
    RTNH_F_DEAD,
)
from wizard.network.rtnetlink.names import table_id
from wizard.network.rtnetlink.route_get import lookup_error_result
from wizard.network.rtnetlink.route_table import Route, RouteTable

_BITS = {socket.AF_INET: 32, socket.AF_INET6: 128}
_RULE_ERRORS = {"blackhole": errno.EINVAL, "unreachable": errno.ENETUNREACH,
                "prohibit": errno.EACCES}
_ROUTE_ERRORS = {"blackhole": errno.EINVAL, "unreachable": errno.EHOSTUNREACH,
                 "prohibit": errno.EACCES}
_DEFAULT_RULES = {
    socket.AF_INET: ({"priority": 0, "src": "all", "table": "local"},
                     {"priority": 32766, "src": "all", "table": "main"},
                     {"priority": 32767, "src": "all", "table": "default"}),
    socket.AF_INET6: ({"priority": 0, "src": "all", "table": "local"},
                      {"priority": 32766, "src": "all", "table": "main"}),
}
# Selectors a locally generated lookup never carries (it has no TOS, ports, protocol,
# tunnel id or VRF), so a rule that requires one does not match it.
_UNMATCHABLE_SELECTORS = ("tos", "dscp", "ipproto", "sport", "dport", "sport_start",
                          "dport_start", "tun_id", "l3mdev")
_LOOPBACK_DEV = "lo"
_UNIVERSE, _HOST = 0, 254


def _family_of_address(text: str) -> int:
    return socket.AF_INET6 if ":" in text else socket.AF_INET


def _address_int(text: str) -> int:
    return int.from_bytes(socket.inet_pton(_family_of_address(text), text), "big")


def _covers(network: int, length: int, address: int, bits: int) -> bool:
    return (network ^ address) >> (bits - length) == 0 if length else True


# --- rules -------------------------------------------------------------------------


@dataclass(frozen=True)
class _Rule:
    priority: int
    family: int
    src: tuple[int, int] | None
    dst: tuple[int, int] | None
    invert: bool
    iif: str | None
    oif: str | None
    fwmark: int | None
    fwmask: int
    uid_range: tuple[int, int] | None
    unmatchable: bool
    action: str  # "lookup", "goto", "nop", "blackhole", "unreachable", "prohibit"
    table: int
    goto: int | None
    suppress_prefixlen: int
    source: Mapping[str, Any]

    def matches(self, flow: _Flow) -> bool:
        """fib_rule_match(): every selector must hold; ``not`` inverts the whole test."""
        bits = _BITS[flow.family]
        matched = not self.unmatchable and all((
            self.src is None or _covers(*self.src, flow.src, bits),
            self.dst is None or _covers(*self.dst, flow.dst, bits),
            self.iif is None or self.iif == _LOOPBACK_DEV,
            self.oif is None,
            self.fwmark is None or not (self.fwmark ^ flow.mark) & self.fwmask,
            self.uid_range is None or self.uid_range[0] <= flow.uid <= self.uid_range[1],
        ))
        return matched != self.invert

    def describe(self) -> str:
        """The rule roughly as ``ip rule`` prints it, for the lookup trace."""
        source = self.source
        text = f"{self.priority}: {'not ' if self.invert else ''}from {source.get('src', 'all')}"
        if "srclen" in source:
            text += f"/{source['srclen']}"
        if "dst" in source:
            text += f" to {source['dst']}" + (f"/{source['dstlen']}" if "dstlen" in source else "")
        for key in ("fwmark", "iif", "oif"):
            if key in source:
                text += f" {key} {source[key]}"
        if self.action == "lookup":
            return text + f" lookup {source.get('table', self.table)}"
        if self.action == "goto":
            return text + f" goto {self.goto}"
        return text + f" {self.action}"


def _selector(rule: Mapping[str, Any], key: str, family: int) -> tuple[int, int] | None:
    text = rule.get(key)
    if text in (None, "all"):
        return None
    if text == "0":
        return (0, int(rule[f"{key}len"]))
    return (_address_int(text), int(rule.get(f"{key}len", _BITS[family])))


def _rule_family(rule: Mapping[str, Any]) -> int:
    """RuleEntry.family when the rule came from dump_rules, else from its addresses."""
    family = getattr(rule, "family", socket.AF_UNSPEC)
    if family:
        return family
    for key in ("src", "dst"):
        text = rule.get(key)
        if text not in (None, "all", "0"):
            return _family_of_address(text)
    return socket.AF_UNSPEC


def _rule_action(rule: Mapping[str, Any]) -> str:
    if "goto" in rule:
        return "goto"
    if "nop" in rule:
        return "nop"
    return rule.get("action", "lookup")


def _parse_rule(rule: Mapping[str, Any], family: int) -> _Rule:
    mark = rule.get("fwmark")
    uid_range = (int(rule["uid_start"]), int(rule["uid_end"])) if "uid_start" in rule else None
    goto = rule.get("goto")
    return _Rule(
        priority=int(rule.get("priority", 0)),
        family=family,
        src=_selector(rule, "src", family),
        dst=_selector(rule, "dst", family),
        invert="not" in rule,
        iif=rule.get("iif"),
        oif=rule.get("oif"),
        fwmark=None if mark is None else int(str(mark), 0),
        fwmask=int(str(rule.get("fwmask", "0xffffffff")), 0),
        uid_range=uid_range,
        unmatchable=any(key in rule for key in _UNMATCHABLE_SELECTORS),
        action=_rule_action(rule),
        table=table_id(rule["table"]) if "table" in rule else 0,
        goto=None if goto in (None, "none") else int(goto),
        suppress_prefixlen=int(rule.get("suppress_prefixlen", -1)),
        source=rule,
    )


def describe_rule(rule: Mapping[str, Any], family: int) -> str:
    """A policy rule in `ip rule` words, for showing which rule a lookup went through."""
    return _parse_rule(rule, family).describe()


def _rules_for(rules: Iterable[Mapping[str, Any]] | None, family: int) -> list[_Rule]:
    """The family's rules in kernel order: by priority, ties in the order given."""
    chosen = [rule for rule in (rules or ()) if _rule_family(rule) in (family, socket.AF_UNSPEC)]
    if not chosen:
        chosen = list(_DEFAULT_RULES[family])
    parsed = [_parse_rule(rule, family) for rule in chosen]
    return sorted(parsed, key=lambda rule: rule.priority)


# --- the route index ---------------------------------------------------------------


class _TableIndex:
    """Per prefix length, the networks sorted (with their routes' rows, metric order)."""

    def __init__(self, family: int, by_length: Mapping[int, list[int]]) -> None:
        self.bits = _BITS[family]
        self.lengths = sorted(by_length, reverse=True)
        self.keys: dict[int, Sequence[int]] = {}
        self.rows: dict[int, array] = {}
        for length, packed in by_length.items():
            packed.sort()
            networks = [value >> 72 for value in packed]
            self.keys[length] = array("Q", networks) if family == socket.AF_INET else networks
            self.rows[length] = array("I", [value & 0xFFFFFFFF for value in packed])

    def rows_for(self, length: int, address: int) -> list[int]:
        """Rows of the routes for ``address``'s /``length`` prefix, best metric first."""
        keys = self.keys.get(length)
        if keys is None:
            return []
        network = address >> (self.bits - length) << (self.bits - length)
        position = end = bisect.bisect_left(keys, network)
        while end < len(keys) and keys[end] == network:
            end += 1
        return list(self.rows[length][position:end])


def _candidates(indexes: list[_TableIndex], address: int) -> Iterator[tuple[int, list[int]]]:
    """(prefix length, rows), longest prefix first, over one table or merged tables."""
    lengths = sorted({length for index in indexes for length in index.lengths}, reverse=True)
    for length in lengths:
        rows = [row for index in indexes for row in index.rows_for(length, address)]
        if rows:
            yield length, rows


def _build_index(routes: RouteTable) -> dict[tuple[int, int], _TableIndex]:
    """One pass over the packed records; each route becomes one int until sorted.

    The int is ``network << 72 | (metric + 1) << 32 | index``, so a plain sort orders by
    network, then metric, then dump order — the order the kernel keeps same-prefix
    routes in — without a tuple per route.
    """
    groups: dict[tuple[int, int], dict[int, list[int]]] = {}
    for index, family, table, dst_len, network, metric in routes.lookup_keys():
        by_length = groups.get((family, table))
        if by_length is None:
            by_length = groups[(family, table)] = {}
        by_length.setdefault(dst_len, []).append(network << 72 | (metric + 1) << 32 | index)
    return {key: _TableIndex(key[0], by_length) for key, by_length in groups.items()}


_INDEXES: weakref.WeakKeyDictionary[RouteTable, dict] = weakref.WeakKeyDictionary()


def _index_for(routes: RouteTable) -> dict[tuple[int, int], _TableIndex]:
    index = _INDEXES.get(routes)
    if index is None:
        index = _INDEXES[routes] = _build_index(routes)
    return index


# --- addresses ---------------------------------------------------------------------


@dataclass(frozen=True)
class _Address:
    dev: str
    family: int
    text: str
    value: int
    prefix_len: int


def _parse_addresses(addresses: Mapping[str, Sequence[str]] | None) -> list[_Address]:
    parsed = []
    for dev, entries in (addresses or {}).items():
        for entry in entries:
            text, _, length = entry.partition("/")
            family = _family_of_address(text)
            prefix_len = int(length) if length else _BITS[family]
            parsed.append(_Address(dev, family, text, _address_int(text), prefix_len))
    return parsed


def _ipv4_scope(address: _Address) -> int:
    return _HOST if address.value >> 24 == 127 else _UNIVERSE


def _select_ipv4_source(addresses: list[_Address], dev: str | None, towards: int | None,
                        scope: int) -> str | None:
    """inet_select_addr(): on ``dev``, the first address in ``towards``' subnet, else the
    first one at all; failing that, the first non-link address of any interface."""
    first = None
    for address in addresses:
        if address.family != socket.AF_INET or address.dev != dev or _ipv4_scope(address) > scope:
            continue
        if towards is None or _covers(address.value, address.prefix_len, towards, 32):
            return address.text
        first = first or address.text
    if first:
        return first
    for address in addresses:
        if address.family == socket.AF_INET and _ipv4_scope(address) <= scope:
            return address.text
    return None


_IPV6_LABELS = (  # the kernel's default address label table (ip addrlabel)
    ((1, 128), 0), ((0xFFFF << 32, 96), 4), ((0, 96), 3), ((0x2001 << 112, 32), 6),
    ((0x20010010 << 96, 28), 7), ((0x2002 << 112, 16), 2), ((0x3FFE << 112, 16), 12),
    ((0xFEC0 << 112, 10), 11), ((0xFC00 << 112, 7), 5), ((0, 0), 1),
)


def _ipv6_label(value: int) -> int:
    best = max(
        ((length, label) for (network, length), label in _IPV6_LABELS
         if _covers(network, length, value, 128)),
    )
    return best[1]


def _ipv6_scope(value: int) -> int:
    if value >> 120 == 0xFF:
        return (value >> 112) & 0xF
    if value == 1:
        return 1
    if value >> 118 == 0x3FA:  # fe80::/10
        return 2
    if value >> 118 == 0x3FB:  # fec0::/10
        return 5
    return 14


def _common_prefix(first: int, second: int) -> int:
    return 128 - (first ^ second).bit_length()


def _select_ipv6_source(addresses: list[_Address], dev: str | None, dst: int) -> str | None:
    """ipv6_dev_get_saddr(), RFC 6724 rules 1 (same address), 2 (scope), 5 (outgoing
    interface), 6 (label) and 8 (longest matching prefix)."""
    dst_scope = _ipv6_scope(dst)
    only_oif = dst >> 120 == 0xFF or dst_scope <= 2
    dst_label = _ipv6_label(dst)

    def score(address: _Address) -> tuple:
        scope = _ipv6_scope(address.value)
        return (
            address.value == dst,
            -scope if scope >= dst_scope else scope - 128,
            address.dev == dev,
            _ipv6_label(address.value) == dst_label,
            min(_common_prefix(address.value, dst), address.prefix_len),
        )

    candidates = [
        address for address in addresses
        if address.family == socket.AF_INET6 and (address.dev == dev or not only_oif)
    ]
    if not candidates:
        return None
    return max(candidates, key=score).text  # max() keeps the first of equals


# --- the lookup --------------------------------------------------------------------


@dataclass(frozen=True)
class _Flow:
    family: int
    dst: int
    src: int
    mark: int
    uid: int


@dataclass
class _TableAnswer:
    """What one table said: a usable route, a reject, or "go on" (throw / nothing)."""

    route: Route | None = None
    error: int | None = None
    throw: bool = False
    merged: bool = False  # answered by the merged local+main table (reported as main)

    @property
    def final(self) -> bool:
        return self.error is not None or (self.route is not None and not self.throw)


def _pref_rank(route: Route) -> int:
    return {1: 3, 0: 2, 3: 1}.get(route.pref if route.pref is not None else 0, 2)


def _is_dead(route: Route) -> bool:
    if route.nexthops:
        return all(hop.flags & RTNH_F_DEAD for hop in route.nexthops)
    return bool(route.flags & RTNH_F_DEAD)


def _source_matches(route: Route, flow: _Flow) -> bool:
    source = (route.extras or {}).get("from")
    if source is None:
        return True
    text, _, length = source.partition("/")
    bits = _BITS[flow.family]
    return _covers(_address_int(text), int(length) if length else bits, flow.src, bits)


class Resolver:
    """Route lookups over one routing snapshot; build once, ask many times.

    ``addresses``: interface name → addresses with prefix length (``"10.0.0.5/24"``),
    as :func:`wizard.network.rtnetlink.decode.dump_addresses` returns; without it the source
    address is only known when a route states ``prefsrc``.
    """

    def __init__(
        self,
        routes: RouteTable | Iterable[Mapping[str, Any]],
        rules: Iterable[Mapping[str, Any]] | None = None,
        addresses: Mapping[str, Sequence[str]] | None = None,
    ) -> None:
        self.routes = routes if isinstance(routes, RouteTable) else RouteTable.from_iproute_json(
            routes
        )
        given = list(rules) if rules is not None else None
        self._rules = {family: _rules_for(given, family) for family in _BITS}
        self._ipv4_rules_are_default = [rule.source for rule in self._rules[socket.AF_INET]] == (
            list(_DEFAULT_RULES[socket.AF_INET])
        )
        self._addresses = _parse_addresses(addresses)

    # table level ------------------------------------------------------------------

    def _table_lookup(self, flow: _Flow, tables: tuple[int, ...], trace: list[str]
                      ) -> _TableAnswer:
        """fib_table_lookup(): longest prefix, then the first usable route for it."""
        all_indexes = _index_for(self.routes)
        indexes = [all_indexes[key] for key in ((flow.family, t) for t in tables)
                   if key in all_indexes]
        for length, rows in _candidates(indexes, flow.dst):
            routes = [self.routes.route_by_index(row) for row in rows]
            if flow.family == socket.AF_INET6:  # same metric: higher router preference
                routes.sort(key=lambda route: (route.metric or 0, -_pref_rank(route)))
            for route in routes:
                if "tos" in (route.extras or {}) or not _source_matches(route, flow):
                    continue
                if route.type in _ROUTE_ERRORS:
                    trace.append(f"  /{length}: {route.type} {route.dst}")
                    return _TableAnswer(route=route, error=_ROUTE_ERRORS[route.type])
                if route.type == "throw":
                    trace.append(f"  /{length}: throw {route.dst}: back to the rules")
                    return _TableAnswer(route=route, throw=True)
                if _is_dead(route):
                    trace.append(f"  /{length}: {route.dst} skipped, its next hops are dead")
                    continue
                trace.append(f"  /{length}: {route.dst} (metric {route.metric or 0})")
                return _TableAnswer(route=route)
        return _TableAnswer()

    # rule level -------------------------------------------------------------------

    def _merged_walk(self, flow: _Flow, trace: list[str]) -> tuple[_Rule | None, _TableAnswer]:
        """fib_lookup() before any custom IPv4 rule: local and main are one table, then
        the default table; the kernel reports the answer as table main."""
        local_rule, main_rule, default_rule = self._rules[socket.AF_INET]
        trace.append("no custom IPv4 rules: the kernel looks up local and main as one table")
        answer = self._table_lookup(flow, (RT_TABLE_LOCAL, RT_TABLE_MAIN), trace)
        answer.merged = True
        rule = local_rule if answer.route and answer.route.table == RT_TABLE_LOCAL else main_rule
        if answer.route is not None and answer.error is None and not answer.throw:
            return rule, answer
        if (socket.AF_INET, RT_TABLE_DEFAULT) in _index_for(self.routes):
            trace.append(f"rule {default_rule.describe()}")
            fallback = self._table_lookup(flow, (RT_TABLE_DEFAULT,), trace)
            return default_rule, fallback if fallback.final else _TableAnswer(
                error=errno.ENETUNREACH
            )
        if answer.error is not None:
            return rule, answer
        return None, _TableAnswer(error=errno.ENETUNREACH)

    def _rule_walk(self, flow: _Flow, trace: list[str]) -> tuple[_Rule | None, _TableAnswer]:
        """fib_rules_lookup(): the first rule whose table gives a final answer."""
        if flow.family == socket.AF_INET and self._ipv4_rules_are_default:
            return self._merged_walk(flow, trace)
        rules = self._rules[flow.family]
        position = 0
        while position < len(rules):
            rule = rules[position]
            position += 1
            if not rule.matches(flow):
                continue
            trace.append(f"rule {rule.describe()}")
            if rule.action == "goto":
                targets = [i for i, other in enumerate(rules) if other.priority == rule.goto]
                if targets:
                    position = targets[0]
                continue
            if rule.action == "nop":
                continue
            if rule.action in _RULE_ERRORS:
                return rule, _TableAnswer(error=_RULE_ERRORS[rule.action])
            answer = self._table_lookup(flow, (rule.table,), trace)
            if not answer.final:
                continue
            if answer.error is None and answer.route.dst_len <= rule.suppress_prefixlen:
                trace.append(f"  suppressed: /{answer.route.dst_len} is within "
                             f"suppress_prefixlength {rule.suppress_prefixlen}")
                continue
            return rule, answer
        trace.append("no rule gave a route")
        return None, _TableAnswer(error=errno.ENETUNREACH)

    # public -----------------------------------------------------------------------

    def lookup(self, dst: str, src: str | None = None, mark: int = 0, uid: int = 0
               ) -> dict[str, Any]:
        """The kernel's answer for ``ip route get DST [from SRC] [mark M] [uid U]``.

        Keys as :func:`~wizard.network.rtnetlink.route_get.kernel_route_get` (``type`` for
        non-unicast, ``dst``, ``from``, ``gateway``, ``dev``, ``table``, ``prefsrc``, or
        ``error``), plus ``rule`` (the ip-rule dict that decided), ``route`` (the
        :class:`Route` used), ``route_index`` (its ``Route.index``), ``nexthops`` for a
        multipath route, and ``trace``: the steps, in words.
        """
        family = _family_of_address(dst)
        flow = _Flow(family, _address_int(dst), _address_int(src) if src else 0, mark, uid)
        trace: list[str] = []
        if family == socket.AF_INET:
            special = self._ipv4_special_cases(flow, dst, src, trace)
            if special is not None:
                return special
        rule, answer = self._rule_walk(flow, trace)
        return self._answer(flow, dst, src, rule, answer, trace)

    def _ipv4_special_cases(self, flow: _Flow, dst: str, src: str | None, trace: list[str]
                            ) -> dict[str, Any] | None:
        """What ip_route_output_key_hash_rcu() decides before, or instead of, the FIB."""
        if src is not None:
            if flow.src >> 28 == 0xE or flow.src == 0xFFFFFFFF or flow.src >> 24 == 0:
                trace.append("source is multicast, broadcast or 0.0.0.0/8: invalid")
                return self._decorate(lookup_error_result(errno.EINVAL, dst, src), None, None,
                                      trace)
            owner = self._local_route(flow.src)
            if owner is None:
                trace.append(f"source {src} is not an address of this host")
                return self._decorate(lookup_error_result(errno.ENETUNREACH, dst, src), None,
                                      None, trace)
            if flow.dst >> 28 == 0xE or flow.dst == 0xFFFFFFFF:
                kind = "multicast" if flow.dst >> 28 == 0xE else "broadcast"
                trace.append(f"{kind} from {src}: sent out of {owner.dev}, which owns it")
                result = {"type": kind, "dst": dst, "from": src, "dev": owner.dev, "flags": []}
                return self._decorate(result, None, None, trace)
        if flow.dst == 0:
            trace.append("destination 0.0.0.0 means this host: delivered on lo")
            result: dict[str, Any] = {"type": "local", "dst": dst}
            result.update({"from": src} if src else {})
            result["dev"] = _LOOPBACK_DEV
            result.update({} if src else {"prefsrc": "127.0.0.1"})
            result["flags"] = []
            return self._decorate(result, None, None, trace)
        return None

    def _local_route(self, address: int) -> Route | None:
        """The local-table route that makes ``address`` one of this host's (its dev owns it)."""
        flow = _Flow(socket.AF_INET, address, 0, 0, 0)
        answer = self._table_lookup(flow, (RT_TABLE_LOCAL,), [])
        if answer.route is not None and answer.route.type == "local":
            return answer.route
        return None

    def _answer(self, flow: _Flow, dst: str, src: str | None, rule: _Rule | None,
                answer: _TableAnswer, trace: list[str]) -> dict[str, Any]:
        if answer.error is not None:
            return self._decorate(lookup_error_result(answer.error, dst, src), rule,
                                  answer.route, trace)
        route = answer.route
        if flow.family == socket.AF_INET:
            result = self._ipv4_result(flow, dst, src, route, answer.merged)
            if "error" in result:
                trace.append("a loopback source cannot leave through " + str(route.dev))
        else:
            result = self._ipv6_result(flow, dst, src, route)
        return self._decorate(result, rule, route, trace)

    @staticmethod
    def _decorate(result: dict[str, Any], rule: _Rule | None, route: Route | None,
                  trace: list[str]) -> dict[str, Any]:
        result["rule"] = dict(rule.source) if rule is not None else None
        result["route"] = route
        result["route_index"] = route.index if route is not None else None
        result["trace"] = trace
        return result

    @staticmethod
    def _first_usable_hop(route: Route) -> tuple[str | None, str | None]:
        for hop in route.nexthops:
            if not hop.flags & RTNH_F_DEAD:
                return hop.gateway, hop.dev
        return route.gateway, route.dev

    def _ipv4_result(self, flow: _Flow, dst: str, src: str | None, route: Route,
                     merged: bool) -> dict[str, Any]:
        gateway, dev = self._first_usable_hop(route)
        route_type = route.type
        if flow.dst == 0xFFFFFFFF:
            route_type = "broadcast"
        elif flow.dst >> 28 == 0xE:
            route_type = "multicast"
        if route_type == "local":
            dev, gateway = _LOOPBACK_DEV, None
            prefsrc = route.prefsrc or dst
        else:
            towards = _address_int(gateway) if gateway and ":" not in gateway else None
            prefsrc = route.prefsrc or _select_ipv4_source(
                self._addresses, dev, towards, route.scope
            )
            # __mkroute_output(): no gateway for broadcast, nor for multicast that only
            # matched a default-like route (shorter than /4).
            if route_type == "broadcast" or (route_type == "multicast" and route.dst_len < 4):
                gateway = None
        if src is not None and src.startswith("127.") and dev != _LOOPBACK_DEV:
            return lookup_error_result(errno.EINVAL, dst, src)
        result: dict[str, Any] = {} if route_type == "unicast" else {"type": route_type}
        result["dst"] = dst
        if src is not None:
            result["from"] = src
        if gateway is not None:
            result.update(_gateway_entry(gateway, flow.family))
        if dev is not None:
            result["dev"] = dev
        if route.table not in (0, RT_TABLE_MAIN) and not merged:
            result["table"] = route.table_name
        if src is None and prefsrc is not None:
            result["prefsrc"] = prefsrc
        result["flags"] = []
        self._add_nexthops(result, route)
        return result

    def _ipv6_result(self, flow: _Flow, dst: str, src: str | None, route: Route
                     ) -> dict[str, Any]:
        gateway, dev = self._first_usable_hop(route)
        if route.type in ("local", "anycast"):
            dev, gateway = _LOOPBACK_DEV, None
        prefsrc = route.prefsrc or _select_ipv6_source(
            self._addresses, route.dev or dev, flow.dst
        )
        result: dict[str, Any] = {} if route.type == "unicast" else {"type": route.type}
        result.update({"dst": dst, "from": src or "::"})
        if gateway is not None:
            result.update(_gateway_entry(gateway, flow.family))
        if dev is not None:
            result["dev"] = dev
        if route.table not in (0, RT_TABLE_MAIN):
            result["table"] = route.table_name
        if prefsrc is not None:
            result["prefsrc"] = prefsrc
        if route.metric is not None:
            result["metric"] = route.metric
        result["flags"] = []
        self._add_nexthops(result, route)
        return result

    @staticmethod
    def _add_nexthops(result: dict[str, Any], route: Route) -> None:
        usable = [hop for hop in route.nexthops if not hop.flags & RTNH_F_DEAD]
        if usable:
            result["nexthops"] = [{"gateway": hop.gateway, "dev": hop.dev} for hop in usable]


def _gateway_entry(gateway: str, family: int) -> dict[str, Any]:
    """``gateway``, or ``via`` with a family when the next hop is of the other family."""
    if _family_of_address(gateway) == family:
        return {"gateway": gateway}
    return {"via": {"family": "inet6" if ":" in gateway else "inet", "host": gateway}}


def lookup(
    routes: RouteTable | Iterable[Mapping[str, Any]],
    rules: Iterable[Mapping[str, Any]] | None,
    dst: str,
    src: str | None = None,
    addresses: Mapping[str, Sequence[str]] | None = None,
) -> dict[str, Any]:
    """One lookup; see :meth:`Resolver.lookup`. The prefix index of a RouteTable is
    cached with the table, so repeated calls only pay for the lookup itself."""
    return Resolver(routes, rules, addresses).lookup(dst, src)


def kubeadm_advertise_address(
    routes: RouteTable | Iterable[Mapping[str, Any]],
    addresses: Mapping[str, Sequence[str]],
    family: int = socket.AF_INET,
) -> str | None:
    """The address kubeadm would advertise when none is given (``--apiserver-advertise-address``).

    kubeadm follows the default route of the main table (it reads /proc/net/route, which
    only shows that table): the ``prefsrc`` of the lowest-metric default route, else the
    first global unicast address on that route's interface. None without a default route.
    """
    table = routes if isinstance(routes, RouteTable) else RouteTable.from_iproute_json(routes)
    wanted = socket.AF_INET6 if family in (6, socket.AF_INET6) else socket.AF_INET
    defaults = [
        route for route in table.filter(table=RT_TABLE_MAIN, family=wanted)
        if route.dst_len == 0 and route.type == "unicast"
    ]
    if not defaults:
        return None
    best = min(defaults, key=lambda route: route.metric or 0)
    if best.prefsrc:
        return best.prefsrc
    dev = best.dev or (best.nexthops[0].dev if best.nexthops else None)
    for address in _parse_addresses({dev: addresses.get(dev, ())} if dev else {}):
        if address.family == wanted and _is_global_unicast(address):
            return address.text
    return None


def _is_global_unicast(address: _Address) -> bool:
    if address.family == socket.AF_INET:
        return address.value >> 24 not in (0, 127) and address.value >> 16 != 0xA9FE and (
            address.value >> 28 != 0xE
        )
    return _ipv6_scope(address.value) == 14 and address.value >> 120 != 0xFF

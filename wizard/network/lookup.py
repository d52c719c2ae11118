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

import errno
import socket
from bisect import bisect_left
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from wizard.network.lookup_trace import LookupTrace
from wizard.network.policy_rules import _DEFAULT_RULES, _LOOPBACK_DEV, _Flow, _Rule, _rules_for
from wizard.network.prefix_index import (
    _BITS,
    LookupPlan,
    _address_int,
    _covers,
    _family_of_address,
    _index_for,
)
from wizard.network.rtnetlink.constants import (
    RT_TABLE_DEFAULT,
    RT_TABLE_LOCAL,
    RT_TABLE_MAIN,
    RTNH_F_DEAD,
)
from wizard.network.rtnetlink.route_get import lookup_error_result
from wizard.network.rtnetlink.route_table import Route, RouteTable
from wizard.network.source_address import (
    _is_global_unicast,
    _parse_addresses,
    _select_ipv4_source,
    _select_ipv6_source,
)

_RULE_ERRORS = {"blackhole": errno.EINVAL, "unreachable": errno.ENETUNREACH,
                "prohibit": errno.EACCES}
_ROUTE_ERRORS = {"blackhole": errno.EINVAL, "unreachable": errno.EHOSTUNREACH,
                 "prohibit": errno.EACCES}
# One rule of a walk compiled for a source, mark and uid (Resolver._walk_for): what it
# does (_LOOKUP, _GOTO, _NOP, _REJECT), its ``to`` network and the shift that compares
# an address with it when only the destination still decides (shift -1: it matches),
# where its goto lands in the walk (-1: nowhere), the plan of its table, and the rule.
_WalkStep = tuple[int, int, int, int, LookupPlan, _Rule]
_LOOKUP, _GOTO, _NOP, _REJECT = range(4)
# Per-resolver caches keyed by what lookups share (a source, a gateway) stay this small:
# a caller asking from ever new sources must not grow them without end.
_CACHE_LIMIT = 4096
_UNKNOWN = ""  # not an address: "not worked out yet" in Resolver._ipv4_sources


class _TableAnswer:
    """What one table said: a usable route, a reject, or "go on" (throw / nothing).

    The route is decoded from its packed record only when somebody reads ``route``: a
    lookup that a rule then suppresses, or that falls through, never pays for it.
    """

    __slots__ = ("row", "dst_len", "error", "throw", "final", "merged", "_routes", "_route")

    def __init__(self, row: int | None = None, dst_len: int = 0, error: int | None = None,
                 throw: bool = False, routes: RouteTable | None = None,
                 route: Route | None = None) -> None:
        self.row, self.dst_len, self.error, self.throw = row, dst_len, error, throw
        # the walk ends here: an error, or a route that is not a throw
        self.final = error is not None or (row is not None and not throw)
        self.merged = False  # answered by the merged local+main table (reported as main)
        self._routes, self._route = routes, route

    @property
    def found(self) -> bool:
        return self.row is not None

    @property
    def route(self) -> Route | None:
        if self._route is None and self.row is not None and self._routes is not None:
            self._route = self._routes.route_by_index(self.row)
        return self._route


# "Nothing here, go on" (no route, or one a rule suppresses): one shared instance, since
# most tables a walk passes say just that. Never changed (only found answers are).
_NOTHING = _TableAnswer()

_PREF_RANKS = {1: 3, 0: 2, 3: 1}  # RFC 4191 router preference: high, medium, low


def _is_dead(flags: int, extras: Mapping[str, Any] | None) -> bool:
    """From the packed record: every next hop (or the only one) is marked dead."""
    hops = extras.get("nexthops") if extras else None
    if hops:
        return all(hop[3] & RTNH_F_DEAD for hop in hops)
    return bool(flags & RTNH_F_DEAD)


def _source_matches(extras: Mapping[str, Any] | None, flow: _Flow) -> bool:
    source = extras.get("from") if extras else None
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
        self._plans: dict[tuple[int, tuple[int, ...]], LookupPlan] = {}
        self._walks: dict[tuple[int, int, int, int], tuple[_WalkStep, ...]] = {}
        self._ipv4_sources: dict[tuple[str | None, str | None, int], str | None] = {}
        self._forwarding = b""  # RouteTable.forwarding_rows(), with the first plan

    # table level ------------------------------------------------------------------

    def _plan(self, family: int, tables: tuple[int, ...]) -> LookupPlan:
        """What to bisect for these tables; made once per Resolver and table set."""
        key = (family, tables)
        plan = self._plans.get(key)
        if plan is None:
            all_indexes = _index_for(self.routes)
            indexes = [all_indexes[k] for k in ((family, t) for t in tables) if k in all_indexes]
            plan = self._plans[key] = LookupPlan(family, indexes)
            self._forwarding = self.routes.forwarding_rows()
        return plan

    def _table_lookup(self, flow: _Flow, plan: LookupPlan, trace: list[str] | None,
                      suppress_prefixlen: int = -1) -> _TableAnswer:
        """fib_table_lookup(): longest prefix, then the first usable route for it.

        ``plan``: the table's (or local+main's), from :meth:`_plan`. A route a rule's
        ``suppress_prefixlength`` rejects counts as no answer (the walk goes on), so no
        answer object is made for it.
        """
        address = flow.dst
        for length, shift, parts in plan.steps_for(address):
            network = address >> shift << shift
            rows: Sequence[int] | None = None
            for keys, part_rows, starts in parts:
                if starts is None:
                    position = bisect_left(keys, network)
                else:  # only the networks of this /16 block
                    block = network >> 16
                    position = bisect_left(keys, network, starts[block], starts[block + 1])
                if position == len(keys) or keys[position] != network:
                    continue
                end = position + 1
                while end < len(keys) and keys[end] == network:
                    end += 1
                found = part_rows[position:end]
                rows = found if rows is None else [*rows, *found]
            if rows is not None:
                answer = self._judge(flow, rows, length, trace, suppress_prefixlen)
                if answer is not None:
                    return answer
        return _NOTHING

    def _judge(self, flow: _Flow, rows: Sequence[int], length: int, trace: list[str] | None,
               suppress_prefixlen: int) -> _TableAnswer | None:
        """The first usable route of one prefix length's candidates (None: none is).

        Candidates are judged on their packed records (type, flags, metric, the rare
        extras); only the route that answers is decoded, and only when it is read.
        """
        routes = self.routes
        first = rows[0]
        if trace is None and self._forwarding[first] and (
                len(rows) == 1 or flow.family == socket.AF_INET):
            # the first candidate simply forwards: it answers (nothing else to say)
            if length <= suppress_prefixlen:
                return _NOTHING
            return _TableAnswer(first, length, routes=routes)
        fields = [routes.lookup_fields(row) for row in rows]
        if flow.family == socket.AF_INET6 and len(rows) > 1:
            # same metric: the higher router preference first (a stable sort keeps
            # the kernel's order otherwise)
            fields.sort(key=lambda f: (f[3] or 0, -_PREF_RANKS.get(
                f[4] if f[4] is not None else 0, 2)))
        for row, kind, flags, metric, _pref, extras in fields:
            if extras and ("tos" in extras or not _source_matches(extras, flow)):
                continue
            if kind in _ROUTE_ERRORS:
                if trace is not None:
                    trace.append(f"  /{length}: {kind} {routes.dst_text(row)}")
                return _TableAnswer(row, length, error=_ROUTE_ERRORS[kind], routes=routes)
            if kind == "throw":
                if trace is not None:
                    trace.append(f"  /{length}: throw {routes.dst_text(row)}: back to the "
                                 "rules")
                return _TableAnswer(row, length, throw=True, routes=routes)
            if (extras or flags & RTNH_F_DEAD) and _is_dead(flags, extras):
                if trace is not None:
                    trace.append(f"  /{length}: {routes.dst_text(row)} skipped, its next "
                                 "hops are dead")
                continue
            if trace is not None:
                trace.append(f"  /{length}: {routes.dst_text(row)} (metric {metric or 0})")
            if length <= suppress_prefixlen:
                if trace is not None:
                    trace.append(f"  suppressed: /{length} is within suppress_prefixlength "
                                 f"{suppress_prefixlen}")
                return _NOTHING
            return _TableAnswer(row, length, routes=routes)
        return None

    # rule level -------------------------------------------------------------------

    def _merged_walk(self, flow: _Flow, trace: list[str] | None
                     ) -> tuple[_Rule | None, _TableAnswer]:
        """fib_lookup() before any custom IPv4 rule: local and main are one table, then
        the default table; the kernel reports the answer as table main."""
        local_rule, main_rule, default_rule = self._rules[socket.AF_INET]
        if trace is not None:
            trace.append("no custom IPv4 rules: the kernel looks up local and main as one "
                         "table")
        answer = self._table_lookup(flow, self._plan(socket.AF_INET, (RT_TABLE_LOCAL,
                                                                     RT_TABLE_MAIN)), trace)
        if answer.found:  # never the shared _NOTHING
            answer.merged = True
        found_local = answer.route is not None and answer.route.table == RT_TABLE_LOCAL
        rule = local_rule if found_local else main_rule
        if answer.found and answer.error is None and not answer.throw:
            return rule, answer
        if (socket.AF_INET, RT_TABLE_DEFAULT) in _index_for(self.routes):
            if trace is not None:
                trace.append(f"rule {default_rule.describe()}")
            fallback = self._table_lookup(flow, self._plan(socket.AF_INET, (RT_TABLE_DEFAULT,)),
                                          trace)
            return default_rule, fallback if fallback.final else _TableAnswer(
                error=errno.ENETUNREACH
            )
        if answer.error is not None:
            return rule, answer
        return None, _TableAnswer(error=errno.ENETUNREACH)

    def _walk_for(self, flow: _Flow) -> tuple[_WalkStep, ...]:
        """The family's rules that can match this flow's source, mark and uid, in order.

        Why: only a rule's ``to`` depends on the destination, and most lookups share
        the rest (a plain ``route get`` has no source, mark or uid), so the rules that
        cannot match are dropped once per (source, mark, uid), not tested per address.
        """
        key = (flow.family, flow.src, flow.mark, flow.uid)
        walk = self._walks.get(key)
        if walk is None:
            rules = self._rules[flow.family]
            kept = [(position, rule, verdict) for position, rule in enumerate(rules)
                    if (verdict := rule.verdict_without_dst(flow)) is not False]
            positions = [position for position, _rule, _verdict in kept]
            steps: list[_WalkStep] = []
            for _position, rule, verdict in kept:
                jump = -1
                if rule.action == "goto":
                    targets = [i for i, other in enumerate(rules) if other.priority == rule.goto]
                    if targets:  # the first kept rule at or after the target
                        jump = bisect_left(positions, targets[0])
                kind = {"goto": _GOTO, "nop": _NOP}.get(rule.action, _LOOKUP)
                if rule.action in _RULE_ERRORS:
                    kind = _REJECT
                network, shift = 0, -1
                if verdict is None and rule.dst is not None:
                    network, shift = rule.dst[0], _BITS[flow.family] - rule.dst[1]
                steps.append((kind, network, shift, jump, self._plan(flow.family, (rule.table,)),
                              rule))
            if len(self._walks) >= _CACHE_LIMIT:
                self._walks.clear()
            walk = self._walks[key] = tuple(steps)
        return walk

    def _rule_walk(self, flow: _Flow, trace: list[str] | None
                   ) -> tuple[_Rule | None, _TableAnswer]:
        """fib_rules_lookup(): the first rule whose table gives a final answer."""
        if flow.family == socket.AF_INET and self._ipv4_rules_are_default:
            return self._merged_walk(flow, trace)
        steps = self._walk_for(flow)
        dst = flow.dst
        position = 0
        while position < len(steps):
            kind, network, shift, jump, plan, rule = steps[position]
            position += 1
            # a ``to`` selector: the rule matches when covering dst differs from ``not``
            if shift >= 0 and ((network ^ dst) >> shift == 0) == rule.invert:
                continue
            if trace is not None:
                trace.append(f"rule {rule.describe()}")
            if kind == _LOOKUP:
                answer = self._table_lookup(flow, plan, trace, rule.suppress_prefixlen)
                if answer.final:
                    return rule, answer
            elif kind == _GOTO:
                if jump >= 0:
                    position = jump
            elif kind == _REJECT:
                return rule, _TableAnswer(error=_RULE_ERRORS[rule.action])
        if trace is not None:
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
        multipath route, and ``trace``: the steps, in words (a :class:`LookupTrace`,
        put into words when first read).
        """
        result = self._resolve(dst, src, mark, uid, None)
        result["trace"] = LookupTrace(self, (dst, src, mark, uid))
        return result

    def _traced(self, dst: str, src: str | None, mark: int, uid: int) -> list[str]:
        """The lookup again, this time saying each step (what a LookupTrace reads)."""
        trace: list[str] = []
        self._resolve(dst, src, mark, uid, trace)
        return trace

    def _resolve(self, dst: str, src: str | None, mark: int, uid: int,
                 trace: list[str] | None) -> dict[str, Any]:
        """The answer without its trace; the steps go to ``trace`` when one is given."""
        family = _family_of_address(dst)
        flow = _Flow(family, int.from_bytes(socket.inet_pton(family, dst), "big"),
                     _address_int(src) if src else 0, mark, uid)
        if family == socket.AF_INET and (src is not None or flow.dst == 0):
            special = self._ipv4_special_cases(flow, dst, src, trace)
            if special is not None:
                return special
        rule, answer = self._rule_walk(flow, trace)
        return self._answer(flow, dst, src, rule, answer, trace)

    def _ipv4_special_cases(self, flow: _Flow, dst: str, src: str | None,
                            trace: list[str] | None) -> dict[str, Any] | None:
        """What ip_route_output_key_hash_rcu() decides before, or instead of, the FIB (only
        asked with a source, or for 0.0.0.0)."""
        notes: list[str] = [] if trace is None else trace  # words nobody reads are dropped
        if src is not None:
            if flow.src >> 28 == 0xE or flow.src == 0xFFFFFFFF or flow.src >> 24 == 0:
                notes.append("source is multicast, broadcast or 0.0.0.0/8: invalid")
                return self._decorate(lookup_error_result(errno.EINVAL, dst, src,
                                                          source_refused=True), None, None)
            owner = self._local_route(flow.src)
            if owner is None:
                notes.append(f"source {src} is not an address of this host")
                return self._decorate(lookup_error_result(errno.ENETUNREACH, dst, src,
                                                          source_refused=True), None, None)
            if flow.dst >> 28 == 0xE or flow.dst == 0xFFFFFFFF:
                kind = "multicast" if flow.dst >> 28 == 0xE else "broadcast"
                notes.append(f"{kind} from {src}: sent out of {owner.dev}, which owns it")
                result: dict[str, Any] = {"type": kind, "dst": dst, "from": src,
                                          "dev": owner.dev, "flags": []}
                return self._decorate(result, None, None)
        if flow.dst == 0:
            notes.append("destination 0.0.0.0 means this host: delivered on lo")
            result = {"type": "local", "dst": dst}
            result.update({"from": src} if src else {})
            result["dev"] = _LOOPBACK_DEV
            result.update({} if src else {"prefsrc": "127.0.0.1"})
            result["flags"] = []
            return self._decorate(result, None, None)
        return None

    def _local_route(self, address: int) -> Route | None:
        """The local-table route that makes ``address`` one of this host's (its dev owns it)."""
        flow = _Flow(socket.AF_INET, address, 0, 0, 0)
        answer = self._table_lookup(flow, self._plan(socket.AF_INET, (RT_TABLE_LOCAL,)), None)
        route = answer.route
        if route is not None and route.type == "local":
            return route
        return None

    def _answer(self, flow: _Flow, dst: str, src: str | None, rule: _Rule | None,
                answer: _TableAnswer, trace: list[str] | None) -> dict[str, Any]:
        if answer.error is not None:
            return self._decorate(lookup_error_result(answer.error, dst, src), rule,
                                  answer.route)
        route = answer.route
        assert route is not None, "only an answer with an error has no route"
        if flow.family == socket.AF_INET:
            result = self._ipv4_result(flow, dst, src, route, answer.merged)
            if "error" in result and trace is not None:
                trace.append("a loopback source cannot leave through " + str(route.dev))
        else:
            result = self._ipv6_result(flow, dst, src, route)
        return self._decorate(result, rule, route)

    @staticmethod
    def _decorate(result: dict[str, Any], rule: _Rule | None, route: Route | None
                  ) -> dict[str, Any]:
        result["rule"] = dict(rule.source) if rule is not None else None
        result["route"] = route
        result["route_index"] = route.index if route is not None else None
        return result

    @staticmethod
    def _first_usable_hop(route: Route) -> tuple[str | None, str | None]:
        for hop in route.nexthops:
            if not hop.flags & RTNH_F_DEAD:
                return hop.gateway, hop.dev
        return route.gateway, route.dev

    def _ipv4_result(self, flow: _Flow, dst: str, src: str | None, route: Route,
                     merged: bool) -> dict[str, Any]:
        gateway, dev = self._first_usable_hop(route) if route.nexthops else (route.gateway,
                                                                             route.dev)
        route_type = route.type
        if flow.dst == 0xFFFFFFFF:
            route_type = "broadcast"
        elif flow.dst >> 28 == 0xE:
            route_type = "multicast"
        prefsrc: str | None
        if route_type == "local":
            dev, gateway = _LOOPBACK_DEV, None
            prefsrc = route.prefsrc or dst
        else:
            prefsrc = route.prefsrc or self._ipv4_source(dev, gateway, route.scope)
            # __mkroute_output(): no gateway for broadcast, nor for multicast that only
            # matched a default-like route (shorter than /4).
            if route_type == "broadcast" or (route_type == "multicast" and route.dst_len < 4):
                gateway = None
        if src is not None and src.startswith("127.") and dev != _LOOPBACK_DEV:
            return lookup_error_result(errno.EINVAL, dst, src, source_refused=True)
        result: dict[str, Any] = {} if route_type == "unicast" else {"type": route_type}
        result["dst"] = dst
        if src is not None:
            result["from"] = src
        if gateway is not None:
            if ":" in gateway:  # an IPv6 next hop (RTA_VIA)
                result.update(_gateway_entry(gateway, flow.family))
            else:
                result["gateway"] = gateway
        if dev is not None:
            result["dev"] = dev
        if route.table not in (0, RT_TABLE_MAIN) and not merged:
            result["table"] = route.table_name
        if src is None and prefsrc is not None:
            result["prefsrc"] = prefsrc
        result["flags"] = []
        if route.nexthops:
            self._add_nexthops(result, route)
        return result

    def _ipv4_source(self, dev: str | None, gateway: str | None, scope: int) -> str | None:
        """inet_select_addr() for a route without ``prefsrc``; the same for every route
        with this dev, gateway and scope (a full table has a handful), so kept."""
        key = (dev, gateway, scope)
        known = self._ipv4_sources.get(key, _UNKNOWN)
        if known is not _UNKNOWN:
            return known
        towards = _address_int(gateway) if gateway and ":" not in gateway else None
        source = _select_ipv4_source(self._addresses, dev, towards, scope)
        if len(self._ipv4_sources) >= _CACHE_LIMIT:
            self._ipv4_sources.clear()
        self._ipv4_sources[key] = source
        return source

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
    everything = "::/0" if wanted == socket.AF_INET6 else "0.0.0.0/0"
    defaults = [
        route for route in table.filter(table=RT_TABLE_MAIN, family=wanted, match=everything)
        if route.type == "unicast"
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

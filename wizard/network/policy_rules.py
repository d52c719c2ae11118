"""Policy routing rules as the kernel's fib_rules walk sees them.

``ip -j rule show`` dicts are parsed once into selectors that can be tested against a
flow, so a resolver answering many lookups does not reparse the rules each time.
"""

from __future__ import annotations

import socket
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

from wizard.network.prefix_index import _BITS, _address_int, _covers, _family_of_address
from wizard.network.rtnetlink.names import table_id

_DEFAULT_RULES: dict[int, tuple[dict[str, object], ...]] = {
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

    def _others_hold(self, flow: _Flow) -> bool:
        """fib_rule_match() without ``to`` (and ``not``): every other selector holds. The
        first one that fails decides."""
        if self.unmatchable:
            return False
        if self.src is not None and not _covers(*self.src, flow.src, _BITS[flow.family]):
            return False
        if (self.iif is not None and self.iif != _LOOPBACK_DEV) or self.oif is not None:
            return False
        if self.fwmark is not None and (self.fwmark ^ flow.mark) & self.fwmask:
            return False
        return self.uid_range is None or self.uid_range[0] <= flow.uid <= self.uid_range[1]

    def verdict_without_dst(self, flow: _Flow) -> bool | None:
        """Whether the rule matches every destination of this source, mark and uid (True),
        none (False), or only those its ``to`` selector covers (None), ``not`` applied:
        with ``to``, the rule matches when covering the destination differs from ``invert``.

        Why: a resolver asked many times from the same source (a plain ``route get`` has
        none) sorts its rules once per source with this, so a lookup tests only the
        rules that can match and, of those, only their ``to``.
        """
        if not self._others_hold(flow):
            return self.invert
        if self.dst is None:
            return not self.invert
        return None

    def describe(self) -> str:
        """The rule roughly as ``ip rule`` prints it, for the lookup trace (made once:
        every lookup's trace names the rules it passes)."""
        text = self.__dict__.get("_described")
        if text is None:
            text = self._describe()
            object.__setattr__(self, "_described", text)
        return text

    def _describe(self) -> str:
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
    return str(rule.get("action", "lookup"))


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


class _Flow(NamedTuple):
    """What a lookup asks about (a NamedTuple: one is made per lookup, and a frozen
    dataclass costs several times as much to make)."""

    family: int
    dst: int
    src: int
    mark: int
    uid: int

"""Policy routing rules (``ip -j rule show``), decoded from RTM_GETRULE dumps."""

from __future__ import annotations

import socket
import struct
from typing import Any

from wizard.network.rtnetlink.constants import (
    _HOST_BITS,
    _U16_PAIR,
    _U32,
    _U32_PAIR,
    FIB_RULE_IIF_DETACHED,
    FIB_RULE_INVERT,
    FIB_RULE_OIF_DETACHED,
    FIB_RULE_UNRESOLVED,
    FR_ACT_GOTO,
    FR_ACT_NOP,
    FR_ACT_TO_TBL,
    FRA_DPORT_RANGE,
    FRA_DST,
    FRA_FLOW,
    FRA_FWMARK,
    FRA_FWMASK,
    FRA_GOTO,
    FRA_IIFNAME,
    FRA_IP_PROTO,
    FRA_L3MDEV,
    FRA_OIFNAME,
    FRA_PRIORITY,
    FRA_PROTOCOL,
    FRA_SPORT_RANGE,
    FRA_SRC,
    FRA_SUPPRESS_IFGROUP,
    FRA_SUPPRESS_PREFIXLEN,
    FRA_TABLE,
    FRA_TUN_ID,
    FRA_UID_RANGE,
    RTM_GETRULE,
    RTPROT_KERNEL,
)
from wizard.network.rtnetlink.decode import _attributes
from wizard.network.rtnetlink.names import (
    _dsfield_text,
    _family_of,
    _hex_text,
    _ip_protocol_names,
    _realm_text,
    protocol_name,
    table_name,
    type_name,
)
from wizard.network.rtnetlink.netns_socket import _Session

# --- policy rules --------------------------------------------------------------------


class RuleEntry(dict[str, Any]):
    """One ``ip -j rule show`` dict that also remembers its address ``family``.

    It compares and serialises exactly like a plain dict; the attribute lets a lookup
    apply IPv4 rules to IPv4 destinations only, since iproute2's JSON has no family key.
    """

    family: int = socket.AF_UNSPEC


_RULE_HEADER = struct.Struct("=BBBBBBBBI")


def _rule_attrs(data: bytes, start: int, end: int) -> dict[int, bytes]:
    return {attr_type: data[s:e] for attr_type, s, e in _attributes(data, start, end)}


def _rule_selectors(rule: RuleEntry, attrs: dict[int, bytes], family: int, src_len: int,
                    dst_len: int, tos: int) -> None:
    bits = _HOST_BITS[family]
    for key, attr, length in (("src", FRA_SRC, src_len), ("dst", FRA_DST, dst_len)):
        if attr in attrs:
            rule[key] = socket.inet_ntop(family, attrs[attr])
            if length != bits:
                rule[f"{key}len"] = length
        elif length:
            rule[key] = "0"
            rule[f"{key}len"] = length
        elif key == "src":
            rule["src"] = "all"
    if tos:
        rule["tos"] = _dsfield_text(tos)
    if FRA_FWMARK in attrs or FRA_FWMASK in attrs:
        mark = _U32.unpack(attrs[FRA_FWMARK])[0] if FRA_FWMARK in attrs else 0
        rule["fwmark"] = _hex_text(mark)
        mask = _U32.unpack(attrs[FRA_FWMASK])[0] if FRA_FWMASK in attrs else 0xFFFFFFFF
        if mask != 0xFFFFFFFF:
            rule["fwmask"] = _hex_text(mask)


def _rule_interfaces(rule: RuleEntry, attrs: dict[int, bytes], flags: int) -> None:
    for key, attr, detached in (("iif", FRA_IIFNAME, FIB_RULE_IIF_DETACHED),
                                ("oif", FRA_OIFNAME, FIB_RULE_OIF_DETACHED)):
        if attr in attrs:
            rule[key] = attrs[attr].split(b"\0", 1)[0].decode(errors="replace")
            if flags & detached:
                rule[f"{key}_detached"] = None
    if attrs.get(FRA_L3MDEV, b"\0")[0]:
        rule["l3mdev"] = None
    if FRA_UID_RANGE in attrs:
        rule["uid_start"], rule["uid_end"] = _U32_PAIR.unpack(attrs[FRA_UID_RANGE])
    if FRA_IP_PROTO in attrs:
        number = attrs[FRA_IP_PROTO][0]
        rule["ipproto"] = _ip_protocol_names().get(number, f"ipproto-{number}")
    for name, attr in (("sport", FRA_SPORT_RANGE), ("dport", FRA_DPORT_RANGE)):
        if attr in attrs:
            first, last = _U16_PAIR.unpack(attrs[attr])
            if first == last:
                rule[name] = first
            else:
                rule[f"{name}_start"], rule[f"{name}_end"] = first, last
    if FRA_TUN_ID in attrs:
        rule["tun_id"] = int.from_bytes(attrs[FRA_TUN_ID], "big")


def _rule_action(rule: RuleEntry, attrs: dict[int, bytes], table: int, action: int,
                 flags: int) -> None:
    if FRA_TABLE in attrs:
        table = _U32.unpack(attrs[FRA_TABLE])[0]
    if table:
        rule["table"] = table_name(table)
        suppress = struct.unpack("=i", attrs[FRA_SUPPRESS_PREFIXLEN])[0] if (
            FRA_SUPPRESS_PREFIXLEN in attrs) else -1
        if suppress != -1:
            rule["suppress_prefixlen"] = suppress
        group = struct.unpack("=i", attrs[FRA_SUPPRESS_IFGROUP])[0] if (
            FRA_SUPPRESS_IFGROUP in attrs) else -1
        if group != -1:
            rule["suppress_ifgroup"] = "default" if group == 0 else str(group)
    if FRA_FLOW in attrs:
        flow = _U32.unpack(attrs[FRA_FLOW])[0]
        if flow >> 16:
            rule["flow_from"] = _realm_text(flow >> 16)
        rule["flow_to"] = _realm_text(flow & 0xFFFF)
    if action == FR_ACT_GOTO:
        rule["goto"] = _U32.unpack(attrs[FRA_GOTO])[0] if FRA_GOTO in attrs else "none"
        if flags & FIB_RULE_UNRESOLVED:
            rule["unresolved"] = None
    elif action == FR_ACT_NOP:
        rule["nop"] = None
    elif action != FR_ACT_TO_TBL:
        rule["action"] = type_name(action)
    protocol = attrs.get(FRA_PROTOCOL, b"\0")[0]
    if protocol and protocol != RTPROT_KERNEL:
        rule["protocol"] = protocol_name(protocol)


def _parse_rule(data: bytes, start: int, end: int) -> RuleEntry | None:
    family, dst_len, src_len, tos, table, _r1, _r2, action, flags = _RULE_HEADER.unpack_from(
        data, start
    )
    if family not in _HOST_BITS:
        return None
    attrs = _rule_attrs(data, start + _RULE_HEADER.size, end)
    rule = RuleEntry()
    rule.family = family
    rule["priority"] = _U32.unpack(attrs[FRA_PRIORITY])[0] if FRA_PRIORITY in attrs else 0
    if flags & FIB_RULE_INVERT:
        rule["not"] = None
    _rule_selectors(rule, attrs, family, src_len, dst_len, tos)
    _rule_interfaces(rule, attrs, flags)
    _rule_action(rule, attrs, table, action, flags)
    return rule


def dump_rules(netns: str | None = None, family: int | None = None) -> list[RuleEntry]:
    """Policy routing rules as ``ip -j rule show`` (then ``ip -6``) prints them.

    Each entry is a :class:`RuleEntry`: a plain dict with iproute2's keys that also
    carries ``.family``, since one list holds both families.
    """
    wanted = _family_of(family)
    families = [socket.AF_INET, socket.AF_INET6] if wanted == socket.AF_UNSPEC else [wanted]
    rules: list[RuleEntry] = []
    with _Session(netns) as session:
        for rule_family in families:
            request = _RULE_HEADER.pack(rule_family, 0, 0, 0, 0, 0, 0, 0, 0)
            for data, start, end in session.dump(RTM_GETRULE, request):
                rule = _parse_rule(data, start, end)
                if rule is not None:
                    rules.append(rule)
    return rules

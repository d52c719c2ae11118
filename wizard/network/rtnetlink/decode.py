"""Decoding rtnetlink dumps: links, addresses and routes, streamed into the packed store.

The route loop is the hot path of the whole reader; see :func:`_append_route_messages`.
"""

from __future__ import annotations

import functools
import operator
import os
import socket
import struct
from collections.abc import Callable, Iterable, Iterator
from typing import Any, Literal

from wizard.network.rtnetlink.constants import (
    _ADDR_BYTES,
    _CACHEINFO,
    _HOST_BITS,
    _IFADDRMSG,
    _IFINFOMSG,
    _NO_PREF,
    _RECORD,
    _RTATTR,
    _RTMSG,
    _RTNEXTHOP,
    _U32,
    _ZERO_8,
    _ZERO_12,
    IFA_ADDRESS,
    IFA_F_DADFAILED,
    IFA_F_TENTATIVE,
    IFA_FLAGS,
    IFA_LOCAL,
    IFLA_IFNAME,
    RTA_CACHEINFO,
    RTA_DST,
    RTA_FLOW,
    RTA_GATEWAY,
    RTA_IIF,
    RTA_MARK,
    RTA_METRICS,
    RTA_MULTIPATH,
    RTA_NH_ID,
    RTA_OIF,
    RTA_PREF,
    RTA_PREFSRC,
    RTA_PRIORITY,
    RTA_SRC,
    RTA_TABLE,
    RTA_TTL_PROPAGATE,
    RTA_UID,
    RTA_VIA,
    RTM_GETADDR,
    RTM_GETLINK,
    RTM_GETROUTE,
)
from wizard.network.rtnetlink.names import (
    _METRIC_NAMES,
    _RTAX_CC_ALGO,
    _RTAX_FEATURE_ECN,
    _RTAX_FEATURES,
    _RTAX_HOPLIMIT,
    _RTAX_LOCK,
    _dsfield_text,
    _family_of,
    _flow_json,
    _hex_text,
    _prefix_text,
)
from wizard.network.rtnetlink.netns_socket import _Session
from wizard.network.rtnetlink.route_table import RouteTable, _RouteStore


def _attributes(data: bytes, start: int, end: int) -> Iterator[tuple[int, int, int]]:
    """(type, payload start, payload end) of each attribute; nested flag bits stripped."""
    while start + 4 <= end:
        length, attr_type = _RTATTR.unpack_from(data, start)
        if length < 4:
            return
        yield attr_type & 0x3FFF, start + 4, start + length
        start += (length + 3) & ~3


# --- links and addresses -------------------------------------------------------------


def _read_links(session: _Session) -> dict[int, str]:
    links: dict[int, str] = {}
    request = _IFINFOMSG.pack(socket.AF_UNSPEC, 0, 0, 0, 0)
    for data, start, end in session.dump(RTM_GETLINK, request):
        index = _IFINFOMSG.unpack_from(data, start)[2]
        for attr_type, value_start, value_end in _attributes(data, start + 16, end):
            if attr_type == IFLA_IFNAME:
                links[index] = data[value_start:value_end].split(b"\0", 1)[0].decode(
                    errors="replace"
                )
                break
    return links


def dump_links(netns: str | None = None) -> dict[int, str]:
    """Map every interface index to its name, so routes can say ``dev eth0``."""
    with _Session(netns) as session:
        return _read_links(session)


def _address_entry(data: bytes, start: int, end: int) -> tuple[int, str] | None:
    family, prefix_len, flags, _scope, index = _IFADDRMSG.unpack_from(data, start)
    if family not in _HOST_BITS:
        return None
    found: dict[int, bytes] = {}
    for attr_type, value_start, value_end in _attributes(data, start + 8, end):
        if attr_type in (IFA_ADDRESS, IFA_LOCAL):
            found[attr_type] = data[value_start:value_end]
        elif attr_type == IFA_FLAGS:
            flags = _U32.unpack_from(data, value_start)[0]
    raw = found.get(IFA_LOCAL) or found.get(IFA_ADDRESS)
    if raw is None or flags & (IFA_F_TENTATIVE | IFA_F_DADFAILED):
        return None
    return index, f"{socket.inet_ntop(family, raw)}/{prefix_len}"


def dump_addresses(netns: str | None = None) -> dict[str, list[str]]:
    """Addresses usable as a source, per interface name: ``{"eth0": ["10.0.0.5/24", ...]}``.

    Kernel order (primary before secondary, IPv4 before IPv6), without tentative or
    DAD-failed IPv6 addresses, because the kernel never picks those as a source and
    :mod:`wizard.network.lookup` uses this to predict the source address it picks.
    """
    with _Session(netns) as session:
        links = _read_links(session)
        addresses: dict[str, list[str]] = {}
        for data, start, end in session.dump(RTM_GETADDR, _IFADDRMSG.pack(0, 0, 0, 0, 0)):
            entry = _address_entry(data, start, end)
            if entry is not None:
                index, text = entry
                addresses.setdefault(links.get(index, f"if{index}"), []).append(text)
        return addresses


def _parse_metrics(data: bytes, start: int, end: int) -> dict[str, Any]:
    values: dict[int, bytes] = {}
    locked = 0
    for attr_type, value_start, value_end in _attributes(data, start, end):
        if attr_type == _RTAX_LOCK:
            locked = _U32.unpack_from(data, value_start)[0]
        else:
            values[attr_type] = data[value_start:value_end]
    metrics: dict[str, Any] = {}
    for key in range(2, max([*values, 17]) + 1):
        if key not in values and not locked & (1 << key):
            continue
        raw = values.get(key, b"")
        if key == _RTAX_CC_ALGO:
            metrics["congestion"] = raw.split(b"\0", 1)[0].decode(errors="replace")
            continue
        value = _U32.unpack_from(raw)[0] if len(raw) >= 4 else 0
        if key == _RTAX_HOPLIMIT and value == 0xFFFFFFFF:
            continue
        if key == _RTAX_FEATURES:
            if value & _RTAX_FEATURE_ECN:
                metrics["ecn"] = None
            if value & ~_RTAX_FEATURE_ECN:
                metrics["features"] = _hex_text(value)
            continue
        metrics[_METRIC_NAMES.get(key, str(key))] = value // {4: 8, 5: 4}.get(key, 1)
    return metrics


def _parse_via(data: bytes, start: int, end: int) -> tuple[int, str, bytes]:
    """RTA_VIA: a gateway of another family (e.g. an IPv4 route via an IPv6 neighbour)."""
    via_family = struct.unpack_from("=H", data, start)[0]
    raw = data[start + 2:end]
    if via_family in _ADDR_BYTES and len(raw) == _ADDR_BYTES[via_family]:
        return via_family, socket.inet_ntop(via_family, raw), raw
    return via_family, raw.hex(), b""


def _parse_multipath(
    store: _RouteStore, data: bytes, start: int, end: int, family: int
) -> tuple[tuple[Any, ...], ...]:
    """Nexthops as (gateway id, oif, weight, flags, via family, flow) tuples."""
    hops = []
    while start + _RTNEXTHOP.size <= end:
        length, flags, hops_minus_one, oif = _RTNEXTHOP.unpack_from(data, start)
        if length < _RTNEXTHOP.size or start + length > end:
            break
        gateway, via_family, flow = 0, None, None
        for attr_type, value_start, value_end in _attributes(data, start + 8, start + length):
            if attr_type == RTA_GATEWAY:
                gateway = store.intern_address(data[value_start:value_end], family)
            elif attr_type == RTA_VIA:
                via_family, _host, raw = _parse_via(data, value_start, value_end)
                gateway = store.intern_address(raw, via_family) if raw else 0
            elif attr_type == RTA_FLOW:
                flow = _flow_json(_U32.unpack_from(data, value_start)[0])
        hops.append((gateway, oif, hops_minus_one + 1, flags, via_family, flow))
        start += (length + 3) & ~3
    return tuple(hops)


def _cacheinfo_json(data: bytes, start: int) -> dict[str, Any]:
    """The keys ``ip -j`` prints from RTA_CACHEINFO (without -s statistics)."""
    _clntref, _lastuse, expires, error, _used, ident, stamp, stamp_age = _CACHEINFO.unpack_from(
        data, start
    )
    info: dict[str, Any] = {}
    if expires:
        info["expires"] = int(expires / _clock_ticks())  # C division truncates toward zero
    if error:
        info["error"] = error
    if ident:
        info["ipid"] = _hex_text(ident)
    if stamp or stamp_age:
        info["ts"] = _hex_text(stamp)
        info["tsage"] = stamp_age
    return info


@functools.lru_cache(maxsize=1)
def _clock_ticks() -> int:
    return os.sysconf("SC_CLK_TCK")


def _rare_attribute(
    store: _RouteStore, extras: dict[str, Any], attr: tuple[int, int, int], data: bytes,
    family: int, src_len: int,
) -> None:
    """Attributes most routes lack: decoded once, kept as iproute2 JSON values."""
    attr_type, start, end = attr
    if attr_type == RTA_MULTIPATH:
        extras["nexthops"] = _parse_multipath(store, data, start, end, family)
    elif attr_type == RTA_SRC:
        extras["from"] = _prefix_text(family, data[start:end], src_len)
    elif attr_type == RTA_NH_ID:
        extras["nhid"] = _U32.unpack_from(data, start)[0]
    elif attr_type == RTA_VIA:
        extras["via"] = _parse_via(data, start, end)[:2]
    elif attr_type == RTA_MARK:
        mark = _U32.unpack_from(data, start)[0]
        if mark:
            extras["mark"] = mark
    elif attr_type == RTA_FLOW:
        extras["flow"] = _flow_json(_U32.unpack_from(data, start)[0])
    elif attr_type == RTA_UID:
        extras["uid"] = _U32.unpack_from(data, start)[0]
    elif attr_type == RTA_CACHEINFO:
        extras.update(_cacheinfo_json(data, start))
    elif attr_type == RTA_METRICS:
        extras["metrics"] = [_parse_metrics(data, start, end)]
    elif attr_type == RTA_IIF:
        extras["iif"] = _U32.unpack_from(data, start)[0]
    elif attr_type == RTA_TTL_PROPAGATE:
        extras["ttl-propogate"] = bool(data[start])  # sic: iproute2's spelling


class _Layout:
    """One message shape (the attributes, their order and sizes) unpacked by one struct.

    A full table's routes nearly all look alike (IPv4: table, dst, gateway, oif; IPv6
    adds metric, an all-zero cache info and pref), so after the first message of a
    shape the others of the same length are read by one ``unpack_from``, checked
    against the shape (every attribute header, and the cache info's zero fields) with
    one tuple comparison, and never walked attribute by attribute.
    """

    __slots__ = ("unpack", "checked", "expected", "fields")

    _VALUES = {RTA_TABLE: ("I", 8), RTA_OIF: ("I", 8), RTA_PRIORITY: ("I", 8),
               RTA_PREF: ("B3x", 5), RTA_CACHEINFO: ("8x8s4x12s", 36)}
    _ADDRESSES = (RTA_DST, RTA_GATEWAY, RTA_PREFSRC)

    def __init__(self, unpack: Callable[[bytes, int], tuple[Any, ...]], checked: list[int],
                 expected: tuple[Any, ...], fields: dict[int, int]) -> None:
        self.unpack, self.expected, self.fields = unpack, expected, fields
        self.checked = operator.itemgetter(*checked)

    @classmethod
    def of(cls, data: bytes, start: int, end: int) -> _Layout | None:
        """The layout of this message, or None when it has anything else (tos, a rare
        attribute, an unusual size): such messages always take the attribute walk."""
        if data[start + 3] or data[start] not in (socket.AF_INET, socket.AF_INET6):  # tos
            return None
        fmt, checked, fields, slot = ["=BBBBBBBBI"], [0, 3], {}, 9
        position = start + 12
        while position < end:
            length, attr_type = _RTATTR.unpack_from(data, position)
            if attr_type in cls._VALUES:
                value, size = cls._VALUES[attr_type]
                if length != size:
                    return None
            elif attr_type in cls._ADDRESSES and length in (8, 20):
                value = f"{length - 4}s"
            else:
                return None
            fmt.append("HH" + value)
            checked += [slot, slot + 1]
            if attr_type == RTA_CACHEINFO:
                checked += [slot + 2, slot + 3]  # the fields that must be zero
            else:
                fields[attr_type] = slot + 2
            slot += 4 if attr_type == RTA_CACHEINFO else 3
            position += (length + 3) & ~3
        if position != end:
            return None
        unpack = struct.Struct("".join(fmt)).unpack_from
        values = unpack(data, start)
        if not _zero_cacheinfo(values, fmt):
            return None
        return cls(unpack, checked, operator.itemgetter(*checked)(values), fields)


def _zero_cacheinfo(values: tuple[Any, ...], fmt: list[str]) -> bool:
    """The template's own cache info (if any) must be the all-zero one that prints nothing."""
    slot = 9
    for part in fmt[1:]:
        if part == "HH8x8s4x12s":
            if values[slot + 2] != _ZERO_8 or values[slot + 3] != _ZERO_12:
                return False
            slot += 4
        else:
            slot += 3
    return True


def _append_route_messages(store: _RouteStore, messages: Iterable[tuple[bytes, int, int]]) -> None:
    """The hot loop: one pass over each message, common attributes inline, one pack.

    Every name used per message is a local, and only attributes that most routes carry
    are handled here; the rest go through :func:`_rare_attribute` into ``store.extras``.
    A message of a shape seen before is read through its :class:`_Layout` instead.
    """
    rtmsg, rtattr, u32 = _RTMSG.unpack_from, _RTATTR.unpack_from, _U32.unpack_from
    pack, records, extras_by_row = _RECORD.pack, store.records, store.extras
    address_ids, intern = store.address_ids, store.intern_address
    inet, inet6, zero8, zero12 = socket.AF_INET, socket.AF_INET6, _ZERO_8, _ZERO_12
    layouts: dict[int, _Layout | None] = {}
    row = len(store)
    for data, start, end in messages:
        size = end - start
        layout: _Layout | None | Literal[False] = layouts.get(size, False)
        if layout is False:
            layout = layouts[size] = _Layout.of(data, start, end)
        if layout is not None:
            values = layout.unpack(data, start)
            if layout.checked(values) == layout.expected:
                family, fields = values[0], layout.fields
                get = fields.get
                slot = get(RTA_TABLE)
                table = values[slot] if slot else values[4]
                slot = get(RTA_DST)
                dst = values[slot] if slot else b""
                slot = get(RTA_OIF)
                oif = values[slot] if slot else 0
                slot = get(RTA_GATEWAY)
                gateway = (address_ids.get(values[slot]) or intern(values[slot], family)
                           if slot else 0)
                slot = get(RTA_PREFSRC)
                prefsrc = (address_ids.get(values[slot]) or intern(values[slot], family)
                           if slot else 0)
                slot = get(RTA_PRIORITY)
                metric = values[slot] if slot else -1
                slot = get(RTA_PREF)
                pref = values[slot] if slot else _NO_PREF
                records += pack(family, values[1], values[7], values[5], values[6], pref,
                                table, values[8], metric, oif, gateway, prefsrc, dst)
                row += 1
                continue
        family, dst_len, src_len, tos, table, protocol, scope, rtype, flags = rtmsg(data, start)
        if family != inet and family != inet6:
            continue
        dst = b""
        oif = gateway = prefsrc = 0
        metric = -1
        pref = _NO_PREF
        extras = {"tos": _dsfield_text(tos)} if tos else None
        position = start + 12
        while position < end:
            length, attr_type = rtattr(data, position)
            if length < 4:
                break
            value = position + 4
            if attr_type == RTA_TABLE:
                table = u32(data, value)[0]
            elif attr_type == RTA_DST:
                dst = data[value:position + length]
            elif attr_type == RTA_OIF:
                oif = u32(data, value)[0]
            elif attr_type == RTA_GATEWAY:
                raw = data[value:position + length]
                gateway = address_ids.get(raw) or intern(raw, family)
            elif attr_type == RTA_PRIORITY:
                metric = u32(data, value)[0]
            elif attr_type == RTA_PREFSRC:
                raw = data[value:position + length]
                prefsrc = address_ids.get(raw) or intern(raw, family)
            elif attr_type == RTA_PREF:
                pref = data[value]
            elif attr_type == RTA_CACHEINFO and (
                data[value + 8:value + 16] == zero8 and data[value + 20:value + 32] == zero12
            ):
                pass  # an all-zero cache info prints nothing
            else:
                if extras is None:
                    extras = {}
                _rare_attribute(
                    store, extras, (attr_type & 0x3FFF, value, position + length), data,
                    family, src_len,
                )
            position += (length + 3) & ~3
        if extras:
            extras_by_row[row] = extras
        records += pack(
            family, dst_len, rtype, protocol, scope, pref, table, flags, metric, oif,
            gateway, prefsrc, dst,
        )
        row += 1


def _route_request(family: int) -> bytes:
    return _RTMSG.pack(family, 0, 0, 0, 0, 0, 0, 0, 0)


def dump_routes(netns: str | None = None, family: int | None = None) -> RouteTable:
    """Every route of every table (``ip route show table all``), IPv4 then IPv6.

    ``family``: None for both, or AF_INET/AF_INET6 (4/6 work too). Tables above 255
    (RTA_TABLE) are read; ``RouteTable.interrupted`` says whether the kernel warned that
    the tables changed during the dump.
    """
    with _Session(netns) as session:
        store = _RouteStore(_read_links(session))
        dump = session.dump(RTM_GETROUTE, _route_request(_family_of(family)))
        _append_route_messages(store, dump)
        store.interrupted = dump.interrupted
    return RouteTable(store)

"""Routes as iproute2 prints them: ``ip -j route`` JSON and the ``ip route`` columns.

Kept byte-for-byte identical to iproute2 because operators diff the two.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from typing import IO, Any

from wizard.network.rtnetlink.constants import (
    _ADDR_BYTES,
    _HOST_BITS,
    _NO_PREF,
    RT_SCOPE_UNIVERSE,
    RT_TABLE_MAIN,
    RTM_F_CLONED,
    RTN_UNICAST,
    RTPROT_BOOT,
)
from wizard.network.rtnetlink.names import (
    _CACHE_FLAG_NAMES,
    _PREF_NAMES,
    _ROUTE_FLAG_NAMES,
    _flag_names,
    _via_json,
    protocol_name,
    scope_name,
    table_name,
    type_name,
)
from wizard.network.rtnetlink.route_table import (
    Nexthop,
    Route,
    RouteTable,
    _decode_route,
    _devs_text,
    _dst_text,
    _gateways_text,
    _RouteStore,
)

_EARLY_EXTRAS = ("from", "nhid", "tos")
_LATE_EXTRAS = ("mark", "flow", "uid")
_CACHEINFO_EXTRAS = ("expires", "error", "ipid", "ts", "tsage", "metrics", "iif")


def _nexthop_json(hop: Nexthop) -> dict[str, Any]:
    entry: dict[str, Any] = {}
    if hop.gateway is not None:
        if hop.via_family:
            entry["via"] = _via_json(hop.via_family, hop.gateway)
        else:
            entry["gateway"] = hop.gateway
    if hop.flow is not None:
        entry["flow"] = dict(hop.flow)
    entry["dev"] = hop.dev
    entry["weight"] = hop.weight
    entry["flags"] = _flag_names(hop.flags, _ROUTE_FLAG_NAMES)
    return entry


def to_iproute_json(route: Route) -> dict[str, Any]:
    """The route as ``ip -j route show table all`` prints it: same keys, order and values.

    Type is omitted for unicast, table for main, protocol for boot, scope for universe,
    exactly as iproute2 does, so the output can be diffed against ``ip -j``.
    """
    out: dict[str, Any] = {}
    extras = route.extras or {}
    if route.type != "unicast":
        out["type"] = route.type
    out["dst"] = route.dst
    for key in _EARLY_EXTRAS:
        if key in extras:
            out[key] = extras[key]
    if "via" in extras:
        out["via"] = extras["via"]
    elif route.gateway is not None:
        out["gateway"] = route.gateway
    if route.dev is not None:
        out["dev"] = route.dev
    if route.table and route.table != RT_TABLE_MAIN:
        out["table"] = table_name(route.table)
    if not route.flags & RTM_F_CLONED:
        if route.protocol != RTPROT_BOOT:
            out["protocol"] = protocol_name(route.protocol)
        if route.scope != RT_SCOPE_UNIVERSE:
            out["scope"] = scope_name(route.scope)
    if route.prefsrc is not None:
        out["prefsrc"] = route.prefsrc
    if route.metric is not None:
        out["metric"] = route.metric
    out["flags"] = _flag_names(route.flags, _ROUTE_FLAG_NAMES)
    for key in _LATE_EXTRAS:
        if key in extras:
            out[key] = extras[key]
    if route.flags & RTM_F_CLONED and route.family == socket.AF_INET:
        out["cache"] = _flag_names(route.flags & ~0xFFFF, _CACHE_FLAG_NAMES)
    for key in _CACHEINFO_EXTRAS:
        if key in extras:
            out[key] = extras[key]
    if route.pref is not None:
        out["pref"] = _PREF_NAMES.get(route.pref, route.pref)
    if "ttl-propogate" in extras:
        out["ttl-propogate"] = extras["ttl-propogate"]
    if route.nexthops:
        out["nexthops"] = [_nexthop_json(hop) for hop in route.nexthops]
    return out


# --- display rows --------------------------------------------------------------------

IPROUTE_COLUMNS = (
    "Type", "Destination", "Gateway", "Dev", "Table", "Protocol", "Scope", "Source", "Metric",
    "Flags",
)


def iproute_row(route: Route) -> tuple[str, ...]:
    """The route as cells under :data:`IPROUTE_COLUMNS` (names as ``ip route`` prints them)."""
    return (
        route.type,
        route.dst,
        _gateways_text(route),
        _devs_text(route),
        route.table_name,
        route.protocol_name,
        route.scope_name,
        route.prefsrc or "",
        "" if route.metric is None else str(route.metric),
        " ".join(_flag_names(route.flags, _ROUTE_FLAG_NAMES)),
    )


def iproute_text_lines(routes: RouteTable) -> Iterator[str]:
    """The routes as aligned columns under :data:`IPROUTE_COLUMNS`, header first, one
    line at a time (each without its newline).

    Why streamed: a million rows of ten strings each held at once is over half a
    gigabyte. The column widths come from a first pass over the packed records that
    looks up the text of each distinct value once (only routes with extras, such as
    multipath, are decoded for it); then each row is decoded, printed and dropped.
    """
    widths = _text_widths(routes)
    yield _aligned(IPROUTE_COLUMNS, widths)
    store, sep = routes._store, "  "
    # The padded cells before and after the destination and the metric, per distinct
    # combination of the other fields; a line is then five pieces and one rstrip.
    around: dict[tuple[Any, ...], tuple[str, str, str]] = {}
    for row, record in routes._records():
        if row in store.extras:
            yield _aligned(iproute_row(_decode_route(store, row)), widths)
            continue
        key = record[2:5] + record[6:8] + record[9:12]
        pieces = around.get(key)
        if pieces is None:
            rtype, protocol, scope, table, flags, oif, gateway, prefsrc = key
            pieces = around[key] = (
                type_name(rtype).ljust(widths[0]) + sep,
                sep + sep.join(cell.ljust(width) for cell, width in zip(
                    (store.addresses[gateway] or "", store.dev_name(oif) or "",
                     table_name(table), protocol_name(protocol), scope_name(scope),
                     store.addresses[prefsrc] or ""), widths[2:8], strict=True)) + sep,
                sep + " ".join(_flag_names(flags, _ROUTE_FLAG_NAMES)).ljust(widths[9]))
        head, middle, tail = pieces
        metric = record[8]
        yield (head + _dst_text(record[0], record[1], record[12]).ljust(widths[1]) + middle
               + ("" if metric < 0 else str(metric)).ljust(widths[8]) + tail).rstrip()


def _aligned(row: tuple[str, ...], widths: list[int]) -> str:
    return "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()


def _text_widths(routes: RouteTable) -> list[int]:
    """The width of each column of :func:`iproute_text_lines`: what ``max(len(cell))``
    over :func:`iproute_row` of every route gives, without building a row per route."""
    store = routes._store
    widths = [len(title) for title in IPROUTE_COLUMNS]
    # (type, protocol, scope, table, flags, oif, gateway, prefsrc): few distinct ones,
    # since addresses and links are interned; the metric's width is its largest value's.
    distinct: set[tuple[int, ...]] = set()
    dst_width, metric_max = 0, -1
    ntop = socket.inet_ntop
    for row, record in routes._records():
        if row in store.extras:  # multipath, RTA_VIA...: the decoded route says it all
            for column, cell in enumerate(iproute_row(_decode_route(store, row))):
                widths[column] = max(widths[column], len(cell))
            continue
        family, dst_len = record[0], record[1]
        if dst_len:
            text_len = len(ntop(family, record[12][:_ADDR_BYTES[family]]))
            if dst_len != _HOST_BITS[family]:
                text_len += 1 + len(str(dst_len))
            dst_width = max(dst_width, text_len)
        else:
            dst_width = max(dst_width, len("default"))
        metric_max = max(metric_max, record[8])
        distinct.add((record[2], record[3], record[4], record[6], record[7], record[9],
                      record[10], record[11]))
    widths[1] = max(widths[1], dst_width)
    widths[8] = max(widths[8], len(str(metric_max)) if metric_max >= 0 else 0)
    for rtype, protocol, scope, table, flags, oif, gateway, prefsrc in distinct:
        cells = (type_name(rtype), "", store.addresses[gateway] or "",
                 store.dev_name(oif) or "", table_name(table), protocol_name(protocol),
                 scope_name(scope), store.addresses[prefsrc] or "", "",
                 " ".join(_flag_names(flags, _ROUTE_FLAG_NAMES)))
        for column, cell in enumerate(cells):
            widths[column] = max(widths[column], len(cell))
    return widths


# --- fast JSON output ----------------------------------------------------------------


class _JsonFragments:
    """Pre-encoded ``,"key":"value"`` pieces, one per distinct value, for fast output."""

    def __init__(self, store: _RouteStore) -> None:
        self.store = store
        self.gateway: dict[int, str] = {}
        self.prefsrc: dict[int, str] = {}
        self.dev: dict[int, str] = {}
        self.table: dict[int, str] = {}
        self.head: dict[int, str] = {}
        self.middle: dict[tuple[int, int, int], str] = {}
        self.tail: dict[tuple[int, int], str] = {}

    def _encoded(self, key: str, value: Any) -> str:
        return f",{json.dumps(key)}:{json.dumps(value, separators=(',', ':'))}"

    def gateway_part(self, ident: int) -> str:
        part = self.gateway.get(ident)
        if part is None:
            address = self.store.addresses[ident]
            part = self.gateway[ident] = self._encoded("gateway", address) if ident else ""
        return part

    def prefsrc_part(self, ident: int) -> str:
        part = self.prefsrc.get(ident)
        if part is None:
            address = self.store.addresses[ident]
            part = self.prefsrc[ident] = self._encoded("prefsrc", address) if ident else ""
        return part

    def dev_part(self, oif: int) -> str:
        part = self.dev.get(oif)
        if part is None:
            part = self.dev[oif] = self._encoded("dev", self.store.dev_name(oif)) if oif else ""
        return part

    def table_part(self, table: int) -> str:
        part = self.table.get(table)
        if part is None:
            visible = table and table != RT_TABLE_MAIN
            part = self.table[table] = self._encoded("table", table_name(table)) if visible else ""
        return part

    def head_part(self, rtype: int) -> str:
        part = self.head.get(rtype)
        if part is None:
            typed = f'"type":{json.dumps(type_name(rtype))},' if rtype != RTN_UNICAST else ""
            part = self.head[rtype] = '{' + typed + '"dst":"'
        return part

    def middle_part(self, protocol: int, scope: int, flags: int) -> str:
        key = (protocol, scope, flags)
        part = self.middle.get(key)
        if part is None:
            part = ""
            if not flags & RTM_F_CLONED:
                if protocol != RTPROT_BOOT:
                    part += self._encoded("protocol", protocol_name(protocol))
                if scope != RT_SCOPE_UNIVERSE:
                    part += self._encoded("scope", scope_name(scope))
            self.middle[key] = part
        return part

    def tail_part(self, flags: int, pref: int) -> str:
        key = (flags, pref)
        part = self.tail.get(key)
        if part is None:
            part = self._encoded("flags", _flag_names(flags, _ROUTE_FLAG_NAMES))
            if pref != _NO_PREF:
                part += self._encoded("pref", _PREF_NAMES.get(pref, pref))
            part = self.tail[key] = part + "}"
        return part


def iter_iproute_json_text(routes: RouteTable) -> Iterator[str]:
    """Each route as compact JSON text, identical to what :func:`to_iproute_json` encodes.

    Routes without rare attributes are assembled from cached fragments (no dict per
    route), which is what keeps ``routes --json`` close to ``ip -j`` speed.
    """
    store = routes._store
    parts = _JsonFragments(store)
    ntop, inet = socket.inet_ntop, socket.AF_INET
    extras = store.extras
    # Everything but the destination and the metric, per distinct combination of the
    # other fields (few in a full table): one dict look-up per route.
    around: dict[tuple[Any, ...], tuple[str, str, str]] = {}
    for row, record in routes._records():
        if row in extras:
            yield json.dumps(to_iproute_json(_decode_route(store, row)), separators=(",", ":"))
            continue
        key = record[2:8] + record[9:12]
        pieces = around.get(key)
        if pieces is None:
            rtype, protocol, scope, pref, table, flags, oif, gateway, prefsrc = key
            pieces = around[key] = (
                parts.head_part(rtype),
                "".join(('"', parts.gateway_part(gateway), parts.dev_part(oif),
                         parts.table_part(table), parts.middle_part(protocol, scope, flags),
                         parts.prefsrc_part(prefsrc))),
                parts.tail_part(flags, pref))
        family, dst_len, metric, dst = record[0], record[1], record[8], record[12]
        if not dst_len:
            dst_text = "default"
        elif family == inet:
            dst_text = ntop(inet, dst[:4]) if dst_len == 32 else f"{ntop(inet, dst[:4])}/{dst_len}"
        else:
            dst_text = _dst_text(family, dst_len, dst)
        head, middle, tail = pieces
        if metric >= 0:
            yield f'{head}{dst_text}{middle},"metric":{metric}{tail}'
        else:
            yield f"{head}{dst_text}{middle}{tail}"


def write_iproute_json(routes: RouteTable, out: IO[str], chunk: int = 2048) -> None:
    """Write the routes as one JSON array, like ``ip -j route show table all``, streaming."""
    out.write("[")
    pending: list[str] = []
    first = True
    for text in iter_iproute_json_text(routes):
        pending.append(text)
        if len(pending) >= chunk:
            out.write(("" if first else ",") + ",".join(pending))
            pending.clear()
            first = False
    if pending:
        out.write(("" if first else ",") + ",".join(pending))
    out.write("]\n")

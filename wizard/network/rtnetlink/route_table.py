"""The packed route store and :class:`RouteTable`, its filtered and sorted views.

A route is a fixed-size record in one ``bytearray`` and becomes a :class:`Route` only
when somebody looks at it, which is what keeps a million routes at ~50 MB.
"""

from __future__ import annotations

import socket
import struct
import sys
from array import array
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any, NamedTuple, overload

from wizard.network.rtnetlink.constants import (
    _ADDR_BYTES,
    _HOST_BITS,
    _NO_PREF,
    _RECORD,
    RTNH_F_DEAD,
)
from wizard.network.rtnetlink.names import (
    _TYPE_NAMES,
    _family_of,
    _via_json,
    protocol_name,
    scope_name,
    table_id,
    table_name,
    type_name,
)

# One packed route record as _RouteStore.record() unpacks it (family, dst_len, type, ...).
_Record = tuple[Any, ...]
# A filter predicate: (row number, record) -> keep?
_Check = Callable[[int, _Record], bool]


# --- routes: the compact table -------------------------------------------------------

# For RouteTable.forwarding_rows(): per type byte, 1 unless a reject or throw; per low
# byte of the flags, 1 unless RTNH_F_DEAD. The flags' low byte sits at offset 10 of a
# record (after six bytes and the table) on a little-endian machine, at 13 otherwise.
_FORWARDING_TYPES = bytes(0 if _TYPE_NAMES.get(code) in ("blackhole", "unreachable",
                                                          "prohibit", "throw") else 1
                          for code in range(256))
_ALIVE_FLAGS = bytes(0 if value & RTNH_F_DEAD else 1 for value in range(256))
_FLAGS_LOW_BYTE = struct.calcsize("=BBBBBBI") + (0 if sys.byteorder == "little" else 3)

# family, dst_len, table, metric and the destination of a _RECORD, the rest skipped
_KEY_FIELDS = struct.Struct("=BB4xI4xq12x16s")
assert _KEY_FIELDS.size == _RECORD.size


class Nexthop(NamedTuple):
    """One path of a multipath (ECMP) route."""

    gateway: str | None
    dev: str | None
    weight: int
    flags: int
    via_family: int | None = None  # set when the gateway came as RTA_VIA (another family)
    flow: Mapping[str, str] | None = None


class Route(NamedTuple):
    """One route, decoded from its packed record when somebody looks at it.

    ``index`` is the route's position in the dump it came from, stable across filtered
    and sorted views, so a UI can highlight "the route lookup() picked".
    """

    # The field shadows tuple.index(); mypy flags any NamedTuple field named so, and the
    # name is public API (Route.index is what a UI highlights).
    index: int  # type: ignore[assignment]
    family: int
    type: str
    dst: str  # iproute2's text: "default", "10.0.0.0/8" or a bare host address
    dst_addr: str  # the network address alone ("0.0.0.0" for default)
    dst_len: int
    table: int
    protocol: int
    scope: int
    flags: int
    metric: int | None
    dev: str | None
    gateway: str | None
    prefsrc: str | None
    pref: int | None
    nexthops: tuple[Nexthop, ...] = ()
    extras: Mapping[str, Any] | None = None  # rarer iproute2 JSON keys (nhid, from, mtu...)

    @property
    def table_name(self) -> str:
        return table_name(self.table)

    @property
    def protocol_name(self) -> str:
        return protocol_name(self.protocol)

    @property
    def scope_name(self) -> str:
        return scope_name(self.scope)

    @property
    def is_reject(self) -> bool:
        """Blackhole, unreachable, prohibit or throw: packets stop here."""
        return self.type in ("blackhole", "unreachable", "prohibit", "throw")


class _RouteStore:
    """The packed records of one dump plus what they point at (addresses, links, extras)."""

    __slots__ = ("records", "addresses", "address_ids", "links", "extras", "interrupted",
                 "forwarding")

    def __init__(self, links: dict[int, str]) -> None:
        self.records = bytearray()
        self.addresses: list[str | None] = [None]
        self.address_ids: dict[bytes, int] = {}
        self.links = links
        self.extras: dict[int, dict[str, Any]] = {}
        self.interrupted = False
        self.forwarding: bytes | None = None  # RouteTable.forwarding_rows(), once asked

    def __len__(self) -> int:
        return len(self.records) // _RECORD.size

    def intern_address(self, raw: bytes, family: int) -> int:
        ident = self.address_ids.get(raw)
        if ident is None:
            ident = self.address_ids[raw] = len(self.addresses)
            self.addresses.append(socket.inet_ntop(family, raw))
        return ident

    def dev_name(self, ifindex: int) -> str | None:
        if not ifindex:
            return None
        return self.links.get(ifindex) or f"if{ifindex}"

    def record(self, row: int) -> _Record:
        return _RECORD.unpack_from(self.records, row * _RECORD.size)


def _decode_nexthops(store: _RouteStore, hops: Iterable[_Record]) -> tuple[Nexthop, ...]:
    return tuple(
        Nexthop(store.addresses[gateway], store.dev_name(oif), weight, flags, via_family, flow)
        for gateway, oif, weight, flags, via_family, flow in hops
    )


def _dst_text(family: int, dst_len: int, dst: bytes) -> str:
    """iproute2's destination text: ``default``, a bare host address, or ``net/len``."""
    if not dst_len:
        return "default"
    network = socket.inet_ntop(family, dst[:_ADDR_BYTES[family]])
    return network if dst_len == _HOST_BITS[family] else f"{network}/{dst_len}"


def _decode_route(store: _RouteStore, row: int) -> Route:
    (family, dst_len, rtype, protocol, scope, pref, table, flags, metric, oif, gateway,
     prefsrc, dst) = _RECORD.unpack_from(store.records, row * _RECORD.size)
    network = socket.inet_ntop(family, dst[:_ADDR_BYTES[family]])
    # _dst_text() without a second inet_ntop (a lookup decodes one route per answer)
    text = ("default" if not dst_len else network if dst_len == _HOST_BITS[family]
            else f"{network}/{dst_len}")
    extras = store.extras.get(row)
    nexthops: tuple[Nexthop, ...] = ()
    gateway_text = store.addresses[gateway]
    if extras is not None:
        extras = dict(extras)
        if "nexthops" in extras:
            nexthops = _decode_nexthops(store, extras.pop("nexthops"))
        if "iif" in extras:
            extras["iif"] = store.dev_name(extras["iif"])
        if "via" in extras:
            via_family, gateway_text = extras["via"]
            extras["via"] = _via_json(via_family, gateway_text)
    return Route(
        row, family, type_name(rtype), text, network, dst_len, table, protocol, scope, flags,
        None if metric < 0 else metric, store.dev_name(oif), gateway_text,
        store.addresses[prefsrc], None if pref == _NO_PREF else pref, nexthops, extras or None,
    )


def _gateways_text(route: Route) -> str:
    if route.nexthops:
        return ", ".join(hop.gateway or "-" for hop in route.nexthops)
    return route.gateway or ""


def _devs_text(route: Route) -> str:
    if route.nexthops:
        return ", ".join(hop.dev or "-" for hop in route.nexthops)
    return route.dev or ""


# --- the public table ----------------------------------------------------------------


def _parse_prefix(text: str) -> tuple[int, int, int]:
    """(family, network as int, length) of ``a.b.c.d/n``, a bare address or ``default``."""
    address, _, length_text = text.partition("/")
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    if address == "default":
        return socket.AF_UNSPEC, 0, 0
    bits = _HOST_BITS[family]
    length = int(length_text) if length_text else bits
    if not 0 <= length <= bits:
        raise ValueError(f"bad prefix length in {text!r}")
    value = int.from_bytes(socket.inet_pton(family, address), "big")
    return family, value >> (bits - length) << (bits - length), length


class RouteTable(Sequence[Route]):
    """An immutable snapshot of routes in dump order; views share the packed records.

    ``len()``, indexing (``table[i]`` decodes one :class:`Route`) and iteration work as on
    a list. :meth:`filter` and :meth:`sort` return views that keep only an array of row
    numbers, so narrowing or reordering a million routes costs 4 bytes per row.
    """

    def __init__(self, store: _RouteStore, rows: array[int] | None = None,
                 ascending: bool = False) -> None:
        self._store = store
        self._rows = rows
        # Rows in dump order (the whole table, or a filter of such a view): then the
        # prefix index can answer filter(prefix=/match=) in this view's own order.
        self._ascending = rows is None or ascending
        self._family_of_whole: tuple[RouteTable, int] | None = None

    # Sequence protocol ----------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._store) if self._rows is None else len(self._rows)

    @overload
    def __getitem__(self, position: int) -> Route: ...

    @overload
    def __getitem__(self, position: slice) -> RouteTable: ...

    def __getitem__(self, position: int | slice) -> Route | RouteTable:
        if isinstance(position, slice):
            return RouteTable(self._store, array("I", self._row_numbers()[position]),
                              ascending=self._ascending and (position.step or 1) > 0)
        if position < 0:
            position += len(self)
        if not 0 <= position < len(self):
            raise IndexError("route index out of range")
        row = position if self._rows is None else self._rows[position]
        return _decode_route(self._store, row)

    def __iter__(self) -> Iterator[Route]:
        store = self._store
        for row in self._row_numbers():
            yield _decode_route(store, row)

    def __repr__(self) -> str:
        return f"<RouteTable {len(self)} routes>"

    # Metadata -------------------------------------------------------------------------

    @property
    def links(self) -> Mapping[int, str]:
        """ifindex → name, as they were when the routes were dumped."""
        return self._store.links

    @property
    def interrupted(self) -> bool:
        """True when the kernel said the tables changed while they were being read."""
        return self._store.interrupted

    def _row_numbers(self) -> Sequence[int]:
        return range(len(self._store)) if self._rows is None else self._rows

    def _records(self) -> Iterator[tuple[int, _Record]]:
        """(row, record tuple) pairs in view order; iter_unpack when the view is whole."""
        if self._rows is None:
            yield from enumerate(_RECORD.iter_unpack(self._store.records))
        else:
            record = self._store.record
            for row in self._rows:
                yield row, record(row)

    def position_of(self, index: int) -> int | None:
        """Where the route with dump index ``index`` sits in this view (None if absent)."""
        if self._rows is None:
            return index if 0 <= index < len(self._store) else None
        try:
            return self._rows.index(index)
        except ValueError:
            return None

    def lookup_fields(self, index: int
                      ) -> tuple[int, str, int, int | None, int | None, Mapping[str, Any] | None]:
        """(index, type, flags, metric, pref, raw extras) of one route, without decoding it:
        what a lookup needs to accept or skip a candidate. The extras are as stored
        (next hops as tuples, flags at position 3), not as :class:`Route` shows them."""
        record = _RECORD.unpack_from(self._store.records, index * _RECORD.size)
        metric, pref = record[8], record[5]
        return (index, type_name(record[2]), record[7], None if metric < 0 else metric,
                None if pref == _NO_PREF else pref, self._store.extras.get(index))

    def forwarding_rows(self) -> bytes:
        """Per dump index, 1 when the route simply forwards: not a reject or throw, its
        next hop not marked dead, and none of the rare extras (next hops, ``from``,
        ``tos``...). A lookup accepts such a candidate without unpacking its record.

        Made with a few C passes over the packed records (two column slices, one AND),
        once per snapshot.
        """
        store = self._store
        if store.forwarding is None or len(store.forwarding) != len(store):
            size, records = _RECORD.size, store.records
            types = records[2::size].translate(_FORWARDING_TYPES)
            alive = records[_FLAGS_LOW_BYTE::size].translate(_ALIVE_FLAGS)
            both = int.from_bytes(types, "little") & int.from_bytes(alive, "little")
            rows = bytearray(both.to_bytes(len(types), "little"))
            for index in store.extras:
                rows[index] = 0
            store.forwarding = bytes(rows)
        return store.forwarding

    def dst_text(self, index: int) -> str:
        """iproute2's destination text of one route (``default``, ``a.b.c.d/n``, ...)."""
        record = _RECORD.unpack_from(self._store.records, index * _RECORD.size)
        return _dst_text(record[0], record[1], record[12])

    def route_by_index(self, index: int) -> Route:
        """The route with dump index ``index`` (``Route.index``), whatever the view."""
        return _decode_route(self._store, index)

    def lookup_keys(self) -> Iterable[tuple[int, tuple[int, int, int, int, bytes]]]:
        """(index, (family, dst_len, table, metric or -1, 16 destination bytes)) per route.

        Just what a FIB index needs, unpacked by :mod:`struct` alone (no other field,
        no decoding): :mod:`wizard.network.prefix_index` builds its index from this.
        """
        if self._rows is None:
            return enumerate(_KEY_FIELDS.iter_unpack(self._store.records))
        unpack, records, size = _KEY_FIELDS.unpack_from, self._store.records, _RECORD.size
        return ((row, unpack(records, row * size)) for row in self._rows)

    @property
    def family_of_whole(self) -> tuple[RouteTable, int] | None:
        """(the whole table, family) when this view is exactly one family of it, so that
        the view can share the whole table's prefix index."""
        return self._family_of_whole

    # Views ----------------------------------------------------------------------------

    def _view(self, rows: Iterable[int], ascending: bool = False) -> RouteTable:
        return RouteTable(self._store, array("I", rows), ascending=ascending)

    def filter(
        self,
        text: str | None = None,
        prefix: str | None = None,
        table: int | str | None = None,
        dev: str | None = None,
        family: int | None = None,
        match: str | None = None,
    ) -> RouteTable:
        """Routes meeting every given condition, in the current order.

        ``text``: case-insensitive substring of destination, gateway, dev, source, type,
        table or protocol name. ``prefix``: destinations inside that prefix (like
        ``ip route show root``). ``match``: routes that cover that address or prefix
        (like ``ip route show match``) — every route a lookup could fall back to.

        Filtering a view only scans that view, so narrowing a search as the user types
        (filter the previous result again) gets faster with every keystroke. With
        ``prefix`` or ``match`` on a view in dump order, only the routes the prefix index
        finds are looked at: a few dozen bisections instead of a pass over every row.
        """
        checks = [
            check for check in (
                self._family_check(family),
                self._table_check(table),
                self._dev_check(dev),
                self._prefix_check(prefix, inside=True),
                self._prefix_check(match, inside=False),
                self._text_check(text),
            ) if check is not None
        ]
        if self._rows is None and family is not None and len(checks) == 1:
            return self._one_family(_family_of(family))
        candidates = self._indexed_candidates(prefix, match, table)
        if candidates is None:
            view = self._view(
                (row for row, record in self._records()
                 if all(check(row, record) for check in checks)),
                ascending=self._ascending)
            return view
        record = self._store.record
        return self._view((row for row in candidates
                           if all(check(row, record(row)) for check in checks)),
                          ascending=True)

    def _one_family(self, family: int) -> RouteTable:
        """The whole table's routes of one family: the family is each record's first byte,
        so a stride slice of the store lists them all without unpacking a record."""
        column = self._store.records[::_RECORD.size]
        view = self._view((row for row, value in enumerate(column) if value == family),
                          ascending=True)
        view._family_of_whole = (self, family)
        return view

    def _indexed_candidates(self, prefix: str | None, match: str | None,
                            table: int | str | None) -> list[int] | None:
        """The rows that can meet ``prefix`` / ``match``, from the prefix index, in dump
        order; None when the view's order is not dump order (the scan keeps it)."""
        if not self._ascending or (prefix is None and match is None):
            return None
        from wizard.network.prefix_index import covering_rows, within_rows

        wanted = None if table is None else table_id(table)
        found: list[int] | None = None
        for text, query in ((prefix, within_rows), (match, covering_rows)):
            if text is not None:
                rows = query(self, *_parse_prefix(text), table=wanted)
                found = rows if found is None else sorted(set(found) & set(rows))
        return found

    @staticmethod
    def _family_check(family: int | None) -> _Check | None:
        if family is None:
            return None
        wanted = _family_of(family)
        return lambda _row, record: record[0] == wanted

    @staticmethod
    def _table_check(table: int | str | None) -> _Check | None:
        if table is None:
            return None
        wanted = table_id(table)
        if wanted == 0:  # RT_TABLE_UNSPEC: every table, as `ip route show table 0`
            return None
        return lambda _row, record: record[6] == wanted

    def _dev_check(self, dev: str | None) -> _Check | None:
        if dev is None:
            return None
        indexes = {index for index, name in self._store.links.items() if name == dev}
        extras = self._store.extras

        def uses_dev(row: int, record: _Record) -> bool:
            if record[9] in indexes:
                return True
            hops = extras.get(row, {}).get("nexthops", ())
            return any(hop[1] in indexes for hop in hops)

        return uses_dev

    @staticmethod
    def _prefix_check(prefix: str | None, inside: bool) -> _Check | None:
        if prefix is None:
            return None
        family, network, length = _parse_prefix(prefix)

        def check(_row: int, record: _Record) -> bool:
            route_family: int = record[0]
            route_len: int = record[1]
            if family and route_family != family:
                return False
            bits = _HOST_BITS[route_family]
            route_network = int.from_bytes(record[12][: bits // 8], "big")
            if inside:
                return route_len >= length and route_network >> (bits - length) == network >> (
                    bits - length
                )
            return route_len <= length and network >> (bits - route_len) == route_network >> (
                bits - route_len
            )

        return check

    def _text_check(self, text: str | None) -> _Check | None:
        if not text:
            return None
        needle = text.lower()
        store = self._store
        address_hit = [bool(a and needle in a.lower()) for a in store.addresses]
        dev_hit = {index for index, name in store.links.items() if needle in name.lower()}
        type_hit = {t for t, name in _TYPE_NAMES.items() if needle in name}
        protocol_hit = {p for p in range(256) if needle in protocol_name(p).lower()}
        table_hit: dict[int, bool] = {}

        def extras_hit(row: int) -> bool:
            extras = store.extras.get(row, {})
            hops = extras.get("nexthops", ())
            return any(address_hit[hop[0]] or hop[1] in dev_hit for hop in hops) or (
                needle in str(extras.get("from", "")) or needle in str(extras.get("via", ""))
            )

        def hit(row: int, record: _Record) -> bool:
            family, dst_len, rtype, protocol = record[0], record[1], record[2], record[3]
            table, oif, gateway, prefsrc = record[6], record[9], record[10], record[11]
            if (address_hit[gateway] or address_hit[prefsrc] or oif in dev_hit
                    or rtype in type_hit or protocol in protocol_hit):
                return True
            if table not in table_hit:
                table_hit[table] = needle in table_name(table).lower()
            return (table_hit[table] or needle in _dst_text(family, dst_len, record[12])
                    or (row in store.extras and extras_hit(row)))

        return hit

    def _address_ranks(self) -> list[int]:
        """Numeric order of the interned addresses (IPv4 before IPv6), by id."""
        by_id = sorted(self._store.address_ids.items(), key=lambda item: (len(item[0]), item[0]))
        ranks = [0] * len(self._store.addresses)
        for rank, (_raw, ident) in enumerate(by_id, start=1):
            ranks[ident] = rank
        return ranks

    def _sort_key(self, key: str) -> Callable[[_Record], int]:
        """An int per record that orders like the column (ints keep 1M keys small)."""
        store = self._store
        if key in ("gateway", "prefsrc"):
            ranks, column = self._address_ranks(), 10 if key == "gateway" else 11
            return lambda record: ranks[record[column]]
        if key == "dev":
            names = sorted(set(store.links.values()))
            dev_ranks = {index: names.index(name) + 1 for index, name in store.links.items()}
            return lambda record: dev_ranks.get(record[9], 0)
        if key == "dst":  # IPv4 before IPv6, then network, then prefix length
            return lambda record: (record[0] << 136 | int.from_bytes(record[12], "big") << 8
                                   | record[1])
        columns = {"type": 2, "protocol": 3, "table": 6, "metric": 8}
        if key not in columns:
            choices = sorted([*columns, "dst", "dev", "gateway", "prefsrc", "index"])
            raise ValueError(f"cannot sort by {key!r}; use one of {choices}")
        column = columns[key]
        return lambda record: record[column]

    def sort(self, key: str | Callable[[Route], Any] = "dst", reverse: bool = False) -> RouteTable:
        """A view ordered by a column name (``dst``, ``metric``, ``table``, ``type``,
        ``protocol``, ``dev``, ``gateway``, ``prefsrc``, ``index``) or by any function of a
        :class:`Route`. Stable (also when reversed), so sorting twice gives a two-level
        order.

        Column sorts pack (key, position in this view) into one int per route, so
        sorting a million routes needs ~60 MB of temporary ints rather than tuples.
        """
        rows = self._row_numbers()
        if callable(key):
            decode = self.route_by_index
            return self._view(sorted(rows, key=lambda row: key(decode(row)), reverse=reverse))
        if key == "index":
            return self._view(sorted(rows, reverse=reverse))
        record_key, sign = self._sort_key(key), -1 if reverse else 1
        packed = [
            (sign * record_key(record) << 32) + position
            for position, (_row, record) in enumerate(self._records())
        ]
        packed.sort()
        return self._view(rows[value & 0xFFFFFFFF] for value in packed)

    # Output ---------------------------------------------------------------------------

    @classmethod
    def from_iproute_json(cls, routes: Iterable[Mapping[str, Any]]) -> RouteTable:
        """Build a table from ``ip -j route show table all`` dicts (a saved or simulated host).

        Interface names get made-up indexes; the family is taken from the addresses, and
        from the ``pref`` key that iproute2 prints for every IPv6 route.
        """
        from wizard.network.rtnetlink.from_iproute import append_iproute_dict

        store = _RouteStore({})
        for route in routes:
            append_iproute_dict(store, route)
        return cls(store)

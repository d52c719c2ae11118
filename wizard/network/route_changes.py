"""Keep a dumped routing table current from the kernel's route notifications.

Why: at a million routes a fresh dump takes seconds, so a page that re-dumps on every change
falls further behind with each reload while routes keep changing. An RTM_NEWROUTE or
RTM_DELROUTE notification carries the whole route, so a batch of them is decoded by the
dump's own decoder and spliced into a copy of the packed table, each route at the place a
fresh dump would list it: the result is that dump, row for row and in the same order.

Where the kernel lists a route (tests/network/test_route_changes.py holds this against real
dumps):

- IPv4 before IPv6, and the tables by hash bucket (table id mod 256); tables sharing a
  bucket in the order the dump listed them (a new table in such a bucket means a reload);
- IPv4 inside a table in the FIB trie's order: network address, then the longer prefix
  first, then the higher TOS, then the lower metric;
- IPv6 inside a table in the order the fib6 tree is walked (children before their node):
  by the prefix's last address, then the longer prefix first, then the lower metric.

What this cannot place with certainty makes :func:`apply_route_messages` answer None, and
the caller reloads: an IPv6 multipath route (the kernel notifies its next hops one by one),
a source-specific IPv6 route, a route of a new table in a shared bucket, an add whose place
holds a different route (``ip route append``), or a batch so large that a dump is cheaper.
"""

from __future__ import annotations

import bisect
import functools
import socket
from collections.abc import Sequence
from typing import Any, NamedTuple

from wizard.network.rtnetlink.constants import _RECORD
from wizard.network.rtnetlink.decode import _append_route_messages
from wizard.network.rtnetlink.names import _dsfield_names
from wizard.network.rtnetlink.route_table import _KEY_FIELDS, RouteTable, _RouteStore

RTM_NEWROUTE, RTM_DELROUTE = 24, 25
NLM_F_REPLACE, NLM_F_EXCL = 0x100, 0x200
RTM_F_CLONED = 0x200  # a cached exception (PMTU, redirect): not part of a table's dump
RTA_MULTIPATH = 9
_RTMSG_SIZE = 12
_BUCKETS = 256  # FIB_TABLE_HASHSZ, FIB6_TABLE_HASHSZ: a dump walks the buckets in order
MIN_BATCH_LIMIT = 1000
"""A batch of up to this many messages, or a quarter of the table, is applied; a larger one
costs more in Python than the kernel's dump does, so the caller reloads instead."""

_Key = tuple[Any, ...]
_Entry = tuple[bytes, dict[str, Any] | None]  # one packed record and its extras


class RouteMessage(NamedTuple):
    """One route notification as the monitor received it: its type (RTM_NEWROUTE or
    RTM_DELROUTE), its netlink header flags and the rtmsg with its attributes."""

    type: int
    flags: int
    body: bytes


class _Unplaceable(Exception):
    """A message this module cannot apply with certainty: the caller must reload."""


def touches_default(messages: Sequence[RouteMessage]) -> bool:
    """Whether a default route came or went: the advertise address follows those."""
    return any(len(message.body) > 1 and message.body[1] == 0 for message in messages)


def apply_route_messages(table: RouteTable, messages: Sequence[RouteMessage]
                         ) -> RouteTable | None:
    """``table`` (a whole dump, or an earlier result of this) with ``messages`` applied in
    order; None when they cannot be applied with certainty (see the module's docstring).

    Each message sets the state of its route's place, so messages that arrived while the
    table was being dumped (it may or may not show them) can be applied to it safely: the
    last one about each place decides, as it did in the kernel.
    """
    if table._rows is not None:
        raise ValueError("apply_route_messages needs a whole table, not a view")
    if len(messages) > max(MIN_BATCH_LIMIT, len(table) // 4):
        return None
    try:
        return _Splice(table._store).apply(messages)
    except _Unplaceable:
        return None


@functools.cache
def _tos_values() -> dict[str, int]:
    return {name: value for value, name in _dsfield_names().items()}


def _tos_value(text: str) -> int:
    """The TOS byte back from the text the decoder keeps (a name or ``0x..``)."""
    values = _tos_values()
    return values[text] if text in values else int(text, 16)


class _Splice:
    """One batch against one store: the changes by their place, then one copy of the store
    with them in it."""

    def __init__(self, store: _RouteStore) -> None:
        self.store = store
        self.ranks = _table_ranks(store)
        self.changes: dict[_Key, _Entry | None] = {}  # None: the route is gone
        self._rows = range(len(store))

    def apply(self, messages: Sequence[RouteMessage]) -> RouteTable:
        new = _RouteStore(self.store.links)
        new.addresses = list(self.store.addresses)
        new.address_ids = dict(self.store.address_ids)
        new.interrupted = self.store.interrupted
        kept = [message for message in messages if _listed_in_dumps(message)]
        decoded = _RouteStore(new.links)  # shares the new store's addresses, so ids agree
        decoded.addresses, decoded.address_ids = new.addresses, new.address_ids
        _append_route_messages(decoded, [(message.body, 0, len(message.body))
                                         for message in kept])
        if len(decoded) != len(kept):
            raise _Unplaceable("a message did not decode into one route")
        for number, message in enumerate(kept):
            entry = (bytes(decoded.records[number * _RECORD.size:(number + 1) * _RECORD.size]),
                     decoded.extras.get(number))
            family, dst_len, table, metric, dst = _KEY_FIELDS.unpack_from(entry[0])
            key = self._key(family, dst_len, table, metric, dst, message.body[3])
            self._change(message, key, entry)
        self._write(new)
        return RouteTable(new)

    def _change(self, message: RouteMessage, key: _Key, entry: _Entry) -> None:
        """Each message sets its place: to its route, or to nothing. That is what the
        kernel did when the add was exclusive (the place was empty) or a replace (it held
        one route), so the last message about a place decides, whatever the table showed
        before; an append or a prepend put a second route there, which has no place."""
        now = self.changes[key] if key in self.changes else self._listed(key)
        if message.body[0] == socket.AF_INET6 and (
                (entry[1] and "nexthops" in entry[1]) or (now and now[1] and "nexthops" in now[1])):
            raise _Unplaceable("IPv6 multipath routes are notified one next hop at a time")
        if message.type == RTM_DELROUTE:
            self.changes[key] = None
        elif message.flags & (NLM_F_EXCL | NLM_F_REPLACE):
            self.changes[key] = entry
        else:
            raise _Unplaceable("a second route at one place (ip route append or prepend)")

    # ---------------------------------------------------------------- places in the store
    def _key(self, family: int, dst_len: int, table: int, metric: int, dst: bytes,
             tos: int) -> _Key:
        """Where the kernel's dump puts a route, as a tuple that sorts that way."""
        rank = self.ranks.get((family, table))
        if rank is None:  # a table's first route: its hash bucket places it, if alone there
            rank = (family, table & _BUCKETS - 1, 0)
            if any(known[:2] == rank[:2] for known in self.ranks.values()):
                raise _Unplaceable(f"table {table} shares its hash bucket with another")
            self.ranks[(family, table)] = rank
        if family == socket.AF_INET:
            return rank, int.from_bytes(dst[:4], "big"), -dst_len, -tos, max(metric, 0)
        last = int.from_bytes(dst, "big") | ((1 << (128 - dst_len)) - 1)
        return rank, last, -dst_len, 0, max(metric, 0)

    def _row_key(self, row: int) -> _Key:
        store = self.store
        family, dst_len, table, metric, dst = _KEY_FIELDS.unpack_from(
            store.records, row * _RECORD.size)
        extras = store.extras.get(row)
        tos = _tos_value(extras["tos"]) if extras and "tos" in extras else 0
        return self._key(family, dst_len, table, metric, dst, tos)

    def _place(self, key: _Key) -> tuple[int, int | None]:
        """(the first row at or after ``key``, the row listed at ``key`` if there is one)."""
        position = bisect.bisect_left(self._rows, key, key=self._row_key)
        if position == len(self._rows) or self._row_key(position) != key:
            return position, None
        if position + 1 < len(self._rows) and self._row_key(position + 1) == key:
            raise _Unplaceable("two routes at one place")
        return position, position

    def _listed(self, key: _Key) -> _Entry | None:
        row = self._place(key)[1]
        if row is None:
            return None
        size = _RECORD.size
        return bytes(self.store.records[row * size:(row + 1) * size]), self.store.extras.get(row)

    def _write(self, new: _RouteStore) -> None:
        """Copy the store into ``new`` with the changes in their places (and the extras of
        the rows that moved under their new row numbers).

        The new records are allocated once at their final size: a bytearray grown piece by
        piece to 50 MB leaves freed pieces in the worker threads' malloc arenas, and the
        process grew by gigabytes under churn."""
        old, size = self.store, _RECORD.size
        plan = [(*self._place(key), self.changes[key]) for key in sorted(self.changes)]
        count = (len(old) - sum(listed is not None for _p, listed, _e in plan)
                 + sum(entry is not None for _p, _l, entry in plan))
        new.records = records = bytearray(count * size)
        source = memoryview(old.records)
        extra_rows = sorted(old.extras)
        next_extra = 0
        copied = written = 0  # rows of the old store copied, rows of the new one written

        def copy_until(end: int) -> None:
            nonlocal copied, written, next_extra
            rows = end - copied
            records[written * size:(written + rows) * size] = source[copied * size:end * size]
            while next_extra < len(extra_rows) and extra_rows[next_extra] < end:
                row = extra_rows[next_extra]
                new.extras[row - copied + written] = old.extras[row]
                next_extra += 1
            copied, written = end, written + rows

        for position, listed, entry in plan:
            copy_until(position)
            if listed is not None:  # replaced or deleted: its extras go with it
                copied = position + 1
                while next_extra < len(extra_rows) and extra_rows[next_extra] <= position:
                    next_extra += 1
            if entry is not None:
                if entry[1]:
                    new.extras[written] = entry[1]
                records[written * size:(written + 1) * size] = entry[0]
                written += 1
        copy_until(len(old))


def _listed_in_dumps(message: RouteMessage) -> bool:
    """An IPv4 or IPv6 table route (not a cached exception, not multicast routing)."""
    body = message.body
    if len(body) < _RTMSG_SIZE or body[0] not in (socket.AF_INET, socket.AF_INET6):
        return False
    if int.from_bytes(body[8:12], "little") & RTM_F_CLONED:
        return False
    if body[0] == socket.AF_INET6 and body[2]:
        raise _Unplaceable("a source-specific IPv6 route")
    return True


def _table_ranks(store: _RouteStore) -> dict[tuple[int, int], tuple[int, int, int]]:
    """(family, table) → (family, hash bucket, place among the bucket's tables), which sorts
    as the dump lists them. A dump lists each table's routes together, so each run is
    found by galloping and bisection: a few dozen records read, not all of them."""
    size, records, count = _RECORD.size, store.records, len(store)

    def table_of(row: int) -> tuple[int, int]:
        family, _len, table = _KEY_FIELDS.unpack_from(records, row * size)[:3]
        return family, table

    ranks: dict[tuple[int, int], tuple[int, int, int]] = {}
    row, last = 0, (0, 0, 0)
    while row < count:
        current = table_of(row)
        family, table = current
        rank = (family, table & _BUCKETS - 1, 0)
        if rank[:2] == last[:2]:
            rank = (*rank[:2], last[2] + 1)
        if current in ranks or rank < last:
            raise _Unplaceable("the dump does not list the tables as this module expects")
        ranks[current] = last = rank
        low, step = row, 1  # table_of(low) == current
        while low + step < count and table_of(low + step) == current:
            low += step
            step *= 2
        high = min(low + step, count)  # the run ends at or before high
        while high - low > 1:
            middle = (low + high) // 2
            if table_of(middle) == current:
                low = middle
            else:
                high = middle
        row = high
    return ranks

"""Longest-prefix match, and which routes cover or sit inside a prefix, without a scan.

A lookup on a full BGP table must not walk a million routes, so each (family, table)
gets sorted networks per prefix length, searched with :mod:`bisect`; the index is built
once per table and cached with it. The same index answers ``ip route show match P``
(:func:`covering_rows`: one bisection per prefix length) and ``ip route show root P``
(:func:`within_rows`: one range per prefix length), so the checks' overlap, free-block
and default-route questions cost a few dozen bisections instead of a pass over every row.
"""

from __future__ import annotations

import bisect
import socket
import weakref
from array import array
from collections.abc import Mapping, Sequence

from wizard.network.rtnetlink.route_table import RouteTable

_BITS: dict[int, int] = {socket.AF_INET: 32, socket.AF_INET6: 128}
# _TableIndex.block_starts(): lengths with fewer networks bisect them all
_STARTS_MIN = 16384


def _family_of_address(text: str) -> int:
    return socket.AF_INET6 if ":" in text else socket.AF_INET


def _address_int(text: str) -> int:
    return int.from_bytes(socket.inet_pton(_family_of_address(text), text), "big")


def _covers(network: int, length: int, address: int, bits: int) -> bool:
    return (network ^ address) >> (bits - length) == 0 if length else True


# --- the route index ---------------------------------------------------------------


class _TableIndex:
    """Per prefix length, the networks sorted (with their routes' rows, metric order)."""

    def __init__(self, family: int, by_length: Mapping[int, list[int]]) -> None:
        self.bits = _BITS[family]
        self.lengths = sorted(by_length, reverse=True)
        self.keys: dict[int, Sequence[int]] = {}
        self.rows: dict[int, array[int]] = {}
        self._blocks: tuple[int, Sequence[int]] | None = None
        self._starts: dict[int, array[int]] = {}
        for length, packed in by_length.items():
            packed.sort()
            networks = [value >> 72 for value in packed]
            self.keys[length] = array("Q", networks) if family == socket.AF_INET else networks
            self.rows[length] = array("I", [value & 0xFFFFFFFF for value in packed])

    @property
    def blocks(self) -> tuple[int, Sequence[int]]:
        """IPv4 only: (shift, masks). ``masks[address >> shift]`` has bit L set when a /L
        route of this table overlaps that block of addresses, so a lookup bisects only
        those lengths: on a full table an address's block holds one to three of the
        20-odd lengths. Blocks are /16s, or /20s in a table of more than 64k routes (an
        8 MB array, built on the first lookup) where /16s would hold most lengths each."""
        if self._blocks is None:
            size = sum(len(keys) for keys in self.keys.values())
            block_bits = 20 if size > 65536 else 16
            shift = 32 - block_bits
            masks = array("Q", bytes(8 << block_bits))
            for length, keys in self.keys.items():
                bit = 1 << length
                if length >= block_bits:
                    for block in {network >> shift for network in keys}:
                        masks[block] |= bit
                else:
                    span = 1 << (block_bits - length)
                    for network in keys:
                        first = network >> shift
                        for block in range(first, first + span):
                            masks[block] |= bit
            self._blocks = (shift, masks)
        return self._blocks

    def block_starts(self, length: int) -> array[int] | None:
        """IPv4, a length with many networks: ``starts[b]`` is the position of its first
        network in /16 block ``b`` or after (65,537 entries, 256 KB), so a lookup bisects
        only the few networks of its block (about nine /24s on a full table, instead of
        590,000: the whole-array bisection's cache misses were most of a lookup's main
        table time). None for the rest, where bisecting everything is as cheap."""
        keys = self.keys[length]
        if self.bits != 32 or len(keys) < _STARTS_MIN:
            return None
        starts = self._starts.get(length)
        if starts is None:
            starts = self._starts[length] = array("I", bytes(4 << 16 | 4))
            position = 0
            for block in range(1 << 16 | 1):
                position = starts[block] = bisect.bisect_left(keys, block << 16, position)
        return starts

    def rows_between(self, length: int, low: int, high: int) -> array[int]:
        """Rows of the /``length`` routes whose network is in [low, high]."""
        keys = self.keys[length]
        return self.rows[length][bisect.bisect_left(keys, low):bisect.bisect_right(keys, high)]


def merged_lengths(indexes: Sequence[_TableIndex]) -> list[int]:
    """Every prefix length of these tables, longest first."""
    return sorted({length for index in indexes for length in index.lengths}, reverse=True)


# One bisection of a lookup plan: (prefix length, shift of the address to its network,
# the (sorted networks, rows, block starts or None) of each table with that length).
_Part = tuple[Sequence[int], "array[int]", "array[int] | None"]
_Step = tuple[int, int, tuple[_Part, ...]]


class LookupPlan:
    """What a longest-prefix lookup over a set of tables bisects, made once per set.

    Why: a resolver asks the same table (or local+main) for every address; merging the
    tables' prefix lengths, their block masks and the per-length parts per address
    costed more than the bisections. Here an IPv4 address's block mask (the OR of every
    table's, at the finest block size among them) maps to the ready list of steps, the
    lengths that block has, longest first; that list is made once per distinct mask
    (a few hundred on a full table). IPv6 has no blocks: every length is a step.
    """

    __slots__ = ("ipv4", "all_steps", "_shift", "_masks", "_steps_by_mask")

    def __init__(self, family: int, indexes: Sequence[_TableIndex]) -> None:
        self.ipv4 = family == socket.AF_INET
        bits = _BITS[family]
        parts = {length: tuple((index.keys[length], index.rows[length],
                                index.block_starts(length))
                               for index in indexes if length in index.keys)
                 for length in merged_lengths(indexes)}
        self.all_steps: tuple[_Step, ...] = tuple(
            (length, bits - length, of_length) for length, of_length in parts.items())
        self._steps_by_mask: dict[int, tuple[_Step, ...]] = {}
        self._shift, self._masks = _merged_blocks(indexes) if self.ipv4 else (0, array("Q"))

    def steps_for(self, address: int) -> tuple[_Step, ...]:
        """The bisections worth making for ``address``, longest prefix first."""
        if not self.ipv4:
            return self.all_steps
        mask = self._masks[address >> self._shift] if self._masks else 0
        steps = self._steps_by_mask.get(mask)
        if steps is None:
            steps = self._steps_by_mask[mask] = tuple(
                step for step in self.all_steps if mask >> step[0] & 1)
        return steps


def _merged_blocks(indexes: Sequence[_TableIndex]) -> tuple[int, Sequence[int]]:
    """(shift, masks) covering every table of ``indexes``: one table's own, else their
    OR at the finest block size of them (a coarser block's bits go to each of its
    finer blocks, which only ever adds bisections, never loses one)."""
    if not indexes:
        return 0, array("Q")
    if len(indexes) == 1:
        return indexes[0].blocks
    finest = min(indexes, key=lambda index: index.blocks[0])
    shift = finest.blocks[0]
    merged = array("Q", finest.blocks[1])  # a C copy; the (small) others are ORed in
    for index in indexes:
        if index is finest:
            continue
        own_shift, masks = index.blocks
        spread = 1 << (own_shift - shift)
        for block, mask in enumerate(masks):
            if mask:
                first = block * spread
                for fine in range(first, first + spread):
                    merged[fine] |= mask
    return shift, merged


def _build_index(routes: RouteTable) -> dict[tuple[int, int], _TableIndex]:
    """One pass over the packed records; each route becomes one int until sorted.

    The int is ``network << 72 | (metric + 1) << 32 | index``, so a plain sort orders by
    network, then metric, then dump order — the order the kernel keeps same-prefix
    routes in — without a tuple per route.
    """
    # One list per (family, table, length), keyed by one int: no tuple per route.
    lists: dict[int, list[int]] = {}
    from_bytes, inet = int.from_bytes, socket.AF_INET
    for index, (family, dst_len, table, metric, dst) in routes.lookup_keys():
        network = from_bytes(dst, "big")
        if family == inet:
            network >>= 96
        key = table << 16 | family << 8 | dst_len
        packed = lists.get(key)
        if packed is None:
            packed = lists[key] = []
        packed.append(network << 72 | (metric + 1) << 32 | index)
    groups: dict[tuple[int, int], dict[int, list[int]]] = {}
    for key, packed in lists.items():
        groups.setdefault((key >> 8 & 0xFF, key >> 16), {})[key & 0xFF] = packed
    return {key: _TableIndex(key[0], by_length) for key, by_length in groups.items()}


_INDEXES: weakref.WeakKeyDictionary[RouteTable, dict[tuple[int, int], _TableIndex]] = (
    weakref.WeakKeyDictionary()
)


def _index_for(routes: RouteTable) -> dict[tuple[int, int], _TableIndex]:
    index = _INDEXES.get(routes)
    if index is None:
        whole = routes.family_of_whole
        if whole is not None:  # one family of a table: its part of the table's index
            table, family = whole
            index = {key: part for key, part in _index_for(table).items() if key[0] == family}
        else:
            index = _build_index(routes)
        _INDEXES[routes] = index
    return index


# --- queries over the index -----------------------------------------------------------


def _selected(routes: RouteTable, family: int, table: int | None
              ) -> list[tuple[int, _TableIndex]]:
    """(address bits, index) of each (family, table) the query is about; family 0: both."""
    return [(index.bits, index) for (index_family, index_table), index in
            _index_for(routes).items()
            if (not family or index_family == family) and (table is None or index_table == table)]


def covering_rows(routes: RouteTable, family: int, network: int, length: int,
                  table: int | None = None) -> list[int]:
    """Rows of the routes that cover ``network/length`` (``ip route show match``), ascending.

    ``family`` 0 stands for ``default``: network 0, length 0 in both families.
    """
    found: list[int] = []
    for bits, index in _selected(routes, family, table):
        wanted = min(length, bits)
        for route_length in index.lengths:
            if route_length <= wanted:
                shift = bits - route_length
                key = network >> shift << shift if family else 0
                found += index.rows_between(route_length, key, key)
    found.sort()
    return found


def within_rows(routes: RouteTable, family: int, network: int, length: int,
                table: int | None = None) -> list[int]:
    """Rows of the routes inside ``network/length`` (``ip route show root``), ascending."""
    found: list[int] = []
    for bits, index in _selected(routes, family, table):
        low = network if family else 0
        high = low | ((1 << (bits - length)) - 1) if family else (1 << bits) - 1
        for route_length in index.lengths:
            if route_length >= length:
                found += index.rows_between(route_length, low, high)
    found.sort()
    return found

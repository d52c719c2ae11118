"""The source address the kernel would pick when a route states no ``prefsrc``.

The wizard predicts it for simulated hosts and to explain a real host's choice, so it
follows the kernel's rules (inet_select_addr, RFC 6724) rather than a simpler guess.
"""

from __future__ import annotations

import socket
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from wizard.network.prefix_index import _BITS, _address_int, _covers, _family_of_address

_UNIVERSE, _HOST = 0, 254


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

    def score(address: _Address) -> tuple[bool, int, bool, bool, int]:
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


def _is_global_unicast(address: _Address) -> bool:
    if address.family == socket.AF_INET:
        return address.value >> 24 not in (0, 127) and address.value >> 16 != 0xA9FE and (
            address.value >> 28 != 0xE
        )
    return _ipv6_scope(address.value) == 14 and address.value >> 120 != 0xFF

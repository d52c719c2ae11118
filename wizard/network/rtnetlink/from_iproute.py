"""iproute2's JSON route dicts back into packed records: a saved or simulated host's table.

The demo hosts keep their routes as `ip -j route show table all` printed them; this turns
each dict into the record a netlink dump would have given, so a demo's table is the same
RouteTable, with the same lookups and views, as a live one.
"""

from __future__ import annotations

import socket
from collections.abc import Iterable, Mapping
from typing import Any

from wizard.network.rtnetlink.constants import _ADDR_BYTES, _NO_PREF, _RECORD
from wizard.network.rtnetlink.names import (
    _PREF_NAMES,
    _ROUTE_FLAG_NAMES,
    _TYPE_NAMES,
    _protocol_names,
    _reverse_lookup,
    _scope_names,
    table_id,
)
from wizard.network.rtnetlink.route_table import _parse_prefix, _Record, _RouteStore

_PREF_IDS = {name: number for number, name in _PREF_NAMES.items()}
_ROUTE_FLAG_IDS = {name: bit for bit, name in _ROUTE_FLAG_NAMES}
_KNOWN_ROUTE_KEYS = {
    "type", "dst", "gateway", "dev", "table", "protocol", "scope", "prefsrc", "metric",
    "flags", "pref", "nexthops", "via",
}


def _dict_family(route: Mapping[str, Any]) -> int:
    hops = route.get("nexthops") or [{}]
    for text in (route.get("dst"), route.get("gateway"), route.get("prefsrc"),
                 hops[0].get("gateway")):
        if text and text != "default":
            return socket.AF_INET6 if ":" in text else socket.AF_INET
    return socket.AF_INET6 if "pref" in route else socket.AF_INET


def _ifindex_for(store: _RouteStore, name: str | None) -> int:
    if not name:
        return 0
    for index, known in store.links.items():
        if known == name:
            return index
    index = len(store.links) + 1
    store.links[index] = name
    return index


def _address_id(store: _RouteStore, text: str | None) -> int:
    if not text:
        return 0
    family = socket.AF_INET6 if ":" in text else socket.AF_INET
    return store.intern_address(socket.inet_pton(family, text), family)


def _via_family_id(name: str) -> int:
    return socket.AF_INET6 if name == "inet6" else socket.AF_INET


def _dict_nexthops(store: _RouteStore, hops: Iterable[Mapping[str, Any]]) -> tuple[_Record, ...]:
    parsed = []
    for hop in hops:
        via = hop.get("via")
        gateway_text = via["host"] if via else hop.get("gateway")
        via_family = _via_family_id(via["family"]) if via else None
        flags = sum(_ROUTE_FLAG_IDS.get(name, 0) for name in hop.get("flags", ()))
        parsed.append((_address_id(store, gateway_text), _ifindex_for(store, hop.get("dev")),
                       int(hop.get("weight", 1)), flags, via_family, hop.get("flow")))
    return tuple(parsed)


def append_iproute_dict(store: _RouteStore, route: Mapping[str, Any]) -> None:
    family = _dict_family(route)
    dst = route.get("dst", "default")
    if dst == "default":
        network, dst_len = bytes(16), 0
    else:
        _family, value, dst_len = _parse_prefix(dst)
        network = value.to_bytes(_ADDR_BYTES[family], "big")
    extras = {key: value for key, value in route.items() if key not in _KNOWN_ROUTE_KEYS}
    gateway = _address_id(store, route.get("gateway"))
    if route.get("via"):
        via = route["via"]
        extras["via"] = (_via_family_id(via["family"]), via["host"])
        gateway = _address_id(store, via["host"])
    if route.get("nexthops"):
        extras["nexthops"] = _dict_nexthops(store, route["nexthops"])
    if "iif" in extras:
        extras["iif"] = _ifindex_for(store, extras["iif"])
    if extras:
        store.extras[len(store)] = extras
    store.records += _RECORD.pack(
        family, dst_len,
        _reverse_lookup(_TYPE_NAMES, route.get("type", "unicast"), "route type"),
        _reverse_lookup(_protocol_names(), str(route.get("protocol", "boot")), "protocol"),
        _reverse_lookup(_scope_names(), str(route.get("scope", "global")), "scope"),
        _PREF_IDS.get(route["pref"], _NO_PREF) if "pref" in route else _NO_PREF,
        table_id(route.get("table", "main")),
        sum(_ROUTE_FLAG_IDS.get(name, 0) for name in route.get("flags", ())),
        int(route.get("metric", -1)),
        _ifindex_for(store, route.get("dev")),
        gateway,
        _address_id(store, route.get("prefsrc")),
        network,
    )

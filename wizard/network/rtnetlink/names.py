"""Numbers as iproute2 prints them (tables, protocols, scopes, flags).

The names come from iproute2's own files when present, so a table an operator named
in /etc/iproute2/rt_tables shows under that name here too.
"""

from __future__ import annotations

import functools
import glob
import socket
from collections.abc import Iterable, Mapping, Sequence

from wizard.network.rtnetlink.constants import _HOST_BITS

# --- names, as iproute2 prints them --------------------------------------------------

# iproute2 reads /etc/iproute2 and, on stateless distributions, /usr/share/iproute2;
# the /etc file wins for an id both define.
_NAME_DIRS = ("/usr/share/iproute2", "/usr/lib/iproute2", "/etc/iproute2")

_TYPE_NAMES = {
    0: "none", 1: "unicast", 2: "local", 3: "broadcast", 4: "anycast", 5: "multicast",
    6: "blackhole", 7: "unreachable", 8: "prohibit", 9: "throw", 10: "nat", 11: "xresolve",
}
_BUILTIN_PROTOCOLS = {
    0: "unspec", 1: "redirect", 2: "kernel", 3: "boot", 4: "static", 8: "gated", 9: "ra",
    10: "mrt", 11: "zebra", 12: "bird", 13: "dnrouted", 14: "xorp", 15: "ntk", 16: "dhcp",
    18: "keepalived", 42: "babel", 99: "openr", 186: "bgp", 187: "isis", 188: "ospf",
    189: "rip", 192: "eigrp",
}
_BUILTIN_SCOPES = {0: "global", 200: "site", 253: "link", 254: "host", 255: "nowhere"}
_BUILTIN_TABLES = {253: "default", 254: "main", 255: "local"}
_PREF_NAMES = {0: "medium", 1: "high", 3: "low"}
_FAMILY_NAMES: dict[int, str] = {
    socket.AF_INET: "inet", socket.AF_INET6: "inet6", 7: "bridge", 17: "link", 28: "mpls",
}
_ROUTE_FLAG_NAMES = (
    (0x1, "dead"), (0x4, "onlink"), (0x2, "pervasive"), (0x8, "offload"), (0x40, "trap"),
    (0x100, "notify"), (0x10, "linkdown"), (0x20, "unresolved"), (0x4000, "rt_offload"),
    (0x8000, "rt_trap"), (0x20000000, "rt_offload_failed"),
)
_CACHE_FLAG_NAMES = (
    (0x80000000, "local"), (0x40000000, "reject"), (0x20000000, "mc"), (0x10000000, "brd"),
    (0x08000000, "dst-nat"), (0x00800000, "src-nat"), (0x00400000, "masq"),
    (0x00020000, "dst-direct"), (0x04000000, "src-direct"), (0x00040000, "redirected"),
    (0x01000000, "redirect"), (0x00200000, "fastroute"), (0x00010000, "notify"),
    (0x00080000, "proxy"),
)
_METRIC_NAMES = {
    2: "mtu", 3: "window", 4: "rtt", 5: "rttvar", 6: "ssthresh", 7: "cwnd", 8: "advmss",
    9: "reordering", 10: "hoplimit", 11: "initcwnd", 12: "features", 13: "rto_min",
    14: "initrwnd", 15: "quickack", 16: "congctl", 17: "fastopen_no_cookie",
}
_RTAX_LOCK = 1
_RTAX_HOPLIMIT = 10
_RTAX_FEATURES = 12
_RTAX_CC_ALGO = 16
_RTAX_FEATURE_ECN = 0x1


def _parse_id_name_lines(lines: Iterable[str]) -> dict[int, str]:
    names: dict[int, str] = {}
    for line in lines:
        fields = line.split("#", 1)[0].split()
        if len(fields) < 2:
            continue
        try:
            names[int(fields[0], 0)] = fields[1]
        except ValueError:
            continue
    return names


def _read_id_names(basename: str) -> dict[int, str]:
    """Merge ``basename`` and ``basename.d/*.conf`` from every iproute2 config dir."""
    names: dict[int, str] = {}
    for directory in _NAME_DIRS:
        paths = [f"{directory}/{basename}", *sorted(glob.glob(f"{directory}/{basename}.d/*.conf"))]
        for path in paths:
            try:
                with open(path, encoding="utf-8", errors="replace") as handle:
                    names.update(_parse_id_name_lines(handle))
            except OSError:
                continue
    return names


@functools.cache
def _table_names() -> dict[int, str]:
    return {**_BUILTIN_TABLES, **_read_id_names("rt_tables")}


@functools.cache
def _protocol_names() -> dict[int, str]:
    return {**_BUILTIN_PROTOCOLS, **_read_id_names("rt_protos")}


@functools.cache
def _scope_names() -> dict[int, str]:
    return {**_BUILTIN_SCOPES, **_read_id_names("rt_scopes")}


@functools.cache
def _realm_names() -> dict[int, str]:
    return {0: "unknown", **_read_id_names("rt_realms")}


@functools.cache
def _dsfield_names() -> dict[int, str]:
    return {0: "0", **_read_id_names("rt_dsfield")}


@functools.cache
def _ip_protocol_names() -> dict[int, str]:
    """IP protocol numbers from /etc/protocols, as getprotobynumber(3) would answer."""
    names: dict[int, str] = {}
    try:
        with open("/etc/protocols", encoding="utf-8", errors="replace") as handle:
            for line in handle:
                fields = line.split("#", 1)[0].split()
                if len(fields) >= 2 and fields[1].isdigit():
                    names.setdefault(int(fields[1]), fields[0])
    except OSError:
        pass
    return names


def table_name(table: int) -> str:
    """``local``/``main``/``default``, a name from rt_tables, or the number as text."""
    return _table_names().get(table) or str(table)


def protocol_name(protocol: int) -> str:
    """Name of a route protocol (who installed the route), or the number as text."""
    return _protocol_names().get(protocol) or str(protocol)


def scope_name(scope: int) -> str:
    """Name of a route scope (how far away the destination is), or the number as text."""
    return _scope_names().get(scope) or str(scope)


def type_name(route_type: int) -> str:
    """Name of a route type (unicast, local, blackhole, ...), or the number as text."""
    return _TYPE_NAMES.get(route_type) or str(route_type)


def _reverse_lookup(names: Mapping[int, str], text: str, what: str) -> int:
    for number, name in names.items():
        if name == text:
            return number
    try:
        return int(text, 0)
    except ValueError:
        raise ValueError(f"unknown {what} {text!r}") from None


TABLE_ID_MAX = 2**32 - 1
"""Table ids are 32-bit (RTA_TABLE); iproute2 refuses a larger one."""


def table_id(name: str | int) -> int:
    """The numeric id of a routing table given as a name (``main``) or number (``"52"``)."""
    number = name if isinstance(name, int) else _reverse_lookup(_table_names(), name, "table")
    if not 0 <= number <= TABLE_ID_MAX:
        raise ValueError(f"table id {number} is invalid (0 to {TABLE_ID_MAX})")
    return number


def _flag_names(flags: int, table: Sequence[tuple[int, str]]) -> list[str]:
    return [name for bit, name in table if flags & bit]


def _hex_text(value: int) -> str:
    """C's ``%#x``: ``0`` stays ``0``, everything else gets a ``0x`` prefix."""
    return f"{value:#x}" if value else "0"


def _dsfield_text(tos: int) -> str:
    return _dsfield_names().get(tos) or f"0x{tos:02x}"


def _realm_text(realm: int) -> str:
    return _realm_names().get(realm) or str(realm)


def _flow_json(value: int) -> dict[str, str]:
    source, destination = value >> 16, value & 0xFFFF
    flow = {"from": _realm_text(source)} if source else {}
    flow["to"] = _realm_text(destination)
    return flow


def _prefix_text(family: int, raw: bytes, length: int) -> str:
    address = socket.inet_ntop(family, raw)
    return address if length == _HOST_BITS[family] else f"{address}/{length}"


def _family_of(family: int | None) -> int:
    """Accept socket.AF_INET/AF_INET6, 4/6 or None (both)."""
    aliases = {None: socket.AF_UNSPEC, 4: socket.AF_INET, 6: socket.AF_INET6}
    resolved = aliases.get(family, family)
    if resolved not in (socket.AF_UNSPEC, socket.AF_INET, socket.AF_INET6):
        raise ValueError(f"family must be AF_INET, AF_INET6, 4, 6 or None, not {family!r}")
    return resolved


def _via_json(via_family: int, host: str) -> dict[str, str]:
    return {"family": _FAMILY_NAMES.get(via_family, str(via_family)), "host": host}

"""Read routes, policy rules, links and addresses straight from the kernel over rtnetlink.

Why this exists instead of pyroute2: pyroute2's generic message decoding builds a tree of
Python objects per route (measured ~10 s and ~500 MB for 100k routes, against 0.11 s for
``ip -j route show``). Hosts that carry full BGP tables or big overlay networks have that
many routes, and the wizard has to show them. Here a route dump is parsed with
:mod:`struct` while it streams in, and every route is packed into a fixed 50-byte record
in one ``bytearray``: a million routes cost ~50 MB, and nothing is decoded into Python
objects until somebody looks at that row.

What comes out mirrors iproute2, field for field, because that is what an operator
compares it with: :func:`to_iproute_json` and :func:`write_iproute_json` produce exactly
the keys and value formats of ``ip -j route show table all`` (and of ``ip -j route get``
for :func:`kernel_route_get`, of ``ip -j rule show`` for :func:`dump_rules`).

Not rendered (they are skipped, never misread): MPLS labels (``as to``), lightweight
tunnel encapsulation (``encap``), multicast forwarding cache entries and families other
than IPv4 / IPv6.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import functools
import glob
import json
import os
import socket
import struct
import threading
from array import array
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import IO, Any, NamedTuple

# --- netlink and rtnetlink constants (linux/netlink.h, linux/rtnetlink.h) -------------

NETLINK_ROUTE = 0
SOL_NETLINK = 270
NETLINK_CAP_ACK = 10
NETLINK_EXT_ACK = 11

NLMSG_ERROR = 2
NLMSG_DONE = 3
NLM_F_REQUEST = 0x1
NLM_F_DUMP_INTR = 0x10
NLM_F_DUMP = 0x300
NLM_F_CAPPED = 0x100
NLM_F_ACK_TLVS = 0x200
NLMSGERR_ATTR_MSG = 1

RTM_GETLINK = 18
RTM_GETADDR = 22
RTM_GETROUTE = 26
RTM_GETRULE = 34

RTA_DST = 1
RTA_SRC = 2
RTA_IIF = 3
RTA_OIF = 4
RTA_GATEWAY = 5
RTA_PRIORITY = 6
RTA_PREFSRC = 7
RTA_METRICS = 8
RTA_MULTIPATH = 9
RTA_FLOW = 11
RTA_CACHEINFO = 12
RTA_TABLE = 15
RTA_MARK = 16
RTA_VIA = 18
RTA_PREF = 20
RTA_UID = 25
RTA_TTL_PROPAGATE = 26
RTA_NH_ID = 30

RTN_UNICAST = 1

RT_TABLE_DEFAULT = 253
RT_TABLE_MAIN = 254
RT_TABLE_LOCAL = 255
RTPROT_KERNEL = 2
RTPROT_BOOT = 3
RTPROT_REDIRECT = 1
RT_SCOPE_UNIVERSE = 0

RTNH_F_DEAD = 0x1
RTNH_F_LINKDOWN = 0x10
RTM_F_CLONED = 0x200
RTM_F_LOOKUP_TABLE = 0x1000

IFLA_IFNAME = 3
IFA_ADDRESS = 1
IFA_LOCAL = 2
IFA_FLAGS = 8
IFA_F_DADFAILED = 0x08
IFA_F_TENTATIVE = 0x40

FRA_DST = 1
FRA_SRC = 2
FRA_IIFNAME = 3
FRA_GOTO = 4
FRA_PRIORITY = 6
FRA_FWMARK = 10
FRA_FLOW = 11
FRA_TUN_ID = 12
FRA_SUPPRESS_IFGROUP = 13
FRA_SUPPRESS_PREFIXLEN = 14
FRA_TABLE = 15
FRA_FWMASK = 16
FRA_OIFNAME = 17
FRA_L3MDEV = 19
FRA_UID_RANGE = 20
FRA_PROTOCOL = 21
FRA_IP_PROTO = 22
FRA_SPORT_RANGE = 23
FRA_DPORT_RANGE = 24

FR_ACT_TO_TBL = 1
FR_ACT_GOTO = 2
FR_ACT_NOP = 3
FIB_RULE_INVERT = 0x2
FIB_RULE_UNRESOLVED = 0x4
FIB_RULE_IIF_DETACHED = 0x8
FIB_RULE_OIF_DETACHED = 0x10

CLONE_NEWNET = 0x40000000
NETNS_RUN_DIR = "/run/netns"

_HOST_BITS = {socket.AF_INET: 32, socket.AF_INET6: 128}
_ADDR_BYTES = {socket.AF_INET: 4, socket.AF_INET6: 16}
_RECV_SIZE = 1 << 16  # the kernel never puts more than 32 KiB of a dump in one datagram

_NLMSGHDR = struct.Struct("=IHHII")
_RTMSG = struct.Struct("=BBBBBBBBI")
_RTATTR = struct.Struct("=HH")
_RTNEXTHOP = struct.Struct("=HBBi")
_IFINFOMSG = struct.Struct("=BxHiII")
_IFADDRMSG = struct.Struct("=BBBBI")
_CACHEINFO = struct.Struct("=IIiIIIII")
_U32 = struct.Struct("=I")
_U16_PAIR = struct.Struct("=HH")
_U32_PAIR = struct.Struct("=II")
_ZERO_8 = bytes(8)
_ZERO_12 = bytes(12)

# One route: family, dst_len, type, protocol, scope, pref, table, flags, metric (-1: none),
# oif, gateway and prefsrc (indexes into the interned address list, 0: none), destination
# (16 bytes, IPv4 left-aligned). Everything rarer lives in a per-row "extras" dict.
_RECORD = struct.Struct("=BBBBBBIIqIII16s")
_NO_PREF = 255

# --- exceptions ----------------------------------------------------------------------


class NetnsError(OSError):
    """A network namespace could not be entered; the message says why in plain words."""


class NetnsNotFoundError(NetnsError, FileNotFoundError):
    """The named network namespace does not exist (nothing at /run/netns/NAME)."""


class NetlinkError(OSError):
    """The kernel refused a netlink request; ``errno`` and the kernel's own text say why."""


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
_FAMILY_NAMES = {
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


def table_id(name: str | int) -> int:
    """The numeric id of a routing table given as a name (``main``) or number (``"52"``)."""
    return name if isinstance(name, int) else _reverse_lookup(_table_names(), name, "table")


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


# --- sockets and network namespaces --------------------------------------------------


@functools.lru_cache(maxsize=1)
def _libc() -> ctypes.CDLL:
    return ctypes.CDLL(None, use_errno=True)


def require_netns(netns: str) -> str:
    """The namespace's path, or NetnsNotFoundError saying it does not exist."""
    path = _netns_path(netns)
    if not os.path.exists(path):
        raise NetnsNotFoundError(
            errno.ENOENT,
            f"network namespace {netns!r} does not exist ({path} is missing; "
            "'ip netns list' shows the ones that do)",
            path,
        )
    return path


def _netns_path(netns: str) -> str:
    if "/" in netns:
        return netns
    if netns in ("", ".", ".."):
        raise NetnsNotFoundError(f"{netns!r} is not a network namespace name")
    return f"{NETNS_RUN_DIR}/{netns}"


def _new_route_socket() -> socket.socket:
    sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW | socket.SOCK_CLOEXEC, NETLINK_ROUTE)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
        for option in (NETLINK_CAP_ACK, NETLINK_EXT_ACK):
            # Older kernels lack these: errors then come without the kernel's explanation.
            with contextlib.suppress(OSError):
                sock.setsockopt(SOL_NETLINK, option, 1)
        sock.bind((0, 0))
    except BaseException:
        sock.close()
        raise
    return sock


def _setns_error(netns: str, path: str, code: int) -> NetnsError:
    if code == errno.EPERM:
        return NetnsError(
            code, f"entering network namespace {netns!r} needs root (CAP_SYS_ADMIN)", path
        )
    if code == errno.EINVAL:
        return NetnsError(
            code, f"{path} is not a network namespace (a stale file left by 'ip netns'?)", path
        )
    return NetnsError(code, f"cannot enter network namespace {netns!r}: {os.strerror(code)}")


def _socket_in_netns(netns: str) -> socket.socket:
    """Create the socket on a short-lived thread that has joined ``netns``.

    setns(2) changes only the calling thread's namespace, and a socket stays in the
    namespace it was created in, so the caller's threads never leave their own namespace.
    Python 3.11 has no ``os.setns``, hence ctypes.
    """
    path = require_netns(netns)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except PermissionError:
        raise NetnsError(errno.EACCES, f"no permission to open {path}; run as root", path) from None
    outcome: dict[str, Any] = {}

    def enter_and_create() -> None:
        if _libc().setns(fd, CLONE_NEWNET) != 0:
            outcome["error"] = _setns_error(netns, path, ctypes.get_errno())
            return
        try:
            outcome["socket"] = _new_route_socket()
        except OSError as error:
            outcome["error"] = error

    try:
        worker = threading.Thread(target=enter_and_create, name=f"netns-{netns}", daemon=True)
        worker.start()
        worker.join()
    finally:
        os.close(fd)
    if "error" in outcome:
        raise outcome["error"]
    return outcome["socket"]


def open_route_socket(netns: str | None = None) -> socket.socket:
    """A bound NETLINK_ROUTE socket, inside ``netns`` (a name under /run/netns or a path).

    Raises :class:`NetnsNotFoundError` when the namespace does not exist and
    :class:`NetnsError` when it cannot be entered.
    """
    return _new_route_socket() if netns is None else _socket_in_netns(netns)


class _Session:
    """One netlink socket plus a sequence counter; a context manager that closes it."""

    def __init__(self, netns: str | None) -> None:
        self.sock = open_route_socket(netns)
        self.seq = 0

    def __enter__(self) -> _Session:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.sock.close()

    def send(self, msg_type: int, flags: int, body: bytes) -> int:
        self.seq += 1
        header = _NLMSGHDR.pack(_NLMSGHDR.size + len(body), msg_type, flags, self.seq, 0)
        self.sock.send(header + body)
        return self.seq

    def dump(self, msg_type: int, body: bytes) -> _Dump:
        return _Dump(self, self.send(msg_type, NLM_F_REQUEST | NLM_F_DUMP, body))

    def request(self, msg_type: int, body: bytes) -> tuple[bytes, int, int]:
        """Send one request; return (buffer, payload start, payload end) of the answer."""
        seq = self.send(msg_type, NLM_F_REQUEST, body)
        while True:
            data = self.sock.recv(_RECV_SIZE)
            offset = 0
            while offset + _NLMSGHDR.size <= len(data):
                length, reply_type, _flags, reply_seq, _pid = _NLMSGHDR.unpack_from(data, offset)
                _check_length(length)
                if reply_seq == seq:
                    if reply_type == NLMSG_ERROR:
                        raise _netlink_error(data, offset, length)
                    return data, offset + _NLMSGHDR.size, offset + length
                offset += (length + 3) & ~3


def _check_length(length: int) -> None:
    if length < _NLMSGHDR.size:
        raise NetlinkError(errno.EBADMSG, f"malformed netlink message (length {length})")


def _extack_message(data: bytes, offset: int, length: int, flags: int) -> str:
    """The kernel's explanation (NLMSGERR_ATTR_MSG) after the echoed request, if any."""
    if not flags & NLM_F_ACK_TLVS:
        return ""
    echoed = offset + _NLMSGHDR.size + 4
    echoed_len = _NLMSGHDR.size if flags & NLM_F_CAPPED else _U32.unpack_from(data, echoed)[0]
    position, end = echoed + ((echoed_len + 3) & ~3), offset + length
    while position + 4 <= end:
        attr_len, attr_type = _RTATTR.unpack_from(data, position)
        if attr_len < 4:
            break
        if attr_type == NLMSGERR_ATTR_MSG:
            return data[position + 4:position + attr_len].split(b"\0", 1)[0].decode(
                errors="replace"
            )
        position += (attr_len + 3) & ~3
    return ""


def _netlink_error(data: bytes, offset: int, length: int) -> NetlinkError:
    flags = _NLMSGHDR.unpack_from(data, offset)[2]
    code = -struct.unpack_from("=i", data, offset + _NLMSGHDR.size)[0]
    detail = _extack_message(data, offset, length, flags)
    text = os.strerror(code) + (f": {detail}" if detail else "")
    return NetlinkError(code, text)


class _Dump:
    """The messages of one NLM_F_DUMP answer, yielded as (buffer, start, end) in place.

    ``interrupted`` turns true when the kernel flags NLM_F_DUMP_INTR: the table changed
    while it was being read, so the snapshot may mix before and after.
    """

    def __init__(self, session: _Session, seq: int) -> None:
        self.session = session
        self.seq = seq
        self.interrupted = False

    def __iter__(self) -> Iterator[tuple[bytes, int, int]]:
        recv, header, seq = self.session.sock.recv, _NLMSGHDR.unpack_from, self.seq
        while True:
            data = recv(_RECV_SIZE)
            offset, size = 0, len(data)
            while offset < size:
                length, msg_type, flags, msg_seq, _pid = header(data, offset)
                if length < 16:
                    _check_length(length)
                if msg_seq != seq:
                    offset += (length + 3) & ~3
                    continue
                if flags & NLM_F_DUMP_INTR:
                    self.interrupted = True
                if msg_type == NLMSG_DONE:
                    self._check_done(data, offset, length)
                    return
                if msg_type == NLMSG_ERROR:
                    raise _netlink_error(data, offset, length)
                yield data, offset + 16, offset + length
                offset += (length + 3) & ~3

    @staticmethod
    def _check_done(data: bytes, offset: int, length: int) -> None:
        if length >= _NLMSGHDR.size + 4:
            code = struct.unpack_from("=i", data, offset + _NLMSGHDR.size)[0]
            if code < 0:
                raise NetlinkError(-code, f"dump failed: {os.strerror(-code)}")


def _attributes(data: bytes, start: int, end: int) -> Iterator[tuple[int, int, int]]:
    """(type, payload start, payload end) of each attribute; nested flag bits stripped."""
    while start + 4 <= end:
        length, attr_type = _RTATTR.unpack_from(data, start)
        if length < 4:
            return
        yield attr_type & 0x3FFF, start + 4, start + length
        start += (length + 3) & ~3


def _family_of(family: int | None) -> int:
    """Accept socket.AF_INET/AF_INET6, 4/6 or None (both)."""
    aliases = {None: socket.AF_UNSPEC, 4: socket.AF_INET, 6: socket.AF_INET6}
    resolved = aliases.get(family, family)
    if resolved not in (socket.AF_UNSPEC, socket.AF_INET, socket.AF_INET6):
        raise ValueError(f"family must be AF_INET, AF_INET6, 4, 6 or None, not {family!r}")
    return resolved


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


# --- routes: the compact table -------------------------------------------------------


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

    index: int
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

    __slots__ = ("records", "addresses", "address_ids", "links", "extras", "interrupted")

    def __init__(self, links: dict[int, str]) -> None:
        self.records = bytearray()
        self.addresses: list[str | None] = [None]
        self.address_ids: dict[bytes, int] = {}
        self.links = links
        self.extras: dict[int, dict[str, Any]] = {}
        self.interrupted = False

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

    def record(self, row: int) -> tuple:
        return _RECORD.unpack_from(self.records, row * _RECORD.size)


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


def _via_json(via_family: int, host: str) -> dict[str, str]:
    return {"family": _FAMILY_NAMES.get(via_family, str(via_family)), "host": host}


def _parse_multipath(
    store: _RouteStore, data: bytes, start: int, end: int, family: int
) -> tuple[tuple, ...]:
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


def _append_route_messages(store: _RouteStore, messages: Iterable[tuple[bytes, int, int]]) -> None:
    """The hot loop: one pass over each message, common attributes inline, one pack.

    Every name used per message is a local, and only attributes that most routes carry
    are handled here; the rest go through :func:`_rare_attribute` into ``store.extras``.
    """
    rtmsg, rtattr, u32 = _RTMSG.unpack_from, _RTATTR.unpack_from, _U32.unpack_from
    pack, records, extras_by_row = _RECORD.pack, store.records, store.extras
    address_ids, intern = store.address_ids, store.intern_address
    inet, inet6, zero8, zero12 = socket.AF_INET, socket.AF_INET6, _ZERO_8, _ZERO_12
    row = len(store)
    for data, start, end in messages:
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


def _decode_nexthops(store: _RouteStore, hops: Iterable[tuple]) -> tuple[Nexthop, ...]:
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
     prefsrc, dst) = store.record(row)
    network = socket.inet_ntop(family, dst[:_ADDR_BYTES[family]])
    text = _dst_text(family, dst_len, dst)
    extras = store.extras.get(row)
    nexthops = ()
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
NETSTAT_COLUMNS = ("Destination", "Gateway", "Genmask", "Flags", "Metric", "Iface")

FLAG_LEGEND = {
    "U": "up: the route is usable (its next hop is not dead)",
    "G": "gateway: packets go to a next-hop router instead of straight onto the link",
    "H": "host: the destination is one address (/32 or /128), not a network",
    "D": "dynamic: created by an ICMP redirect (protocol 'redirect')",
    "M": "modified by an ICMP redirect; Linux does not report this over netlink, so "
    "it never shows here",
    "R": "reinstate: a BSD-era flag for routes a daemon re-adds; Linux never sets it",
    "!": "reject: packets are refused (unreachable, prohibit) or dropped (blackhole, throw)",
}


def _gateways_text(route: Route) -> str:
    if route.nexthops:
        return ", ".join(hop.gateway or "-" for hop in route.nexthops)
    return route.gateway or ""


def _devs_text(route: Route) -> str:
    if route.nexthops:
        return ", ".join(hop.dev or "-" for hop in route.nexthops)
    return route.dev or ""


def netstat_flags(route: Route) -> str:
    """``route -n`` style flags for the route; :data:`FLAG_LEGEND` explains each letter."""
    hops = route.nexthops
    dead = all(hop.flags & RTNH_F_DEAD for hop in hops) if hops else route.flags & RTNH_F_DEAD
    flags = "" if dead else "U"
    if (all(hop.gateway for hop in hops) if hops else route.gateway):
        flags += "G"
    if route.dst_len == _HOST_BITS[route.family]:
        flags += "H"
    if route.protocol == RTPROT_REDIRECT:
        flags += "D"
    if route.is_reject:
        flags += "!"
    return flags


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


def _netmask_text(route: Route) -> str:
    if route.family == socket.AF_INET6:
        return f"/{route.dst_len}"
    mask = (0xFFFFFFFF << (32 - route.dst_len)) & 0xFFFFFFFF
    return socket.inet_ntop(socket.AF_INET, mask.to_bytes(4, "big"))


def netstat_row(route: Route) -> tuple[str, ...]:
    """The route as cells under :data:`NETSTAT_COLUMNS`, the way ``route -n`` shows it.

    Reject routes show ``-`` for gateway and interface, like net-tools; IPv6 routes put
    ``/prefix`` in the Genmask column since IPv6 has no dotted mask.
    """
    unspecified = "0.0.0.0" if route.family == socket.AF_INET else "::"
    reject = route.is_reject
    return (
        route.dst_addr,
        "-" if reject else (_gateways_text(route) or unspecified),
        _netmask_text(route),
        netstat_flags(route),
        str(route.metric or 0),
        "-" if reject else (_devs_text(route) or "*"),
    )


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

    def __init__(self, store: _RouteStore, rows: array | None = None) -> None:
        self._store = store
        self._rows = rows

    # Sequence protocol ----------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._store) if self._rows is None else len(self._rows)

    def __getitem__(self, position):  # type: ignore[override]
        if isinstance(position, slice):
            return RouteTable(self._store, array("I", self._row_numbers()[position]))
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

    def _records(self) -> Iterator[tuple[int, tuple]]:
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

    def route_by_index(self, index: int) -> Route:
        """The route with dump index ``index`` (``Route.index``), whatever the view."""
        return _decode_route(self._store, index)

    def lookup_keys(self) -> Iterator[tuple[int, int, int, int, int, int]]:
        """(index, family, table, dst_len, network as int, metric or -1) per route.

        Just what a FIB index needs, without decoding routes: :mod:`wizard.network.lookup`
        builds its prefix index from this.
        """
        from_bytes, inet = int.from_bytes, socket.AF_INET
        for row, record in self._records():
            family, dst_len, table, metric, dst = (
                record[0], record[1], record[6], record[8], record[12]
            )
            network = from_bytes(dst[:4] if family == inet else dst, "big")
            yield row, family, table, dst_len, network, metric

    # Views ----------------------------------------------------------------------------

    def _view(self, rows: Iterable[int]) -> RouteTable:
        return RouteTable(self._store, array("I", rows))

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
        (filter the previous result again) gets faster with every keystroke.
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
        return self._view(
            row for row, record in self._records() if all(check(row, record) for check in checks)
        )

    @staticmethod
    def _family_check(family: int | None) -> Callable | None:
        if family is None:
            return None
        wanted = _family_of(family)
        return lambda _row, record: record[0] == wanted

    @staticmethod
    def _table_check(table: int | str | None) -> Callable | None:
        if table is None:
            return None
        wanted = table_id(table)
        return lambda _row, record: record[6] == wanted

    def _dev_check(self, dev: str | None) -> Callable | None:
        if dev is None:
            return None
        indexes = {index for index, name in self._store.links.items() if name == dev}
        extras = self._store.extras

        def uses_dev(row: int, record: tuple) -> bool:
            if record[9] in indexes:
                return True
            hops = extras.get(row, {}).get("nexthops", ())
            return any(hop[1] in indexes for hop in hops)

        return uses_dev

    @staticmethod
    def _prefix_check(prefix: str | None, inside: bool) -> Callable | None:
        if prefix is None:
            return None
        family, network, length = _parse_prefix(prefix)

        def check(_row: int, record: tuple) -> bool:
            route_family, route_len = record[0], record[1]
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

    def _text_check(self, text: str | None) -> Callable | None:
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

        def hit(row: int, record: tuple) -> bool:
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

    def _sort_key(self, key: str) -> Callable[[tuple], int]:
        """An int per record that orders like the column (ints keep 1M keys small)."""
        store = self._store
        if key in ("gateway", "prefsrc"):
            ranks, column = self._address_ranks(), 10 if key == "gateway" else 11
            return lambda record: ranks[record[column]]
        if key == "dev":
            names = sorted(set(store.links.values()))
            ranks = {index: names.index(name) + 1 for index, name in store.links.items()}
            return lambda record: ranks.get(record[9], 0)
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
        store = _RouteStore({})
        for route in routes:
            _append_iproute_dict(store, route)
        return cls(store)


# --- iproute2 dicts back into records ------------------------------------------------

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


def _dict_nexthops(store: _RouteStore, hops: Iterable[Mapping[str, Any]]) -> tuple[tuple, ...]:
    parsed = []
    for hop in hops:
        via = hop.get("via")
        gateway_text = via["host"] if via else hop.get("gateway")
        via_family = _via_family_id(via["family"]) if via else None
        flags = sum(_ROUTE_FLAG_IDS.get(name, 0) for name in hop.get("flags", ()))
        parsed.append((_address_id(store, gateway_text), _ifindex_for(store, hop.get("dev")),
                       int(hop.get("weight", 1)), flags, via_family, hop.get("flow")))
    return tuple(parsed)


def _append_iproute_dict(store: _RouteStore, route: Mapping[str, Any]) -> None:
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
    for row, record in routes._records():
        if row in extras:
            yield json.dumps(to_iproute_json(_decode_route(store, row)), separators=(",", ":"))
            continue
        (family, dst_len, rtype, protocol, scope, pref, table, flags, metric, oif, gateway,
         prefsrc, dst) = record
        if not dst_len:
            dst_text = "default"
        elif family == inet:
            dst_text = ntop(inet, dst[:4]) if dst_len == 32 else f"{ntop(inet, dst[:4])}/{dst_len}"
        else:
            dst_text = _dst_text(family, dst_len, dst)
        yield "".join((
            parts.head_part(rtype), dst_text, '"', parts.gateway_part(gateway),
            parts.dev_part(oif), parts.table_part(table),
            parts.middle_part(protocol, scope, flags), parts.prefsrc_part(prefsrc),
            f',"metric":{metric}' if metric >= 0 else "", parts.tail_part(flags, pref),
        ))


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


# --- route get -----------------------------------------------------------------------

# What the kernel's errno means for a lookup, as route types (fib_props[] in the kernel).
_ERRNO_TYPES = {
    errno.EINVAL: "blackhole",
    errno.EHOSTUNREACH: "unreachable",
    errno.ENETUNREACH: "unreachable",
    errno.EACCES: "prohibit",
}


def lookup_error_result(code: int, dst: str, src: str | None = None) -> dict[str, Any]:
    """The answer for a lookup that ended in a reject: type and the kernel's error text."""
    result: dict[str, Any] = {"type": _ERRNO_TYPES[code], "dst": dst}
    if src is not None:
        result["from"] = src
    result["error"] = os.strerror(code)
    return result


def _route_get_request(dst: str, src: str | None) -> bytes:
    family = socket.AF_INET6 if ":" in dst else socket.AF_INET
    bits = _HOST_BITS[family]
    attributes = _attribute(RTA_DST, socket.inet_pton(family, dst))
    src_len = 0
    if src is not None:
        attributes += _attribute(RTA_SRC, socket.inet_pton(family, src))
        src_len = bits
    flags = RTM_F_LOOKUP_TABLE if family == socket.AF_INET else 0
    return _RTMSG.pack(family, bits, src_len, 0, 0, 0, 0, 0, flags) + attributes


def _attribute(attr_type: int, payload: bytes) -> bytes:
    length = 4 + len(payload)
    return _RTATTR.pack(length, attr_type) + payload + bytes((4 - length % 4) % 4)


def kernel_route_get(dst: str, src: str | None = None, netns: str | None = None) -> dict[str, Any]:
    """Ask the kernel which route it would use for ``dst`` (``ip -j route get DST [from SRC]``).

    The answer has ``ip -j route get``'s keys (dst, gateway, dev, prefsrc, table, type,
    flags, uid, cache...). A lookup ending in blackhole / unreachable / prohibit (or no
    route at all) is an answer too: ``{"type": ..., "dst": ..., "error": "No route to
    host"}``, never an exception. Raises :class:`NetlinkError` for other refusals.
    """
    with _Session(netns) as session:
        links = _read_links(session)
        try:
            data, start, end = session.request(RTM_GETROUTE, _route_get_request(dst, src))
        except NetlinkError as error:
            if error.errno in _ERRNO_TYPES:
                return lookup_error_result(error.errno, dst, src)
            raise
    store = _RouteStore(links)
    _append_route_messages(store, [(data, start, end)])
    return to_iproute_json(_decode_route(store, 0))


# --- policy rules --------------------------------------------------------------------


class RuleEntry(dict):
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

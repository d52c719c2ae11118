"""Every link with what the Network screen and the checks show of it, over our own netlink.

Why not pyroute2 here: importing it costs a check run a fifth of a second, as much as
decoding 30,000 routes. One session, one link dump and one address dump; the fields are
those pyroute2's ``get_links()`` / ``get_addr()`` gave the callers (operstate names,
``aa:bb:...`` hardware addresses, IFA_ADDRESS as the address).
"""

from __future__ import annotations

import socket
from dataclasses import dataclass

from wizard.network.rtnetlink.constants import (
    _IFADDRMSG,
    _IFINFOMSG,
    _U32,
    IFA_ADDRESS,
    IFLA_IFNAME,
    RTM_GETADDR,
    RTM_GETLINK,
)
from wizard.network.rtnetlink.decode import _attributes
from wizard.network.rtnetlink.netns_socket import _Session

IFLA_ADDRESS, IFLA_MTU, IFLA_MASTER, IFLA_OPERSTATE, IFLA_LINKINFO = 1, 4, 10, 16, 18
IFLA_INFO_KIND = 1
IFF_LOOPBACK = 0x8
_OPERSTATES = ("UNKNOWN", "NOTPRESENT", "DOWN", "LOWERLAYERDOWN", "TESTING", "DORMANT", "UP")


@dataclass(frozen=True)
class RawLink:
    index: int
    name: str | None
    kind: str | None  # IFLA_INFO_KIND: "veth", "bridge", ... (None for a plain device)
    loopback: bool
    mac: str
    mtu: int
    state: str
    master: int  # the ifindex of the bridge or bond it is a port of, 0 for none


@dataclass(frozen=True)
class RawAddress:
    index: int
    family: int
    address: str | None
    prefixlen: int
    scope: int


def _text(data: bytes, start: int, end: int) -> str:
    return data[start:end].split(b"\0", 1)[0].decode(errors="replace")


def _link(data: bytes, start: int, end: int) -> RawLink:
    _family, _type, index, flags, _change = _IFINFOMSG.unpack_from(data, start)
    name = kind = None
    mac, mtu, state, master = "", 0, "UNKNOWN", 0
    for attr_type, value, value_end in _attributes(data, start + _IFINFOMSG.size, end):
        if attr_type == IFLA_IFNAME:
            name = _text(data, value, value_end)
        elif attr_type == IFLA_ADDRESS:
            mac = ":".join(f"{byte:02x}" for byte in data[value:value_end])
        elif attr_type == IFLA_MTU:
            mtu = _U32.unpack_from(data, value)[0]
        elif attr_type == IFLA_MASTER:
            master = _U32.unpack_from(data, value)[0]
        elif attr_type == IFLA_OPERSTATE:
            code = data[value]
            state = _OPERSTATES[code] if code < len(_OPERSTATES) else str(code)
        elif attr_type == IFLA_LINKINFO:
            for info_type, info, info_end in _attributes(data, value, value_end):
                if info_type == IFLA_INFO_KIND:
                    kind = _text(data, info, info_end)
    return RawLink(index, name, kind, bool(flags & IFF_LOOPBACK), mac, mtu, state, master)


def _address(data: bytes, start: int, end: int) -> RawAddress:
    family, prefixlen, _flags, scope, index = _IFADDRMSG.unpack_from(data, start)
    address = None
    for attr_type, value, value_end in _attributes(data, start + _IFADDRMSG.size, end):
        if attr_type == IFA_ADDRESS and family in (socket.AF_INET, socket.AF_INET6):
            address = socket.inet_ntop(family, data[value:value_end])
    return RawAddress(index, family, address, prefixlen, scope)


def dump_links_and_addresses(netns: str | None = None
                             ) -> tuple[list[RawLink], list[RawAddress]]:
    """Links in the kernel's order, and every address (IPv4, then IPv6)."""
    with _Session(netns) as session:
        links = [_link(*message) for message in session.dump(
            RTM_GETLINK, _IFINFOMSG.pack(socket.AF_UNSPEC, 0, 0, 0, 0))]
        addresses = [_address(*message) for message in session.dump(
            RTM_GETADDR, _IFADDRMSG.pack(0, 0, 0, 0, 0))]
    return links, [a for a in addresses if a.family in (socket.AF_INET, socket.AF_INET6)]

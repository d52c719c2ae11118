"""``ip route get``: ask the kernel which route it would pick for an address."""

from __future__ import annotations

import errno
import os
import socket
from collections.abc import Iterable, Iterator
from typing import Any

from wizard.network.rtnetlink.constants import (
    _HOST_BITS,
    _RTATTR,
    _RTMSG,
    RTA_DST,
    RTA_SRC,
    RTM_F_LOOKUP_TABLE,
    RTM_GETROUTE,
)
from wizard.network.rtnetlink.decode import _append_route_messages, _read_links
from wizard.network.rtnetlink.iproute_format import to_iproute_json
from wizard.network.rtnetlink.netns_socket import NetlinkError, _Session
from wizard.network.rtnetlink.route_table import _decode_route, _RouteStore

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
    return kernel_route_get_many([dst], src, netns)[0]


def kernel_route_get_many(
    dsts: Iterable[str], src: str | None = None, netns: str | None = None
) -> list[dict[str, Any]]:
    """:func:`kernel_route_get` for each address, in order, over one netlink session.

    Entering a namespace costs a thread and a setns(2), and naming the devices costs a
    link dump; a command asking about many addresses pays both once instead of per
    address, and sends its requests in batches (one send(2) each). The links are those
    of the moment the session opened. Every request is built before the session opens,
    so a malformed address fails before anything is sent.
    """
    dsts = list(dsts)
    requests = [_route_get_request(dst, src) for dst in dsts]
    with _Session(netns) as session:
        links = _read_links(session)
        replies = session.request_many(RTM_GETROUTE, requests)
    # One store for every answer, so the message shapes are learnt once, not per answer.
    store = _RouteStore(links)
    found = [reply for reply in replies if not isinstance(reply, NetlinkError)]
    _append_route_messages(store, found)
    if len(store) != len(found):  # the kernel answers a lookup in the family it was asked
        raise NetlinkError(errno.EPROTO, "a route get answer of an unknown address family")
    rows = iter(range(len(found)))
    return [_route_get_answer(store, rows, dst, src, reply)
            for dst, reply in zip(dsts, replies, strict=True)]


def _route_get_answer(store: _RouteStore, rows: Iterator[int], dst: str, src: str | None,
                      reply: tuple[bytes, int, int] | NetlinkError) -> dict[str, Any]:
    if isinstance(reply, NetlinkError):
        if reply.errno in _ERRNO_TYPES:
            return lookup_error_result(reply.errno, dst, src)
        raise reply
    return to_iproute_json(_decode_route(store, next(rows)))

"""``ip route get``: ask the kernel which route it would pick for an address."""

from __future__ import annotations

import errno
import os
import socket
from collections.abc import Iterable, Iterator
from typing import Any, cast

from wizard.network.rtnetlink.constants import (
    _HOST_BITS,
    _RTATTR,
    _RTMSG,
    RTA_DST,
    RTA_SRC,
    RTM_F_LOOKUP_TABLE,
    RTM_GETROUTE,
    RTN_LOCAL,
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


def lookup_error_result(code: int, dst: str, src: str | None = None, *,
                        source_refused: bool = False) -> dict[str, Any]:
    """The answer for a lookup that ended in a reject: type and the kernel's error text.

    With ``source_refused`` the kernel turned the source down (an address this host does
    not have, or one no packet may leave with, such as loopback out of another device):
    the errno is the same as a blackhole's or an unreachable route's, so the answer
    carries ``"cause": "source"`` and no route type.
    """
    result: dict[str, Any] = {"dst": dst} if source_refused else {
        "type": _ERRNO_TYPES[code], "dst": dst}
    if src is not None:
        result["from"] = src
    result["error"] = os.strerror(code)
    if source_refused:
        result["cause"] = "source"
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
        refused = _refused_for_the_source(session, dsts, src, replies)
    # One store for every answer, so the message shapes are learnt once, not per answer.
    store = _RouteStore(links)
    found = [reply for reply in replies if not isinstance(reply, NetlinkError)]
    _append_route_messages(store, found)
    if len(store) != len(found):  # the kernel answers a lookup in the family it was asked
        raise NetlinkError(errno.EPROTO, "a route get answer of an unknown address family")
    rows = iter(range(len(found)))
    return [_route_get_answer(store, rows, dst, src, reply, index in refused)
            for index, (dst, reply) in enumerate(zip(dsts, replies, strict=True))]


_SOURCE_ERRNOS = (errno.EINVAL, errno.ENETUNREACH)
"""What the kernel answers for a source it refuses (ip_route_output_key_hash_rcu(): a
multicast, broadcast, zero-net or misplaced loopback source is EINVAL, one this host does
not have ENETUNREACH): also what a blackhole or a missing route answers."""


def _refused_for_the_source(session: _Session, dsts: list[str], src: str | None,
                            replies: list[tuple[bytes, int, int] | NetlinkError]) -> set[int]:
    """The lookups the source made fail: the kernel's errno cannot tell a refused source
    from a blackhole, so each is asked again without it; where the answer is another, the
    source was the cause. Where it is the same "no route", the source is checked first
    all the same: it was the cause unless the kernel calls it a local address."""
    if src is None:
        return set()
    failed = [index for index, reply in enumerate(replies)
              if isinstance(reply, NetlinkError) and reply.errno in _SOURCE_ERRNOS]
    if not failed:
        return set()
    without_source = [_route_get_request(dsts[index], None) for index in failed]
    again = session.request_many(RTM_GETROUTE, [*without_source, _route_get_request(src, None)])
    source_answer = again.pop()  # the last request: the source address itself
    # Only IPv4 refuses a source this host does not have (__ip_dev_find()); IPv6 does not.
    foreign_source = ":" not in src and not _is_local_answer(source_answer)
    refused = set()
    for index, reply in zip(failed, again, strict=True):
        first = cast(NetlinkError, replies[index]).errno
        same = isinstance(reply, NetlinkError) and reply.errno == first
        if not same or (first == errno.ENETUNREACH and foreign_source):
            refused.add(index)
    return refused


def _is_local_answer(reply: tuple[bytes, int, int] | NetlinkError) -> bool:
    """Whether a route get answer is a route of type local: the address is this host's."""
    if isinstance(reply, NetlinkError):
        return False
    data, start, _end = reply
    route_type: int = _RTMSG.unpack_from(data, start)[7]
    return route_type == RTN_LOCAL


def _route_get_answer(store: _RouteStore, rows: Iterator[int], dst: str, src: str | None,
                      reply: tuple[bytes, int, int] | NetlinkError,
                      source_refused: bool) -> dict[str, Any]:
    if isinstance(reply, NetlinkError):
        if reply.errno in _ERRNO_TYPES:
            return lookup_error_result(reply.errno, dst, src, source_refused=source_refused)
        raise reply
    return to_iproute_json(_decode_route(store, next(rows)))

"""Tell a waiting thread when the routes, rules, links or addresses of a namespace change.

Why: the routing table on screen must follow the kernel (a DHCP renewal, a VPN coming up, a
route the operator adds in another terminal) without polling a dump that can hold a million
routes. The kernel multicasts every change to the rtnetlink groups subscribed here. Route
messages carry the whole route, so they are kept (:meth:`NetlinkMonitor.take_route_messages`)
for :mod:`wizard.network.route_changes` to apply to the loaded table; for the other kinds
the monitor only notices, and the caller re-reads.

Changes come in bursts (``ip -batch`` adding 100,000 routes, an interface going down and
taking its routes along), so :meth:`NetlinkMonitor.wait_for_change` gathers everything that
arrives until the socket has been quiet for a moment, and returns which kinds of object
changed. If the burst outruns the socket buffer the kernel drops messages and says so
(ENOBUFS); that is reported as "everything changed", which is exactly what a reload handles,
and the route messages kept so far are dropped (some are missing).
"""

from __future__ import annotations

import errno
import select
import socket
import struct
import time
from types import TracebackType

from wizard.network.route_changes import RouteMessage
from wizard.network.rtnetlink.constants import SOL_NETLINK
from wizard.network.rtnetlink.netns_socket import open_route_socket

# linux/rtnetlink.h: enum rtnetlink_groups
RTNLGRP_LINK = 1
RTNLGRP_IPV4_IFADDR = 5
RTNLGRP_IPV4_ROUTE = 7
RTNLGRP_IPV4_RULE = 8
RTNLGRP_IPV6_IFADDR = 9
RTNLGRP_IPV6_ROUTE = 11
RTNLGRP_IPV6_RULE = 19
GROUPS = (RTNLGRP_IPV4_ROUTE, RTNLGRP_IPV6_ROUTE, RTNLGRP_IPV4_RULE, RTNLGRP_IPV6_RULE,
          RTNLGRP_LINK, RTNLGRP_IPV4_IFADDR, RTNLGRP_IPV6_IFADDR)
NETLINK_ADD_MEMBERSHIP = 1
SO_RCVBUFFORCE = 33  # asm-generic/socket.h; the socket module does not name it

ROUTES, RULES, LINKS, ADDRESSES = "routes", "rules", "links", "addresses"
EVERYTHING = frozenset({ROUTES, RULES, LINKS, ADDRESSES})

# RTM_NEW*/RTM_DEL* message types and the kind of object they are about.
_KINDS = {16: LINKS, 17: LINKS, 20: ADDRESSES, 21: ADDRESSES, 24: ROUTES, 25: ROUTES,
          32: RULES, 33: RULES}
_HEADER = struct.Struct("=IHHII")
_BUFFER_SIZE = 1 << 16
_SOCKET_BUFFER = 4 << 20  # room for a burst of a few tens of thousands of route messages
MAX_KEPT_MESSAGES = 100_000
"""More route messages than this between two takes are dropped: a reload is cheaper."""
_ROUTE_MESSAGES = (24, 25)  # RTM_NEWROUTE, RTM_DELROUTE


class NetlinkMonitor:
    """A subscription to a namespace's rtnetlink change notifications.

    Use it from one thread: ``with NetlinkMonitor(netns) as monitor: while ...:
    changed = monitor.wait_for_change(0.25)``. A short timeout lets the thread notice it
    should stop; an empty answer means nothing changed in that time.
    """

    def __init__(self, netns: str | None = None, *, quiet: float = 0.05,
                 max_delay: float = 0.5) -> None:
        """``quiet``: how long the socket must stay silent to end a burst; ``max_delay``:
        the longest a continuous stream of changes is held back before it is reported."""
        self.quiet = quiet
        self.max_delay = max_delay
        self._sock = open_route_socket(netns)
        try:
            try:  # as root, beyond net.core.rmem_max; otherwise as much as allowed
                self._sock.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, _SOCKET_BUFFER)
            except OSError:
                self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, _SOCKET_BUFFER)
            for group in GROUPS:
                self._sock.setsockopt(SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, group)
            self._sock.setblocking(False)
        except BaseException:
            self._sock.close()
            raise
        self._buffer = bytearray(_BUFFER_SIZE)
        self._routes: list[RouteMessage] | None = []

    def __enter__(self) -> NetlinkMonitor:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        self._sock.close()

    def wait_for_change(self, timeout: float) -> frozenset[str]:
        """Block up to ``timeout`` seconds for a change; return the kinds that changed
        (:data:`ROUTES`, :data:`RULES`, :data:`LINKS`, :data:`ADDRESSES`), empty if none.

        A burst is gathered until the socket is quiet for ``quiet`` seconds (or
        ``max_delay`` has passed since it began), so a thousand changes make one answer.
        """
        if not self._readable(timeout):
            return frozenset()
        changed: set[str] = set()
        deadline = time.monotonic() + self.max_delay
        while True:
            self._drain(changed)
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not self._readable(min(self.quiet, remaining)):
                return frozenset(changed)

    def take_route_messages(self) -> list[RouteMessage] | None:
        """The route messages received since the last take, in the kernel's order; None
        when some were lost (ENOBUFS) or there were too many to keep: then only a fresh
        dump tells what the tables hold."""
        routes, self._routes = self._routes, []
        return routes

    def _readable(self, timeout: float) -> bool:
        return bool(select.select([self._sock], [], [], max(timeout, 0))[0])

    def _drain(self, changed: set[str]) -> None:
        """Read every queued datagram, noting the kinds of the messages in it."""
        while True:
            try:
                size = self._sock.recv_into(self._buffer)
            except BlockingIOError:
                return
            except OSError as error:
                if error.errno != errno.ENOBUFS:
                    raise
                changed.update(EVERYTHING)  # messages were lost: assume anything changed
                self._routes = None
                continue
            offset = 0
            while offset + _HEADER.size <= size:
                length, msg_type, flags = _HEADER.unpack_from(self._buffer, offset)[:3]
                kind = _KINDS.get(msg_type)
                if kind is not None:
                    changed.add(kind)
                if length < _HEADER.size:
                    break
                if msg_type in _ROUTE_MESSAGES and self._routes is not None:
                    if len(self._routes) < MAX_KEPT_MESSAGES:
                        self._routes.append(RouteMessage(
                            msg_type, flags,
                            bytes(self._buffer[offset + _HEADER.size:offset + length])))
                    else:
                        self._routes = None
                offset += (length + 3) & ~3

"""The netlink socket, the namespace it lives in, and request/dump framing.

Everything that touches a file descriptor is here, so the decoders stay pure functions
of bytes and can be fed a recorded answer as well as a live one.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import functools
import os
import socket
import struct
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

from wizard.network.rtnetlink.constants import (
    _NLMSGHDR,
    _RECV_SIZE,
    _RTATTR,
    _U32,
    CLONE_NEWNET,
    NETLINK_CAP_ACK,
    NETLINK_EXT_ACK,
    NETLINK_ROUTE,
    NETNS_RUN_DIR,
    NLM_F_ACK_TLVS,
    NLM_F_CAPPED,
    NLM_F_DUMP,
    NLM_F_DUMP_INTR,
    NLM_F_REQUEST,
    NLMSG_DONE,
    NLMSG_ERROR,
    NLMSGERR_ATTR_MSG,
    SOL_NETLINK,
)

T = TypeVar("T")

# --- exceptions ----------------------------------------------------------------------


class NetnsError(OSError):
    """A network namespace could not be entered; the message says why in plain words."""


class NetnsNotFoundError(NetnsError, FileNotFoundError):
    """The named network namespace does not exist (nothing at /run/netns/NAME)."""


class NetlinkError(OSError):
    """The kernel refused a netlink request; ``errno`` and the kernel's own text say why."""


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


def run_in_netns(netns: str, action: Callable[[], T]) -> T:
    """``action()`` on a short-lived thread that has joined ``netns``; its result or error.

    setns(2) changes only the calling thread's namespace, and a socket stays in the
    namespace it was created in, so the caller's threads never leave their own namespace:
    a socket made here (netlink, or a TCP probe's) keeps working from any thread. Python
    3.11 has no ``os.setns``, hence ctypes.
    """
    path = require_netns(netns)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except PermissionError:
        raise NetnsError(errno.EACCES, f"no permission to open {path}; run as root", path) from None
    outcome: dict[str, Any] = {}

    def enter_and_act() -> None:
        if _libc().setns(fd, CLONE_NEWNET) != 0:
            outcome["error"] = _setns_error(netns, path, ctypes.get_errno())
            return
        try:
            outcome["result"] = action()
        except Exception as error:  # handed to the caller's thread as it is
            outcome["error"] = error

    try:
        worker = threading.Thread(target=enter_and_act, name=f"netns-{netns}", daemon=True)
        worker.start()
        worker.join()
    finally:
        os.close(fd)
    if "error" in outcome:
        raise outcome["error"]
    result: T = outcome["result"]
    return result


def open_route_socket(netns: str | None = None) -> socket.socket:
    """A bound NETLINK_ROUTE socket, inside ``netns`` (a name under /run/netns or a path).

    Raises :class:`NetnsNotFoundError` when the namespace does not exist and
    :class:`NetnsError` when it cannot be entered.
    """
    return _new_route_socket() if netns is None else run_in_netns(netns, _new_route_socket)


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


    def request_many(self, msg_type: int, bodies: Sequence[bytes], batch: int = 128
                     ) -> list[tuple[bytes, int, int] | NetlinkError]:
        """:meth:`request` for each body, in order, ``batch`` requests per send(2).

        The kernel answers the messages of one datagram one by one into the receive
        queue, so a batch costs one system call out instead of one each; batches stay
        small enough that their answers fit the socket's receive buffer. A refused
        request is returned as its :class:`NetlinkError`, in its place.
        """
        answers: list[tuple[bytes, int, int] | NetlinkError] = []
        for first in range(0, len(bodies), batch):
            chunk = bodies[first:first + batch]
            base = self.seq + 1
            self.sock.send(b"".join(
                _NLMSGHDR.pack(_NLMSGHDR.size + len(body), msg_type, NLM_F_REQUEST, base + n, 0)
                + body for n, body in enumerate(chunk)))
            self.seq += len(chunk)
            found: dict[int, tuple[bytes, int, int] | NetlinkError] = {}
            while len(found) < len(chunk):
                data = self.sock.recv(_RECV_SIZE)
                offset = 0
                while offset + _NLMSGHDR.size <= len(data):
                    length, reply_type, _flags, reply_seq, _pid = _NLMSGHDR.unpack_from(
                        data, offset)
                    _check_length(length)
                    if base <= reply_seq < base + len(chunk):
                        found[reply_seq] = (_netlink_error(data, offset, length)
                                            if reply_type == NLMSG_ERROR else
                                            (data, offset + _NLMSGHDR.size, offset + length))
                    offset += (length + 3) & ~3
            answers += [found[base + n] for n in range(len(chunk))]
        return answers


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

"""Which TCP ports are already taken, and by which process (kubeadm only says "in use")."""

from __future__ import annotations

import errno
import os
import socket
import time
from dataclasses import dataclass

_PROC_NET_TCP = ("/proc/net/tcp", "/proc/net/tcp6")
_TCP_LISTEN = "0A"


@dataclass(frozen=True)
class ListeningPort:
    port: int
    address: str
    pid: int | None
    process: str

    def describe(self) -> str:
        owner = f"{self.process} (pid {self.pid})" if self.pid else self.process or "unknown"
        return f"{self.address}:{self.port} held by {owner}"


def live_listening_ports() -> list[ListeningPort]:
    """TCP listeners on the running machine, with the owning process where we may see it.

    psutil names the owner. The copy of the wizard that `cluster check` sends to a node
    carries no compiled modules, so without psutil the kernel's /proc/net/tcp tables give the
    ports (without their owners) instead.
    """
    try:
        import psutil
    except ImportError:
        return _proc_listening_ports()

    found: list[ListeningPort] = []
    for conn in psutil.net_connections(kind="tcp"):
        if conn.status != psutil.CONN_LISTEN or not conn.laddr:
            continue
        name = ""
        if conn.pid:
            try:
                name = psutil.Process(conn.pid).name()
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                name = ""
        found.append(ListeningPort(conn.laddr.port, conn.laddr.ip, conn.pid, name))
    return found


def _proc_listening_ports() -> list[ListeningPort]:
    found: list[ListeningPort] = []
    for table in _PROC_NET_TCP:
        try:
            with open(table, encoding="ascii") as handle:
                rows = handle.read().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            fields = row.split()
            if len(fields) < 4 or fields[3] != _TCP_LISTEN:
                continue
            hex_address, _, hex_port = fields[1].partition(":")
            found.append(ListeningPort(int(hex_port, 16), _proc_address(hex_address), None, ""))
    return found


def _proc_address(hex_address: str) -> str:
    """/proc/net/tcp writes addresses as host-order 32-bit words in hex."""
    raw = bytes.fromhex(hex_address)
    words = b"".join(raw[i:i + 4][::-1] for i in range(0, len(raw), 4))
    family = socket.AF_INET if len(words) == 4 else socket.AF_INET6
    return socket.inet_ntop(family, words)


@dataclass(frozen=True)
class TcpProbe:
    """One TCP connection attempt: whether it was accepted, and the kernel's reason if not."""

    address: str
    port: int
    ok: bool
    reason: str
    seconds: float

    def to_json(self) -> dict[str, object]:
        return {"address": self.address, "port": self.port, "ok": self.ok,
                "reason": self.reason, "seconds": round(self.seconds, 3)}


def tcp_probe(address: str, port: int, *, timeout: float = 3.0) -> TcpProbe:
    """Connect and close at once; "connection refused" means the host answered but nothing
    listens, a timeout means the packets got no answer (a firewall, a wrong route)."""
    start = time.monotonic()
    try:
        with socket.create_connection((address, port), timeout=timeout):
            reason = "connected"
            ok = True
    except TimeoutError:
        ok, reason = False, f"no answer within {timeout:g} s"
    except OSError as error:
        ok = False
        code = error.errno
        reason = (os.strerror(code) if code else str(error)).lower()
        if code == errno.ECONNREFUSED:
            reason = "connection refused (the host answered, nothing listens on the port)"
    return TcpProbe(address, port, ok, reason, time.monotonic() - start)

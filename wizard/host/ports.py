"""Which TCP ports are already taken, and by which process (kubeadm only says "in use")."""

from __future__ import annotations

import errno
import os
import socket
import time
from dataclasses import dataclass

_PROC_NET_TCP = ("tcp", "tcp6")
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


def live_listening_ports(netns: str | None = None) -> list[ListeningPort]:
    """TCP listeners on the running machine (or in ``netns``), with the owning process where
    we may see it.

    psutil names the owners in the wizard's own namespace. Another namespace's tables are
    read on a thread that has joined it, through /proc/thread-self (/proc/net is the main
    thread's, and psutil reads that). The copy of the wizard that `cluster check` sends to a
    node carries no compiled modules, so without psutil the same tables give the ports there.
    """
    if netns is not None:
        from wizard.network.rtnetlink.netns_socket import run_in_netns

        return run_in_netns(netns, lambda: _listening_ports("/proc/thread-self/net"))
    try:
        import psutil
    except ImportError:
        return _listening_ports("/proc/self/net")

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


def _listening_ports(net_dir: str) -> list[ListeningPort]:
    listeners: list[tuple[int, str, str]] = []
    for table in _PROC_NET_TCP:
        try:
            with open(f"{net_dir}/{table}", encoding="ascii") as handle:
                rows = handle.read().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            fields = row.split()
            if len(fields) < 10 or fields[3] != _TCP_LISTEN:
                continue
            hex_address, _, hex_port = fields[1].partition(":")
            listeners.append((int(hex_port, 16), _proc_address(hex_address), fields[9]))
    owners = _socket_owners({inode for *_, inode in listeners})
    found = []
    for port, address, inode in listeners:
        pid, name = owners.get(inode, (None, ""))
        found.append(ListeningPort(port, address, pid, name))
    return found


def _socket_owners(inodes: set[str]) -> dict[str, tuple[int, str]]:
    """Socket inode -> (pid, process name), from the processes' open file descriptors (as
    psutil and ss find them); processes we may not look into leave their sockets ownerless."""
    owners: dict[str, tuple[int, str]] = {}
    wanted = {f"socket:[{inode}]": inode for inode in inodes}
    for entry in os.scandir("/proc"):
        if not wanted or not entry.name.isdigit():
            continue
        try:
            descriptors = os.listdir(f"/proc/{entry.name}/fd")
            for fd in descriptors:
                inode = wanted.pop(os.readlink(f"/proc/{entry.name}/fd/{fd}"), None)
                if inode is not None:
                    owners[inode] = (int(entry.name), _process_name(entry.name))
        except OSError:  # gone meanwhile, or not ours to see
            continue
    return owners


def _process_name(pid: str) -> str:
    try:
        with open(f"/proc/{pid}/comm", encoding="utf-8", errors="replace") as handle:
            return handle.read().strip()
    except OSError:
        return ""


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


def tcp_probe(address: str, port: int, *, timeout: float = 3.0,
              netns: str | None = None) -> TcpProbe:
    """Connect and close at once; "connection refused" means the host answered but nothing
    listens, a timeout means the packets got no answer (a firewall, a wrong route).

    With ``netns`` the connection leaves from that namespace, as the node's would.
    """
    if netns is not None:
        from wizard.network.rtnetlink.netns_socket import run_in_netns

        return run_in_netns(netns, lambda: tcp_probe(address, port, timeout=timeout))
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

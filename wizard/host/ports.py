"""Which TCP ports are already taken, and by which process (kubeadm only says "in use")."""

from __future__ import annotations

from dataclasses import dataclass


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
    """TCP listeners on the running machine, with the owning process where we may see it."""
    import psutil

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

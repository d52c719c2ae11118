"""The DNS servers a host (or one of its network namespaces) sends queries to."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from wizard.host.base import Host


def nameservers(text: str) -> list[str]:
    """The `nameserver` lines of a resolv.conf, in order."""
    return [fields[1] for line in text.splitlines()
            if len(fields := line.split()) >= 2 and fields[0] == "nameserver"]


def host_nameservers(host: Host) -> list[str]:
    """Inside a named namespace `ip netns exec` mounts /etc/netns/NAME/resolv.conf over the
    host's, so that file wins when it exists."""
    text = None
    if host.netns:
        text = host.read_optional(f"/etc/netns/{host.netns}/resolv.conf")
    if text is None:
        text = host.read_optional("/etc/resolv.conf")
    return nameservers(text or "")

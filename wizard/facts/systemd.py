"""Asking systemd whether a unit runs now and whether it starts at boot.

Checks and fixes both need it, and a mounted image (--root) has no systemd to ask, so the
answer falls back to the unit files and the `*.wants/` links that `systemctl enable` makes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from wizard.host.base import Host

from wizard.host.base import UNIT_DIRS

STARTS_AT_BOOT = frozenset({"enabled", "enabled-runtime", "generated"})
"""`systemctl is-enabled` answers that mean the unit comes back when the machine boots."""


def unit_state(host: Host, unit: str) -> str:
    """What `systemctl is-enabled UNIT` says: enabled, disabled, masked, generated, not-found.

    When systemctl gives no answer (a mounted image under --root, no systemd, an unknown unit)
    the state is read from the unit files and the `*.wants/` links that `systemctl enable` makes.
    """
    words = host.run(["systemctl", "is-enabled", unit]).stdout.split()
    return words[0] if words else _state_from_files(host, unit)


def _state_from_files(host: Host, unit: str) -> str:
    if host.link_target(f"/etc/systemd/system/{unit}") == "/dev/null":
        return "masked"
    for wants in host.glob("/etc/systemd/system", "*.wants"):
        if unit in host.listdir(wants):
            return "enabled"
    if any(host.exists(f"{directory}/{unit}") for directory in UNIT_DIRS):
        return "disabled"
    return "not-found"


def unit_active(host: Host, unit: str) -> bool:
    """Whether the unit runs now; on a host that is not running, whether it will after boot."""
    result = host.run(["systemctl", "is-active", unit])
    if result.ran and result.returncode != 127:
        return result.stdout.strip() == "active"
    return _state_from_files(host, unit) in STARTS_AT_BOOT

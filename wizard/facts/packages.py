"""Which packages the package database says are installed, and at which version.

A system that is not running (an SD-card image under --root) cannot be asked
`containerd --version`, but dpkg records every installed package in /var/lib/dpkg/status,
and that is what the image will run when it boots. RPM's database is a binary (SQLite) file
that only rpm itself should read, so an offline RPM image's runtime version stays unknown.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from wizard.host.base import Host

DPKG_STATUS = "/var/lib/dpkg/status"


def dpkg_installed(host: Host) -> dict[str, str]:
    """Package name → version, for every package dpkg marks 'install ok installed'."""
    text = host.read_optional(DPKG_STATUS) or ""
    installed: dict[str, str] = {}
    for stanza in text.split("\n\n"):
        fields: dict[str, str] = {}
        for line in stanza.splitlines():
            name, colon, value = line.partition(":")
            if colon and not line.startswith((" ", "\t")):
                fields[name] = value.strip()
        if fields.get("Status", "").endswith(" installed") and "Package" in fields:
            installed[fields["Package"]] = fields.get("Version", "")
    return installed


def package_version(host: Host, names: Iterable[str]) -> tuple[str, str] | None:
    """(package, version) of the first of `names` that dpkg has installed."""
    installed = dpkg_installed(host)
    return next(((name, installed[name]) for name in names if name in installed), None)

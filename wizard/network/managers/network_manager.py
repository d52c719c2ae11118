"""NetworkManager: keyfile connection profiles under /etc/NetworkManager/system-connections,
whose routeN keys come back whenever the connection is activated."""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from wizard.i18n import _
from wizard.network.managers.base import (
    Manager,
    PersistError,
    ini_sections,
    ini_values,
    is_content,
    lines_without,
    with_newline,
)
from wizard.network.rtnetlink.constants import RT_TABLE_MAIN

if TYPE_CHECKING:
    from wizard.host.base import Host
    from wizard.host.network import Link
    from wizard.network.route_spec import RouteSpec

_NM_DIR = "/etc/NetworkManager/system-connections"
_NM_TYPES = {"wireless": ("wifi", "802-11-wireless"), "physical": ("ethernet", "802-3-ethernet")}


def _insert_in_section(text: str, section: str, new: list[str]) -> str:
    """Lines appended after a section's last key (before its trailing blank lines)."""
    lines = with_newline(text).splitlines(keepends=True)
    bounds = ini_sections(lines)
    if section not in bounds:
        gap = ["\n"] if lines and lines[-1].strip() else []
        return "".join(lines + gap + [f"[{section}]\n", *new])
    start, end = bounds[section]
    last = max([i for i in range(start, end) if is_content(lines[i])], default=start)
    return "".join(lines[:last + 1] + new + lines[last + 1:])


@dataclass(frozen=True)
class NetworkManager(Manager):
    """A keyfile connection profile: routeN=dst[,gateway[,metric]] in [ipv4] or [ipv6]."""

    kind: ClassVar[str] = "NetworkManager"
    connection: str = ""

    @property
    def label(self) -> str:
        return f"NetworkManager (connection {self.connection!r}, {self.path})"

    @property
    def why(self) -> str:
        return _("NetworkManager brings {dev} up with the connection {connection}, whose "
                 "routes come back whenever the connection is activated.").format(
                     dev=self.dev, connection=repr(self.connection))

    @staticmethod
    def value(spec: RouteSpec) -> str:
        """routeN's value: NM's keyfile form, "0.0.0.0"/"::" standing for no gateway."""
        parts = [spec.prefix]
        if spec.gateway or spec.metric is not None:
            parts.append(spec.gateway or ("0.0.0.0" if spec.family == 4 else "::"))
        if spec.metric is not None:
            parts.append(str(spec.metric))
        return ",".join(parts)

    def edit(self, text: str | None, spec: RouteSpec, op: str) -> str:
        text = text or ""
        section = "ipv4" if spec.family == 4 else "ipv6"
        values = ini_values(text, section)
        options = f"table={spec.table_id}" if spec.table_id != RT_TABLE_MAIN else None
        if op == "add":
            numbers = [int(m.group(1)) for key in values
                       if (m := re.fullmatch(r"routes?(\d+)", key))]
            number = max(numbers, default=0) + 1
            new = [f"route{number}={self.value(spec)}\n"]
            new += [f"route{number}_options={options}\n"] if options else []
            return _insert_in_section(text, section, new)
        for key, value in values.items():
            m = re.fullmatch(r"routes?(\d+)", key)
            if m and value == self.value(spec) and values.get(f"{key}_options") == options:
                lines = [f"{key}={value}\n"] + ([f"{key}_options={options}\n"] if options else [])
                return lines_without(text, lines, f"{key} for {spec.describe()}", self.path)
        raise PersistError(f"the connection {self.connection!r} has no route "
                           f"{self.value(spec)}; remove it with nmcli by hand.")

    def commands(self, spec: RouteSpec, op: str) -> tuple[str, ...]:
        words = [spec.prefix] + ([spec.gateway] if spec.gateway else [])
        words += [str(spec.metric)] if spec.metric is not None else []
        words += [f"table={spec.table_id}"] if spec.table_id != RT_TABLE_MAIN else []
        sign = "+" if op == "add" else "-"
        family = "ipv4" if spec.family == 4 else "ipv6"
        return (shlex.join(["sudo", "nmcli", "connection", "modify", self.connection,
                            f"{sign}{family}.routes", " ".join(words)])
                + "   # the same change as the diff",)

    def reload_argv(self, host: Host) -> tuple[str, ...] | None:
        """`nmcli connection reload` re-reads profiles; without it a later nmcli edit of this
        connection would write back NetworkManager's copy and drop the route."""
        return ("nmcli", "connection", "reload") if host.which("nmcli") else None


def network_manager_for(host: Host, dev: str, link: Link | None) -> NetworkManager | None:
    by_type = []
    for path in host.glob(_NM_DIR, "*.nmconnection"):
        text = host.read_optional(path) or ""
        connection = ini_values(text, "connection")
        name = connection.get("id") or path.rsplit("/", 1)[1].removesuffix(".nmconnection")
        manager = NetworkManager(path, dev, connection=name)
        if connection.get("interface-name") == dev:
            return manager
        if connection.get("interface-name"):
            continue
        mac = next((v for s in ("ethernet", "wifi", "802-3-ethernet", "802-11-wireless")
                    if (v := ini_values(text, s).get("mac-address"))), None)
        if mac and link is not None and mac.lower() == link.mac.lower():
            return manager
        kind = link.kind if link is not None else (
            "wireless" if dev.startswith(("wl", "wlan")) else "physical")
        if not mac and connection.get("type") in _NM_TYPES.get(kind, ()):
            by_type.append(manager)
    if len(by_type) > 1:
        names = ", ".join(repr(m.connection) for m in by_type)
        raise PersistError(f"several NetworkManager connections could bring up {dev} ({names}); "
                           "add the route to the one in use with nmcli connection modify.")
    return by_type[0] if by_type else None

"""dhcpcd: the exit hook it runs after every DHCP event (Raspberry Pi OS before Bookworm)."""

from __future__ import annotations

import fnmatch
import shlex
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from wizard.i18n import _
from wizard.network.managers.base import Manager, lines_without, with_newline

if TYPE_CHECKING:
    from wizard.host.base import Host
    from wizard.network.route_spec import RouteSpec

DHCPCD_HOOK = "/etc/dhcpcd.exit-hook"


@dataclass(frozen=True)
class Dhcpcd(Manager):
    """dhcpcd runs /etc/dhcpcd.exit-hook after every event; the hook adds the route.

    dhcpcd's own `static routes=` is not used: it is IPv4 only, has no metric or table, and
    (dhcpcd's ipv4.c) any static route replaces every route the DHCP server sends, the default
    route included.
    """

    kind: ClassVar[str] = "dhcpcd"

    @property
    def why(self) -> str:
        return _("dhcpcd configures {dev}; its exit hook ({path}) runs after every DHCP event, "
                 "and adds a route whenever the interface comes up.").format(
                     dev=self.dev, path=self.path)

    @staticmethod
    def hook_lines(spec: RouteSpec, dev: str) -> list[str]:
        add, delete = spec.change("add").shell_text, spec.change("del").shell_text
        test = f'[ "$interface" = {shlex.quote(dev)} ]'
        return [f"# kubeadm-wizard route {spec.describe()}\n",
                f"if {test} && $if_up; then {add.replace('route add', 'route replace')}; fi\n",
                f"if {test} && $if_down; then {delete} 2>/dev/null; fi\n"]

    def edit(self, text: str | None, spec: RouteSpec, op: str) -> str:
        text = with_newline(text or "")
        lines = self.hook_lines(spec, self.dev)
        if op == "add":
            return text + "".join(lines)
        return lines_without(text, lines, f"hook lines for {spec.describe()}", self.path)


def dhcpcd_for(host: Host, dev: str) -> Dhcpcd | None:
    conf = host.read_optional("/etc/dhcpcd.conf")
    enabled = any(host.glob("/etc/systemd/system", "*.wants/dhcpcd*.service"))
    if conf is None or not enabled:
        return None
    for line in conf.splitlines():
        words = line.replace(",", " ").split()
        if words[:1] == ["denyinterfaces"] and any(fnmatch.fnmatchcase(dev, p) for p in words[1:]):
            return None
        if words[:1] == ["allowinterfaces"] and not any(fnmatch.fnmatchcase(dev, p)
                                                         for p in words[1:]):
            return None
    return Dhcpcd(DHCPCD_HOOK, dev)

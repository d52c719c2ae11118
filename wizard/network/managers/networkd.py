"""systemd-networkd: the first matching .network file configures a link; each route is one
[Route] section, in the file itself (under /etc) or in a drop-in beside a packaged file."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from wizard.i18n import _
from wizard.network.managers.base import Manager, PersistError, lines_without, with_newline
from wizard.network.managers.networkd_match import (
    Unknown,
    drop_ins,
    link_matches,
    match_section,
    network_files,
)
from wizard.network.rtnetlink.constants import RT_TABLE_MAIN

if TYPE_CHECKING:
    from wizard.host.base import Host
    from wizard.host.network import Link
    from wizard.network.route_spec import RouteSpec

DROP_IN_NAME = "50-kubeadm-wizard-routes.conf"


@dataclass(frozen=True)
class Networkd(Manager):
    """A .network file whose [Match] selects the link; each route is one [Route] section.

    A file outside /etc (shipped by a package) is not edited: a drop-in beside it in /etc
    carries the route.
    """

    kind: ClassVar[str] = "systemd-networkd"

    @property
    def why(self) -> str:
        return _("systemd-networkd configures {dev} from {path} at boot (and drops routes it "
                 "did not configure whenever it reconfigures the link).").format(
                     dev=self.dev, path=self.path)

    @staticmethod
    def section(spec: RouteSpec) -> list[str]:
        lines = ["\n", "[Route]\n", f"Destination={spec.prefix}\n"]
        lines += [f"Gateway={spec.gateway}\n"] if spec.gateway else []
        lines += [f"Metric={spec.metric}\n"] if spec.metric is not None else []
        lines += [f"Table={spec.table_id}\n"] if spec.table_id != RT_TABLE_MAIN else []
        return lines

    def edit(self, text: str | None, spec: RouteSpec, op: str) -> str:
        text = with_newline(text or "")
        section = self.section(spec)
        if op == "add":
            return text + "".join(section if text else section[1:])
        if text.startswith("".join(section[1:])):
            return lines_without(text, section[1:], f"[Route] for {spec.describe()}", self.path)
        return lines_without(text, section, f"[Route] for {spec.describe()}", self.path)


def networkd_for(host: Host, dev: str, link: Link | None) -> Networkd | None:
    """The file networkd would configure `dev` from; PersistError when an earlier file might
    match through a key the wizard cannot evaluate (it would be guessing which file wins)."""
    for name, path in network_files(host).items():
        text = "".join(host.read_optional(p) or "" for p in [path, *drop_ins(host, name)])
        verdict = link_matches(host, match_section(text), dev, link)
        if isinstance(verdict, Unknown):
            raise PersistError(
                f"systemd-networkd applies {path} to {dev} only if {verdict.key}="
                f"{verdict.value} holds for it, which the wizard cannot tell here; add the "
                "route to the .network file that configures it (`networkctl status "
                f"{dev}` names it) by hand.")
        if verdict:
            if not path.startswith("/etc/"):
                path = f"/etc/systemd/network/{name}.d/{DROP_IN_NAME}"
            return Networkd(path, dev)
    return None

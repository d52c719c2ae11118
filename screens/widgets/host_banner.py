"""The header line: which host this is, and whether the wizard may change it."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from wizard.host.base import Host


def banner_text(host: Host, target_version: str, role: str) -> Text:
    ident = host.identity
    parts = [(ident.hostname, "bold"), "  ", ident.distro, f" · {ident.userland_architecture}"]
    if ident.board_model:
        parts.append(f" · {ident.board_model}")
    parts += [" · ", (host.label, "italic"), f" · {role} on Kubernetes {target_version}"]
    if host.read_only:
        parts += ["  ", (" READ-ONLY: not root, nothing can be changed ", "bold black on yellow")]
    else:
        parts += ["  ", ("root", "green")]
    return Text.assemble(*parts)


class HostBanner(Static):
    def show(self, host: Host, target_version: str, role: str) -> None:
        self.update(banner_text(host, target_version, role))

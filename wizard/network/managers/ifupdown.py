"""ifupdown: `iface` stanzas in /etc/network/interfaces and the files it sources, brought up
at boot by networking.service (`ifup -a`) and by udev for `allow-hotplug` interfaces.

Which files ifupdown reads is decided the way ifupdown decides it (interfaces(5)): `source`
takes a glob, relative to the directory of the file that names it, and `source-directory`
takes every file in a directory whose name matches `^[a-zA-Z0-9_-]+$`, so a stale
`00-old.cfg` beside them is never read and never receives a route.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, ClassVar

from wizard.i18n import _
from wizard.network.managers.base import (
    Manager,
    PersistError,
    indent_of,
    is_content,
    lines_without,
    with_newline,
)

if TYPE_CHECKING:
    from wizard.host.base import Host
    from wizard.network.route_spec import RouteSpec

INTERFACES = "/etc/network/interfaces"
SOURCE_DIRECTORY_NAME = re.compile(r"^[a-zA-Z0-9_-]+$")
"""The names run-parts accepts, and so the only files `source-directory` reads."""
_MAX_DEPTH = 16

_STANZA = re.compile(r"^\s*(iface|auto|allow-\S+|mapping|source|source-directory|"
                     r"no-auto-down|no-scripts)\b")


@dataclass(frozen=True)
class Ifupdown(Manager):
    """An `iface DEV inet|inet6 ...` stanza: `up`/`down` lines run `ip route` with the link."""

    kind: ClassVar[str] = "ifupdown"
    stanza: str = ""

    @property
    def label(self) -> str:
        return f"ifupdown ({self.path}, {self.stanza.strip()})"

    @property
    def why(self) -> str:
        return _("ifupdown brings {dev} up at boot from {path}, where an `up` line adds a "
                 "route each time and a `down` line removes it with the link.").format(
                     dev=self.dev, path=self.path)

    @staticmethod
    def route_lines(spec: RouteSpec, indent: str) -> list[str]:
        add, delete = spec.change("add").shell_text, spec.change("del").shell_text
        return [f"{indent}up {add}\n", f"{indent}down {delete}\n"]

    def edit(self, text: str | None, spec: RouteSpec, op: str) -> str:
        lines = with_newline(text or "").splitlines(keepends=True)
        start = next((i for i, line in enumerate(lines) if line.strip() == self.stanza.strip()),
                     None)
        if start is None:
            raise PersistError(f"{self.path} no longer has the stanza {self.stanza.strip()!r}.")
        end = start + 1
        last = start
        while end < len(lines) and not _STANZA.match(lines[end]):
            if is_content(lines[end]):
                last = end
            end += 1
        options = [line for line in lines[start + 1:last + 1] if is_content(line)]
        indent = options[0][:indent_of(options[0])] if options else "    "
        new = self.route_lines(spec, indent)
        if op == "add":
            return "".join(lines[:last + 1] + new + lines[last + 1:])
        stanza_text = "".join(lines[start:end])
        return "".join(lines[:start]) + lines_without(
            stanza_text, new, f"up/down lines for {spec.describe()}", self.path) + "".join(
            lines[end:])


def ifupdown_for(host: Host, dev: str, family: int) -> Ifupdown | None:
    """The stanza ifupdown uses for `dev`, preferring the address family of the route."""
    wanted = "inet" if family == 4 else "inet6"
    fallback = None
    for path in interfaces_files(host):
        for line in (host.read_optional(path) or "").splitlines():
            words = line.split()
            if len(words) >= 4 and words[0] == "iface" and words[1] == dev:
                if words[3] == "manual":
                    continue  # another program (dhcpcd, NetworkManager) configures it
                if words[2] == wanted:
                    return Ifupdown(path, dev, stanza=line)
                fallback = fallback or Ifupdown(path, dev, stanza=line)
    return fallback


def interfaces_files(host: Host) -> list[str]:
    """Every file ifupdown reads, in the order it reads them (a sourced file's stanzas come
    where its `source` line stands)."""
    found: list[str] = []
    _read(host, INTERFACES, found, 0)
    return found


def _read(host: Host, path: str, found: list[str], depth: int) -> None:
    if path in found or depth > _MAX_DEPTH:
        return  # ifupdown itself refuses loops; reading a file once is enough to find stanzas
    found.append(path)
    here = PurePosixPath(path).parent
    for line in (host.read_optional(path) or "").splitlines():
        words = line.split()
        if len(words) != 2 or words[0] not in ("source", "source-directory"):
            continue
        # Relative to the including file's folder (an absolute path replaces it), as ifquery does.
        target = posixpath.normpath(str(here / words[1]))
        included = (_sourced(host, target) if words[0] == "source"
                    else _source_directory(host, target))
        for included_path in included:
            _read(host, included_path, found, depth + 1)


def _sourced(host: Host, pattern: str) -> list[str]:
    directory, _, name = pattern.rpartition("/")
    return [p for p in host.glob(directory or "/", name) if not host.is_dir(p)]


def _source_directory(host: Host, directory: str) -> list[str]:
    return [f"{directory.rstrip('/')}/{name}" for name in host.listdir(directory)
            if SOURCE_DIRECTORY_NAME.match(name) and not host.is_dir(f"{directory}/{name}")]

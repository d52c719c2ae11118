"""What every network manager's configuration has in common: one interface's file, an edit
that adds or removes a route in it, and the careful text helpers those edits share.

Every edit is a careful text edit, never a parse-and-rewrite: comments, order, quoting and
indentation stay as the operator left them, adding a route and deleting it again gives the
file back byte for byte, and deleting removes exactly the lines an add would write.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from wizard.i18n import _

if TYPE_CHECKING:
    from wizard.host.base import Host
    from wizard.network.route_spec import RouteSpec


class PersistError(Exception):
    """The route cannot be written to the interface's configuration; says what to do instead."""


@dataclass(frozen=True)
class Manager:
    """One program's configuration of one interface, and how to add or remove a route in it."""

    kind: ClassVar[str] = ""
    path: str
    dev: str

    @property
    def label(self) -> str:
        return f"{self.kind} ({self.path})"

    @property
    def why(self) -> str:
        return _("{kind} configures {dev} at boot and puts this route back each time.").format(
            kind=self.kind, dev=self.dev)

    def edit(self, text: str | None, spec: RouteSpec, op: str) -> str:
        """The file's new text with the route added (op "add") or removed (op "del")."""
        raise NotImplementedError

    def commands(self, spec: RouteSpec, op: str) -> tuple[str, ...]:
        """What a person would type for the same persistent change (empty: edit the file)."""
        return ()

    def reload_argv(self, host: Host) -> tuple[str, ...] | None:
        """A command that makes the running manager re-read the file without touching links."""
        return None


def lines_without(text: str, lines: list[str], what: str, path: str) -> str:
    """`text` without the first run of exactly these lines; PersistError when they are absent."""
    have = text.splitlines(keepends=True)
    for start in range(len(have) - len(lines) + 1):
        if have[start:start + len(lines)] == lines:
            return "".join(have[:start] + have[start + len(lines):])
    raise PersistError(f"{path} has no {what} written the way the wizard writes it; remove it "
                       "there by hand.")


def with_newline(text: str) -> str:
    return text if not text or text.endswith("\n") else text + "\n"


def indent_of(line: str) -> int:
    return len(line) - len(line.lstrip(" \t"))


def is_content(line: str) -> bool:
    stripped = line.strip()
    return bool(stripped) and not stripped.startswith("#")


def ini_sections(lines: list[str]) -> dict[str, tuple[int, int]]:
    """section name -> (header line, one past its last line), for the first such section."""
    headers = [(i, line.strip()[1:-1]) for i, line in enumerate(lines)
               if line.strip().startswith("[") and line.strip().endswith("]")]
    bounds: dict[str, tuple[int, int]] = {}
    for number, (index, name) in enumerate(headers):
        end = headers[number + 1][0] if number + 1 < len(headers) else len(lines)
        bounds.setdefault(name, (index, end))
    return bounds


def ini_values(text: str, section: str) -> dict[str, str]:
    """The first value of every key in the first `[section]` (NetworkManager's keyfile rule)."""
    lines = text.splitlines()
    start, end = ini_sections(lines).get(section, (0, 0))
    values: dict[str, str] = {}
    for line in lines[start + 1:end]:
        key, sep, value = line.partition("=")
        if sep and is_content(line):
            values.setdefault(key.strip(), value.strip())
    return values

"""What a planned change is made of.

A Step teaches as much as it changes: why Kubernetes needs it, the shell commands a person
would type for the same result, the diff of every file it writes, how to verify it, how to
undo it. Actions are plain data so that the journal can record exactly what was done.
"""

from __future__ import annotations

import difflib
import shlex
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from wizard.host.base import Host


@dataclass(frozen=True)
class FileWrite:
    """Give a file exactly this content (created when missing)."""

    path: str
    content: str
    mode: int | None = None

    def current(self, host: Host) -> str | None:
        return host.read_optional(self.path)

    def holds(self, host: Host) -> bool:
        return self.current(host) == self.content

    def diff(self, host: Host) -> str:
        """A unified diff from the file as it is now (or /dev/null) to the new content."""
        old = self.current(host)
        return "".join(difflib.unified_diff(
            (old or "").splitlines(keepends=True),
            self.content.splitlines(keepends=True),
            fromfile="/dev/null" if old is None else f"a{self.path}",
            tofile=f"b{self.path}",
        ))


@dataclass(frozen=True)
class FileRemove:
    """Remove a file, keeping a backup so that `undo` can put it back byte for byte."""

    path: str

    def holds(self, host: Host) -> bool:
        return not host.exists(self.path)

    def diff(self, host: Host) -> str:
        old = host.read_optional(self.path)
        if old is None:
            return ""
        return "".join(difflib.unified_diff(old.splitlines(keepends=True), [],
                                            fromfile=f"a{self.path}", tofile="/dev/null"))

    @property
    def shell_text(self) -> str:
        return shlex.join(["rm", self.path])


@dataclass(frozen=True)
class RunCommand:
    """Run a program that changes the system.

    `runtime_only` marks commands that act on the running kernel alone (swapoff, sysctl -w,
    modprobe): under another root they are left for that system's boot. A command with no
    `undo_argv` says in `kept_because` why undo leaves its effect, so undo can list it first.
    """

    argv: tuple[str, ...]
    undo_argv: tuple[str, ...] | None = None
    runtime_only: bool = True
    kept_because: str = ""

    @property
    def shell_text(self) -> str:
        return shlex.join(self.argv)


@dataclass(frozen=True)
class RouteChange:
    """Add or delete one route through netlink (never through a shell).

    `route` uses iproute2's JSON field names (dst, gateway, dev, metric, table) so that it
    reads like `ip -j route show` and can be journaled and reversed as plain data.
    """

    op: str  # "add" or "del"
    route: tuple[tuple[str, str | int], ...]

    @classmethod
    def of(cls, op: str, **route: str | int | None) -> RouteChange:
        return cls(op, tuple((k, v) for k, v in route.items() if v is not None))

    @property
    def fields(self) -> dict[str, str | int]:
        return dict(self.route)

    @property
    def shell_text(self) -> str:
        route = self.fields
        words = ["ip", "route", self.op, str(route["dst"])]
        for key, word in (("gateway", "via"), ("dev", "dev"), ("metric", "metric"),
                          ("table", "table")):
            if key in route:
                words += [word, str(route[key])]
        return shlex.join(words)

    def reversed(self) -> RouteChange:
        return RouteChange("del" if self.op == "add" else "add", self.route)


Action = FileWrite | FileRemove | RunCommand | RouteChange
FILE_ACTIONS = (FileWrite, FileRemove)


@dataclass(frozen=True)
class Step:
    """One change, with everything an operator needs to understand and trust it."""

    id: str
    title: str
    why: str
    actions: tuple[Action, ...]
    verify: str
    undo: str = "kubeadm-wizard undo restores every file this step wrote."
    commands: tuple[str, ...] = ()
    done_when: Callable[[Host], bool] | None = field(default=None, compare=False)
    reboot_required: bool = False
    fixes: str = ""

    @property
    def shell_commands(self) -> tuple[str, ...]:
        """The commands a person would type: the step's own text, else derived from actions."""
        if self.commands:
            return self.commands
        lines = []
        for action in self.actions:
            if isinstance(action, FileWrite):
                lines.append(f"sudoedit {action.path}   # see the diff")
            else:
                lines.append("sudo " + action.shell_text)
        return tuple(lines)

    def is_done(self, host: Host) -> bool:
        """Whether the target state already holds, so applying would change nothing."""
        files_hold = all(a.holds(host) for a in self.actions if isinstance(a, FILE_ACTIONS))
        if self.done_when is not None:
            return files_hold and self.done_when(host)
        has_commands = any(not isinstance(a, FILE_ACTIONS) for a in self.actions)
        return files_hold and not has_commands

    def diffs(self, host: Host) -> list[str]:
        return [d for a in self.actions if isinstance(a, FILE_ACTIONS) and (d := a.diff(host))]

"""Looking at the host after a step: the commands that show its effect, with their real output.

A step's `verify` is a sentence for a person ("cat /proc/swaps shows only its header line").
An instructor talking a room through an apply wants the answer on the screen, so the narration
and the handout show what those commands print right after the step ran. The commands are read
off the step's own actions (a `sysctl -w` is verified by `sysctl KEY`, a `systemctl disable` by
`systemctl is-enabled`), and each is answered through the Host: files are read under the host's
root (so a demo host and a mounted image answer too), systemctl goes through `host.run` (emulated
on a demo, `systemctl --root` on an image), the route lookup through the host's network view.
What a host cannot answer (the running kernel of an image) says why instead of guessing.
"""

from __future__ import annotations

import ipaddress
import re
import shlex
from dataclasses import dataclass
from typing import TYPE_CHECKING

from wizard.facts.packages import DPKG_STATUS, dpkg_installed
from wizard.network.route_words import describe_route_get
from wizard.steps.step import FileRemove, FileWrite, RouteChange, Step

if TYPE_CHECKING:
    from wizard.host.base import Host

SHORT_FILE = 20
"""A written file this short is shown back whole; a longer one is left to its diff."""

_UNIT_VERBS = {"enable": "is-enabled", "disable": "is-enabled", "mask": "is-enabled",
               "unmask": "is-enabled", "start": "is-active", "stop": "is-active",
               "restart": "is-active"}
"""The systemctl question that shows what a changing verb did."""


@dataclass(frozen=True)
class Looked:
    """One verifying command as a person would type it, and what the host answered."""

    command: str
    output: str
    note: str = ""  # where the answer came from, or why there is none


@dataclass(frozen=True)
class ShowFile:
    """`cat PATH`, or `grep -E PATTERN PATH`: read through the host, under its root."""

    path: str
    pattern: str = ""

    @property
    def command(self) -> str:
        if self.pattern:
            return shlex.join(["grep", "-E", self.pattern, self.path])
        return shlex.join(["cat", self.path])

    def look(self, host: Host) -> Looked:
        if _kernel_file(self.path) and not host.changes_running_kernel:
            return Looked(self.command, "", f"not run: {host.label} is not a running system")
        text = host.read_optional(self.path)
        if text is None:
            program = "grep" if self.pattern else "cat"
            return Looked(self.command, f"{program}: {self.path}: No such file or directory\n")
        if self.pattern:
            text = "".join(line for line in text.splitlines(keepends=True)
                           if re.search(self.pattern, line))
        return Looked(self.command, text)


@dataclass(frozen=True)
class ReadSysctl:
    """`sysctl KEY...`: the running values, read from /proc/sys as sysctl reads them."""

    keys: tuple[str, ...]

    @property
    def command(self) -> str:
        return shlex.join(["sysctl", *self.keys])

    def look(self, host: Host) -> Looked:
        if not host.changes_running_kernel:
            return Looked(self.command, "", f"not run: {host.label} is not a running system")
        lines = []
        for key in self.keys:
            path = "/proc/sys/" + key.replace(".", "/")
            value = host.read_optional(path)
            lines.append(f"sysctl: cannot stat {path}: No such file or directory" if value is None
                         else f"{key} = {value.strip()}")
        return Looked(self.command, "\n".join(lines) + "\n")


@dataclass(frozen=True)
class Inspect:
    """A read-only program, run by the host (which may emulate it, or decline to run it)."""

    argv: tuple[str, ...]

    @property
    def command(self) -> str:
        return shlex.join(self.argv)

    def look(self, host: Host) -> Looked:
        result = host.run(list(self.argv))
        if not result.ran:
            return Looked(self.command, "", result.note)
        return Looked(self.command, result.stdout + result.stderr)


@dataclass(frozen=True)
class DpkgQuery:
    """`dpkg-query -W NAME...`, answered from dpkg's status file under the host's root."""

    names: tuple[str, ...]

    @property
    def command(self) -> str:
        return shlex.join(["dpkg-query", "-W", *self.names])

    def look(self, host: Host) -> Looked:
        installed = dpkg_installed(host)
        lines = [f"{name}\t{installed[name]}" if name in installed
                 else f"dpkg-query: no packages found matching {name}" for name in self.names]
        return Looked(self.command, "\n".join(lines) + "\n", f"read from {DPKG_STATUS}")


@dataclass(frozen=True)
class RouteGet:
    """`ip route get ADDRESS`: where the kernel sends a packet into the changed route's range."""

    address: str

    @property
    def command(self) -> str:
        return shlex.join(["ip", "route", "get", self.address])

    def look(self, host: Host) -> Looked:
        network = host.network
        if network is None or not host.changes_running_kernel:
            return Looked(self.command, "", f"not run: {host.label} is not a running system")
        return Looked(self.command, describe_route_get(network.route_get(self.address)) + "\n")


Probe = ShowFile | ReadSysctl | Inspect | DpkgQuery | RouteGet


def probes(step: Step) -> list[Probe]:
    """The read-only commands that show what `step` changed, in the order of its actions.

    A step that runs commands is verified by their effect (its diffs already show its files);
    a step that only writes files is verified by reading them back.
    """
    by_files: list[Probe] = []
    by_effect: list[Probe] = []
    for action in step.actions:
        if isinstance(action, FileWrite | FileRemove):
            by_files += _file_probes(action)
        elif isinstance(action, RouteChange):
            by_effect.append(RouteGet(_an_address_in(str(action.fields["dst"]))))
        else:
            by_effect += _command_probes(action.argv)
    return list(dict.fromkeys(by_effect or by_files))


def look_after(host: Host, step: Step) -> list[Looked]:
    """Every probe of `step`, answered by the host as it is now."""
    return [probe.look(host) for probe in probes(step)]


def _kernel_file(path: str) -> bool:
    return path.startswith(("/proc/", "/sys/"))


def _file_probes(action: FileWrite | FileRemove) -> list[Probe]:
    if isinstance(action, FileWrite) and action.content.count("\n") > SHORT_FILE:
        return []
    return [ShowFile(action.path)]


def _command_probes(argv: tuple[str, ...]) -> list[Probe]:
    program, args = argv[0], [a for a in argv[1:] if not a.startswith("-")]
    if program == "sysctl":
        return [ReadSysctl(tuple(a.partition("=")[0].strip() for a in args if "=" in a))]
    if program in ("swapoff", "swapon", "dphys-swapfile"):
        return [ShowFile("/proc/swaps")]
    if program == "modprobe" and args:
        return [ShowFile("/proc/modules", "^(" + "|".join(map(re.escape, args)) + ") ")]
    if program == "hostnamectl":
        return [ShowFile("/etc/hostname")]
    if program == "systemctl" and args and args[0] in _UNIT_VERBS:
        questions = {_UNIT_VERBS[args[0]]} | ({"is-active"} if "--now" in argv else set())
        return [Inspect(("systemctl", question, *args[1:]))
                for question in ("is-enabled", "is-active") if question in questions]
    if program in ("apt-get", "apt"):
        verb = next((a for a in args if a in ("install", "remove", "purge")), None)
        if verb is not None:
            names = tuple(a.split("=")[0] for a in args[args.index(verb) + 1:])
            return [DpkgQuery(names)] if names else []
    return []


def _an_address_in(dst: str) -> str:
    """The first usable address of a route's destination (the default route: a public one)."""
    if dst == "default":
        return "1.1.1.1"
    network = ipaddress.ip_network(dst, strict=False)
    if network.num_addresses == 1:
        return str(network.network_address)
    return str(network.network_address + 1)

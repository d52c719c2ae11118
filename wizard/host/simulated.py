"""Simulated hosts for workshops and tests: a root tree plus recorded machine state.

A demo is `assets/demos/NAME/` with `root/` (the files: /etc, /proc, /sys, /boot, ...) and
`host.yaml` (architecture, listening sockets, services, packages, recorded command output,
links, addresses, routes and rules). The wizard works on a scratch copy under the user's cache
directory, so a student can apply every fix, watch checks turn green, and reset to start again.
Changes to the running kernel (swapoff/swapon, sysctl -w, modprobe, systemctl, routes) are
emulated by editing the scratch copy's /proc files and state, in both directions, so that an
undo brings the checks back to where they were. The package database is a real dpkg status
file in the scratch root, written from host.yaml's `packages:` and kept by emulated apt-get.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import shutil
import tempfile
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from wizard.facts.packages import DPKG_STATUS
from wizard.host.base import Host, _route_argv
from wizard.host.commands import CommandResult
from wizard.host.ports import ListeningPort
from wizard.resources import asset, cache_home, demo_names

if TYPE_CHECKING:
    from wizard.host.simulated_network import SimulatedNetwork

STATE_FILE = "state.yaml"

DOCKER_CONTAINERD = "2.1.5-1~debian.12~bookworm"
"""The containerd.io that Docker's repository gives an emulated install (a 2.x, as it ships
since Docker Engine 29); a demo's host.yaml `archive:` can say otherwise."""

_CONFLICTS = {"containerd.io": ("containerd", "runc"), "containerd": ("containerd.io",)}
"""Packages that replace each other: containerd.io declares Conflicts/Replaces containerd and
runc, so apt removes them when it is installed (and installing Debian's back removes it)."""

_VERSION_LINES = {
    "containerd.io": ("containerd", "containerd containerd.io {upstream} \n"),
    "containerd": ("containerd", "containerd github.com/containerd/containerd {upstream} \n"),
}
"""What `PROGRAM --version` prints once an emulated install put a package's program there."""

def _package_binaries() -> dict[str, list[str]]:
    """Which executables a package puts on PATH, so an emulated install makes FileExisting
    pass: the fixes' tool → package table read backwards, plus the runtime's extra tool."""
    from wizard.fixes.packages import TOOL_PACKAGES

    found: dict[str, list[str]] = {"containerd": ["containerd", "ctr"],
                                   "containerd.io": ["containerd", "ctr", "runc"],
                                   "iptables": ["iptables", "ip6tables"]}
    for tool, packages in TOOL_PACKAGES.items():
        for package in set(packages.values()):
            binaries = found.setdefault(package, [])
            if tool not in binaries:
                binaries.append(tool)
    return found


class UnknownDemoError(ValueError):
    """A --demo name that is not shipped."""


class SimulatedHost(Host):
    kind = "demo"

    def __init__(self, name: str, *, scratch: Path | None = None, reset: bool = False) -> None:
        # Judged by the shipped names, not by the path: a name too long for the file
        # system, or one with a slash, is an unknown demo, not an OSError.
        if name not in demo_names():
            raise UnknownDemoError(
                f"unknown demo {name!r}; choose one of: {', '.join(demo_names())}")
        source = asset("demos", name)
        self.name = name
        self.scratch = scratch or cache_home() / "kubeadm-wizard" / "demos" / name
        laid_out = None
        if reset or not (self.scratch / STATE_FILE).is_file():
            laid_out = self._lay_out(source, replace=reset)
        super().__init__(self.scratch / "root")
        self.kind = "demo"
        self.state: dict[str, Any] = laid_out if laid_out is not None else self._read_state(source)

    def _read_state(self, source: Path) -> dict[str, Any]:
        """The copy's state; a reset in another process may have just taken the copy away
        (it puts a fresh one in place), so a copy missing here is laid out again."""
        for _ in range(5):
            try:
                return yaml.safe_load(
                    (self.scratch / STATE_FILE).read_text(encoding="utf-8")) or {}
            except FileNotFoundError:
                laid_out = self._lay_out(source, replace=False)
                if laid_out is not None:
                    return laid_out
        raise FileNotFoundError(self.scratch / STATE_FILE)

    def _lay_out(self, source: Path, *, replace: bool) -> dict[str, Any] | None:
        """A fresh scratch copy of the demo; nothing under assets/ is ever modified.

        Built beside its place and renamed into it: several processes can start on one demo
        at once (the nodes of `cluster check`, a class on `serve`), and none may see, or
        delete, a copy that another is still making. Returns the state it put in place
        (another reset may replace the copy before this process reads it back), or None
        when another process's whole copy is used instead.
        """
        self.scratch.parent.mkdir(parents=True, exist_ok=True)
        building = Path(tempfile.mkdtemp(prefix=f".{self.scratch.name}-", dir=self.scratch.parent))
        shutil.copytree(source / "root", building / "root", symlinks=True)
        state = yaml.safe_load((source / "host.yaml").read_text(encoding="utf-8")) or {}
        status = building / "root" / DPKG_STATUS.lstrip("/")
        if not status.exists():
            status.parent.mkdir(parents=True, exist_ok=True)
            status.write_text("".join(_dpkg_stanza(*_name_version(entry))
                                      for entry in state.get("packages", [])), encoding="utf-8")
        shutil.copy2(source / "host.yaml", building / STATE_FILE)
        for attempt in range(5):
            if replace or not (self.scratch / STATE_FILE).is_file():
                self._move_aside()
            try:
                os.rename(building, self.scratch)
                return state
            except OSError:  # another process put its copy in place first
                if not replace and (self.scratch / STATE_FILE).is_file():
                    break  # a whole copy: use that one
                if attempt == 4:
                    raise
        shutil.rmtree(building, ignore_errors=True)
        return None

    def _move_aside(self) -> None:
        """Take the old copy (or a half-made one from a crash) out of the way, then delete it."""
        if not self.scratch.exists():
            return
        old = Path(tempfile.mkdtemp(prefix=f".{self.scratch.name}-old-", dir=self.scratch.parent))
        with contextlib.suppress(FileNotFoundError):  # another process moved it first
            os.rename(self.scratch, old / "copy")
        shutil.rmtree(old, ignore_errors=True)

    def save_state(self) -> None:
        path = self.scratch / STATE_FILE
        tmp = path.with_suffix(".tmp")
        tmp.write_text(yaml.safe_dump(self.state, sort_keys=False), encoding="utf-8")
        os.replace(tmp, path)

    # --------------------------------------------------------------------- description
    @property
    def label(self) -> str:
        return f"demo {self.name}"

    @property
    def changes_running_kernel(self) -> bool:
        return True

    def _kernel_architecture(self) -> str:
        machine: str = self.state.get("machine", "x86_64")
        return machine

    def _is_root(self) -> bool:
        return bool(self.state.get("is_root", True))

    def _netlink_route(self, argv: tuple[str, ...], op: str, route: dict[str, Any]
                       ) -> CommandResult:
        if op == "add":
            self.network.add_route(route)
        elif not self.network.delete_route(route):
            return CommandResult(argv, 2, stderr="No such process (no matching route)",
                                 note="emulated on the demo host")
        return CommandResult(argv, 0, note="emulated on the demo host")

    def change_route(self, op: str, route: dict[str, Any]) -> CommandResult:
        result = self._netlink_route(_route_argv(op, route), op, route)
        self.command_log.append(result)
        return result

    def listening_ports(self) -> list[ListeningPort] | None:
        return [ListeningPort(int(p["port"]), p.get("address", "0.0.0.0"), p.get("pid"),
                              p.get("process", "")) for p in self.state.get("listening", [])]

    @cached_property
    def network(self) -> SimulatedNetwork:
        from wizard.host.simulated_network import SimulatedNetwork

        return SimulatedNetwork(self)

    def api_server_endpoint(self) -> str:
        """Where kubeadm init would serve the API here without an advertise address: as
        kubeadm picks it, the first global IPv4 address of the default route's adapter."""
        network = self.state.get("network", {})
        for route in network.get("routes", []):
            if route.get("dst") == "default" and "." in str(route.get("gateway", "")) \
                    and route.get("table", "main") == "main":
                for address in network.get("addresses", []):
                    if (address.get("dev"), address.get("family"), address.get("scope")) \
                            == (route.get("dev"), 4, "global"):
                        return f"{address['address']}:6443"
        return ""

    # ------------------------------------------------------------------------ commands
    def run(self, argv: list[str], *, timeout: float = 30.0,
            input_text: str | None = None, env: dict[str, str] | None = None) -> CommandResult:
        # env is accepted as Host.run takes it; recorded answers do not depend on it.
        result = self._answer(list(argv))
        self.command_log.append(result)
        return result

    def _answer(self, argv: list[str]) -> CommandResult:
        for recorded in self.state.get("commands", []):
            if recorded["argv"] == argv:
                return CommandResult(tuple(argv), recorded.get("rc", 0),
                                     recorded.get("stdout", ""), recorded.get("stderr", ""))
        if argv[0] == "systemctl":
            return self._systemctl(argv)
        if self.which(argv[0]) is None:
            return CommandResult(tuple(argv), 127, stderr=f"{argv[0]}: command not found")
        return CommandResult(tuple(argv), 0, note="simulated: no recorded output")

    def change(self, argv: list[str], *, runtime_only: bool = True,
               timeout: float = 300.0) -> CommandResult:
        handler = getattr(self, "_emulate_" + argv[0].replace("-", "_"), None)
        if handler is None:
            result = CommandResult(tuple(argv), 0, note="simulated: no effect on the demo host")
        else:
            result = handler(argv)
            self.save_state()
        self.command_log.append(result)
        return result

    # ---------------------------------------------------------------------- emulations
    def _ok(self, argv: list[str], stdout: str = "") -> CommandResult:
        return CommandResult(tuple(argv), 0, stdout, note="emulated on the demo host")

    def _fail(self, argv: list[str], message: str, code: int = 1) -> CommandResult:
        return CommandResult(tuple(argv), code, stderr=message, note="emulated on the demo host")

    def set_proc(self, path: str, text: str) -> None:
        real = self.path(path)
        real.parent.mkdir(parents=True, exist_ok=True)
        real.write_text(text, encoding="utf-8")

    def _swaps(self) -> tuple[list[str], list[str]]:
        lines = (self.read_optional("/proc/swaps") or "").splitlines()
        return lines[:1] or [SWAPS_HEADER], lines[1:]

    def _emulate_swapoff(self, argv: list[str]) -> CommandResult:
        """Turn swap off, remembering each line so that a later swapon gives it back."""
        header, entries = self._swaps()
        off = [e for e in entries if "-a" in argv or e.split()[0] in argv[1:]]
        self.state.setdefault("swapped_off", {}).update({e.split()[0]: e for e in off})
        kept = [e for e in entries if e not in off]
        self.set_proc("/proc/swaps", "\n".join(header + kept) + "\n")
        return self._ok(argv)

    def _emulate_swapon(self, argv: list[str]) -> CommandResult:
        """`swapon -a` activates fstab's swap entries, as the real one does; else the named."""
        if "-a" in argv:
            fstab = self.read_optional("/etc/fstab") or ""
            names = [f[0] for line in fstab.splitlines()
                     if len(f := line.split()) >= 3 and not f[0].startswith("#")
                     and f[2] == "swap" and "noauto" not in (f[3:4] or [""])[0].split(",")]
        else:
            names = [a for a in argv[1:] if not a.startswith("-")]
        self._swap_on(names)
        return self._ok(argv)

    def _swap_on(self, names: list[str]) -> None:
        header, entries = self._swaps()
        active = {e.split()[0] for e in entries}
        remembered = self.state.get("swapped_off", {})
        for name in (n for n in names if n not in active):
            entries.append(remembered.pop(name, f"{name:<40}file\t0\t\t0\t\t-2"))
        self.set_proc("/proc/swaps", "\n".join(header + entries) + "\n")

    def _emulate_dphys_swapfile(self, argv: list[str]) -> CommandResult:
        if argv[1:] == ["swapoff"]:
            return self._emulate_swapoff(["swapoff", DPHYS_SWAPFILE])
        if argv[1:] == ["swapon"]:
            self._swap_on([DPHYS_SWAPFILE])
        return self._ok(argv)

    def _emulate_sysctl(self, argv: list[str]) -> CommandResult:
        for assignment in (a for a in argv[1:] if "=" in a):
            key, _, value = assignment.partition("=")
            path = "/proc/sys/" + key.strip().replace(".", "/")
            if not self.exists(path):
                return self._fail(argv, f"sysctl: cannot stat {path}: No such file or directory",
                                  255)
            self.set_proc(path, value.strip() + "\n")
        return self._ok(argv)

    def _emulate_modprobe(self, argv: list[str]) -> CommandResult:
        modules = self.read_optional("/proc/modules") or ""
        for module in (a for a in argv[1:] if not a.startswith("-")):
            if "-r" in argv:
                modules = "".join(line + "\n" for line in modules.splitlines()
                                  if line.split()[0] != module)
                if module == "br_netfilter":  # its sysctls go with it
                    shutil.rmtree(self.path("/proc/sys/net/bridge"), ignore_errors=True)
                continue
            if not any(line.split()[0] == module for line in modules.splitlines()):
                modules += f"{module} 32768 0 - Live 0x0000000000000000\n"
            if module == "br_netfilter":
                for name in ("bridge-nf-call-iptables", "bridge-nf-call-ip6tables"):
                    if not self.exists(f"/proc/sys/net/bridge/{name}"):
                        self.set_proc(f"/proc/sys/net/bridge/{name}", "1\n")
        self.set_proc("/proc/modules", modules)
        return self._ok(argv)

    def _emulate_systemctl(self, argv: list[str]) -> CommandResult:
        return self._systemctl(argv)

    def _systemctl(self, argv: list[str]) -> CommandResult:
        args = [a for a in argv[1:] if not a.startswith("-")]
        now = "--now" in argv
        if not args:
            return self._fail(argv, "systemctl: missing verb")
        verb, units = args[0], [u.removesuffix(".service") for u in args[1:]]
        services = self.state.setdefault("services", {})
        if verb in ("is-active", "is-enabled"):
            unit = services.get(units[0]) if units else None
            if unit is None:
                return CommandResult(tuple(argv), 4 if verb == "is-active" else 1,
                                     "inactive\n" if verb == "is-active" else "",
                                     f"Unit {units[0]}.service could not be found.\n")
            return self._unit_answer(argv, verb, unit)
        for unit in units:
            entry = services.setdefault(unit, {"enabled": False, "active": False})
            if verb in ("enable", "disable"):
                entry["enabled"] = verb == "enable"
                if now:
                    entry["active"] = verb == "enable"
            elif verb in ("start", "restart", "stop"):
                entry["active"] = verb != "stop"
            elif verb == "mask":  # enabled stays as it was: unmask gives it back
                entry["masked"] = True
                if now:
                    entry["active"] = False
            elif verb == "unmask":
                entry["masked"] = False
            if unit == "dphys-swapfile" and now and verb == "enable":
                self._swap_on([DPHYS_SWAPFILE])
            if unit.endswith(".swap"):
                self._swap_unit(unit, verb, now)
        return self._ok(argv)

    def _unit_answer(self, argv: list[str], verb: str, unit: dict[str, Any]) -> CommandResult:
        """is-active / is-enabled as systemctl words them; a host.yaml entry with
        `generated: true` is a unit a generator writes at boot (zram-generator's)."""
        if verb == "is-active":
            on = bool(unit.get("active")) and not unit.get("masked")
            return CommandResult(tuple(argv), 0 if on else 3,
                                 ("active" if on else "inactive") + "\n")
        if unit.get("masked"):
            return CommandResult(tuple(argv), 1, "masked\n")
        if unit.get("enabled"):
            return CommandResult(tuple(argv), 0,
                                 ("generated" if unit.get("generated") else "enabled") + "\n")
        return CommandResult(tuple(argv), 1, "disabled\n")

    def _swap_unit(self, unit: str, verb: str, now: bool) -> None:
        """A swap unit's area goes on when the unit starts and off when it stops, as with
        systemd; `swapoff` remembers its /proc/swaps line for the next start."""
        if verb in ("start", "restart") or (verb == "enable" and now):
            self._swap_on([self._swap_unit_area(unit)])
        elif verb == "stop" or (verb in ("disable", "mask") and now):
            self._emulate_swapoff(["swapoff", self._swap_unit_area(unit)])

    def _swap_unit_area(self, unit: str) -> str:
        """The unit file's What=, else the path its name escapes (dev-zram0.swap: /dev/zram0)."""
        for raw in (self.read_optional(f"/etc/systemd/system/{unit}") or "").splitlines():
            key, _, value = raw.strip().partition("=")
            if key.strip() == "What":
                return value.strip()
        return "/" + unit.removesuffix(".swap").replace("-", "/")

    def _emulate_hostnamectl(self, argv: list[str]) -> CommandResult:
        name = argv[-1]
        self.path("/etc/hostname").write_text(name + "\n", encoding="utf-8")
        self.set_proc("/proc/sys/kernel/hostname", name + "\n")
        return self._ok(argv)

    def _emulate_apt_get(self, argv: list[str]) -> CommandResult:
        verb = next((a for a in argv[1:] if a in ("install", "remove", "purge")), None)
        if verb is None:
            return self._ok(argv)
        packages = [a.split("=")[0] for a in argv[argv.index(verb) + 1:]
                    if not a.startswith("-")]
        for package in packages:
            if verb == "install":
                for other in _CONFLICTS.get(package, ()):
                    self._remove_package(other)
                self._install_package(package)
            else:
                self._remove_package(package)
        done = "installed" if verb == "install" else "removed"
        return self._ok(argv, f"emulated: {done} {shlex.join(packages)}\n")

    _emulate_dnf = _emulate_apt_get

    def _installed(self) -> list[str]:
        packages: list[str] = self.state.setdefault("packages", [])
        return packages

    def _install_package(self, package: str) -> None:
        for binary in _package_binaries().get(package, [package]):
            stub = self.path(f"/usr/bin/{binary}")
            stub.parent.mkdir(parents=True, exist_ok=True)
            if not stub.exists():
                stub.write_text("#!/bin/sh\n# installed on the demo host\n")
                stub.chmod(0o755)
        version = self.state.get("archive", {}).get(package) or (
            DOCKER_CONTAINERD if package == "containerd.io" else "")
        if package in _VERSION_LINES and version:
            program, line = _VERSION_LINES[package]
            self.record_output([program, "--version"], line.format(upstream=_upstream(version)))
        if package not in [_name_version(e)[0] for e in self._installed()]:
            self._installed().append(f"{package}={version}" if version else package)
        self._write_dpkg_status()

    def _remove_package(self, package: str) -> None:
        entries = self._installed()
        if package not in [_name_version(e)[0] for e in entries]:
            return
        entries[:] = [e for e in entries if _name_version(e)[0] != package]
        for binary in _package_binaries().get(package, [package]):
            self.path(f"/usr/bin/{binary}").unlink(missing_ok=True)
            self.record_output([binary, "--version"], None)
        self._write_dpkg_status()

    def record_output(self, argv: list[str], stdout: str | None) -> None:
        """Replace what the demo answers to `argv` (None: forget it)."""
        commands = [c for c in self.state.get("commands", []) if c["argv"] != argv]
        if stdout is not None:
            commands.append({"argv": argv, "stdout": stdout})
        self.state["commands"] = commands

    def _write_dpkg_status(self) -> None:
        self.write_file(DPKG_STATUS, "".join(
            _dpkg_stanza(*_name_version(e)) for e in self._installed()).encode("utf-8"))


SWAPS_HEADER = "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority"
DPHYS_SWAPFILE = "/var/swap"


def _name_version(entry: str) -> tuple[str, str]:
    """host.yaml lists packages as NAME or NAME=VERSION, as apt-get install spells them."""
    name, _, version = entry.partition("=")
    return name, version


def _dpkg_stanza(name: str, version: str) -> str:
    version_line = f"Version: {version}\n" if version else ""
    return f"Package: {name}\nStatus: install ok installed\n{version_line}\n"


def _upstream(version: str) -> str:
    """1.6.20 from Debian's 1.6.20~ds1-1+b1: the release the program reports itself."""
    return version.split("-", 1)[0].split("~", 1)[0].split(":")[-1]

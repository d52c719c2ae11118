"""The kernel as Kubernetes networking needs it: modules, sysctls, cgroups, pid 1 and iptables.

Each fact has two sides, because `modprobe` and `sysctl -w` only change the running kernel:
what holds now (/proc, /sys) and what will hold after a reboot (the modules-load.d and sysctl.d
files systemd reads at boot). A host that is not running (--root) has only the second side, so
"now" is None there rather than a guess.
"""

from __future__ import annotations

import fnmatch
import posixpath
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from wizard.host.base import Host

MODULES_LOAD_DIRS = ("/etc/modules-load.d", "/run/modules-load.d",
                     "/usr/local/lib/modules-load.d", "/usr/lib/modules-load.d",
                     "/lib/modules-load.d")
"""Where systemd-modules-load finds the modules to load at boot, highest priority first."""

SYSCTL_DIRS = ("/etc/sysctl.d", "/run/sysctl.d", "/usr/local/lib/sysctl.d", "/usr/lib/sysctl.d",
               "/lib/sysctl.d")
"""The sysctl.d directories, highest priority first: systemd-sysctl(8) and procps sysctl(8)
read the same ones."""

SYSCTL_CONF = "/etc/sysctl.conf"
"""procps `sysctl --system` applies it after every sysctl.d file, so there its settings win.
systemd-sysctl never reads it by that name: only through Debian's link
/etc/sysctl.d/99-sysctl.conf, which sorts like any other sysctl.d file."""

SYSTEMD_SYSCTL = "systemd-sysctl"
PROCPS_SYSCTL = "sysctl --system"

_COMMENT = ("#", ";")

# What a module leaves behind when it is built into the kernel and so never listed in
# /proc/modules: br_netfilter registers the net.bridge sysctls, overlay its file system type.
_BUILT_IN_MARKERS = {"br_netfilter": "/proc/sys/net/bridge"}


def _module_id(name: str) -> str:
    """The kernel writes module names with underscores; modprobe accepts either."""
    return name.strip().replace("-", "_")


def _meaningful_lines(text: str) -> Iterable[tuple[int, str]]:
    """(line number, stripped line) for every line that is not blank or a comment."""
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if line and not line.startswith(_COMMENT):
            yield number, line


def linked_file(host: Host, path: str) -> str:
    """The host path a symlink points to (one level), else the path itself.

    Debian links /etc/sysctl.d/99-sysctl.conf to ../sysctl.conf: the line to edit lives in
    /etc/sysctl.conf. A link to /dev/null (a masked vendor file) reads as empty.
    """
    target = host.link_target(path)
    if target is None:
        return path
    return posixpath.normpath(posixpath.join(posixpath.dirname(path), target))


def config_files(host: Host, directories: Iterable[str],
                 extra: Iterable[str] = ()) -> list[str]:
    """The *.conf files of a systemd-style drop-in set, in the order they are applied.

    Files are sorted by name across all directories; a file in an earlier directory hides a
    file with the same name in a later one (that is how /etc overrides a vendor file).
    `extra` names files that do not exist yet, so a fix can see where its own file would sort.
    """
    directories = tuple(directories)
    chosen: dict[str, str] = {}
    candidates = [f"{d}/{name}" for d in directories for name in host.listdir(d)]
    candidates += list(extra)
    rank = {d: i for i, d in enumerate(directories)}
    for path in sorted(candidates, key=lambda p: rank.get(p.rsplit("/", 1)[0], len(rank))):
        name = path.rsplit("/", 1)[1]
        if name.endswith(".conf") and name not in chosen:
            chosen[name] = path
    return [chosen[name] for name in sorted(chosen)]


# ---------------------------------------------------------------------------- modules
@dataclass(frozen=True)
class ModuleFact:
    """Whether a kernel module is loaded now and whether it will be after a reboot."""

    name: str
    loaded: bool | None
    """None when there is no running kernel to ask (a root directory)."""
    evidence: str
    """Where `loaded` was read: /proc/modules, /sys/module/NAME, or a built-in marker."""
    built_in: bool
    """Compiled into the kernel: always present, nothing to load."""
    boot_file: str | None
    """The modules-load.d file that loads it at boot, if any."""

    @property
    def at_boot(self) -> bool:
        return self.built_in or self.boot_file is not None

    @property
    def boot_text(self) -> str:
        if self.built_in:
            return "built into the kernel"
        return self.boot_file or "not loaded at boot"


def module_fact(host: Host, name: str) -> ModuleFact:
    """Read the module's state from /proc/modules, /sys/module, modules.builtin, modules-load.d."""
    module = _module_id(name)
    built_in = _built_in(host, module)
    loaded, evidence = _loaded_now(host, module, built_in)
    return ModuleFact(module, loaded, evidence, built_in, module_boot_file(host, module))


def _loaded_now(host: Host, module: str, built_in: bool) -> tuple[bool | None, str]:
    modules = host.read_optional("/proc/modules")
    if modules is not None and any(line.split()[0] == module
                                   for line in modules.splitlines() if line.strip()):
        return True, "/proc/modules"
    if host.is_dir(f"/sys/module/{module}"):
        return True, f"/sys/module/{module}"
    marker = _BUILT_IN_MARKERS.get(module)
    if marker and host.exists(marker):
        return True, f"{marker} exists"
    if module == "overlay" and "overlay" in (host.read_optional("/proc/filesystems") or "").split():
        return True, "/proc/filesystems lists overlay"
    if modules is None and not host.is_dir("/sys/module"):
        return None, "no running kernel to ask (/proc/modules is missing)"
    if built_in:
        return True, "built into the kernel"
    return False, "not in /proc/modules"


def _built_in(host: Host, module: str) -> bool:
    """Listed in modules.builtin of the running kernel (of any installed kernel under --root)."""
    release = host.identity.kernel_release
    lists = ([f"/lib/modules/{release}/modules.builtin"] if release
             else list(host.glob("/lib/modules", "*/modules.builtin")))
    for path in lists:
        for _, line in _meaningful_lines(host.read_optional(path) or ""):
            if _module_id(line.rsplit("/", 1)[-1].removesuffix(".ko")) == module:
                return True
    return False


def boot_modules(host: Host) -> dict[str, str]:
    """Every module systemd-modules-load loads at boot, with the first file that names it."""
    found: dict[str, str] = {}
    for path in config_files(host, MODULES_LOAD_DIRS):
        for _, line in _meaningful_lines(host.read_optional(path) or ""):
            found.setdefault(_module_id(line.split()[0]), path)
    return found


def module_boot_file(host: Host, name: str) -> str | None:
    """The first modules-load.d file that names the module (any one of them loads it)."""
    return boot_modules(host).get(_module_id(name))


# ---------------------------------------------------------------------------- sysctls
@dataclass(frozen=True)
class SysctlAssignment:
    """One `key = value` line in a sysctl configuration file."""

    path: str
    """The file that holds the line (a symlink is followed, so this is the file to edit)."""
    line: int
    value: str

    def describe(self) -> str:
        return f"{self.path}:{self.line}"


@dataclass(frozen=True)
class SysctlFact:
    """A sysctl's running value and every file that sets it at boot, in the order applied."""

    key: str
    running: str | None
    """The value in /proc/sys now; None when the file is missing (module not loaded, --root)."""
    assignments: tuple[SysctlAssignment, ...]
    program: str = SYSTEMD_SYSCTL
    """What applies the files at boot (systemd-sysctl or procps' sysctl --system)."""

    @property
    def winner(self) -> SysctlAssignment | None:
        """The assignment applied last, which is the one that holds after a boot."""
        return self.assignments[-1] if self.assignments else None

    @property
    def boot(self) -> str | None:
        """The value after a reboot; None means no file sets it and the kernel default holds."""
        return self.winner.value if self.winner else None


def sysctl_path(key: str) -> str:
    """/proc/sys/net/ipv4/ip_forward for net.ipv4.ip_forward."""
    return "/proc/sys/" + key.replace(".", "/")


def _normal_value(text: str) -> str:
    return " ".join(text.split())


def sysctl_running(host: Host, key: str) -> str | None:
    text = host.read_optional(sysctl_path(key))
    return None if text is None else _normal_value(text)


def boot_sysctl_program(host: Host) -> str:
    """The program that applies sysctls at boot, which decides the order of the files.

    Where systemd is pid 1 it is systemd-sysctl.service (on Debian 12 procps.service is only
    an alias of it); elsewhere an init script runs procps' `sysctl --system`.
    """
    return SYSTEMD_SYSCTL if init_system(host).is_systemd else PROCPS_SYSCTL


def sysctl_files(host: Host, extra: Iterable[str] = (),
                 program: str | None = None) -> list[str]:
    """Every file the boot-time program applies, in order (the last assignment wins).

    systemd-sysctl: the sysctl.d files merged by name, nothing else. procps: the same, then
    /etc/sysctl.conf.
    """
    program = program or boot_sysctl_program(host)
    files = config_files(host, SYSCTL_DIRS, [p for p in extra if p != SYSCTL_CONF])
    if program == PROCPS_SYSCTL and (host.exists(SYSCTL_CONF) or SYSCTL_CONF in extra):
        files.append(SYSCTL_CONF)
    return files


def parse_sysctl_line(line: str) -> tuple[str, str] | None:
    """(key, value) of a `key = value` line; keys may use / and a leading - (ignore errors)."""
    key, equals, value = line.partition("=")
    if not equals:
        return None
    key = key.strip().lstrip("-").strip().replace("/", ".")
    return (key, _normal_value(value)) if key else None


def _key_matches(pattern: str, key: str) -> bool:
    """systemd-sysctl accepts globs such as net.ipv4.conf.*.forwarding."""
    if any(c in pattern for c in "*?["):
        return fnmatch.fnmatchcase(key, pattern)
    return pattern == key


def sysctl_assignments(host: Host, key: str, overrides: Mapping[str, str] | None = None,
                       program: str | None = None) -> tuple[SysctlAssignment, ...]:
    """Every assignment of `key` in application order.

    `overrides` maps a host path to the text it would have: a fix uses it to see whether the
    file it is about to write would win.
    """
    overrides = overrides or {}
    found: list[SysctlAssignment] = []
    for listed in sysctl_files(host, overrides, program):
        path = listed if listed in overrides else linked_file(host, listed)
        text = overrides[path] if path in overrides else host.read_optional(path) or ""
        for number, line in _meaningful_lines(text):
            parsed = parse_sysctl_line(line)
            if parsed and _key_matches(parsed[0], key):
                found.append(SysctlAssignment(path, number, parsed[1]))
    return tuple(found)


def sysctl_fact(host: Host, key: str) -> SysctlFact:
    program = boot_sysctl_program(host)
    return SysctlFact(key, sysctl_running(host, key),
                      sysctl_assignments(host, key, program=program), program)


# ----------------------------------------------------------------------------- cgroups
@dataclass(frozen=True)
class CgroupMode:
    """cgroup v1 or v2 as the running system mounts it."""

    version: int | None
    """1, 2, or None when there is no running system to ask."""
    evidence: str
    hybrid: bool = False
    """v1 controllers plus a cgroup2 tree at /sys/fs/cgroup/unified (systemd's hybrid mode)."""


def cgroup_mode(host: Host) -> CgroupMode:
    """From /proc/mounts (what is mounted at /sys/fs/cgroup), else cgroup.controllers.

    `stat -fc %T /sys/fs/cgroup` answers the same question (cgroup2fs or tmpfs); /proc/mounts
    is a file, so it also works on recorded and simulated hosts.
    """
    mounts = host.read_optional("/proc/mounts")
    if mounts is not None:
        types: dict[str, str] = {}
        for line in mounts.splitlines():
            fields = line.split()
            if len(fields) >= 3:
                types[fields[1]] = fields[2]
        if types.get("/sys/fs/cgroup") == "cgroup2":
            return CgroupMode(2, "/proc/mounts: cgroup2 is mounted at /sys/fs/cgroup")
        if "/sys/fs/cgroup" in types or "cgroup" in types.values():  # tmpfs of v1 hierarchies
            return CgroupMode(1, "/proc/mounts: cgroup v1 hierarchies under /sys/fs/cgroup",
                              hybrid=types.get("/sys/fs/cgroup/unified") == "cgroup2")
    if host.exists("/sys/fs/cgroup/cgroup.controllers"):
        return CgroupMode(2, "/sys/fs/cgroup/cgroup.controllers exists")
    return CgroupMode(None, "no running system to ask (/proc/mounts and "
                            "/sys/fs/cgroup/cgroup.controllers are missing)")


@dataclass(frozen=True)
class InitSystem:
    """What runs as pid 1: the systemd cgroup driver needs systemd there."""

    name: str | None
    evidence: str

    @property
    def is_systemd(self) -> bool | None:
        return None if self.name is None else self.name == "systemd"


SYSTEMD_BINARIES = ("/usr/lib/systemd/systemd", "/lib/systemd/systemd")


def init_system(host: Host) -> InitSystem:
    """pid 1 from /proc/1/comm; /run/systemd/system (sd_booted) as a fallback.

    A system that is not running has no pid 1; having systemd installed is the best hint.
    """
    comm = host.read_optional("/proc/1/comm")
    if comm and comm.strip():
        return InitSystem(comm.strip(), "/proc/1/comm")
    if host.is_dir("/run/systemd/system"):
        return InitSystem("systemd", "/run/systemd/system exists")
    if host.kind == "root":
        installed = next((p for p in SYSTEMD_BINARIES if host.exists(p)), None)
        if installed:
            return InitSystem("systemd", f"{installed} is installed (not a running system)")
    return InitSystem(None, "/proc/1/comm is missing")


# ---------------------------------------------------------------------------- iptables
@dataclass(frozen=True)
class IptablesFact:
    """Which kernel backend the `iptables` command drives, and where rules already exist."""

    backend: str | None
    """"nf_tables" or "legacy"; None when it could not be asked."""
    version: str
    legacy_rules: int | None
    nft_rules: int | None
    note: str = ""

    @property
    def rules_in_both(self) -> bool:
        return bool(self.legacy_rules) and bool(self.nft_rules)


_IPTABLES_VERSION = re.compile(r"iptables v(\S+)(?: \((\w+)\))?")


def iptables_fact(host: Host) -> IptablesFact:
    """`iptables --version` names the backend; the two save commands count each one's rules.

    iptables before 1.8 has only the legacy backend and prints no suffix.
    """
    if host.which("iptables") is None:
        return IptablesFact(None, "", None, None, "iptables is not installed")
    result = host.run(["iptables", "--version"])
    match = _IPTABLES_VERSION.search(result.stdout)
    if not result.ok or match is None:
        reason = result.note or (result.stderr.strip() or "no version in its output")
        return IptablesFact(None, "", None, None, f"iptables --version: {reason}")
    return IptablesFact(match.group(2) or "legacy", match.group(1),
                        _rule_count(host, "iptables-legacy-save"),
                        _rule_count(host, "iptables-nft-save"))


def _rule_count(host: Host, program: str) -> int | None:
    if host.which(program) is None:
        return None
    result = host.run([program])
    if not result.ok:
        return None
    return sum(1 for line in result.stdout.splitlines() if line.startswith("-A "))

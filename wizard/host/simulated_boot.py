"""A simulated reboot of a demo host: the running state rebuilt from the files that survive one.

`swapoff`, `sysctl -w`, `modprobe` and `systemctl start` change only the running machine; what
comes back after a reboot is decided by files: /etc/fstab, swap units, dphys-swapfile and
zram-generator for swap, modules-load.d for modules, the sysctl.d files in the order the boot
program applies them, the kernel command line (cmdline.txt on a Pi, /etc/default/grub
elsewhere) for the cgroup hierarchy and its controllers, and the enabled units. A workshop
needs to show "it worked until the reboot", so the boot is replayed from exactly those files,
with the same readers the checks use (so the boot and the checks cannot disagree on which
file wins). Routes, /run and the package database are kept as they are; see
assets/demos/README.md.

What the firmware or boot loader adds to the command line is data, in host.yaml's `boot:`
(`cmdline_prefix`, and `serial0`: the device the Pi firmware substitutes for serial0).
"""

from __future__ import annotations

import shlex
import shutil
from typing import TYPE_CHECKING

from wizard.facts.kernel import (
    boot_modules,
    boot_sysctl_program,
    sysctl_assignments,
)
from wizard.facts.systemd import STARTS_AT_BOOT, unit_state
from wizard.fixes.cmdline import cmdline_path
from wizard.fixes.swap import (
    DPHYS_UNIT,
    ZRAM_GENERATOR_CONF,
    fstab_swap_lines,
    rpi_swap_mechanism,
    zram_devices,
)
from wizard.host.base import Host
from wizard.resources import asset

if TYPE_CHECKING:
    from pathlib import Path

    from wizard.host.simulated import SimulatedHost

GRUB_DEFAULTS = "/etc/default/grub"
KUBELET_CONFIG = "/var/lib/kubelet/config.yaml"

KERNEL_DEFAULTS = {
    "net.ipv4.ip_forward": "0",
    "net.ipv6.conf.all.forwarding": "0",
    "net.ipv6.conf.default.forwarding": "0",
    "net.bridge.bridge-nf-call-iptables": "1",
    "net.bridge.bridge-nf-call-ip6tables": "1",
    "net.bridge.bridge-nf-call-arptables": "1",
}
"""What the kernel starts with when no sysctl file sets a key (br_netfilter's on load).
Other keys start from the demo's shipped value."""

BRIDGE_SYSCTLS = ("bridge-nf-call-arptables", "bridge-nf-call-iptables",
                  "bridge-nf-call-ip6tables")
"""The files br_netfilter creates under /proc/sys/net/bridge when it is loaded."""

V2_CONTROLLERS = ("cpuset", "cpu", "io", "memory", "hugetlb", "pids", "rdma", "misc")
"""cgroup.controllers in the kernel's order; subtree_control gets the ones systemd delegates."""
V2_DELEGATED = ("cpuset", "cpu", "io", "memory", "pids")
V1_MOUNTS = ("cpuset", "cpu,cpuacct", "blkio", "memory", "devices", "freezer",
             "net_cls,net_prio", "perf_event", "hugetlb", "pids", "rdma", "misc")
"""The v1 hierarchies systemd mounts under /sys/fs/cgroup (co-mounted ones together)."""
_V2_MOUNT = ("cgroup2 /sys/fs/cgroup cgroup2 "
             "rw,nosuid,nodev,noexec,relatime,nsdelegate,memory_recursiveprot 0 0")


def simulate_boot(host: SimulatedHost) -> list[str]:
    """Reboot the demo host: rebuild its running state from its files; say what the boot did."""
    shipped = asset("demos", host.name, "root")
    report = [f"Booting {host.label} (simulated: the running state is rebuilt from its files)"]
    report += _hostname(host)
    report += _cmdline_and_cgroups(host)
    report += _modules(host, shipped)
    report += _sysctls(host, shipped)
    report += _swap(host, shipped)
    report += _services(host)
    report.append("kept as they were: routes, addresses, /run and the installed packages "
                  "(a demo does not replay network configuration files)")
    host.save_state()
    return report


# ------------------------------------------------------------------------------ helpers
def _shipped_text(shipped: Path, path: str) -> str:
    file = shipped / path.lstrip("/")
    return file.read_text(encoding="utf-8") if file.is_file() else ""


def _boot_settings(host: SimulatedHost) -> dict[str, str]:
    settings: dict[str, str] = host.state.get("boot") or {}
    return settings


def _hostname(host: SimulatedHost) -> list[str]:
    name = (host.read_optional("/etc/hostname") or "").strip()
    if not name:
        return []
    host.set_proc("/proc/sys/kernel/hostname", name + "\n")
    return [f"hostname: {name} (from /etc/hostname)"]


# ---------------------------------------------------------------- cmdline and cgroups
def _configured_cmdline(host: SimulatedHost) -> tuple[str, str] | None:
    """(the command line's configurable part, where it came from), or None without one."""
    path = cmdline_path(host)
    if path is not None:
        line = (host.read_optional(path) or "").split("\n", 1)[0].strip()
        serial = _boot_settings(host).get("serial0")
        words = [w.replace("serial0", serial) if serial else w for w in line.split()]
        return " ".join(words), path
    grub = host.read_optional(GRUB_DEFAULTS)
    if grub is None:
        return None
    values = {"GRUB_CMDLINE_LINUX": "", "GRUB_CMDLINE_LINUX_DEFAULT": ""}
    for raw in grub.splitlines():
        key, equals, value = raw.strip().partition("=")
        if equals and key in values:
            values[key] = " ".join(shlex.split(value, comments=True))
    text = " ".join(v for v in values.values() if v)
    return text, f"{GRUB_DEFAULTS} (a real machine reads it only after update-grub)"


def _cmdline_and_cgroups(host: SimulatedHost) -> list[str]:
    configured = _configured_cmdline(host)
    prefix = _boot_settings(host).get("cmdline_prefix")
    if configured is None or prefix is None:
        words = (host.read_optional("/proc/cmdline") or "").split()
        report = ["kernel command line: unchanged (host.yaml has no boot: cmdline_prefix)"]
    else:
        text, source = configured
        separator = "  " if cmdline_path(host) else " "  # the Pi firmware joins with two
        host.set_proc("/proc/cmdline", f"{prefix}{separator}{text}\n")
        words = f"{prefix} {text}".split()
        report = [f"kernel command line: from {source}"]
    version = 1 if _last_value(words, "systemd.unified_cgroup_hierarchy") in (
        "0", "false", "no") else 2
    memory = _controller_enabled(words, "memory")
    if version == 2:
        _mount_v2(host, memory)
    else:
        _mount_v1(host, memory)
    _proc_cgroups(host, version, memory)
    state = "enabled" if memory else "disabled (cgroup_disable=memory)"
    report.append(f"cgroups: v{version}, memory controller {state}")
    return report


def _last_value(words: list[str], key: str) -> str | None:
    values = [w.split("=", 1)[1] for w in words if w.startswith(key + "=")]
    return values[-1] if values else None


def _controller_enabled(words: list[str], controller: str) -> bool:
    """The kernel applies cgroup_enable= and cgroup_disable= in order: the last one wins."""
    enabled = True
    for word in words:
        key, _, value = word.partition("=")
        if key in ("cgroup_enable", "cgroup_disable") and controller in value.split(","):
            enabled = key == "cgroup_enable"
    return enabled


def _replace_cgroup_mounts(host: SimulatedHost, lines: list[str]) -> None:
    """/proc/mounts with its cgroup lines (and the tmpfs under v1 hierarchies) replaced by
    `lines`, where the first of them was."""
    kept: list[str] = []
    at = None
    for line in (host.read_optional("/proc/mounts") or "").splitlines():
        fields = line.split()
        if len(fields) >= 3 and (fields[2] in ("cgroup", "cgroup2")
                                 or fields[1] == "/sys/fs/cgroup"):
            at = len(kept) if at is None else at
            continue
        kept.append(line)
    at = len(kept) if at is None else at
    host.set_proc("/proc/mounts", "\n".join(kept[:at] + lines + kept[at:]) + "\n")


def _mount_v2(host: SimulatedHost, memory: bool) -> None:
    present = set((host.read_optional("/sys/fs/cgroup/cgroup.controllers") or "").split())
    available = (present | {"memory"}) if present else set(V2_CONTROLLERS)
    if not memory:
        available.discard("memory")
    _replace_cgroup_mounts(host, [_V2_MOUNT])
    host.set_proc("/sys/fs/cgroup/cgroup.controllers",
                   " ".join(c for c in V2_CONTROLLERS if c in available) + "\n")
    host.set_proc("/sys/fs/cgroup/cgroup.subtree_control",
                   " ".join(c for c in V2_DELEGATED if c in available) + "\n")
    host.record_output(["stat", "-fc", "%T", "/sys/fs/cgroup/"], "cgroup2fs\n")


def _mount_v1(host: SimulatedHost, memory: bool) -> None:
    options = "rw,nosuid,nodev,noexec,relatime"
    lines = ["tmpfs /sys/fs/cgroup tmpfs ro,nosuid,nodev,noexec,size=4096k,nr_inodes=1024,"
             "mode=755 0 0",
             f"cgroup2 /sys/fs/cgroup/unified cgroup2 {options},nsdelegate 0 0",
             f"cgroup /sys/fs/cgroup/systemd cgroup {options},xattr,name=systemd 0 0"]
    lines += [f"cgroup /sys/fs/cgroup/{c} cgroup {options},{c} 0 0" for c in V1_MOUNTS
              if memory or c != "memory"]
    _replace_cgroup_mounts(host, lines)
    for name in ("cgroup.controllers", "cgroup.subtree_control"):
        host.path(f"/sys/fs/cgroup/{name}").unlink(missing_ok=True)
    host.record_output(["stat", "-fc", "%T", "/sys/fs/cgroup/"], "tmpfs\n")


def _proc_cgroups(host: SimulatedHost, version: int, memory: bool) -> None:
    """/proc/cgroups: hierarchy ids on v1 (0 on v2), and the memory row's `enabled`."""
    lines = (host.read_optional("/proc/cgroups") or "").splitlines()
    out = lines[:1]
    for number, line in enumerate(lines[1:], start=1):
        fields = line.split()
        if len(fields) >= 4:
            fields[1] = str(number) if version == 1 else "0"
            if fields[0] == "memory":
                fields[3] = "1" if memory else "0"
            line = "\t".join(fields)
        out.append(line)
    host.set_proc("/proc/cgroups", "\n".join(out) + "\n")


# ---------------------------------------------------------------------------- modules
def _modules(host: SimulatedHost, shipped: Path) -> list[str]:
    """The hardware's modules (the shipped ones no modules-load.d file named), plus every
    module the host's modules-load.d files name now."""
    shipped_lines = _shipped_text(shipped, "/proc/modules").splitlines()
    configured_then = _shipped_boot_modules(shipped)
    wanted = boot_modules(host)
    lines = [line for line in shipped_lines if line.split() and (
        line.split()[0] not in configured_then or line.split()[0] in wanted)]
    have = {line.split()[0] for line in lines}
    lines += [f"{m} 32768 0 - Live 0x0000000000000000" for m in wanted if m not in have]
    host.set_proc("/proc/modules", "".join(line + "\n" for line in lines))
    loaded = {line.split()[0] for line in lines}
    bridge = host.path("/proc/sys/net/bridge")
    if "br_netfilter" in loaded:
        for name in BRIDGE_SYSCTLS:
            if not host.exists(f"/proc/sys/net/bridge/{name}"):
                host.set_proc(f"/proc/sys/net/bridge/{name}", "1\n")
    elif bridge.exists():
        shutil.rmtree(bridge)
    if not wanted:
        return ["modules-load.d: no module to load"]
    return ["modules-load.d: loaded " + ", ".join(f"{m} ({path})" for m, path in wanted.items())]


def _shipped_boot_modules(shipped: Path) -> set[str]:
    """The modules the demo's own modules-load.d files named when it was recorded."""
    return set(boot_modules(Host(shipped))) if shipped.is_dir() else set()


# ---------------------------------------------------------------------------- sysctls
def _sysctl_keys(host: SimulatedHost) -> list[str]:
    root = host.path("/proc/sys")
    if not root.is_dir():
        return []
    return sorted(".".join(p.relative_to(root).parts) for p in root.rglob("*") if p.is_file())


def _sysctls(host: SimulatedHost, shipped: Path) -> list[str]:
    """Each key's value after boot: the assignment the boot program applies last, else the
    kernel's default. Only values that change are reported."""
    program = boot_sysctl_program(host)
    report = [f"sysctl: applied by {program}"]
    for key in _sysctl_keys(host):
        if key in ("kernel.hostname", "kernel.osrelease"):
            continue
        path = "/proc/sys/" + key.replace(".", "/")
        assignments = sysctl_assignments(host, key, program=program)
        if assignments:
            value, source = assignments[-1].value, assignments[-1].describe()
        else:
            value = KERNEL_DEFAULTS.get(key) or _shipped_text(shipped, path).strip()
            source = "the kernel's default"
        before = (host.read_optional(path) or "").strip()
        if value and value != before:
            host.set_proc(path, value + "\n")
            report.append(f"  {key} = {value} ({source}; it was {before} before the reboot)")
    if len(report) == 1:
        report[0] += "; every value is what it was before the reboot"
    return report


# ------------------------------------------------------------------------------- swap
def _swap(host: SimulatedHost, shipped: Path) -> list[str]:
    from wizard.host.simulated import SWAPS_HEADER

    known = {line.split()[0]: line for text in (_shipped_text(shipped, "/proc/swaps"),
                                                host.read_optional("/proc/swaps") or "")
             for line in text.splitlines()[1:] if line.split()}
    known.update(host.state.get("swapped_off", {}))
    active: dict[str, str] = {}
    for name, why in _boot_swap_areas(host):
        active.setdefault(name, why)
    entries = [known.get(name) or f"{name:<40}file\t0\t\t0\t\t-2" for name in active]
    host.set_proc("/proc/swaps", "\n".join([SWAPS_HEADER, *entries]) + "\n")
    remembered = host.state.get("swapped_off", {})
    for name in active:
        remembered.pop(name, None)
    if any(c["argv"] == ["swapon", "--show"] for c in host.state.get("commands", [])):
        host.record_output(["swapon", "--show"], _swapon_show(entries))
    if not active:
        return ["swap: none (nothing turns it on at boot)"]
    return ["swap: on " + ", ".join(f"{name} ({why})" for name, why in active.items())]


def _boot_swap_areas(host: SimulatedHost) -> list[tuple[str, str]]:
    areas = [(line.split()[0], "/etc/fstab")
             for line in fstab_swap_lines(host.read_optional("/etc/fstab") or "")]
    for path in host.glob("/etc/systemd/system", "*.swap"):
        unit = path.rsplit("/", 1)[1]
        what = _unit_what(host.read_optional(path) or "")
        if what and unit_state(host, unit) in STARTS_AT_BOOT:
            areas.append((what, f"{unit} enabled"))
    if unit_state(host, DPHYS_UNIT) in STARTS_AT_BOOT:
        areas.append(("/var/swap", f"{DPHYS_UNIT} enabled"))
    for device in zram_devices(host.read_optional(ZRAM_GENERATOR_CONF) or ""):
        unit = f"dev-{device}.swap"
        if unit_state(host, unit) not in ("masked", "disabled"):
            areas.append((f"/dev/{device}", f"zram-generator, {unit}"))
    mechanism = rpi_swap_mechanism(host)
    if mechanism not in (None, "none"):
        areas.append(("/var/swap", f"rpi-swap Mechanism={mechanism} (simulated as a file)"))
    return areas


def _unit_what(text: str) -> str | None:
    for raw in text.splitlines():
        key, _, value = raw.strip().partition("=")
        if key.strip() == "What":
            return value.strip()
    return None


def _swapon_show(entries: list[str]) -> str:
    if not entries:
        return ""
    rows = []
    for entry in entries:
        name, kind, size = entry.split()[:3]
        rows.append(f"{name} {kind} {round(int(size) / 1024)}M   0B   -2")
    return "NAME TYPE SIZE USED PRIO\n" + "".join(row + "\n" for row in rows)


# --------------------------------------------------------------------------- services
def _services(host: SimulatedHost) -> list[str]:
    """Enabled units start, the others do not; the kubelet exits (and restarts every 10 s)
    until kubeadm writes its configuration."""
    started: list[str] = []
    stopped: list[str] = []
    for name, unit in host.state.get("services", {}).items():
        runs = bool(unit.get("enabled")) and not unit.get("masked")
        if name == "kubelet" and not host.exists(KUBELET_CONFIG):
            runs = False
        if runs != bool(unit.get("active")):
            (started if runs else stopped).append(name)
        unit["active"] = runs
    report = []
    if started:
        report.append("units: started " + ", ".join(started) + " (enabled at boot)")
    if stopped:
        report.append("units: not running " + ", ".join(stopped)
                      + " (not enabled, masked, or the kubelet waiting for kubeadm)")
    return report or ["units: every enabled unit was already running, and only those"]

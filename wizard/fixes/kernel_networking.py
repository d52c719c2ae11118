"""Fix steps for kernel modules and sysctls: change the running kernel and persist for boot.

`modprobe` and `sysctl -w` last until the next reboot; the files in modules-load.d and
sysctl.d make the change permanent. Each step does both, and the file it writes is chosen so
that it really wins at boot: systemd-sysctl (or procps' `sysctl --system` where systemd is not
pid 1) applies files by name and a later one wins, so
a file that would lose to another is named to sort after it, or the other line is disabled.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Mapping, Sequence

from wizard.facts.kernel import (
    SYSCTL_CONF,
    SYSCTL_DIRS,
    SYSTEMD_SYSCTL,
    SysctlAssignment,
    boot_sysctl_program,
    module_fact,
    parse_sysctl_line,
    sysctl_assignments,
    sysctl_fact,
    sysctl_running,
)
from wizard.fixes.cmdline import cmdline_path
from wizard.host.base import Host
from wizard.i18n import _
from wizard.steps.step import FileWrite, RunCommand, Step

MODULES_FILE = "/etc/modules-load.d/k8s.conf"
SYSCTL_NAMES = ("k8s.conf", "zz-kubernetes.conf")
"""Where the sysctls go, in order of preference. `sysctl --system` applies files by name and
digits sort before letters, so the docs' k8s.conf already comes after every numbered file
(10-…, 99-…); zz-kubernetes.conf also comes after names such as local.conf."""

HEADER = "# Written by kubeadm-wizard: {what}\n"
DISABLED = "# disabled by kubeadm-wizard (Kubernetes needs {value}): "
UNIFIED_PARAM = "systemd.unified_cgroup_hierarchy"


def _append_missing(text: str, lines: Sequence[str], header: str) -> str:
    """`text` with each missing line added at the end; a new file starts with a header."""
    present = {line.strip() for line in text.splitlines()}
    missing = [line for line in lines if line not in present]
    if not missing:
        return text
    if not text:
        text = header
    elif not text.endswith("\n"):
        text += "\n"
    return text + "".join(line + "\n" for line in missing)


# ---------------------------------------------------------------------------- modules
def kernel_modules_step(host: Host, modules: Sequence[str]) -> Step | None:
    """modprobe what is not loaded and list in k8s.conf what is not loaded at boot.

    None when every module is loaded now and at boot, so there is nothing to do.
    """
    facts = [module_fact(host, name) for name in modules]
    load_now = [f.name for f in facts if f.loaded is False]
    persist = [f.name for f in facts if not f.at_boot]
    if not load_now and not persist:
        return None
    actions: list[FileWrite | RunCommand] = []
    if persist:
        text = host.read_optional(MODULES_FILE) or ""
        header = HEADER.format(what="kernel modules Kubernetes needs, loaded at every boot")
        actions.append(FileWrite(MODULES_FILE, _append_missing(text, persist, header)))
    if load_now:
        # -a: without it modprobe reads every name after the first as a module parameter.
        actions.append(RunCommand(("modprobe", "-a", *load_now),
                                  undo_argv=("modprobe", "-r", "-a", *load_now)))
    names = list(modules)
    return Step(
        id="kernel-modules",
        title=f"Load {' and '.join(names)} now and at boot",
        why=_("overlay is the file system container images are unpacked onto; br_netfilter "
              "passes bridged pod traffic through iptables so Services work and creates the "
              "net.bridge sysctls. modprobe loads a module until the next reboot; "
              "{file} has systemd-modules-load load it at every boot.").format(
                  file=MODULES_FILE),
        actions=tuple(actions),
        verify=f"lsmod | grep -E '^({'|'.join(names)}) '; cat {MODULES_FILE}",
        undo="kubeadm-wizard undo removes the file and unloads the modules it loaded "
             "(modprobe -r fails harmlessly while something still uses them).",
        done_when=lambda h: all(module_fact(h, name).loaded is not False for name in names),
        fixes=", ".join(f"Module-{name}" for name in names),
    )


# ---------------------------------------------------------------------------- sysctls
def set_sysctl_keys(text: str, values: Mapping[str, str]) -> str:
    """Give each key its value: change the line that sets it, else append `key = value`."""
    lines = text.splitlines(keepends=True)
    done: set[str] = set()
    for index, line in enumerate(lines):
        stripped = line.strip()
        parsed = None if stripped.startswith(("#", ";")) else parse_sysctl_line(stripped)
        if parsed and parsed[0] in values:
            key = parsed[0]
            prefix = line[:line.index("=") + 1]
            spacing = " " if prefix.endswith(" =") else ""
            ending = "\n" if line.endswith("\n") else ""
            lines[index] = f"{prefix}{spacing}{values[key]}{ending}"
            done.add(key)
    header = HEADER.format(what="kernel settings Kubernetes needs (applied at every boot)")
    return _append_missing("".join(lines), [f"{k} = {v}" for k, v in values.items()
                                            if k not in done], header)


def disable_lines(text: str, numbers: set[int], value: str) -> str:
    """Comment out the given (1-based) lines, saying why, so the file stays readable."""
    lines = text.splitlines(keepends=True)
    for number in numbers:
        lines[number - 1] = DISABLED.format(value=value) + lines[number - 1]
    return "".join(lines)


def _writable(path: str) -> str:
    """Where to change a file: /etc files in place; a vendor file by shadowing it in /etc."""
    if path.startswith("/etc/"):
        return path
    return f"{SYSCTL_DIRS[0]}/{posixpath.basename(path)}"


def sysctl_writes(host: Host, wanted: Mapping[str, str],
                  defaults: Mapping[str, str] | None = None) -> dict[str, str]:
    """The files (path → new text) that make every wanted value hold after a reboot.

    `defaults` are the values a key has when no file sets it (the kernel's, or a module's).
    The first of SYSCTL_NAMES that wins for every key is used. When none can (a line in
    /etc/sysctl.conf, which procps' `sysctl --system` applies last, or a file sorting after
    ours sets another value), k8s.conf is written and each overriding line is commented out.
    """
    defaults = defaults or {}
    boot_wrong = {k: v for k, v in wanted.items()
                  if (sysctl_fact(host, k).boot or defaults.get(k)) != v}
    if not boot_wrong:
        return {}

    def ours(name: str) -> dict[str, str]:
        path = f"{SYSCTL_DIRS[0]}/{name}"
        return {path: set_sysctl_keys(host.read_optional(path) or "", boot_wrong)}

    for name in SYSCTL_NAMES:
        writes = ours(name)
        if all((_boot_value(host, k, writes) or defaults.get(k)) == v
               for k, v in wanted.items()):
            return writes
    writes = ours(SYSCTL_NAMES[0])
    for key, value in wanted.items():
        for assignment in _overriding(host, key, value, writes):
            path = _writable(assignment.path)
            text = writes.get(path, host.read_optional(assignment.path) or "")
            writes[path] = disable_lines(text, {assignment.line}, f"{key} = {value}")
    return writes


def _boot_value(host: Host, key: str, writes: Mapping[str, str]) -> str | None:
    assignments = sysctl_assignments(host, key, writes)
    return assignments[-1].value if assignments else None


def _overriding(host: Host, key: str, value: str, writes: Mapping[str, str]
                ) -> list[SysctlAssignment]:
    """Assignments applied after the last one that sets the wanted value, with another value."""
    assignments = sysctl_assignments(host, key, writes)
    last_good = max((i for i, a in enumerate(assignments) if a.value == value), default=-1)
    return [a for a in assignments[last_good + 1:] if a.value != value]


def _running_holds(host: Host, key: str, value: str) -> bool:
    running = sysctl_running(host, key)
    return running == value or (running is None and not host.changes_running_kernel)


def sysctl_step(host: Host, wanted: Mapping[str, str], fixes: str,
                defaults: Mapping[str, str] | None = None) -> Step | None:
    """sysctl -w for the running kernel plus the sysctl.d file that holds after a reboot."""
    writes = sysctl_writes(host, wanted, defaults)
    now = {k: v for k, v in wanted.items() if not _running_holds(host, k, v)}
    if not writes and not now:
        return None
    actions: list[FileWrite | RunCommand] = [FileWrite(p, t) for p, t in writes.items()]
    if now:
        old = {k: sysctl_running(host, k) for k in now}
        undo = tuple(f"{k}={v}" for k, v in old.items() if v is not None)
        actions.append(RunCommand(("sysctl", "-w", *(f"{k}={v}" for k, v in now.items())),
                                  undo_argv=("sysctl", "-w", *undo) if undo else None))
    ours = next((p for p in writes if posixpath.basename(p) in SYSCTL_NAMES), None)
    program = boot_sysctl_program(host)
    why = _("sysctl -w changes the running kernel until the next reboot; a file in "
            "/etc/sysctl.d is applied at every boot, by {program}.").format(program=program) + " "
    if ours and not ours.endswith("/k8s.conf"):
        why += _("{file} is used rather than k8s.conf because a file that sorts later sets "
                 "another value, and {program} lets the last file win.").format(
                     file=ours, program=program) + " "
    disabled = [p for p in writes if p != ours]
    if disabled:
        order = (_("sysctl.d files are applied in the order of their names")
                 if program == SYSTEMD_SYSCTL else
                 _("{file} is applied after every sysctl.d file").format(file=SYSCTL_CONF))
        why += _("{files} would still override it at boot ({order}), so those lines are "
                 "commented out.").format(files=", ".join(disabled), order=order) + " "
    keys = list(wanted)
    order_command = ("systemd-analyze cat-config sysctl.d" if program == SYSTEMD_SYSCTL
                     else "sudo sysctl --system | grep -E '^\\* Applying'")
    return Step(
        id="sysctl-kubernetes",
        title="Set " + ", ".join(f"{k}={v}" for k, v in wanted.items()),
        why=why + _("Packets between pods, nodes and Services are routed by this host, which "
                    "the kernel only does with forwarding switched on."),
        actions=tuple(actions),
        verify="sysctl " + " ".join(keys) + "; " + order_command,
        undo="kubeadm-wizard undo restores the files and the previous running values.",
        done_when=lambda h: all(_running_holds(h, k, v) for k, v in wanted.items()),
        fixes=fixes,
    )


# ------------------------------------------------------------------ cgroup v2 at boot
_UNIFIED_WORD = re.compile(rf"(?<!\S){re.escape(UNIFIED_PARAM)}=\S*")


def unified_cgroup_step(host: Host) -> Step | None:
    """On a Raspberry Pi, switch cmdline.txt to cgroup v2; None where there is no cmdline.txt.

    systemd picks the hierarchy from systemd.unified_cgroup_hierarchy; v1 on a current Pi OS
    image only happens when the command line says =0, so that word is changed to =1.
    """
    path = cmdline_path(host)
    if path is None:
        return None
    text = host.read_optional(path) or ""
    first, newline, rest = text.partition("\n")
    if _UNIFIED_WORD.search(first):
        first = _UNIFIED_WORD.sub(f"{UNIFIED_PARAM}=1", first)
    else:
        first = f"{first.rstrip()} {UNIFIED_PARAM}=1"
    return Step(
        id="cgroup-v2-cmdline",
        title=f"Boot with cgroup v2 ({path})",
        why=_("From Kubernetes 1.35 the kubelet refuses cgroup v1 (failCgroupV1 defaults to "
              "true); systemd mounts cgroup v2 when the kernel command line says "
              "{param}=1. The firmware reads only the first line of {path}.").format(
                  param=UNIFIED_PARAM, path=path),
        actions=(FileWrite(path, first + newline + rest),),
        verify="after a reboot: stat -fc %T /sys/fs/cgroup  (prints cgroup2fs)",
        reboot_required=True,
        fixes="CgroupVersion",
    )

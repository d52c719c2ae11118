"""The Raspberry Pi kernel command line (cmdline.txt) and the memory-cgroup fix.

Raspberry Pi kernels boot with the memory cgroup disabled (the firmware passes
`cgroup_disable=memory`); `cgroup_enable=memory` later on the command line turns it back on.
The firmware reads only the first line of cmdline.txt, so parameters must go on that line.
"""

from __future__ import annotations

from wizard.host.base import Host
from wizard.i18n import N_
from wizard.steps.step import FileWrite, Step

CMDLINE_PATHS = ("/boot/firmware/cmdline.txt", "/boot/cmdline.txt")
"""Bookworm and later mount the boot partition at /boot/firmware; older images at /boot."""

MEMORY_PARAMS = ("cgroup_enable=memory", "cgroup_memory=1")
"""cgroup_enable=memory re-enables the controller; cgroup_memory=1 is what older kernels read
(current kernels log it as unknown and ignore it), so adding it is harmless."""


def cmdline_path(host: Host) -> str | None:
    """The cmdline.txt the firmware reads on this host, or None when there is none."""
    return next((path for path in CMDLINE_PATHS if host.exists(path)), None)


def has_param(cmdline_text: str, param: str) -> bool:
    """Whether the first line (the only one the firmware reads) carries `param` as a word."""
    first_line = cmdline_text.split("\n", 1)[0]
    return param in first_line.split()


def memory_cgroup_at_boot(cmdline_text: str) -> bool:
    """Whether a Raspberry Pi kernel booted with this cmdline.txt has the memory cgroup: off
    unless the first line says cgroup_enable=memory, and the last of enable/disable wins (the
    kernel applies the words in order)."""
    verdict = False
    for word in cmdline_text.split("\n", 1)[0].split():
        if word in ("cgroup_enable=memory", "cgroup_disable=memory"):
            verdict = word == "cgroup_enable=memory"
    return verdict


def add_params(cmdline_text: str, params: tuple[str, ...]) -> str:
    """Append the missing `params` to the end of the first line, keeping every other byte.

    Trailing spaces, a carriage return, the presence or absence of the final newline and any
    further lines stay exactly as they were; a second call adds nothing.
    """
    first_line, newline, rest = cmdline_text.partition("\n")
    missing = [p for p in params if p not in first_line.split()]
    if not missing:
        return cmdline_text
    content = first_line.rstrip()
    trailing = first_line[len(content):]
    added = " ".join(missing)
    content = f"{content} {added}" if content else added
    return content + trailing + newline + rest


def cgroup_memory_step(host: Host, path: str) -> Step:
    """Add the memory-cgroup parameters to the host's cmdline.txt (effective after a reboot)."""
    text = host.read_optional(path) or ""
    return Step(
        id="cgroup-memory-cmdline",
        title=f"Enable the memory cgroup in {path}",
        why=(N_("The kubelet and kubeadm's SystemVerification need the memory cgroup to enforce "
             "Pod memory limits; Raspberry Pi kernels turn it off unless the command line says "
             "cgroup_enable=memory. cgroup_memory=1 is added too: older kernels want it and "
             "newer ones ignore it, so it is harmless.")),
        actions=(FileWrite(path, add_params(text, MEMORY_PARAMS)),),
        verify="after a reboot, grep -w memory /sys/fs/cgroup/cgroup.controllers",
        reboot_required=True,
        fixes="CgroupMemory",
    )

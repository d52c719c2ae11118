"""Fixture roots for the Requirements checks and fixes.

`make_root(files)` writes a tree under tmp_path and returns a Host on it, like `--root DIR`.
With `running=True` the root behaves like a running machine instead: recorded answers to
inspecting commands, listening ports, root privileges; it still never runs a real command.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

import pytest

from wizard.checks.base import CheckResult
from wizard.checks.runner import run_checks
from wizard.host.base import Host
from wizard.host.commands import CommandResult
from wizard.host.ports import ListeningPort
from wizard.model import WizardChoices

ELF_MACHINES = {"x86_64": 62, "aarch64": 183, "armv7l": 40}


def elf_header(architecture: str) -> bytes:
    """The first bytes of an ELF program built for `architecture`, enough for identity."""
    header = bytearray(64)
    header[:4] = b"\x7fELF"
    header[4] = 2 if architecture != "armv7l" else 1
    header[5] = 1
    struct.pack_into("<H", header, 18, ELF_MACHINES[architecture])
    return bytes(header)


TOOLS = ("mount", "losetup", "cp", "crictl", "conntrack", "ip", "iptables", "nsenter",
         "ebtables", "socat", "ethtool", "tc", "touch")

HEALTHY: dict[str, str | bytes] = {
    "etc/hostname": "node-1\n",
    "etc/hosts": "127.0.0.1\tlocalhost\n127.0.1.1\tnode-1\n",
    "etc/os-release": 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\n',
    "etc/fstab": "UUID=0a1b / ext4 defaults 0 1\n",
    "etc/machine-id": "3d1219c7c4c5404aaa1f6d2a48adfda4\n",
    "etc/resolv.conf": "nameserver 192.168.1.1\n",
    "proc/swaps": "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n",
    "proc/meminfo": "MemTotal:        4030464 kB\nMemFree:         1000000 kB\n",
    "proc/mounts": "sysfs /sys sysfs rw 0 0\ncgroup2 /sys/fs/cgroup cgroup2 rw,nosuid 0 0\n",
    "proc/sys/kernel/osrelease": "6.1.0-18-amd64\n",
    "sys/devices/system/cpu/online": "0-3\n",
    "sys/fs/cgroup/cgroup.controllers": "cpuset cpu io memory hugetlb pids rdma misc\n",
    "sys/class/dmi/id/product_uuid": "4c4c4544-0042-3510-8052-b4c04f4e3232\n",
    "sys/class/net/eth0/address": "dc:a6:32:01:02:03\n",
    "sys/class/net/eth0/device/vendor": "0x14e4\n",
    "sys/class/net/lo/address": "00:00:00:00:00:00\n",
}
"""A host that passes every Requirements check for a 1.30-1.36 control plane or worker."""


class RunningRoot(Host):
    """A fixture root that answers like a running machine, without running anything."""

    def __init__(self, root: Path, *, commands: Mapping[tuple[str, ...], CommandResult],
                 listening: list[ListeningPort], is_root: bool) -> None:
        super().__init__(root)
        self.kind = "fixture"
        self.commands = dict(commands)
        self.listening = listening
        self.as_root = is_root

    def _is_root(self) -> bool:
        return self.as_root

    def run(self, argv, *, timeout=30.0, input_text=None) -> CommandResult:
        result = self.commands.get(tuple(argv)) or CommandResult(
            tuple(argv), 1, stderr=f"Unit {argv[-1]} could not be found.")
        self.command_log.append(result)
        return result

    def listening_ports(self) -> list[ListeningPort]:
        return self.listening


MakeRoot = Callable[..., Host]


def write_tree(root: Path, files: Mapping[str, str | bytes | None],
               executables: Iterable[str] = ()) -> None:
    """Write `files` (None deletes) and executable stubs under `root`."""
    for relative, content in files.items():
        path = root / relative
        if content is None:
            path.unlink(missing_ok=True)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    for name in executables:
        path = root / "usr/bin" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("#!/bin/sh\n")
        path.chmod(0o755)


@pytest.fixture
def make_root(tmp_path: Path) -> MakeRoot:
    """Build a fixture root: `make_root(files, healthy=True, arch="x86_64", running=False, ...)`.

    The healthy tree has every tool any version wants (`tools`); `extra_tools` adds stubs.

    `files` is merged over the healthy host (None removes a healthy file); with healthy=False
    only `files` are written. `arch` is the architecture of /usr/bin/env (None: no ELF).
    Calling it again in the same test adds to the same tree.
    """

    def build(files: Mapping[str, str | bytes | None] | None = None, *, healthy: bool = True,
              arch: str | None = "x86_64", tools: Iterable[str] = TOOLS,
              extra_tools: Iterable[str] = (), running: bool = False,
              commands: Mapping[tuple[str, ...], CommandResult] | None = None,
              listening: list[ListeningPort] | None = None, is_root: bool = True) -> Host:
        root = tmp_path / "root"
        tree: dict[str, str | bytes | None] = dict(HEALTHY) if healthy else {}
        if arch is not None:
            tree["usr/bin/env"] = elf_header(arch)
        tree.update(files or {})
        write_tree(root, tree, [*(tools if healthy else ()), *extra_tools])
        if running:
            return RunningRoot(root, commands=commands or {}, listening=listening or [],
                               is_root=is_root)
        return Host(root)

    return build


def results_by_id(host: Host, **choices) -> dict[str, CheckResult]:
    """Run the Requirements checks with these WizardChoices fields; results keyed by id."""
    extra = {k: choices.pop(k) for k in ("fail_swap_on", "fail_cgroup_v1") if k in choices}
    wizard_choices = WizardChoices(**choices)
    for name, value in extra.items():
        setattr(wizard_choices, name, value)  # choices WizardChoices does not carry yet
    return {r.id: r for r in run_checks(host, wizard_choices, screens=["requirements"])}


@pytest.fixture
def requirements() -> Callable[..., dict[str, CheckResult]]:
    """`requirements(host, role=..., kubernetes_version=...)`: the results keyed by check id."""
    return results_by_id

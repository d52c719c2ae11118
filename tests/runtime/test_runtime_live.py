"""Against a real containerd: `apply --root` edits its config, containerd itself reads the result,
and runtime detection connects to the daemon started on it.

The daemon runs as a plain process on a socket in a temporary directory (conftest.py), so the
host's own containerd, if any, is never touched.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest
import tomlkit

import wizard.checks.cgroups  # noqa: F401  (registers the checks until the runner does)
import wizard.checks.container_runtime  # noqa: F401
from wizard.cli import main
from wizard.facts.runtime import detect_runtimes, parse_version
from wizard.host.base import Host

DATA = Path(__file__).parent.parent / "data" / "containerd"
RUNC = ("plugins", "io.containerd.grpc.v1.cri", "containerd", "runtimes", "runc")


def comments(text: str) -> list[str]:
    return [line[line.index("#"):].rstrip() for line in text.splitlines() if "#" in line]


def dumped(dump: str, *path: str):
    node = tomlkit.parse(dump).unwrap()
    for key in path:
        node = node[key]
    return node


@pytest.fixture
def applied_root(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[Path, str, str]:
    """`kubeadm-wizard apply --yes --root DIR` on a root whose hand-commented containerd config
    has SystemdCgroup = false and an old pause image."""
    if os.geteuid() != 0:
        pytest.skip("apply refuses to change a host unless it runs as root")
    cri_off = '  "io.containerd.grpc.v1.cri",               # turned off while we ran Docker\n'
    original = (DATA / "commented-v2.toml").read_text().replace(cri_off, "")
    assert "SystemdCgroup = false" in original and "io.containerd.grpc.v1.cri\"," not in original
    root = tmp_path / "root"
    (root / "etc/containerd").mkdir(parents=True)
    (root / "etc/containerd/config.toml").write_text(original)
    (root / "etc/os-release").write_text('ID=debian\nPRETTY_NAME="Debian GNU/Linux 12"\n')
    (root / "usr/bin").mkdir(parents=True)
    (root / "usr/bin/containerd").write_text("#!/bin/sh\n")
    (root / "usr/bin/containerd").chmod(0o755)
    assert main(["apply", "--yes", "--root", str(root)]) in (0, 1)
    return root, original, capsys.readouterr().out


def test_apply_leaves_a_config_containerd_reads_as_systemd_cgroup(applied_root,
                                                                  containerd_dump, capsys):
    root, original, out = applied_root
    assert "Configure containerd for the kubelet" in out
    edited = (root / "etc/containerd/config.toml").read_text()
    assert comments(edited) == comments(original)
    dump = containerd_dump(edited)
    assert dumped(dump, *RUNC, "options", "SystemdCgroup") is True
    assert dumped(dump, *RUNC, "options", "BinaryName") == "/usr/local/sbin/runc"
    assert "io.containerd.grpc.v1.cri" not in dumped(dump, "disabled_plugins")
    assert dumped(dump, "plugins", "io.containerd.grpc.v1.cri",
                  "sandbox_image") == "registry.k8s.io/pause:3.10.2"
    # Applying again finds nothing left to do for containerd.
    assert main(["plan", "--root", str(root)]) == 0
    assert "Configure containerd" not in capsys.readouterr().out


def test_detection_connects_to_containerd_started_on_the_edited_config(applied_root,
                                                                       containerd_factory):
    root, _, _ = applied_root
    live = containerd_factory((root / "etc/containerd/config.toml").read_text())
    plugins = live.ctr("plugins", "ls")
    assert re.search(r"^io\.containerd\.grpc\.v1\s+cri\s+.*\sok\s*$", plugins, re.M), plugins

    host = Host("/")
    found = detect_runtimes(host, {"containerd": f"unix://{live.address}"})
    containerd = found.get("containerd")
    assert (containerd.socket.exists, containerd.socket.answers) == (True, True)
    assert containerd.socket.detail == "accepts connections"
    version = subprocess.run(["containerd", "--version"], capture_output=True, text=True,
                             check=True).stdout
    assert containerd.version == parse_version(version)
    assert containerd.version in live.ctr("version")

    # Killed without cleaning up: the socket file stays behind and refuses connections.
    live.process.kill()
    live.process.wait(timeout=5)
    stale = detect_runtimes(host, {"containerd": f"unix://{live.address}"}).get("containerd")
    assert (stale.socket.exists, stale.socket.answers) == (True, False)
    assert "stale socket" in stale.socket.detail

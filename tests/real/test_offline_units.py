"""Units of an image that is not running are enabled and disabled as systemctl --root does it.

A debootstrapped Debian 12 root with dphys-swapfile enabled stands in for a Raspberry Pi OS
image on an SD card: `apply --root` must leave it with swap off at boot (SwapOnBoot passes),
as the root's unit links say to the real `systemctl --root=DIR is-enabled`, and `undo` must put
every link back.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path


def _wizard(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "wizard", *args], capture_output=True,
                          text=True, timeout=300)


def _is_enabled(root: Path, unit: str) -> str:
    return subprocess.run(["systemctl", f"--root={root}", "is-enabled", unit],
                          capture_output=True, text=True).stdout.strip()


def _links(root: Path) -> list[str]:
    """Every entry under etc/systemd/system with what a link resolves to inside the root.

    Resolved rather than as written: Debian 13's deb-systemd-helper links to /lib/systemd/...,
    while systemctl (which undo runs) links to /usr/lib/systemd/...; on a merged-/usr root
    both are the same file, and systemd treats the two links alike.
    """
    listing = subprocess.run(["find", str(root / "etc/systemd/system"), "-printf", "%P %y %l\n"],
                             capture_output=True, text=True, check=True).stdout
    return sorted(_resolved(root, line) for line in listing.splitlines())


def _resolved(root: Path, line: str) -> str:
    name, kind, target = line.split(" ", 2)
    if kind != "l" or not target.startswith("/"):
        return line
    real = Path(os.path.realpath(root / target.lstrip("/")))
    inside = "/" + str(real.relative_to(root)) if real.is_relative_to(root) else str(real)
    return f"{name} {kind} {inside}"


def _status(root: Path, check_id: str) -> str:
    report = json.loads(_wizard("check", "--root", str(root), "--json").stdout)
    return next(c["status"] for c in report["checks"] if c["id"] == check_id)


def test_apply_disables_dphys_swapfile_offline_and_undo_enables_it(debian_root):
    assert _is_enabled(debian_root, "dphys-swapfile") == "enabled"
    assert _status(debian_root, "SwapOnBoot") == "fail"
    before = _links(debian_root)

    _wizard("apply", "--yes", "--root", str(debian_root))
    assert _is_enabled(debian_root, "dphys-swapfile") == "disabled"
    assert _status(debian_root, "SwapOnBoot") == "pass"

    undone = _wizard("undo", "--yes", "--root", str(debian_root))
    assert undone.returncode == 0, undone.stderr
    assert _is_enabled(debian_root, "dphys-swapfile") == "enabled"
    assert _links(debian_root) == before


def test_an_sd_card_image_gets_its_memory_cgroup_and_swap_fixed_before_it_boots(debian_root):
    cmdline = debian_root / "boot/firmware/cmdline.txt"
    cmdline.parent.mkdir(parents=True)
    original = b"console=serial0,115200 console=tty1 root=PARTUUID=1234-02 rootwait\n"
    cmdline.write_bytes(original)
    assert _status(debian_root, "CgroupMemory") == "fail"

    _wizard("apply", "--yes", "--root", str(debian_root))
    assert b" cgroup_enable=memory" in cmdline.read_bytes()
    assert (_status(debian_root, "CgroupMemory"), _status(debian_root, "SwapOnBoot")) == (
        "pass", "pass")
    assert _is_enabled(debian_root, "dphys-swapfile") == "disabled"

    assert _wizard("undo", "--yes", "--root", str(debian_root)).returncode == 0
    assert cmdline.read_bytes() == original

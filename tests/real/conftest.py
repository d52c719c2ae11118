"""A real Debian root, built once with debootstrap, copied for every test that needs one.

The tests in this folder ask the programs that really read each file (systemd-sysctl,
systemctl --root, netplan, ifquery, NetworkManager, systemd-networkd, containerd) what a
machine booted from a tree would do, instead of trusting the wizard's own model of them.
The pristine tree lives in the repository's ignored `.cache/debian-roots/SUITE` and is
built by `build_root.sh` the first time a run needs it (a few minutes, from the archive apt
already uses); each test gets its own copy, so no test sees another's changes.

Suites: those KW_REAL_SUITES names (default bookworm); tests/run.sh adds trixie when the
archive serves it, so CI runs every test here on Debian 12 and 13.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CACHE = Path(os.environ.get("KW_ROOT_CACHE", REPO / ".cache" / "debian-roots"))
BUILD = Path(__file__).with_name("build_root.sh")
SUITES = tuple(os.environ.get("KW_REAL_SUITES", "bookworm").split(","))


def _require_root_tools() -> None:
    if os.geteuid() != 0:
        pytest.skip("needs root: debootstrap, chroot and namespaces")
    if not shutil.which("debootstrap"):
        pytest.skip("needs Debian's debootstrap (tests/run.sh installs it)")


def build_pristine(suite: str) -> Path:
    """The pristine tree for SUITE, built on first use (cached across runs)."""
    _require_root_tools()
    done = subprocess.run(["bash", str(BUILD), suite, str(CACHE)],
                          capture_output=True, text=True, timeout=1800)
    if done.returncode != 0:
        pytest.fail(f"debootstrap {suite} failed:\n{done.stderr[-3000:]}")
    return Path(done.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="session", params=SUITES)
def pristine_root(request) -> Path:
    """The shared, read-only pristine tree; copy it before changing anything."""
    return build_pristine(request.param)


@pytest.fixture
def debian_root(pristine_root: Path, tmp_path: Path) -> Path:
    """A private copy of the pristine Debian root for one test."""
    target = tmp_path / "root"
    subprocess.run(["cp", "-a", "--reflink=auto", str(pristine_root), str(target)], check=True)
    return target

"""Boot-time sysctls as the root's own systemd-sysctl applies them, not as the wizard models it.

Each case arranges sysctl files on a copy of a debootstrapped Debian root (12, and 13 where
the archive serves it), asks the wizard what ip_forward will be after a reboot, and compares
with the value the root's real
systemd-sysctl sets in a private network namespace. Then `kubeadm-wizard apply --yes --root`
runs as an operator would, and the real program must give 1.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from real_programs import boot_sysctl, chroot

from wizard.facts.kernel import SYSTEMD_SYSCTL, sysctl_fact
from wizard.host.base import Host

KEY = "net.ipv4.ip_forward"

LAYOUTS = {
    # The case: sysctl.conf says 1, a later-sorting sysctl.d file says 0.
    "sysctl.conf loses to 99-zzz.conf": {
        "etc/sysctl.conf": f"{KEY}=1\n", "etc/sysctl.d/99-zzz.conf": f"{KEY} = 0\n"},
    "sysctl.conf alone": {"etc/sysctl.conf": f"{KEY}=0\n"},
    "/etc masks a vendor file of the same name": {
        "usr/lib/sysctl.d/60-vendor.conf": f"{KEY} = 1\n",
        "etc/sysctl.d/60-vendor.conf": f"{KEY} = 0\n"},
    "/run between /etc and /usr/lib": {
        "run/sysctl.d/70-run.conf": f"{KEY} = 1\n",
        "usr/lib/sysctl.d/80-late.conf": f"{KEY} = 0\n"},
    "nothing sets it": {},
}


def _arrange(root: Path, files: dict[str, str]) -> None:
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


@pytest.mark.parametrize("layout", LAYOUTS, ids=list(LAYOUTS))
def test_the_wizard_predicts_what_systemd_sysctl_sets(debian_root, layout):
    _arrange(debian_root, LAYOUTS[layout])
    fact = sysctl_fact(Host(debian_root), KEY)
    assert fact.program == SYSTEMD_SYSCTL
    real = boot_sysctl(debian_root, KEY)
    predicted = fact.boot if fact.boot is not None else "0"  # the kernel's default
    assert predicted == real, (layout, fact.assignments)


def test_the_wizard_names_the_file_the_real_order_ends_with(debian_root):
    _arrange(debian_root, LAYOUTS["sysctl.conf loses to 99-zzz.conf"])
    fact = sysctl_fact(Host(debian_root), KEY)
    assert fact.winner.path == "/etc/sysctl.d/99-zzz.conf"
    listed = chroot(debian_root, "/usr/lib/systemd/systemd-sysctl", "--cat-config").stdout
    assert _last_file_setting(listed, KEY) == fact.winner.path


def _last_file_setting(cat_config: str, key: str) -> str | None:
    """The last file in `--cat-config` order that assigns KEY (Debian 12 still reads
    /etc/sysctl.conf through its 99-sysctl.conf link; Debian 13 no longer ships either)."""
    current, last = None, None
    for line in cat_config.splitlines():
        if line.startswith("# /"):
            current = line[2:].strip()
        elif line.split("=", 1)[0].strip().lstrip("-") == key:
            last = current
    return last


def _apply(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "wizard", "apply", "--yes", "--root", str(root)],
                          capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("layout", ["sysctl.conf loses to 99-zzz.conf", "sysctl.conf alone"])
def test_after_apply_the_real_boot_gives_forwarding(debian_root, layout):
    _arrange(debian_root, LAYOUTS[layout])
    before = (debian_root / "etc/sysctl.conf").read_bytes()
    assert boot_sysctl(debian_root, KEY) == "0"
    _apply(debian_root)
    assert boot_sysctl(debian_root, KEY) == "1"
    # k8s.conf sorts after 99-sysctl.conf, so no line of sysctl.conf needs disabling.
    assert (debian_root / "etc/sysctl.conf").read_bytes() == before
    assert f"{KEY} = 1" in (debian_root / "etc/sysctl.d/k8s.conf").read_text()

"""Asking a Debian root's own programs what a machine booted from it would do."""

from __future__ import annotations

import subprocess
from pathlib import Path


def chroot(root: Path, *argv: str, **kwargs) -> subprocess.CompletedProcess[str]:
    """Run a program of the root inside it (no network, no services started)."""
    return subprocess.run(["chroot", str(root), *argv], capture_output=True, text=True,
                          timeout=kwargs.pop("timeout", 60), **kwargs)


def boot_sysctl(root: Path, key: str) -> str:
    """The value systemd-sysctl of ROOT gives KEY at boot, measured in a private network and
    mount namespace (its /proc/sys/net is the namespace's own, so this machine's sysctls are
    never touched). Only net.* keys are isolated that way, so only those may be asked."""
    if not key.startswith("net."):
        raise ValueError(f"{key}: only net.* sysctls are private to a network namespace")
    path = "/proc/sys/" + key.replace(".", "/")
    script = (f"mount -t proc proc {root}/proc && "
              f"chroot {root} /usr/lib/systemd/systemd-sysctl --prefix={key} ; "
              f"cat {path}")
    done = subprocess.run(["unshare", "-n", "-m", "--propagation", "private", "sh", "-c", script],
                          capture_output=True, text=True, timeout=60)
    if done.returncode != 0:
        raise RuntimeError(done.stderr)
    return done.stdout.strip().splitlines()[-1]

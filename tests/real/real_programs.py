"""Asking a Debian root's own programs what a machine booted from it would do."""

from __future__ import annotations

import json
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


NETWORKD_UID_GID = "systemd-network"


def networkd_verdicts(root: Path, netns: str, links: list[str], timeout: float = 20.0
                      ) -> tuple[dict[str, str], list[dict]]:
    """Start ROOT's own systemd-networkd inside the network namespace NETNS until it has
    dealt with every link, and return which .network file it applied to each (its state
    file's NETWORK_FILE, "" when it left the link alone) and the routes it installed.

    It runs in a private mount namespace with a tmpfs on ROOT/run and the namespace's sysfs
    mounted read-only (so networkd does not wait for a udev that is not there); nothing of
    this machine's network or mounts is touched, and the daemon is killed at the end.
    """
    owner = subprocess.run(["chroot", str(root), "id", "-u", NETWORKD_UID_GID],
                           capture_output=True, text=True, check=True).stdout.strip()
    script = f"""
set -e
mount -t tmpfs tmpfs {root}/run
mount -t proc proc {root}/proc
mount -t sysfs -o ro sysfs {root}/sys
mkdir -p {root}/run/systemd/netif
chown {owner}:{owner} {root}/run/systemd/netif
chroot {root} /lib/systemd/systemd-networkd >/dev/null 2>&1 &
daemon=$!
end=$(( $(date +%s) + {int(timeout)} ))
for name in {' '.join(links)}; do
  index=$(cat /sys/class/net/$name/ifindex)
  state={root}/run/systemd/netif/links/$index
  until grep -qE '^ADMIN_STATE=(configured|unmanaged|failed|linger)' $state 2>/dev/null; do
    [ $(date +%s) -lt $end ] || break
    sleep 0.2
  done
  echo "LINK $name $(sed -n 's/^NETWORK_FILE=//p' $state 2>/dev/null)"
done
echo "ROUTES $(ip -j route show table all)"
kill $daemon
"""
    done = subprocess.run(["ip", "netns", "exec", netns, "unshare", "-m", "--propagation",
                           "private", "sh", "-c", script],
                          capture_output=True, text=True, timeout=timeout + 30)
    if done.returncode != 0:
        raise RuntimeError(done.stderr)
    files, routes = {}, []
    for line in done.stdout.splitlines():
        if line.startswith("LINK "):
            _, name, *path = line.split(" ", 2)
            files[name] = path[0] if path else ""
        elif line.startswith("ROUTES "):
            routes = json.loads(line.removeprefix("ROUTES "))
    return files, routes


def systemctl_root(root: Path, *args: str) -> str:
    """The answer of this machine's systemctl for the tree (offline, nothing started)."""
    return subprocess.run(["systemctl", f"--root={root}", *args], capture_output=True,
                          text=True, timeout=60).stdout.strip()


def fstab_boot_swaps(root: Path) -> set[str]:
    """The swap devices ROOT's own systemd-fstab-generator pulls into swap.target at boot
    (the What= of every unit it links under swap.target.requires/ or .wants/).

    Run in a private mount namespace with the root's own /proc (the generator ignores swap
    without /proc/swaps), and with an empty kernel command line instead of this machine's.
    """
    out = "/run/kw-fstab-generator"
    script = (f"mount -t proc proc {root}/proc && mount -t tmpfs tmpfs {root}/run && "
              f"mkdir -p {root}{out} && chroot {root} "
              f"/usr/lib/systemd/system-generators/systemd-fstab-generator {out} {out} {out} && "
              f"cd {root}{out} && for unit in swap.target.requires/* swap.target.wants/*; do "
              "[ -e \"$unit\" ] && sed -n 's/^What=//p' \"$unit\"; done; true")
    done = subprocess.run(["unshare", "-m", "--propagation", "private", "env",
                           "SYSTEMD_PROC_CMDLINE=", "SYSTEMD_IN_INITRD=0", "sh", "-c", script],
                          capture_output=True, text=True, timeout=60)
    if done.returncode != 0:
        raise RuntimeError(done.stderr)
    return set(done.stdout.split())

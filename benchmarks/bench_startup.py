"""Start-up benchmark: `kubeadm-wizard --version`, and launch to first screen in a real terminal.

The TUI runs inside tmux (a real terminal), and the screen is polled until the sidebar is drawn
(first screen) and until the Requirements step shows its status (checks done). Run:

    .venv/bin/python benchmarks/bench_startup.py [--runs 15]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

WIZARD = str(Path(sys.executable).with_name("kubeadm-wizard"))


def time_version(runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([WIZARD, "--version"], check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return times


def _screen(session: str) -> str:
    return subprocess.run(["tmux", "capture-pane", "-p", "-t", session], capture_output=True,
                          text=True).stdout


def time_first_screen(demo: str, cache: str, run: int) -> tuple[float, float]:
    session = f"kwbench{os.getpid()}-{run}"
    command = f"XDG_CACHE_HOME={cache} {WIZARD} --demo {demo}"
    start = time.perf_counter()
    subprocess.run(["tmux", "new-session", "-d", "-s", session, "-x", "80", "-y", "24",
                    command], check=True)
    first = checked = None
    try:
        while time.perf_counter() - start < 20:
            screen = _screen(session)
            now = time.perf_counter() - start
            if first is None and "7 Review & apply" in screen:
                first = now
            requirements = next((line for line in screen.splitlines()
                                 if "1 Requirements" in line), "")
            if first is not None and any(mark in requirements for mark in "✔!✘"):
                checked = now
                break
            time.sleep(0.005)
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)
    if first is None or checked is None:
        raise RuntimeError("the wizard did not draw its first screen within 20 s")
    return first, checked


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--demo", default="rpi4-bookworm")
    args = parser.parse_args()
    if not shutil.which("tmux"):
        sys.exit("tmux is needed for the first-screen measurement (apt-get install tmux)")
    version = time_version(args.runs)
    cache = tempfile.mkdtemp(prefix="kwbench-")
    subprocess.run([WIZARD, "check", "--demo", args.demo], env=dict(os.environ,
                   XDG_CACHE_HOME=cache), capture_output=True)
    keeper = f"kwkeep{os.getpid()}"  # one tmux server for all runs, so none pays its start-up
    subprocess.run(["tmux", "new-session", "-d", "-s", keeper, "sleep 600"], check=True)
    try:
        screens = [time_first_screen(args.demo, cache, run) for run in range(args.runs)]
    finally:
        subprocess.run(["tmux", "kill-session", "-t", keeper], capture_output=True)
        shutil.rmtree(cache)
    print(f"| measurement (median of {args.runs}) | seconds | goal |")
    print("|---|---|---|")
    print(f"| `kubeadm-wizard --version` | {statistics.median(version):.3f} | < 0.3 |")
    print(f"| launch → first screen drawn (`--demo {args.demo}`, 80x24 tmux) | "
          f"{statistics.median(s[0] for s in screens):.3f} | < 1 |")
    print(f"| launch → Requirements checked | {statistics.median(s[1] for s in screens):.3f} | |")


if __name__ == "__main__":
    main()

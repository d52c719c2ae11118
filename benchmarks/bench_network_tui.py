"""Network screen benchmark: the real CLI in a real terminal on a namespace with a huge table.

For each size (100k and 1M routes by default) it builds a scratch namespace (the same routes
as bench_routes.py: IPv4 and IPv6, tables main / 52 / 1000, some multipath), then runs
`kubeadm-wizard --netns NAME --screen network` inside tmux (80x24) and measures:

* launch → route count visible: from starting tmux until the screen shows the namespace's
  exact route count, as `ip -o route show table all` counts it (the table is drawn in the
  same refresh);
* page down: once the checks have finished, Tab moves the focus to the table and PageDown is
  sent with `tmux send-keys`; the time until `tmux capture-pane` shows a different screen. So
  it includes tmux's round trip and the polling interval (~2-4 ms), not only the app;
* peak RSS: VmHWM of the wizard process (tmux runs it with exec, so the pane's pid is it),
  read when the count appears (the table's own cost, with whatever the checks had used by
  then) and again after the checks and the page downs (the whole session).

Times are medians of --runs launches. Needs root and tmux; removes its namespaces even when
interrupted. Run:

    .venv/bin/python benchmarks/bench_network_tui.py [--sizes 100000,1000000] [--runs 3]
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

from bench_routes import _peak_mb, build_namespace, remove_namespace

WIZARD = str(Path(sys.executable).with_name("kubeadm-wizard"))
FOCUS_TABLE = ("Tab", "Tab", "Tab")  # sidebar → tab bar → filter box → table


def _tmux(*args: str) -> str:
    return subprocess.run(["tmux", *args], capture_output=True, text=True, check=True).stdout


def _screen(session: str) -> str:
    return _tmux("capture-pane", "-p", "-t", session)


def route_count(namespace: str) -> int:
    """Once it has settled: the kernel adds the links' IPv6 routes a moment after they are up."""
    counts = [-1, _count(namespace)]
    while counts[-1] != counts[-2]:
        time.sleep(0.5)
        counts.append(_count(namespace))
    return counts[-1]


def _count(namespace: str) -> int:
    """One line per route with -o (multipath next hops stay on their route's line)."""
    return sum(subprocess.run(["ip", "-n", namespace, "-o", family, "route", "show", "table",
                               "all"], capture_output=True, text=True, check=True
                              ).stdout.count("\n") for family in ("-4", "-6"))


def _wait_for(session: str, found, timeout: float, what: str) -> str:
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        screen = _screen(session)
        if found(screen):
            return screen
        time.sleep(0.002)
    raise RuntimeError(f"timed out after {timeout} s waiting for {what}:\n{_screen(session)}")


def _checks_done(screen: str) -> bool:
    lines = screen.splitlines()
    return any(" 2 Network" in line and any(mark in line for mark in "✔!✘") for line in lines)


def one_launch(namespace: str, count: int, cache: str, run: int,
               pagedowns: int) -> tuple[float, list[float], float, float]:
    session = f"kwnet{os.getpid()}-{run}"
    command = f"XDG_CACHE_HOME={cache} exec {WIZARD} --netns {namespace} --screen network"
    text = f"{count:,} routes"
    start = time.perf_counter()
    _tmux("new-session", "-d", "-s", session, "-x", "80", "-y", "24", command)
    try:
        _wait_for(session, lambda screen: text in screen, 60, f"'{text}'")
        opened = time.perf_counter() - start
        pid = _tmux("display-message", "-p", "-t", session, "#{pane_pid}").strip()
        peak_open = _peak_mb(pid)
        _wait_for(session, _checks_done, 120, "the checks to finish")
        _tmux("send-keys", "-t", session, *FOCUS_TABLE)
        time.sleep(0.3)
        latencies = []
        for _ in range(pagedowns):
            before = _screen(session)
            sent = time.perf_counter()
            _tmux("send-keys", "-t", session, "PageDown")
            _wait_for(session, lambda screen, old=before: screen != old, 5, "PageDown to redraw")
            latencies.append(time.perf_counter() - sent)
            time.sleep(0.05)
        peak = _peak_mb(pid)
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)
    return opened, latencies, peak_open, peak


def measure(size: int, runs: int, pagedowns: int) -> dict[str, float]:
    namespace = f"kwnet-{os.getpid()}-{size}"
    cache = tempfile.mkdtemp(prefix="kwnet-")
    try:
        build_namespace(namespace, size)
        count = route_count(namespace)
        launches = [one_launch(namespace, count, cache, run, pagedowns) for run in range(runs)]
    finally:
        remove_namespace(namespace)
        shutil.rmtree(cache, ignore_errors=True)
    return {"size": size, "routes": count,
            "open": statistics.median(launch[0] for launch in launches),
            "pagedown_ms": 1000 * statistics.median(t for launch in launches for t in launch[1]),
            "pagedown_max_ms": 1000 * max(t for launch in launches for t in launch[1]),
            "open_mb": statistics.median(launch[2] for launch in launches),
            "peak_mb": statistics.median(launch[3] for launch in launches)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--pagedowns", type=int, default=20)
    args = parser.parse_args()
    if os.geteuid() != 0:
        sys.exit("run as root: the benchmark creates network namespaces")
    if not shutil.which("tmux"):
        sys.exit("tmux is needed (apt-get install tmux)")
    keeper = f"kwnetkeep{os.getpid()}"  # one tmux server for all runs: none pays its start-up
    _tmux("new-session", "-d", "-s", keeper, "sleep 3600")
    try:
        results = [measure(int(size), args.runs, args.pagedowns)
                   for size in args.sizes.split(",")]
    finally:
        subprocess.run(["tmux", "kill-session", "-t", keeper], capture_output=True)
    print(f"Medians of {args.runs} launches, {args.pagedowns} page downs each, 80x24 tmux.\n")
    print("| routes in the namespace | launch → route count visible (s) | page down, median "
          "(max) ms | peak RSS when shown (MB) | peak RSS, whole session (MB) |")
    print("|---|---|---|---|---|")
    for row in results:
        print(f"| {row['routes']:,} | {row['open']:.2f} | {row['pagedown_ms']:.1f} "
              f"({row['pagedown_max_ms']:.1f}) | {row['open_mb']:.0f} | {row['peak_mb']:.0f} |")
    print("Goals: 100k routes visible < 1.5 s and page down < 50 ms; 1M routes < 10 s and "
          "< 300 MB.")


if __name__ == "__main__":
    main()

"""How long one full check run takes (the goal: under 0.5 s), on each demo host and this machine.

    .venv/bin/python benchmarks/bench_checks.py [--runs 20]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from wizard.checks.runner import run_checks
from wizard.host.base import Host
from wizard.host.simulated import SimulatedHost


def median_seconds(make_host, runs: int) -> tuple[float, int]:
    run_checks(make_host())  # imports and first-time caches are start-up, not a check run
    times, count = [], 0
    for _ in range(runs):
        host = make_host()
        start = time.perf_counter()
        count = len(run_checks(host))
        times.append(time.perf_counter() - start)
    return statistics.median(times), count


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="kwbench-checks-"))
    hosts = {name: (lambda name=name: SimulatedHost(name, scratch=scratch / name))
             for name in ("rpi4-bookworm", "ubuntu-vagrant", "ready")}
    hosts["this machine (live)"] = lambda: Host("/")
    print(f"| host | checks | full check run, median of {args.runs} (s) | goal |")
    print("|---|---:|---:|---|")
    for name, make in hosts.items():
        seconds, count = median_seconds(make, args.runs)
        print(f"| {name} | {count} | {seconds:.3f} | < 0.5 |")


if __name__ == "__main__":
    main()

"""`route get` for 1,000 addresses against `ip -batch` with 1,000 `route get` lines.

    python benchmarks/bench_route_get.py [--sizes 100k,1M] [--rounds 5] [--addresses 1000]

Both ask the kernel of the same namespace about the same addresses (inside routed prefixes
of every length, 10 % unrouted). Goal (issue 13): at most 3x. A second row times what no
Python command line can avoid against the same peer: the interpreter's start with the
standard modules the wizard's CLI is built on (argparse, dataclasses, pathlib, socket,
ctypes), doing nothing else.
"""

from __future__ import annotations

import sys

from _common import (
    interleaved,
    parse_sizes,
    print_rows,
    sample_addresses,
    size_label,
    standard_arguments,
    table_namespace,
    timed_run,
    wizard,
)

GOAL = 3.0
FLOOR = [sys.executable, "-c", "import argparse, dataclasses, pathlib, socket, ctypes"]


def figures(namespace: str, size: int, rounds: int, count: int = 1000) -> list[dict[str, str]]:
    addresses = sample_addresses(size, count)
    batch = "".join(f"route get {address}\n" for address in addresses)
    result = interleaved(
        lambda: timed_run(wizard("route", "get", "--netns", namespace, *addresses)),
        lambda: timed_run(["ip", "-n", namespace, "-batch", "-"], stdin=batch),
        rounds)
    floor = interleaved(
        lambda: timed_run(FLOOR),
        lambda: timed_run(["ip", "-n", namespace, "-batch", "-"], stdin=batch),
        rounds)
    return [{"figure": f"`route get` {count:,} addresses vs `ip -batch` ({count:,} lines)",
             "routes": size_label(size), "ours": f"{result['ours_s']:.3f} s",
             "peer": f"{result['peer_s']:.3f} s", "ratio": f"{result['ratio']:.2f}x",
             "memory": f"{result['ours_mb']:.0f} MB", "goal": f"<= {GOAL:g}x",
             "met": "yes" if result["ratio"] <= GOAL else "no"},
            {"figure": "(floor) Python importing argparse, dataclasses, pathlib, socket, "
                       "ctypes, nothing more, vs the same `ip -batch`",
             "routes": size_label(size), "ours": f"{floor['ours_s']:.3f} s",
             "peer": f"{floor['peer_s']:.3f} s", "ratio": f"{floor['ratio']:.2f}x",
             "memory": f"{floor['ours_mb']:.0f} MB", "goal": "", "met": ""}]


def main() -> None:
    parser = standard_arguments(__doc__.splitlines()[0])
    parser.add_argument("--addresses", type=int, default=1000)
    args = parser.parse_args()
    rows = []
    for size in parse_sizes(args.sizes):
        with table_namespace(size, "get") as namespace:
            rows += figures(namespace, size, args.rounds, args.addresses)
    print_rows(rows)


if __name__ == "__main__":
    main()

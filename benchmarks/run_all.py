"""Every figure of issue 13 in one run, as one table: one namespace per size, shared.

    python benchmarks/run_all.py [--sizes 100k,1M] [--rounds 5] [--churn-seconds 20]
                                 [--only json,text,get,lookup,check,tui]

Needs root (it makes network namespaces, and deletes them at the end). The table is
printed on stdout, progress on stderr; the date, the machine and the table mix head it.
"""

from __future__ import annotations

import datetime
import os
import platform
import subprocess
import sys
import time

import bench_check
import bench_lookup
import bench_route_get
import bench_routes_json
import bench_routes_text
import bench_tui
from _common import (
    IPV4_MIX,
    IPV6_MIX,
    IPV6_SHARE,
    parse_sizes,
    print_rows,
    route_count,
    size_label,
    standard_arguments,
    table_namespace,
)

FIGURES = {
    "json": lambda ns, size, args: bench_routes_json.figures(ns, size, args.rounds),
    "text": lambda ns, size, args: bench_routes_text.figures(ns, size, args.rounds),
    "get": lambda ns, size, args: bench_route_get.figures(ns, size, args.rounds),
    "lookup": lambda ns, size, args: bench_lookup.figures(ns, size, args.rounds),
    "check": lambda ns, size, args: bench_check.figures(ns, size, args.rounds),
    "tui": lambda ns, size, args: bench_tui.figures(ns, size, args.rounds, args.churn_seconds),
}


def header(sizes: list[int], rounds: int) -> str:
    with open("/proc/cpuinfo") as info:
        cpu = next((line.split(":", 1)[1].strip() for line in info
                    if line.startswith("model name")), platform.processor())
    commit = subprocess.run(["git", "-C", os.path.dirname(__file__), "rev-parse", "--short",
                             "HEAD"], capture_output=True, text=True).stdout.strip()
    v4 = ", ".join(f"/{length} {share:.1%}" for length, share in
                   sorted(IPV4_MIX.items(), key=lambda item: -item[1])[:8])
    v6 = ", ".join(f"/{length}" for length in sorted(IPV6_MIX, key=lambda k: -IPV6_MIX[k]))
    return (f"ended {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC, commit "
            f"{commit}, {os.cpu_count()} cores ({cpu}), Python {platform.python_version()}; "
            f"sizes {', '.join(size_label(s) for s in sizes)}; {rounds} interleaved rounds, "
            f"medians.\nTable mix: {1 - IPV6_SHARE:.0%} IPv4 over {len(IPV4_MIX)} prefix "
            f"lengths ({v4}, ...), {IPV6_SHARE:.0%} IPv6 over {len(IPV6_MIX)} ({v6}); "
            "a default route, 0.5 % multipath, 4 small extra tables, 6 policy rules.\n")


def main() -> None:
    parser = standard_arguments(__doc__.splitlines()[0])
    parser.add_argument("--churn-seconds", type=float, default=20)
    parser.add_argument("--only", default=",".join(FIGURES))
    args = parser.parse_args()
    if args.rounds < 5:
        print("note: fewer than 5 rounds: not a figure to quote", file=sys.stderr)
    sizes, wanted = parse_sizes(args.sizes), args.only.split(",")
    rows = []
    started = time.monotonic()
    if "tui" in wanted:
        print("TUI first screen...", file=sys.stderr)
        rows += bench_tui.first_screen_figures(args.rounds)
    for size in sizes:
        with table_namespace(size, "all") as namespace:
            print(f"  [{route_count(namespace):,} routes as ip counts them]", file=sys.stderr)
            for name in wanted:
                print(f"{size_label(size)}: {name}...", file=sys.stderr)
                rows += FIGURES[name](namespace, size, args)
    print(header(sizes, args.rounds))
    print_rows(rows)
    print(f"\n({time.monotonic() - started:.0f} s in all)")


if __name__ == "__main__":
    main()

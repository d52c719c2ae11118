"""`routes --json` against `ip -j route show table all`, on the same full-table namespace.

    python benchmarks/bench_routes_json.py [--sizes 100k,1M] [--rounds 5]

Goal (issue 13): at most 3x `ip -j`'s wall time, at 100k and 1M routes.
"""

from __future__ import annotations

from _common import (
    interleaved,
    parse_sizes,
    print_rows,
    size_label,
    standard_arguments,
    table_namespace,
    timed_run,
    wizard,
)

GOAL = 3.0


def figures(namespace: str, size: int, rounds: int) -> list[dict[str, str]]:
    result = interleaved(
        lambda: timed_run(wizard("routes", "--json", "--netns", namespace)),
        lambda: timed_run(["ip", "-n", namespace, "-j", "route", "show", "table", "all"]),
        rounds)
    return [{"figure": "`routes --json` vs `ip -j route show table all`",
             "routes": size_label(size), "ours": f"{result['ours_s']:.2f} s",
             "peer": f"{result['peer_s']:.2f} s", "ratio": f"{result['ratio']:.2f}x",
             "memory": f"{result['ours_mb']:.0f} MB (ip: {result['peer_mb']:.0f} MB)",
             "goal": f"<= {GOAL:g}x", "met": "yes" if result["ratio"] <= GOAL else "no"}]


def main() -> None:
    args = standard_arguments(__doc__.splitlines()[0]).parse_args()
    rows = []
    for size in parse_sizes(args.sizes):
        with table_namespace(size, "json") as namespace:
            rows += figures(namespace, size, args.rounds)
    print_rows(rows)


if __name__ == "__main__":
    main()

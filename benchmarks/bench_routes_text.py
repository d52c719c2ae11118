"""Plain-text `routes` against `ip route show table all`: time and peak memory.

    python benchmarks/bench_routes_text.py [--sizes 100k,1M] [--rounds 5]

Goal (issue 13): at 1M routes the text listing stays under 100 MB peak RSS (it was 581 MB
when every row's strings were built before the first line was printed).
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

GOAL_MB = 100


def figures(namespace: str, size: int, rounds: int) -> list[dict[str, str]]:
    result = interleaved(
        lambda: timed_run(wizard("routes", "--netns", namespace)),
        lambda: timed_run(["ip", "-n", namespace, "route", "show", "table", "all"]),
        rounds)
    met = result["ours_mb"] <= GOAL_MB if size >= 1_000_000 else None
    return [{"figure": "`routes` (text) vs `ip route show table all`",
             "routes": size_label(size), "ours": f"{result['ours_s']:.2f} s",
             "peer": f"{result['peer_s']:.2f} s", "ratio": f"{result['ratio']:.2f}x",
             "memory": f"{result['ours_mb']:.0f} MB (ip: {result['peer_mb']:.0f} MB)",
             "goal": f"<= {GOAL_MB} MB at 1M" if size >= 1_000_000 else "",
             "met": "" if met is None else ("yes" if met else "no")}]


def main() -> None:
    args = standard_arguments(__doc__.splitlines()[0]).parse_args()
    rows = []
    for size in parse_sizes(args.sizes):
        with table_namespace(size, "text") as namespace:
            rows += figures(namespace, size, args.rounds)
    print_rows(rows)


if __name__ == "__main__":
    main()

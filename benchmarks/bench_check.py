"""`check --netns` against `routes --json` on the same full-table namespace.

    python benchmarks/bench_check.py [--sizes 100k,1M] [--rounds 5]

A check run reads the table once and asks it for the default routes, the routes that
overlap the pod and Service ranges and the private blocks (free-block search) and the
advertise facts. Goal (issue 13): at most 1.5x `routes --json`.
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

GOAL = 1.5


def figures(namespace: str, size: int, rounds: int) -> list[dict[str, str]]:
    result = interleaved(
        lambda: timed_run(wizard("check", "--json", "--netns", namespace), ok_codes=(0, 1)),
        lambda: timed_run(wizard("routes", "--json", "--netns", namespace)),
        rounds)
    return [{"figure": "`check --netns` vs `routes --json`", "routes": size_label(size),
             "ours": f"{result['ours_s']:.2f} s", "peer": f"{result['peer_s']:.2f} s",
             "ratio": f"{result['ratio']:.2f}x",
             "memory": f"{result['ours_mb']:.0f} MB (routes --json: {result['peer_mb']:.0f} MB)",
             "goal": f"<= {GOAL:g}x", "met": "yes" if result["ratio"] <= GOAL else "no"}]


def main() -> None:
    args = standard_arguments(__doc__.splitlines()[0]).parse_args()
    rows = []
    for size in parse_sizes(args.sizes):
        with table_namespace(size, "check") as namespace:
            rows += figures(namespace, size, args.rounds)
    print_rows(rows)


if __name__ == "__main__":
    main()

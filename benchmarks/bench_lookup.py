"""The pure route lookup (``wizard.network.lookup.Resolver``): microseconds per address.

    python benchmarks/bench_lookup.py [--sizes 100k,1M] [--rounds 5] [--addresses 2000]
                                      [--against OTHER_TREE]

The table is the full-table mix of ``_common`` (33 prefix lengths) with six policy rules,
so every IPv4 lookup walks the rules rather than the merged local+main shortcut. It runs in
a child process that dumps the namespace once, builds the index with the first lookup
(reported apart), then times ``--addresses`` lookups per round. No peer: the goal (issue
13) is absolute, at most 20 µs per address at 1M routes.

``--against OTHER_TREE`` (another checkout, e.g. ``git worktree add --detach /tmp/old
main``) times that tree's lookup too, alternately with this one's (this, other, this,
...: one child each per pair, ``--rounds`` pairs) on the same namespace and addresses,
and reports the median of the per-pair ratios: what a change to the lookup gained, on
a machine too noisy for absolute times.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

from _common import (
    REPO,
    environment,
    parse_sizes,
    print_rows,
    sample_addresses,
    size_label,
    standard_arguments,
    table_namespace,
)

GOAL_US = 20.0


def child(namespace: str, size: int, rounds: int, count: int) -> dict[str, float]:
    from wizard.network.lookup import Resolver
    from wizard.network.rtnetlink.decode import dump_addresses, dump_routes
    from wizard.network.rtnetlink.rules import dump_rules

    resolver = Resolver(dump_routes(namespace), dump_rules(namespace), dump_addresses(namespace))
    start = time.perf_counter()
    resolver.lookup("11.0.0.1")
    index_seconds = time.perf_counter() - start
    per_round = []
    for number in range(rounds):
        addresses = sample_addresses(size, count, seed=number)
        start = time.perf_counter()
        for address in addresses:
            resolver.lookup(address)
        per_round.append((time.perf_counter() - start) / count * 1e6)
    return {"us": statistics.median(per_round), "index_s": index_seconds,
            "spread": max(per_round) - min(per_round)}


def _run_child(tree: Path, namespace: str, size: int, rounds: int, count: int
               ) -> dict[str, float]:
    env = environment()
    env["PYTHONPATH"] = str(tree)
    done = subprocess.run([sys.executable, str(tree / "benchmarks" / "bench_lookup.py"),
                           "--child", namespace, str(size), str(rounds), str(count)],
                          env=env, check=True, capture_output=True, text=True)
    result: dict[str, float] = json.loads(done.stdout)
    return result


def figures(namespace: str, size: int, rounds: int, count: int = 2000,
            against: Path | None = None) -> list[dict[str, str]]:
    if against is None:
        result = _run_child(REPO, namespace, size, rounds, count)
        peer, ratio = f"(index built in {result['index_s']:.2f} s)", ""
    else:
        pairs = [(_run_child(REPO, namespace, size, rounds, count),
                  _run_child(against, namespace, size, rounds, count)) for _ in range(rounds)]
        result = {"us": statistics.median(ours["us"] for ours, _ in pairs)}
        peer = f"{statistics.median(other['us'] for _, other in pairs):.1f} µs ({against})"
        ratio = f"{statistics.median(ours['us'] / other['us'] for ours, other in pairs):.2f}x"
    goal = size >= 1_000_000
    return [{"figure": f"pure lookup, µs per address (median of {rounds} x {count:,})",
             "routes": size_label(size), "ours": f"{result['us']:.1f} µs",
             "peer": peer, "ratio": ratio,
             "goal": f"<= {GOAL_US:g} µs at 1M" if goal else "",
             "met": ("yes" if result["us"] <= GOAL_US else "no") if goal else ""}]


def main() -> None:
    if sys.argv[1:2] == ["--child"]:
        namespace, size, rounds, count = sys.argv[2], *map(int, sys.argv[3:6])
        print(json.dumps(child(namespace, size, rounds, count)))
        return
    parser = standard_arguments(__doc__.splitlines()[0])
    parser.add_argument("--addresses", type=int, default=2000)
    parser.add_argument("--against", type=Path, help="another tree to time alternately")
    args = parser.parse_args()
    rows = []
    for size in parse_sizes(args.sizes):
        with table_namespace(size, "lookup") as namespace:
            rows += figures(namespace, size, args.rounds, args.addresses, args.against)
    print_rows(rows)


if __name__ == "__main__":
    main()

"""`route get` for 1,000 addresses against `ip -batch` with 1,000 `route get` lines.

    python benchmarks/bench_route_get.py [--sizes 100k,1M] [--rounds 5] [--addresses 1000]

Both ask the kernel of the same namespace about the same addresses (inside routed prefixes
of every length, 10 % unrouted). Goal (issue 13): at most 3x. Three floor rows time, against
the same peer, what the command cannot avoid: the interpreter starting and doing nothing;
the interpreter importing the modules `route get` runs on, and nothing else; and
`floor_route_get.py`, which enters the namespace and sends the same requests over one socket
in batches, as the wizard does, but decodes, names and prints nothing.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

from _common import (
    REPO,
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
ROUTE_GET_IMPORTS = ("import wizard.cli, wizard.cli_network, wizard.host.base, "
                     "wizard.host.network, wizard.network.rtnetlink.route_get, "
                     "wizard.network.route_words")
FLOORS: dict[str, Callable[[str, list[str]], list[str]]] = {
    "(floor) the Python interpreter starting and doing nothing":
        lambda _namespace, _addresses: [sys.executable, "-c", "pass"],
    "(floor) the interpreter importing what `route get` imports (the CLI, the host, the "
    "netlink reader, the wording), then doing nothing":
        lambda _namespace, _addresses: [sys.executable, "-c", ROUTE_GET_IMPORTS],
    "(floor) a minimal Python netlink client (`floor_route_get.py`): the same requests "
    "and answers, nothing decoded or printed":
        lambda namespace, addresses: [sys.executable, str(REPO / "benchmarks" /
                                                          "floor_route_get.py"),
                                      namespace, *addresses],
}


def figures(namespace: str, size: int, rounds: int, count: int = 1000) -> list[dict[str, str]]:
    addresses = sample_addresses(size, count)
    batch = "".join(f"route get {address}\n" for address in addresses)
    result = interleaved(
        lambda: timed_run(wizard("route", "get", "--netns", namespace, *addresses)),
        lambda: timed_run(["ip", "-n", namespace, "-batch", "-"], stdin=batch),
        rounds)
    rows = [_row(f"`route get` {count:,} addresses vs `ip -batch` ({count:,} lines)", size,
                 result, goal=f"<= {GOAL:g}x", met="yes" if result["ratio"] <= GOAL else "no")]
    for figure, floor_argv in FLOORS.items():
        argv = floor_argv(namespace, addresses)
        floor = interleaved(
            lambda argv=argv: timed_run(argv),
            lambda: timed_run(["ip", "-n", namespace, "-batch", "-"], stdin=batch),
            rounds)
        rows.append(_row(figure, size, floor))
    return rows


def _row(figure: str, size: int, result: dict[str, float], goal: str = "",
         met: str = "") -> dict[str, str]:
    return {"figure": figure, "routes": size_label(size), "ours": f"{result['ours_s']:.3f} s",
            "peer": f"{result['peer_s']:.3f} s", "ratio": f"{result['ratio']:.2f}x",
            "memory": f"{result['ours_mb']:.0f} MB", "goal": goal, "met": met}


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

"""Routing-table benchmark: our rtnetlink reader against ``ip -j route show table all``.

For each size (10k, 100k and 1M routes by default) it builds a scratch network
namespace with ``ip -batch`` (IPv4 and IPv6, tables main / 52 / 1000, a few multipath
routes), then, in the same run and on the same namespace, times:

* ``ip -j route show table all`` (wall time of the command, output to /dev/null);
* ``dump_routes()`` alone, in a fresh Python process;
* the ``routes --json`` path: dump + ``write_iproute_json`` to /dev/null, both the time
  inside Python and the wall time of the whole process (interpreter start included);
* what a table view needs next: decoding the first 50 rows, ``filter(text=...)``,
  ``sort("dst")``;
* lookups: building the prefix index on the first lookup, then the mean of 2,000.

Each measurement runs in its own child process so that peak memory (VmHWM) is that
operation's alone. Times are medians of ``--runs`` runs. Needs root; removes its
namespaces even when interrupted. Run:

    .venv/bin/python benchmarks/bench_routes.py [--sizes 10000,100000,1000000] [--runs 5]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SEED = 7


# --- the namespace -------------------------------------------------------------------


def _ip(namespace: str, *args: str, script: str | None = None) -> None:
    subprocess.run(["ip", "-n", namespace, *args], input=script, text=True, check=True,
                   capture_output=True)


def route_lines(count: int, rng: random.Random) -> Iterator[str]:
    """Distinct routes: IPv4 /24 networks and /32 hosts, IPv6 /48s, 1% multipath."""
    for number in range(count):
        table = rng.choices(("main", "52", "1000"), weights=(8, 1, 1))[0]
        metric = rng.choice((0, 10, 100))
        if number % 100 == 0:
            network = 0x0A800000 + number * 256
            hops = "nexthop via 10.1.0.2 nexthop via 10.1.0.3"
            yield f"route replace {_dotted(network)}/24 table {table} metric {metric} {hops}"
        elif number % 7 == 0:
            yield (f"route replace fd00:{number >> 16:x}:{number & 0xFFFF:x}::/48 "
                   f"via fd01::{rng.randint(2, 250):x} table {table} metric {metric}")
        elif number % 2:
            yield (f"route replace {_dotted(0x0B000000 + number * 256)}/24 via "
                   f"10.1.0.{rng.randint(2, 250)} table {table} metric {metric}")
        else:
            yield f"route replace {_dotted(0x64400000 + number)} dev v0 table {table}"


def _dotted(value: int) -> str:
    return ".".join(str(value >> shift & 255) for shift in (24, 16, 8, 0))


def build_namespace(name: str, count: int) -> None:
    """The routes are streamed into ``ip -batch`` so this process stays small (its
    memory would otherwise show up in every child's peak)."""
    subprocess.run(["ip", "netns", "add", name], check=True)
    setup = ("link set lo up\nlink add v0 type veth peer name v1\nlink set v0 up\n"
             "link set v1 up\naddr add 10.1.0.1/24 dev v0\naddr add fd01::1/64 dev v0\n"
             "route add default via 10.1.0.254\nrule add lookup 52 prio 5270\n"
             "rule add from 10.1.0.0/24 lookup 1000 prio 100\n")
    _ip(name, "-batch", "-", script=setup)
    with subprocess.Popen(["ip", "-n", name, "-force", "-batch", "-"], stdin=subprocess.PIPE,
                          stdout=subprocess.DEVNULL, text=True) as batch:
        for line in route_lines(count, random.Random(SEED)):
            batch.stdin.write(line + "\n")
        batch.stdin.close()
    if batch.returncode:
        raise RuntimeError(f"ip -batch failed with exit code {batch.returncode}")


def remove_namespace(name: str) -> None:
    subprocess.run(["ip", "netns", "delete", name], capture_output=True)


# --- measurements, each in a child process -------------------------------------------


def _peak_mb(pid: int | str = "self") -> float:
    """VmHWM: the peak resident set of this address space. Unlike ``ru_maxrss`` it does
    not inherit the high-water mark of whoever forked and exec'd the process."""
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


def _timed(action: Callable[[], object]) -> tuple[float, object]:
    start = time.perf_counter()
    result = action()
    return time.perf_counter() - start, result


def child_dump(namespace: str) -> dict[str, float]:
    from wizard.network.rtnetlink.decode import dump_routes
    from wizard.network.rtnetlink.iproute_format import iproute_row

    seconds, routes = _timed(lambda: dump_routes(namespace))
    dump_mb = _peak_mb()
    rows_seconds, _ = _timed(lambda: [iproute_row(routes[i]) for i in range(min(50, len(routes)))])
    filter_seconds, _ = _timed(lambda: routes.filter(text="10.1.0.77"))
    sort_seconds, _ = _timed(lambda: routes.sort("dst"))
    return {"routes": len(routes), "seconds": seconds, "rows_ms": rows_seconds * 1000,
            "filter_seconds": filter_seconds, "sort_seconds": sort_seconds,
            "peak_mb": dump_mb, "views_mb": _peak_mb()}


def child_json(namespace: str) -> dict[str, float]:
    from wizard.network.rtnetlink.decode import dump_routes
    from wizard.network.rtnetlink.iproute_format import write_iproute_json

    def dump_and_write() -> None:
        with open(os.devnull, "w") as sink:
            write_iproute_json(dump_routes(namespace), sink)

    seconds, _ = _timed(dump_and_write)
    return {"seconds": seconds, "peak_mb": _peak_mb()}


def child_lookup(namespace: str) -> dict[str, float]:
    from wizard.network.lookup import Resolver
    from wizard.network.rtnetlink.decode import dump_addresses, dump_routes
    from wizard.network.rtnetlink.rules import dump_rules

    resolver = Resolver(dump_routes(namespace), dump_rules(namespace), dump_addresses(namespace))
    rng = random.Random(SEED)
    first_seconds, _ = _timed(lambda: resolver.lookup("11.0.0.1"))
    targets = [_dotted(rng.choice((0x0B000000, 0x64400000, 0x08000000)) + rng.getrandbits(20))
               for _ in range(2000)]
    seconds, _ = _timed(lambda: [resolver.lookup(target) for target in targets])
    return {"index_seconds": first_seconds, "lookup_us": seconds / len(targets) * 1e6,
            "peak_mb": _peak_mb()}


def child_ip(namespace: str) -> dict[str, float]:
    """Time ``ip -j``; its peak memory is polled from /proc while it runs."""
    peak = 0.0
    start = time.perf_counter()
    with subprocess.Popen(["ip", "-n", namespace, "-j", "route", "show", "table", "all"],
                          stdout=subprocess.DEVNULL) as process:
        while process.poll() is None:
            with contextlib.suppress(OSError, ValueError):
                peak = max(peak, _peak_mb(process.pid))
            time.sleep(0.001)
    seconds = time.perf_counter() - start
    if process.returncode:
        raise RuntimeError(f"ip exited with {process.returncode}")
    return {"seconds": seconds, "peak_mb": peak}


def child_textual(_namespace: str) -> dict[str, float]:
    import textual.app  # noqa: F401  (what the TUI adds before any route is read)

    return {"peak_mb": _peak_mb()}


CHILDREN = {"dump": child_dump, "json": child_json, "lookup": child_lookup, "ip": child_ip,
            "textual": child_textual}


def run_child(mode: str, namespace: str) -> dict[str, float]:
    """Run one measurement in a fresh interpreter; its wall time is added as ``wall``."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [
        str(REPO), os.environ.get("PYTHONPATH")]))}
    start = time.perf_counter()
    done = subprocess.run([sys.executable, __file__, "--child", mode, namespace], env=env,
                          check=True, capture_output=True, text=True)
    wall = time.perf_counter() - start
    return {**json.loads(done.stdout), "wall": wall}


# --- the report ----------------------------------------------------------------------


def _median(samples: list[dict[str, float]], key: str) -> float:
    return statistics.median(sample[key] for sample in samples)


def measure(size: int, runs: int) -> dict[str, float]:
    name = f"kwt-bench-{os.getpid()}-{size}"
    try:
        start = time.perf_counter()
        build_namespace(name, size)
        print(f"  built {size:,} routes in {time.perf_counter() - start:.1f} s", file=sys.stderr)
        ip = [run_child("ip", name) for _ in range(runs)]
        dump = [run_child("dump", name) for _ in range(runs)]
        as_json = [run_child("json", name) for _ in range(runs)]
        found = run_child("lookup", name)
    finally:
        remove_namespace(name)
    return {
        "routes": dump[0]["routes"],
        "ip_seconds": _median(ip, "seconds"), "ip_mb": max(s["peak_mb"] for s in ip),
        "dump_seconds": _median(dump, "seconds"), "dump_mb": max(s["peak_mb"] for s in dump),
        "json_seconds": _median(as_json, "seconds"), "json_wall": _median(as_json, "wall"),
        "json_mb": max(s["peak_mb"] for s in as_json),
        "rows_ms": _median(dump, "rows_ms"), "filter_seconds": _median(dump, "filter_seconds"),
        "sort_seconds": _median(dump, "sort_seconds"), "views_mb": max(s["views_mb"] for s in dump),
        "index_seconds": found["index_seconds"], "lookup_us": found["lookup_us"],
        "lookup_mb": found["peak_mb"],
    }


def markdown(results: list[dict[str, float]], runs: int, textual_mb: float) -> str:
    out = io.StringIO()
    out.write(f"Medians of {runs} runs; MB is the whole process's peak RSS (VmHWM).\n\n")
    out.write("| routes | `ip -j` s | dump s | dump+JSON s | `routes --json` wall s "
              "| wall / `ip -j` | `ip -j` MB | dump MB | JSON MB |\n")
    out.write("|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
    for r in results:
        out.write(
            f"| {r['routes']:,} | {r['ip_seconds']:.3f} | {r['dump_seconds']:.3f} | "
            f"{r['json_seconds']:.3f} | {r['json_wall']:.3f} | "
            f"{r['json_wall'] / r['ip_seconds']:.1f}x | {r['ip_mb']:.0f} | {r['dump_mb']:.0f} | "
            f"{r['json_mb']:.0f} |\n"
        )
    out.write("\n| routes | first 50 rows ms | filter(text) s | sort(dst) s | after both MB "
              "| lookup index s | lookup µs | lookup MB |\n")
    out.write("|---:|---:|---:|---:|---:|---:|---:|---:|\n")
    for r in results:
        out.write(
            f"| {r['routes']:,} | {r['rows_ms']:.1f} | {r['filter_seconds']:.3f} | "
            f"{r['sort_seconds']:.3f} | {r['views_mb']:.0f} | {r['index_seconds']:.3f} | "
            f"{r['lookup_us']:.0f} | {r['lookup_mb']:.0f} |\n"
        )
    out.write(f"\nPython + `import textual.app` alone: {textual_mb:.0f} MB peak RSS.\n")
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--child", nargs=2, metavar=("MODE", "NAMESPACE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        mode, namespace = args.child
        print(json.dumps(CHILDREN[mode](namespace)))
        return
    if os.geteuid() != 0:
        sys.exit("bench_routes.py needs root: it creates network namespaces")
    results = []
    for size in (int(text) for text in args.sizes.split(",")):
        print(f"{size:,} routes...", file=sys.stderr)
        results.append(measure(size, args.runs))
    print(markdown(results, args.runs, run_child("textual", "-")["peak_mb"]))


if __name__ == "__main__":
    main()

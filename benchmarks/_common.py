"""What every benchmark shares: a full-table namespace, timed processes, interleaved ratios.

The machine is shared and noisy, so no figure is an absolute time: each is the ratio of our
command to a peer measured in the same run, alternately (A, B, A, B, ...), and the median
of the per-round ratios is reported.

The routes look like a real full table: 90 % IPv4, 10 % IPv6, in the prefix-length mix of
the global table (mostly /24, then /22, /23, /20, /21, /19, /16 ...; 22 IPv4 and 11 IPv6
lengths), none in the private blocks, plus a default route, a few multipath routes, four
small extra tables and policy rules that lead to them. The namespace is made with
``ip netns add`` and filled with ``ip -batch``; this machine's own routes are never touched.
"""

from __future__ import annotations

import contextlib
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SEED = 13

IPV4_MIX = {  # prefix length → share of the IPv4 routes (roughly the 2024 global table)
    24: 0.590, 22: 0.120, 23: 0.095, 20: 0.045, 21: 0.045, 19: 0.028, 16: 0.014, 18: 0.013,
    17: 0.008, 15: 0.0020, 14: 0.0015, 13: 0.0008, 12: 0.0004, 11: 0.0002, 10: 0.0001,
    9: 0.00005, 8: 0.00003, 25: 0.001, 27: 0.0005, 28: 0.0005, 29: 0.001, 32: 0.002,
}
IPV6_MIX = {48: 0.50, 32: 0.15, 44: 0.10, 40: 0.07, 36: 0.05, 29: 0.04, 46: 0.03, 47: 0.02,
            42: 0.02, 56: 0.01, 64: 0.01}
IPV6_SHARE = 0.10
_RESERVED_V4 = (0, 10, 100, 127, 169, 172, 192, 198)  # first octets kept out (and >= 224)

SETUP = """link set lo up
link add v0 type veth peer name v1
link set v0 up
link set v1 up
addr add 10.1.0.1/24 dev v0
addr add 192.168.56.10/24 dev v1
addr add fd01::1/64 dev v0
route add default via 10.1.0.254 dev v0
rule add from 10.1.0.0/24 lookup 100 prio 100
rule add fwmark 0x10 lookup 101 prio 200
rule add to 198.18.0.0/15 lookup 102 prio 300
rule add iif v1 lookup 100 prio 400
rule add lookup 103 prio 500 suppress_prefixlength 0
route add 198.18.0.0/15 via 10.1.0.5 table 102
route add default via 10.1.0.6 table 100
route add 203.0.113.0/24 via 10.1.0.7 table 100
route add 192.0.2.0/24 via 10.1.0.8 table 101
route add default via 10.1.0.9 table 103
route add unreachable 198.51.100.0/24 table 103
route add blackhole 100.64.0.0/10
"""


def mix_counts(size: int) -> list[tuple[int, int, int]]:
    """(family 4|6, prefix length, count) summing to ``size``."""
    v6 = round(size * IPV6_SHARE)
    counts = []
    for family, mix, total in ((4, IPV4_MIX, size - v6), (6, IPV6_MIX, v6)):
        scale = sum(mix.values())
        parts = {length: max(1, int(total * share / scale)) for length, share in mix.items()}
        top = max(parts, key=parts.get)
        parts[top] += total - sum(parts.values())
        counts += [(family, length, count) for length, count in parts.items()]
    return counts


def _networks(family: int, length: int, count: int) -> Iterator[int]:
    """``count`` distinct networks of one length, spread over the space, as ints.

    An odd multiplier modulo 2**bits is a bijection, so no set of seen networks is kept
    (which would grow this process, and with it what its children inherit).
    """
    bits = min(length - 4, 44) if family == 6 else length
    modulus = 1 << bits
    multiplier = (0x9E3779B97F4A7C15 % modulus) | 1
    offset = 0x5851F42D4C957F2D % modulus
    made = number = 0
    while made < count and number < modulus:
        value = (number * multiplier + offset) % modulus
        number += 1
        if family == 4:
            network = value << (32 - length)
            first = network >> 24
            if first in _RESERVED_V4 or first >= 224:
                continue
        else:  # inside 2000::/4, like the global unicast space
            network = 0x2 << 124 | value << (124 - bits)
        made += 1
        yield network


def _text(family: int, network: int, length: int) -> str:
    if family == 4:
        return ".".join(str(network >> s & 255) for s in (24, 16, 8, 0)) + f"/{length}"
    groups = [f"{network >> (112 - 16 * i) & 0xFFFF:x}" for i in range(8)]
    return ":".join(groups) + f"/{length}"


def route_lines(size: int) -> Iterator[str]:
    rng = random.Random(SEED)
    for family, length, count in mix_counts(size):
        for network in _networks(family, length, count):
            prefix = _text(family, network, length)
            if family == 6:
                yield f"route add {prefix} via fd01::{rng.randint(2, 9):x} proto bgp"
            elif rng.random() < 0.005:
                yield (f"route add {prefix} proto bgp nexthop via 10.1.0.2 "
                       "nexthop via 10.1.0.3")
            else:
                yield f"route add {prefix} via 10.1.0.{rng.randint(2, 9)} proto bgp"


def sample_addresses(size: int, count: int, seed: int = SEED) -> list[str]:
    """Addresses inside routed IPv4 prefixes (any length), plus 10 % unrouted ones."""
    rng = random.Random(seed)
    prefixes = []
    for family, length, number in mix_counts(size):
        if family == 4:
            wanted = max(1, count * number // size)
            networks = _networks(4, length, min(number, wanted))
            prefixes += [(network, length) for network in networks]
    addresses = []
    for _ in range(count):
        if rng.random() < 0.1:
            value = rng.choice((0x0B, 0x0C, 0x2D)) << 24 | rng.getrandbits(24)
        else:
            network, length = rng.choice(prefixes)
            value = network | rng.getrandbits(32 - length) if length < 32 else network
        addresses.append(".".join(str(value >> s & 255) for s in (24, 16, 8, 0)))
    return addresses


def build_namespace(name: str, size: int) -> float:
    """Make the namespace and load ``size`` routes; returns the seconds it took."""
    start = time.perf_counter()
    subprocess.run(["ip", "netns", "add", name], check=True)
    subprocess.run(["ip", "-n", name, "-batch", "-"], input=SETUP, text=True, check=True,
                   capture_output=True)
    subprocess.run(["ip", "-n", name, "-6", "rule", "add", "from", "fd01::/64", "lookup", "100",
                    "prio", "100"], check=True)
    with subprocess.Popen(["ip", "-n", name, "-batch", "-"], stdin=subprocess.PIPE,
                          stdout=subprocess.DEVNULL, text=True) as batch:
        for line in route_lines(size):
            batch.stdin.write(line + "\n")
        batch.stdin.close()
    if batch.returncode:
        raise RuntimeError(f"ip -batch failed with exit code {batch.returncode}")
    return time.perf_counter() - start


def remove_namespace(name: str) -> None:
    subprocess.run(["ip", "netns", "delete", name], capture_output=True)


@contextlib.contextmanager
def table_namespace(size: int, tag: str = "bench") -> Iterator[str]:
    """A namespace holding a ``size``-route full table, removed afterwards whatever happens."""
    name = f"kwb-{tag}-{os.getpid()}-{size}"
    if os.geteuid() != 0:
        sys.exit("the benchmarks need root: they create network namespaces")
    try:
        seconds = build_namespace(name, size)
        print(f"  [{name}: {size:,} routes loaded in {seconds:.0f} s]", file=sys.stderr)
        yield name
    finally:
        remove_namespace(name)


def route_count(namespace: str) -> int:
    """How many routes ``ip`` lists in every table (one line each with -o)."""
    return sum(subprocess.run(["ip", "-n", namespace, "-o", family, "route", "show", "table",
                               "all"], capture_output=True, text=True, check=True
                              ).stdout.count("\n") for family in ("-4", "-6"))


# --- running and timing --------------------------------------------------------------


def wizard(*args: str) -> list[str]:
    """argv for this tree's wizard (PYTHONPATH is set by :func:`timed_run`)."""
    return [sys.executable, "-m", "wizard", *args]


def environment() -> dict[str, str]:
    """This tree first on the path; byte-code caching on, as for an installed wheel (a
    PYTHONDONTWRITEBYTECODE inherited from a sandbox would recompile every module on
    every run and time the compiler)."""
    env = {key: value for key, value in os.environ.items()
           if key != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))
    return env


def timed_run(argv: Sequence[str], stdin: str | None = None,
              ok_codes: tuple[int, ...] = (0,)) -> tuple[float, float]:
    """(wall seconds, peak RSS MB) of one process, output thrown away.

    The peak comes from ``/usr/bin/time``: a child forked straight from this (larger)
    Python process would report this process's high-water mark in its own ru_maxrss.
    """
    with tempfile.NamedTemporaryFile("r", prefix="kwb-rss-") as report:
        start = time.perf_counter()
        done = subprocess.run(peak_rss_argv(argv, report.name), input=stdin, text=True,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                              env=environment())
        seconds = time.perf_counter() - start
        if done.returncode not in ok_codes:
            raise RuntimeError(f"{argv[:6]} exited {done.returncode}: {done.stderr[-500:]}")
        return seconds, read_peak_mb(report.name)


def peak_rss_argv(argv: Sequence[str], report: str) -> list[str]:
    """``argv`` under GNU time, which writes the child's peak RSS (KB) to ``report``."""
    return ["/usr/bin/time", "-q", "-f", "%M", "-o", report, *argv]


def read_peak_mb(report: str) -> float:
    with open(report) as lines:
        numbers = [line.strip() for line in lines if line.strip().isdigit()]
    return int(numbers[-1]) / 1024 if numbers else float("nan")


def interleaved(ours: Callable[[], tuple[float, float]], peer: Callable[[], tuple[float, float]],
                rounds: int) -> dict[str, float]:
    """Run A, B, A, B ... ``rounds`` times each (after one warm-up pair, which fills the
    page cache); medians of each side's time, of the per-round ratio, and peak MB."""
    ours(), peer()
    samples = []
    for _ in range(rounds):
        a, b = ours(), peer()
        samples.append((a, b))
    return {"ours_s": statistics.median(a[0] for a, _ in samples),
            "peer_s": statistics.median(b[0] for _, b in samples),
            "ratio": statistics.median(a[0] / b[0] for a, b in samples),
            "ours_mb": max(a[1] for a, _ in samples),
            "peer_mb": max(b[1] for _, b in samples)}


def parse_sizes(text: str) -> list[int]:
    """``100k,1M`` → [100000, 1000000]."""
    sizes = []
    for part in text.split(","):
        part = part.strip().lower()
        scale = {"k": 1_000, "m": 1_000_000}.get(part[-1:], 1)
        sizes.append(int(float(part.rstrip("km")) * scale))
    return sizes


def size_label(size: int) -> str:
    return f"{size // 1_000_000}M" if size % 1_000_000 == 0 else f"{size // 1000}k"


def standard_arguments(description: str, sizes: str = "100k,1M"):
    import argparse

    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--sizes", default=sizes, help=f"route counts (default {sizes})")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds (>= 5)")
    return parser


def print_rows(rows: list[dict[str, str]]) -> None:
    """One markdown table: figure, size, ours, peer, ratio, memory, goal, met."""
    columns = ["figure", "routes", "ours", "peer", "ratio", "memory", "goal", "met"]
    print("| " + " | ".join(columns) + " |")
    print("|" + "---|" * len(columns))
    for row in rows:
        print("| " + " | ".join(str(row.get(column, "")) for column in columns) + " |")

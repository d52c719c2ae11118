"""`cluster check` on N nodes against one node's `check`, interleaved, medians.

Nodes are copies of the ubuntu-vagrant demo tree reached through Ansible's local connection
(`kubeadm_wizard_root`), so the figure is the cost of Ansible plus the wizard on each node,
not of a network. Issue 11's goal: 20 nodes cost no more than 3x one node's `check`.

    python benchmarks/bench_cluster.py [--nodes 1,3,20] [--rounds 5]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "assets" / "demos" / "ubuntu-vagrant" / "root"
WIZARD = [sys.executable, "-m", "wizard"]


def _inventory(base: Path, count: int) -> Path:
    hosts = {}
    for number in range(count):
        root = base / f"node{number}"
        if not root.exists():
            shutil.copytree(DEMO, root, symlinks=True)
        hosts[f"node{number}"] = {"kubeadm_wizard_root": str(root)}
    inventory = {"all": {"vars": {"ansible_connection": "local",
                                  "ansible_python_interpreter": sys.executable,
                                  "kubeadm_wizard_python": sys.executable,
                                  "kubeadm_wizard_home": str(base / "node-cache")}},
                 "control_plane": {"hosts": {"node0": hosts.pop("node0")}},
                 "workers": {"hosts": hosts}}
    path = base / f"inventory-{count}.yml"
    path.write_text(yaml.safe_dump(inventory))
    return path


def _timed(argv: list[str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, text=True, cwd=REPO)
    elapsed = time.perf_counter() - start
    if done.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(argv)} failed:\n{done.stderr[-2000:]}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", default="1,3,20")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    sizes = [int(size) for size in args.nodes.split(",")]
    with tempfile.TemporaryDirectory(prefix="kw-bench-cluster-") as scratch:
        base = Path(scratch)
        inventories = {size: _inventory(base, size) for size in sizes}
        single = [*WIZARD, "check", "--json", "--facts", "--root", str(base / "node0")]
        times: dict[str, list[float]] = {"one check": []} | {f"{s} nodes": [] for s in sizes}
        for _ in range(args.rounds):  # interleaved: each round measures every figure once
            times["one check"].append(_timed(single))
            for size in sizes:
                times[f"{size} nodes"].append(
                    _timed([*WIZARD, "cluster", "check", "-i", str(inventories[size]),
                            "--json"]))
    one = statistics.median(times["one check"])
    print(f"{'figure':<12} {'median s':>9} {'x one check':>12}   (rounds: {args.rounds})")
    for name, values in times.items():
        median = statistics.median(values)
        print(f"{name:<12} {median:>9.2f} {median / one:>12.2f}")


if __name__ == "__main__":
    main()

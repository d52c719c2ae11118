"""`cluster check` on N nodes against one node's `check`, interleaved, medians.

Nodes are copies of the ubuntu-vagrant demo tree reached through Ansible's local connection
(`kubeadm_wizard_root`), so the figure is the cost of Ansible plus the wizard on each node,
not of a network. Each size is also timed as its peer, `check` on each node's root in turn.
With `--ssh` (root, Debian's openssh-server), 3 nodes over real SSH as well: the sshd
namespaces of tests/cluster/ssh_nodes.py, against `check` run in each node's namespace in
turn. Issue 11's goal: 20 nodes cost no more than 3x one node's `check`. A floor row per
size times the engine alone: plain `ansible-playbook` on the same inventory running a play
that touches every node with one `debug` task (run on the controller; nothing on the node).

    python benchmarks/bench_cluster.py [--nodes 1,3,20] [--rounds 5] [--ssh]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
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


NOOP_PLAY = [{"name": "Touch every node, do nothing on it", "hosts": "all",
              "gather_facts": False,
              "tasks": [{"name": "Nothing", "ansible.builtin.debug": {"msg": "ok"}}]}]


def _ansible_alone(base: Path, inventory: Path, forks: int) -> list[str]:
    """argv of the floor: this venv's ansible-playbook running the do-nothing play."""
    play = base / "noop.yml"
    if not play.exists():
        play.write_text(yaml.safe_dump(NOOP_PLAY, sort_keys=False))
    return [str(Path(sys.executable).with_name("ansible-playbook")), "-i", str(inventory),
            "-f", str(forks), str(play)]


def _timed(argv: list[str], env: dict[str, str] | None = None) -> float:
    start = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, text=True, cwd=REPO, env=env)
    elapsed = time.perf_counter() - start
    if done.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(argv)} failed:\n{done.stderr[-2000:]}")
    return elapsed


def _ssh_figures(stack: ExitStack, base: Path) -> dict[str, Callable[[], float]]:
    """`cluster check` on the three sshd namespaces, and `check` in each of them in turn."""
    import os

    sys.path.insert(0, str(REPO / "tests" / "cluster"))
    from ssh_nodes import ssh_inventory, ssh_nodes

    ctl, spaces, _processes = stack.enter_context(ssh_nodes(base))
    inventory = ssh_inventory(base)
    env = {**os.environ, "HOME": str(base)}
    cluster = ["ip", "netns", "exec", ctl, str(Path(sys.executable).with_name("kubeadm-wizard")),
               "cluster", "check", "-i", str(inventory), "--json"]
    return {"3 over SSH": lambda: _timed(cluster, env),
            "3 SSH in turn": lambda: sum(
                _timed(["ip", "netns", "exec", space, *WIZARD, "check", "--json", "--facts"])
                for space in spaces.values())}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", default="1,3,20")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--ssh", action="store_true")
    args = parser.parse_args()
    sizes = [int(size) for size in args.nodes.split(",")]
    with tempfile.TemporaryDirectory(prefix="kw-bench-cluster-") as scratch, ExitStack() as stack:
        base = Path(scratch)
        inventories = {size: _inventory(base, size) for size in sizes}

        def check(number: int) -> list[str]:
            return [*WIZARD, "check", "--json", "--facts", "--root", str(base / f"node{number}")]

        figures: dict[str, Callable[[], float]] = {"one check": lambda: _timed(check(0))}
        for size in sizes:
            figures[f"{size} nodes"] = lambda size=size: _timed(
                [*WIZARD, "cluster", "check", "-i", str(inventories[size]), "--json"])
            figures[f"{size} in turn"] = lambda size=size: sum(
                _timed(check(n)) for n in range(size))
            floor = _ansible_alone(base, inventories[size], size)
            figures[f"Ansible, {size}"] = lambda argv=floor: _timed(argv)
        if args.ssh:
            ssh_base = base / "ssh"
            ssh_base.mkdir()
            figures |= _ssh_figures(stack, ssh_base)
        times: dict[str, list[float]] = {name: [] for name in figures}
        for _ in range(args.rounds):  # interleaved: each round measures every figure once
            for name, measure in figures.items():
                times[name].append(measure())
    medians = {name: statistics.median(values) for name, values in times.items()}
    one = medians["one check"]
    print(f"{'figure':<14} {'median s':>9} {'x one check':>12} {'x in turn':>10}"
          f"   (rounds: {args.rounds})")
    peers = {name: name.replace("nodes", "in turn").replace("over SSH", "SSH in turn")
             for name in medians}
    for name, median in medians.items():
        peer = medians.get(peers[name]) if peers[name] != name else None
        versus = f"{median / peer:>10.2f}" if peer else ""
        print(f"{name:<14} {median:>9.2f} {median / one:>12.2f} {versus}")

if __name__ == "__main__":
    main()

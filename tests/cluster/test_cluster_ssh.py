"""`cluster check` over real SSH: three OpenSSH servers in network namespaces this test makes
(the topology: ssh_nodes.py).

n1 is the control plane and listens on 10.250.77.11:6443; n2 is a worker that reaches it;
n3's sshd is stopped before the run and must be reported unreachable by name while the
others are still checked.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
import yaml
from ssh_nodes import NET, ssh_inventory, ssh_nodes

WIZARD = Path(sys.executable).with_name("kubeadm-wizard")


@pytest.fixture
def ssh_cluster(tmp_path):
    """The nodes, and the controller's environment: HOME in the test's directory, ssh's
    control sockets in a short one (a socket's path must fit in 108 bytes, and a parallel
    run's tmp_path alone comes close)."""
    with ssh_nodes(tmp_path) as (ctl, _spaces, processes), \
            tempfile.TemporaryDirectory(prefix="kw-cp-") as control:
        env = {**os.environ, "HOME": str(tmp_path), "ANSIBLE_SSH_CONTROL_PATH_DIR": control}
        yield tmp_path, ctl, processes, env


def _cluster_check(tmp_path, ctl: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """`cluster check --json` from the controller namespace, the only place that sees the nodes."""
    return subprocess.run(
        ["ip", "netns", "exec", ctl, str(WIZARD), "cluster", "check", "-i",
         str(ssh_inventory(tmp_path)), "--json"],
        capture_output=True, text=True, timeout=80, cwd=tmp_path, env=env)


@pytest.mark.timeout(90)
def test_a_stopped_node_is_reported_by_name_and_the_others_are_checked(ssh_cluster):
    tmp_path, ctl, processes, env = ssh_cluster
    processes["n3"].terminate()
    processes["n3"].wait(timeout=10)
    start = time.monotonic()
    done = _cluster_check(tmp_path, ctl, env)
    assert done.returncode == 1, done.stderr
    assert time.monotonic() - start < 60
    document = json.loads(done.stdout)
    nodes = document["nodes"]
    assert nodes["n3"]["reachable"] is False
    assert "unreachable" in nodes["n3"]["error"]
    assert [c["id"] for c in nodes["n3"]["checks"]] == ["NodeReachable"]
    for name in ("n1", "n2"):
        assert nodes[name]["reachable"] is True, nodes[name].get("error")
        assert "Swap" in {c["id"] for c in nodes[name]["checks"]}
        assert nodes[name]["facts"]["running"] is True
    assert nodes["n1"]["host"]["role"] == "control-plane"
    assert nodes["n2"]["host"]["role"] == "worker"
    cluster = {}
    for result in document["cluster"]:
        cluster.setdefault(result["id"], []).append(result)
    [checked] = cluster["NodesChecked"]
    assert checked["status"] == "fail" and checked["nodes"] == ["n3"]
    [reach] = cluster["ControlPlaneReachable"]
    assert reach["status"] == "pass" and reach["nodes"] == ["n2"]
    assert f"{NET}.11:6443" in reach["message"] and "dev eth0" in reach["message"]
    assert [r["status"] for r in cluster["UniqueMACAddress"]] == ["pass"]
    assert {r["status"] for r in cluster["ClockSkew"]} == {"pass"}
    # All three share this machine's files, so the identity checks see one hostname.
    assert cluster["UniqueHostname"][0]["nodes"] == ["n1", "n2"]


@pytest.mark.timeout(90)
def test_a_closed_port_fails_with_its_reason(ssh_cluster):
    tmp_path, ctl, processes, env = ssh_cluster
    processes["apiserver"].terminate()
    processes["apiserver"].wait(timeout=10)
    done = _cluster_check(tmp_path, ctl, env)
    assert done.returncode == 1, done.stderr
    reach = {r["nodes"][0]: r for r in json.loads(done.stdout)["cluster"]
             if r["id"] == "ControlPlaneReachable"}
    assert set(reach) == {"n2", "n3"}
    for result in reach.values():
        assert result["status"] == "fail"
        assert "connection refused" in result["message"]


def _tree(root: Path) -> dict[str, tuple[int, bytes | str]]:
    """Every entry under root (but the wizard's own state) with its mode and content."""
    found: dict[str, tuple[int, bytes | str]] = {}
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root).as_posix()
        if relative.startswith("var/lib/kubeadm-wizard") or relative == "var/lib":
            continue  # the wizard's state (the archived journal) stays after undo, on purpose
        mode = path.lstat().st_mode
        content = (os.readlink(path) if path.is_symlink() else
                   path.read_bytes() if path.is_file() else "")
        found[relative] = (mode, content)
    return found


def _ssh_cluster(tmp_path: Path, ctl: str, env: dict[str, str], *args: str) -> dict:
    inventory = yaml.safe_load(ssh_inventory(tmp_path).read_text())
    for group in ("control_plane", "workers"):
        for name, variables in inventory[group]["hosts"].items():
            variables["kubeadm_wizard_root"] = str(tmp_path / "nodes" / name)
    path = tmp_path / "inventory-roots.yml"
    path.write_text(yaml.safe_dump(inventory))
    done = subprocess.run(["ip", "netns", "exec", ctl, str(WIZARD), "cluster", *args, "-i",
                           str(path), "--json"], capture_output=True, text=True, timeout=240,
                          cwd=tmp_path, env=env)
    assert done.stdout, done.stderr
    return json.loads(done.stdout)["nodes"]


@pytest.mark.timeout(600)
def test_cluster_apply_over_ssh_equals_apply_root_and_undo_restores_every_node(ssh_cluster):
    from wizard.resources import asset

    tmp_path, ctl, _, env = ssh_cluster
    demo = asset("demos", "ubuntu-vagrant", "root")
    roles = {"n1": "control-plane", "n2": "worker", "n3": "worker"}
    for name, role in roles.items():
        for kind in ("nodes", "expected", "pristine"):
            shutil.copytree(demo, tmp_path / kind / name, symlinks=True)
        answers = tmp_path / f"answers-{name}.yaml"
        answers.write_text(yaml.safe_dump(
            {"role": role, "advertise_address": f"{NET}.11" if name == "n1" else ""}))
        subprocess.run([str(WIZARD), "apply", "--yes", "--root",
                        str(tmp_path / "expected" / name), "--answers", str(answers)],
                       capture_output=True, timeout=120)

    first = _ssh_cluster(tmp_path, ctl, env, "apply", "--yes")
    for name in roles:
        assert first[name]["stages"][0]["stage"] == "prepare", first[name]
        assert _tree(tmp_path / "nodes" / name) == _tree(tmp_path / "expected" / name), name
    # An image defers what only its running system can do (apt-mark hold, ...), so apply
    # reports those and no node goes on to kubeadm, which an image cannot run either.
    for name in roles:
        assert [s["stage"] for s in first[name]["stages"]] == ["prepare"]
        assert first[name]["stages"][0]["detail"].startswith("deferred: "), first[name]

    after_first = {name: _tree(tmp_path / "nodes" / name) for name in roles}
    _ssh_cluster(tmp_path, ctl, env, "apply", "--yes")
    assert {name: _tree(tmp_path / "nodes" / name) for name in roles} == after_first

    undone = _ssh_cluster(tmp_path, ctl, env, "undo", "--yes")
    assert all(stage["ok"] for node in undone.values() for stage in node["stages"]), undone
    for name in roles:
        assert _tree(tmp_path / "nodes" / name) == _tree(tmp_path / "pristine" / name), name

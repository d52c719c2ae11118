"""`cluster check` over Ansible's local connection, on node roots copied from a demo tree.

Each node is a copy of the ubuntu-vagrant demo's root with its own hostname, product_uuid
and MACs; two of them share a machine-id on purpose (a cloned SD card), and the cluster
check must name exactly those two.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import yaml

from wizard.cli import main
from wizard.resources import asset

DEMO_ROOT = asset("demos", "ubuntu-vagrant", "root")


def _node_root(base: Path, name: str, number: int, machine_id: str) -> Path:
    root = base / name
    shutil.copytree(DEMO_ROOT, root, symlinks=True)
    (root / "etc/hostname").write_text(f"{name}\n")
    (root / "etc/machine-id").write_text(f"{machine_id}\n")
    (root / "sys/class/dmi/id/product_uuid").write_text(
        f"00000000-0000-4000-8000-00000000000{number}\n")
    for index, link in enumerate(("enp0s3", "enp0s8")):
        (root / f"sys/class/net/{link}/address").write_text(f"08:00:27:00:0{number}:0{index}\n")
    return root


def _inventory(tmp_path: Path) -> Path:
    shared = "aa" * 16
    roots = {"cp1": _node_root(tmp_path, "cp1", 1, "11" * 16),
             "w1": _node_root(tmp_path, "w1", 2, shared),
             "w2": _node_root(tmp_path, "w2", 3, shared)}
    inventory = {
        "all": {"vars": {"ansible_connection": "local",
                         "ansible_python_interpreter": sys.executable,
                         # The nodes' cache (the wizard's copy) stays inside the test too.
                         "kubeadm_wizard_home": str(tmp_path / "node-cache")}},
        "control_plane": {"hosts": {"cp1": {"kubeadm_wizard_root": str(roots["cp1"]),
                                            "kubeadm_wizard_advertise_address": "10.0.0.1"}}},
        "workers": {"hosts": {name: {"kubeadm_wizard_root": str(roots[name])}
                              for name in ("w1", "w2")}},
    }
    path = tmp_path / "inventory.yml"
    path.write_text(yaml.safe_dump(inventory))
    return path


def test_shared_machine_id_names_both_nodes(tmp_path, capsys):
    code = main(["cluster", "check", "-i", str(_inventory(tmp_path)), "--json"])
    document = json.loads(capsys.readouterr().out)
    assert code == 1
    assert set(document["nodes"]) == {"cp1", "w1", "w2"}
    for name, node in document["nodes"].items():
        assert node["host"].get("hostname") == name, node.get("error")
        assert "Swap" in {c["id"] for c in node["checks"]}
    roles = {name: node["host"]["role"] for name, node in document["nodes"].items()}
    assert roles == {"cp1": "control-plane", "w1": "worker", "w2": "worker"}
    cluster = {}
    for result in document["cluster"]:
        cluster.setdefault(result["id"], []).append(result)
    [machine_id] = cluster["UniqueMachineID"]
    assert machine_id["status"] == "fail" and machine_id["nodes"] == ["w1", "w2"]
    assert "w1, w2" in machine_id["message"]
    for check_id in ("NodesChecked", "UniqueHostname", "UniqueProductUUID", "UniqueMACAddress"):
        assert [r["status"] for r in cluster[check_id]] == ["pass"], cluster[check_id]
    # Roots are not running systems: nothing to connect from, no routes to compare.
    assert {r["status"] for r in cluster["ControlPlaneReachable"]} == {"skip"}
    assert cluster["ClusterPodSubnetOverlap"][0]["status"] == "skip"


def test_text_output_and_the_answers_file(tmp_path, capsys):
    answers = tmp_path / "answers.yaml"
    answers.write_text('version: 1\nkubernetes_version: "1.35"\n')
    code = main(["cluster", "check", "-i", str(_inventory(tmp_path)), "--answers", str(answers)])
    out = capsys.readouterr().out
    assert code == 1
    assert "UniqueMachineID" in out and "shared by w1, w2" in out
    assert "cp1" in out and "control-plane" in out


def test_usage_errors_exit_2(tmp_path, capsys):
    assert main(["cluster", "check", "-i", str(tmp_path / "missing.yml")]) == 2
    assert "no such file" in capsys.readouterr().err
    bad = tmp_path / "bad.ini"
    bad.write_text("[x\n")
    assert main(["cluster", "check", "-i", str(bad)]) == 2
    assert "cannot read this inventory" in capsys.readouterr().err
    empty = tmp_path / "empty.yml"
    empty.write_text(yaml.safe_dump({"others": {"hosts": {"a": None}}}))
    assert main(["cluster", "check", "-i", str(empty)]) == 2
    assert "no cluster nodes" in capsys.readouterr().err
    wrong = tmp_path / "wrong-address.yml"
    wrong.write_text(yaml.safe_dump({"control_plane": {"hosts": {"cp1": {
        "kubeadm_wizard_advertise_address": "999.1.1.1"}}}}))
    assert main(["cluster", "check", "-i", str(wrong)]) == 2  # before Ansible touches a node
    assert "cp1: kubeadm_wizard_advertise_address '999.1.1.1' is not an IP address" in (
        capsys.readouterr().err)
    for variables, said in (
            ({"kubeadm_wizard_demo": "ready", "kubeadm_wizard_root": str(tmp_path)},
             "cp1: kubeadm_wizard_demo and kubeadm_wizard_root name two different hosts"),
            ({"kubeadm_wizard_demo": "nope"}, "cp1: unknown demo 'nope'")):
        both = tmp_path / "both.yml"
        both.write_text(yaml.safe_dump({"control_plane": {"hosts": {"cp1": variables}}}))
        assert main(["cluster", "check", "-i", str(both)]) == 2
        assert said in capsys.readouterr().err


def test_kubespray_groups_and_roles():
    from wizard.cluster.inventory import nodes_from_listing

    listing = {"_meta": {"hostvars": {"n1": {"ansible_host": "10.0.0.1"}, "n2": {}}},
               "all": {"children": ["k8s_cluster"]},
               "k8s_cluster": {"children": ["kube_control_plane", "kube_node"]},
               "kube_control_plane": {"hosts": ["n1"]},
               "kube_node": {"hosts": ["n1", "n2"]}}
    inventory = nodes_from_listing(listing, Path("inv"))
    assert [(n.name, n.role, n.address) for n in inventory.nodes] == [
        ("n1", "control-plane", "10.0.0.1"), ("n2", "worker", "n2")]


def test_the_nodes_keep_one_copy_of_the_wizard_and_a_second_check_sends_none(tmp_path, capsys):
    inventory = _inventory(tmp_path)
    assert main(["cluster", "check", "-i", str(inventory), "--json"]) == 1
    cache = tmp_path / "node-cache" / "kubeadm-wizard"
    [zipapp] = cache.glob("*.pyz")
    assert zipapp.stat().st_mode & 0o777 == 0o600 and cache.stat().st_mode & 0o777 == 0o700
    sent = zipapp.stat()
    capsys.readouterr()
    assert main(["cluster", "check", "-i", str(inventory), "--json"]) == 1
    document = json.loads(capsys.readouterr().out)
    assert all("checks" in node for node in document["nodes"].values()), document["nodes"]
    again = zipapp.stat()
    assert (again.st_ino, again.st_mtime_ns) == (sent.st_ino, sent.st_mtime_ns)
    # Three nodes sent it at once the first time: no partial copy is left beside it.
    assert sorted(p.name for p in cache.iterdir()) == [zipapp.name, zipapp.name + ".d"]


def test_a_node_where_the_wizard_refuses_to_run_says_why_in_its_own_words(tmp_path, capsys):
    """Ansible's message for a failed_when is only "Action failed: Unknown error."; the
    node's own stderr is what tells the operator what to fix. The other nodes are checked."""
    inventory = _inventory(tmp_path)
    shutil.rmtree(tmp_path / "w2")
    code = main(["cluster", "check", "-i", str(inventory), "--json"])
    document = json.loads(capsys.readouterr().out)
    assert code == 1
    error = document["nodes"]["w2"]["error"]
    assert f"--root {tmp_path / 'w2'}: not a directory" in error, error
    assert "Unknown error" not in error
    assert document["nodes"]["w1"]["checks"][0]["id"] != "NodeReachable"

"""`cluster plan / apply / undo / export` through Ansible itself, on simulated nodes.

The nodes are demo hosts (`kubeadm_wizard_demo`), each with its own cache folder
(`kubeadm_wizard_home`) and Ansible's local connection: the real ansible-playbook runs the
wizard's zipapp on each of them, and their kubeadm is the replaying stand-in
(assets/kubeadm-replay), which prints real join commands with fresh random tokens and
certificate keys. Nothing on this machine outside tmp_path changes.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from wizard.cli import main
from wizard.cluster.inventory import read_inventory
from wizard.cluster.stages import run_stage
from wizard.host.ansible import ansible_program
from wizard.host.base import Host
from wizard.model import WizardChoices

TOKEN = re.compile(r"\b[a-z0-9]{6}\.[a-z0-9]{16}\b")
CERTIFICATE_KEY = re.compile(r"(?<!sha256:)\b[0-9a-f]{64}\b")


@pytest.fixture(autouse=True)
def quick_kubeadm(monkeypatch):
    monkeypatch.setenv("FAKE_KUBEADM_DELAY", "0")


def _inventory(tmp_path: Path, nodes: dict[str, tuple[str, str]]) -> Path:
    """nodes: name -> (group, demo)."""
    groups: dict[str, dict] = {"control_plane": {"hosts": {}}, "workers": {"hosts": {}}}
    for name, (group, demo) in nodes.items():
        groups[group]["hosts"][name] = {"kubeadm_wizard_demo": demo,
                                        "kubeadm_wizard_home": str(tmp_path / "homes" / name)}
    inventory = {"all": {"vars": {"ansible_connection": "local",
                                  "ansible_python_interpreter": sys.executable,
                                  "kubeadm_wizard_python": sys.executable},
                         "children": groups}}
    path = tmp_path / "inventory.yml"
    path.write_text(yaml.safe_dump(inventory))
    return path


THREE = {"cp1": ("control_plane", "ready"), "cp2": ("control_plane", "ready"),
         "w1": ("workers", "ready")}


def _secrets_in(text: str) -> list[str]:
    return TOKEN.findall(text) + CERTIFICATE_KEY.findall(text)


def _journal(tmp_path: Path, node: str) -> list[dict]:
    path = tmp_path / "homes" / node / "kubeadm-wizard/demos/ready/root/var/lib/kubeadm-wizard"
    return [json.loads(line) for line in (path / "journal.jsonl").read_text().splitlines()]


def test_apply_inits_the_first_control_plane_and_joins_the_others_without_leaking_a_secret(
        tmp_path):
    inventory = read_inventory(Host("/"), _inventory(tmp_path, THREE),
                               ansible_program("ansible-inventory"))
    run = run_stage(inventory, WizardChoices(), "apply.yml")

    stages = {name: [(s.stage, s.ok) for s in node.stages] for name, node in run.nodes.items()}
    assert stages == {"cp1": [("prepare", True), ("init", True)],
                      "cp2": [("prepare", True), ("join", True)],
                      "w1": [("prepare", True), ("join", True)]}
    assert not run.failed
    runs = {node: [e for e in _journal(tmp_path, node) if e["event"] == "kubeadm-run"]
            for node in THREE}
    assert [r["command"] for r in runs["cp1"]] == ["init"]
    assert [r["command"] for r in runs["w1"]] == ["join"]
    # The other control plane joined as one: --control-plane with the uploaded key.
    assert runs["cp2"][0]["succeeded"]
    # The join commands were real (fresh tokens, a certificate key), yet none of it is
    # anywhere: not in Ansible's events, not in any file the nodes keep.
    assert not _secrets_in(json.dumps(run.events))
    for path in (tmp_path / "homes").rglob("*"):
        if path.is_file() and not path.is_symlink():
            assert not _secrets_in(path.read_text(errors="replace")), path


def test_the_summary_names_what_failed_and_the_others_still_joined(tmp_path, capsys):
    nodes = {"cp1": ("control_plane", "ready"), "w1": ("workers", "ready"),
             "pi": ("workers", "rpi4-bookworm")}
    code = main(["cluster", "apply", "-i", str(_inventory(tmp_path, nodes)), "--yes",
                 "--json"])
    report = json.loads(capsys.readouterr().out)["nodes"]
    assert code == 1
    assert [s["ok"] for s in report["w1"]["stages"]] == [True, True]
    assert report["cp1"]["stages"][-1] == {"stage": "init", "ok": True,
                                           "detail": "kubeadm succeeded"}
    assert not all(s["ok"] for s in report["pi"]["stages"])


def test_without_a_first_control_plane_the_workers_are_told_why_they_did_not_join(tmp_path):
    nodes = {"cp1": ("control_plane", "rpi4-bookworm"), "w1": ("workers", "ready")}
    inventory = read_inventory(Host("/"), _inventory(tmp_path, nodes),
                               ansible_program("ansible-inventory"))
    run = run_stage(inventory, WizardChoices(), "apply.yml")
    assert run.failed
    worker = run.nodes["w1"].stages
    assert worker[-1].stage == "join" and not worker[-1].ok
    assert "cp1 did not finish kubeadm init" in worker[-1].detail


def test_plan_then_undo_on_every_node(tmp_path, capsys):
    inventory = str(_inventory(tmp_path, {"cp1": ("control_plane", "rpi4-bookworm"),
                                          "w1": ("workers", "ready")}))
    assert main(["cluster", "plan", "-i", inventory, "--json"]) == 0
    planned = json.loads(capsys.readouterr().out)["nodes"]
    assert planned["w1"]["stages"] == [{"stage": "plan", "ok": True,
                                        "detail": "nothing to change"}]
    assert "step(s) to apply" in planned["cp1"]["stages"][0]["detail"]

    main(["cluster", "apply", "-i", inventory, "--yes", "--json"])
    capsys.readouterr()
    assert main(["cluster", "undo", "-i", inventory, "--yes", "--json"]) == 0
    undone = json.loads(capsys.readouterr().out)["nodes"]
    assert all(s["ok"] for node in undone.values() for s in node["stages"])
    assert main(["cluster", "plan", "-i", inventory, "--json"]) == 0
    again = json.loads(capsys.readouterr().out)["nodes"]
    assert again["cp1"]["stages"] == planned["cp1"]["stages"]  # undone: the same plan again


def test_apply_without_yes_and_without_a_terminal_is_a_usage_error(tmp_path, capsys):
    inventory = str(_inventory(tmp_path, THREE))
    assert main(["cluster", "apply", "-i", inventory]) == 2
    assert "confirm with --yes" in capsys.readouterr().err


def _ansible(*argv: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([ansible_program(argv[0]), *argv[1:]], cwd=cwd, capture_output=True,
                          text=True, timeout=600)


def test_export_is_a_project_plain_ansible_playbook_runs_and_ansible_lint_passes(tmp_path):
    inventory = _inventory(tmp_path, {"cp1": ("control_plane", "ready"),
                                      "w1": ("workers", "ready")})
    project = tmp_path / "project"
    assert main(["cluster", "export", "-i", str(inventory), "-o", str(project)]) == 0
    assert {"site.yml", "run_wizard.yml", "join.yml", "stop_node.yml", "kubeadm-wizard.pyz",
            "README.md",
            "group_vars/all.yml", "inventory/inventory.yml", "nodes/cp1.yml",
            "nodes/w1.yml"} <= {str(p.relative_to(project)) for p in project.rglob("*")
                                if p.is_file()}
    checked = _ansible("ansible-playbook", "-i", "inventory/inventory.yml", "--syntax-check",
                       "site.yml", cwd=project)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    linted = _ansible("ansible-lint", "--profile", "production", "--offline", "site.yml",
                      cwd=project)
    assert linted.returncode == 0, linted.stdout + linted.stderr

    ran = _ansible("ansible-playbook", "-i", "inventory/inventory.yml", "site.yml", cwd=project)
    assert ran.returncode == 0, ran.stdout[-3000:]
    assert not _secrets_in(ran.stdout)
    assert [e["command"] for e in _journal(tmp_path, "w1") if e["event"] == "kubeadm-run"] == [
        "join"]


def test_export_refuses_a_directory_that_is_not_empty(tmp_path, capsys):
    (tmp_path / "project").mkdir()
    (tmp_path / "project" / "keep.txt").write_text("mine\n")
    inventory = str(_inventory(tmp_path, THREE))
    assert main(["cluster", "export", "-i", inventory, "-o", str(tmp_path / "project")]) == 2
    assert "is not empty" in capsys.readouterr().err

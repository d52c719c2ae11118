"""The Cluster screen (`--inventory FILE`) driven by keys, on demo nodes through the real
ansible-playbook (local connection; each node's cache in tmp_path): check, plan, apply with
its confirmation, the join hand-off named without a secret, and the lesson on F1."""

from __future__ import annotations

import re
import sys
import time

import pytest
import yaml
from textual.widgets import RichLog, Static

from screens.app import WizardApp
from screens.cluster import ClusterScreen
from screens.dialogs.confirm import ConfirmDialog
from screens.help import LessonScreen
from screens.widgets.cluster_nodes import ClusterCheckTable, NodeTable
from wizard.host.simulated import SimulatedHost

TOKEN = re.compile(r"\b[a-z0-9]{6}\.[a-z0-9]{16}\b")


@pytest.fixture(autouse=True)
def quick_kubeadm(monkeypatch):
    monkeypatch.setenv("FAKE_KUBEADM_DELAY", "0")


def _inventory(tmp_path):
    hosts = {"cp1": "control_plane", "w1": "workers"}
    groups = {"control_plane": {"hosts": {}}, "workers": {"hosts": {}}}
    for name, group in hosts.items():
        groups[group]["hosts"][name] = {"kubeadm_wizard_demo": "ready",
                                        "kubeadm_wizard_home": str(tmp_path / "homes" / name)}
    path = tmp_path / "inventory.yml"
    path.write_text(yaml.safe_dump({"all": {
        "vars": {"ansible_connection": "local", "ansible_python_interpreter": sys.executable,
                 "kubeadm_wizard_python": sys.executable},
        "children": groups}}))
    return path


async def _until(pilot, condition, timeout=240.0):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting for the Cluster screen"
        await pilot.pause(0.2)


def _cell(table: NodeTable, node: str, column: str) -> str:
    return str(table.get_cell(node, column))


async def test_check_plan_apply_and_the_handoff(tmp_path):
    app = WizardApp(SimulatedHost("ready", scratch=tmp_path / "here"),
                    inventory=_inventory(tmp_path))
    async with app.run_test(size=(120, 40)) as pilot:
        await _until(pilot, lambda: isinstance(app.screen, ClusterScreen)
                     and app.screen.inventory is not None)
        screen = app.screen
        nodes = screen.query_one(NodeTable)
        assert nodes.row_count == 2 and _cell(nodes, "w1", "role") == "worker"

        await pilot.press("k")
        await _until(pilot, lambda: not screen.busy)
        checks = screen.query_one(ClusterCheckTable)
        ids = {str(checks.get_row_at(i)[0]) for i in range(checks.row_count)}
        assert {"UniqueHostname", "UniqueMachineID", "ControlPlaneReachable"} <= ids
        assert _cell(nodes, "cp1", "check") in ("ok", "warn", "FAILED")

        await pilot.press("p")
        await _until(pilot, lambda: not screen.busy)
        assert _cell(nodes, "cp1", "plan") == "ok"

        await pilot.press("a")
        await _until(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        await pilot.press("escape")  # no: nothing runs
        await _until(pilot, lambda: app.screen is screen)
        assert _cell(nodes, "cp1", "prepare") == "-" and not screen.busy

        await pilot.press("a")
        await _until(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        await pilot.click("#yes")
        await _until(pilot, lambda: app.screen is screen and not screen.busy)
        assert _cell(nodes, "cp1", "init") == "ok"
        assert _cell(nodes, "w1", "join") == "ok"
        handoff = str(screen.query_one("#cluster-handoff", Static).content)
        assert "cp1" in handoff and "w1" in handoff and "no_log" in handoff
        log = "\n".join(str(line.text) for line in screen.query_one(RichLog).lines)
        assert "w1" in log and not TOKEN.search(log + handoff)

        await pilot.press("f1")
        await _until(pilot, lambda: isinstance(app.screen, LessonScreen))
        assert "UniqueProductUUID" in app.screen.markdown
        await pilot.press("escape")
        await pilot.press("escape")  # back to this host's wizard
        await _until(pilot, lambda: not isinstance(app.screen, ClusterScreen))
        await pilot.press("c")
        await _until(pilot, lambda: isinstance(app.screen, ClusterScreen))


async def test_a_bad_inventory_is_said_on_screen(tmp_path):
    bad = tmp_path / "inventory.yml"
    bad.write_text("all: [not, an, inventory\n")
    app = WizardApp(SimulatedHost("ready", scratch=tmp_path / "here"), inventory=bad)
    async with app.run_test(size=(80, 24)) as pilot:
        await _until(pilot, lambda: isinstance(app.screen, ClusterScreen) and "cannot be used"
                     in str(app.screen.query_one("#cluster-status", Static).content))

"""One `cluster check` run: the wizard's own check on every node, through Ansible.

Why this shape: every per-node check already exists once, in `wizard.checks`; the node runs
it with the answers meant for it (its role, its advertise address) and prints JSON, which
comes back in Ansible's job events. A node Ansible cannot reach, or where the wizard cannot
run, becomes a result that names the node and Ansible's reason; the others are still checked.
"""

from __future__ import annotations

import copy
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from wizard.cluster.bundle import bundle_name
from wizard.cluster.inventory import Inventory, Node
from wizard.model import WizardChoices

PLAYBOOK = Path(__file__).with_name("playbooks") / "check.yml"
CHECK_TASK = "Run kubeadm-wizard check on the node"
API_SERVER_PORT = 6443


@dataclass
class NodeResult:
    """What came back from one node: its check report, or why there is none."""

    node: Node
    report: dict[str, Any] | None = None
    error: str = ""
    unreachable: bool = False
    window: tuple[float, float] | None = None  # controller clock around the check task
    answers: dict[str, Any] = field(default_factory=dict)

    @property
    def facts(self) -> dict[str, Any]:
        return (self.report or {}).get("facts") or {}


def api_endpoint(inventory: Inventory, choices: WizardChoices) -> str:
    """Where the workers will join: the answers' endpoint, else the first control-plane
    node's advertise address (or its Ansible address) on the API server's port."""
    for given in (choices.join_endpoint, choices.control_plane_endpoint):
        if given:
            return given if given.rpartition(":")[2].isdigit() and not given.endswith(
                "]") else f"{given}:{API_SERVER_PORT}"
    if not inventory.control_plane:
        return ""
    first = inventory.control_plane[0]
    address = first.advertise_address or choices.advertise_address or first.address
    return f"[{address}]:{API_SERVER_PORT}" if ":" in address else f"{address}:{API_SERVER_PORT}"


def node_choices(node: Node, choices: WizardChoices) -> WizardChoices:
    """The cluster answers with this node's own: its role and its advertise address."""
    mine = copy.deepcopy(choices)
    mine.role = node.role
    if node.advertise_address:
        mine.advertise_address = node.advertise_address
    elif node.role == "worker":
        mine.advertise_address = ""  # a worker's address is its own, never the control plane's
    return mine


def _timestamp(text: Any) -> float | None:
    try:
        return datetime.fromisoformat(str(text)).timestamp()
    except (TypeError, ValueError):
        return None


def _reason(res: dict[str, Any]) -> str:
    """Why a task failed, in the most telling words: once the wizard ran on the node (an
    rc is there), its own stderr says why; Ansible's msg then only says that it failed
    ("Task failed: Action failed: Unknown error." for a failed_when)."""
    ran = res.get("rc") is not None
    keys = ("stderr", "msg", "module_stderr", "stdout") if ran else (
        "msg", "stderr", "module_stderr", "stdout")
    for key in keys:
        value = res.get(key)
        if value and str(value).strip():
            text = " ".join(str(value).split())
            return text if len(text) <= 400 else text[:400] + " ..."
    return "no reason given"


def collate(nodes: list[Node], events: list[dict[str, Any]]) -> dict[str, NodeResult]:
    """Each node's result from Ansible's events (pure: tests feed it recorded events)."""
    results = {node.name: NodeResult(node) for node in nodes}
    for event in events:
        data = event.get("event_data") or {}
        result = results.get(data.get("host", ""))
        if result is None:
            continue
        kind = event.get("event")
        res = data.get("res") or {}
        task = data.get("task", "")
        if kind == "runner_on_unreachable":
            result.unreachable = True
            result.error = f"unreachable: {_reason(res)}"
        elif kind == "runner_on_failed" and not result.error:
            result.error = f"task '{task}' failed: {_reason(res)}"
        elif kind == "runner_on_ok" and task == CHECK_TASK:
            _take_report(result, res, data)
    for result in results.values():
        if result.report is None and not result.error:
            result.error = "Ansible reported no result for this node"
    return results


def _take_report(result: NodeResult, res: dict[str, Any], data: dict[str, Any]) -> None:
    import json

    try:
        report = json.loads(res.get("stdout") or "")
    except ValueError:
        result.error = f"the wizard printed no JSON: {_reason(res)}"
        return
    if not isinstance(report, dict) or "checks" not in report:
        result.error = "the wizard's JSON has no checks"
        return
    result.report = report
    start, end = _timestamp(data.get("start")), _timestamp(data.get("end"))
    if start is not None and end is not None:
        result.window = (start, end)


def check_nodes(inventory: Inventory, choices: WizardChoices, *, timeout: int = 600,
                on_event: Callable[[dict[str, Any]], None] | None = None
                ) -> dict[str, NodeResult]:
    """Run the check playbook against every node and return each node's result."""
    from wizard.cluster.stages import write_work_dir
    from wizard.host.ansible import run_playbook

    work = Path(tempfile.mkdtemp(prefix="kubeadm-wizard-cluster-"))
    try:
        endpoint = api_endpoint(inventory, choices)
        answers = {node.name: node_choices(node, choices).to_dict() for node in inventory.nodes}
        nodes = write_work_dir(work, inventory, choices, node_choices, lambda node: {
            "kw_probe_args": ["--probe", endpoint] if endpoint and node.role == "worker"
            else []})
        zipapp = work / "kubeadm-wizard.pyz"
        bundle = bundle_name(zipapp)
        (work / bundle).hardlink_to(zipapp)  # the copy keeps the source's name on the node
        run = run_playbook(work, PLAYBOOK, inventory.path.resolve(),
                           limit=",".join(n.name for n in inventory.nodes),
                           extravars={"kw_work": str(work), "kw_nodes": nodes,
                                      "kw_bundle": bundle},
                           timeout=timeout, forks=len(nodes), on_event=on_event)
        results = collate(inventory.nodes, run.events)
        for name, result in results.items():
            result.answers = answers[name]
            if result.error == "Ansible reported no result for this node" and run.stdout_tail:
                result.error += f" (ansible-playbook: {' '.join(run.stdout_tail.split())[-300:]})"
        return results
    finally:
        shutil.rmtree(work, ignore_errors=True)

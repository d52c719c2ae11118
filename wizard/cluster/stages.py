"""`cluster plan`, `apply` and `undo`: the single-host commands, run on every node by Ansible.

Why this shape: each node runs the wizard's own `plan`, `apply`, `undo` and `kubeadm
init|join` (one implementation of every step), from the zipapp `cluster check` also sends.
The controller only prepares the runner directory (the zipapp, each node's arguments), runs
one playbook and reads Ansible's events back into one row per node and stage. The join
commands never pass through here: they live in Ansible's memory on the way from the first
control plane to the other nodes (see playbooks/apply.yml).
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from wizard.cluster.bundle import cached_zipapp
from wizard.cluster.inventory import Inventory, Node
from wizard.model import WizardChoices

PLAYBOOKS = Path(__file__).with_name("playbooks")
RUN_TASK = "Run kubeadm-wizard"
JOIN_REPORT = "Report the join (the wizard masked every secret in it)"
FAILURE_REPORT = "Report the failure"
STAGE_OF_PLAY = {
    "Plan every node with kubeadm-wizard plan": "plan",
    "Prepare every node with kubeadm-wizard apply": "prepare",
    "Initialise the first control plane": "init",
    "Join the other control planes, one at a time": "join",
    "Join the workers": "join",
    "Undo every node with kubeadm-wizard undo": "undo",
}


@dataclass
class StageResult:
    """One node's outcome in one stage: ok, failed (with the reason) or not reached."""

    stage: str
    ok: bool
    detail: str = ""


@dataclass
class NodeRun:
    node: Node
    stages: list[StageResult] = field(default_factory=list)
    unreachable: str = ""

    def stage(self, name: str) -> StageResult | None:
        return next((s for s in self.stages if s.stage == name), None)


@dataclass
class ClusterRun:
    nodes: dict[str, NodeRun]
    events: list[dict[str, Any]]  # kept so tests can prove no secret is in them

    @property
    def failed(self) -> bool:
        return any(run.unreachable or not run.stages or not all(s.ok for s in run.stages)
                   for run in self.nodes.values())


def host_arguments(node: Node) -> list[str]:
    """How the node's wizard finds the host: a simulated one, a root directory, or `/`."""
    if node.demo:
        return ["--demo", node.demo]
    return ["--root", node.root] if node.root != "/" else []


def write_work_dir(work: Path, inventory: Inventory, choices: WizardChoices,
                   answers_for: Callable[[Node, WizardChoices], WizardChoices],
                   extra: Callable[[Node], dict[str, Any]] = lambda node: {}
                   ) -> dict[str, dict[str, Any]]:
    """The runner directory: the zipapp and each node's arguments (nodes/NAME.yml), which
    are also returned (name -> arguments)."""
    cached_zipapp(work / "kubeadm-wizard.pyz")
    every: dict[str, dict[str, Any]] = {}
    (work / "nodes").mkdir()
    first = inventory.control_plane[0].name if inventory.control_plane else ""
    for node in inventory.nodes:
        stage = ("first" if node.name == first else
                 "control_plane" if node.role == "control-plane" else "worker")
        node_vars = {"kw_root": node.root, "kw_python": node.python,
                     "kw_answers": yaml.safe_dump(answers_for(node, choices).to_dict(),
                                                  sort_keys=False),
                     "kw_host_args": host_arguments(node), "kw_stage": stage,
                     "kw_environment": {"XDG_CACHE_HOME": node.home} if node.home else {},
                     "kw_cache_dir": (f"{node.home}/kubeadm-wizard" if node.home
                                      else "~/.cache/kubeadm-wizard"),
                     **extra(node)}
        (work / "nodes" / f"{node.name}.yml").write_text(
            yaml.safe_dump(node_vars, sort_keys=False), encoding="utf-8")
        every[node.name] = node_vars
    return every


def run_stage(inventory: Inventory, choices: WizardChoices, playbook: str, *,
              timeout: int = 1800,
              on_event: Callable[[dict[str, Any]], None] | None = None) -> ClusterRun:
    """Run plans/apply.yml, plan.yml or undo.yml on every node; one row per node and stage."""
    from wizard.cluster.runner import node_choices
    from wizard.host.ansible import run_playbook

    work = Path(tempfile.mkdtemp(prefix="kubeadm-wizard-cluster-"))
    try:
        write_work_dir(work, inventory, choices, node_choices)
        first = inventory.control_plane[0].name if inventory.control_plane else ""
        run = run_playbook(work, PLAYBOOKS / playbook, inventory.path.resolve(),
                           limit=",".join(n.name for n in inventory.nodes),
                           extravars={"kw_work": str(work), "kw_first_node": first},
                           timeout=timeout, on_event=on_event)
        return ClusterRun(collate_stages(inventory.nodes, run.events), run.events)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def collate_stages(nodes: list[Node], events: list[dict[str, Any]]) -> dict[str, NodeRun]:
    """Each node's stages from Ansible's events (pure: tests can feed recorded events)."""
    runs = {node.name: NodeRun(node) for node in nodes}
    for event in events:
        data = event.get("event_data") or {}
        run = runs.get(data.get("host", ""))
        stage = STAGE_OF_PLAY.get(data.get("play", ""))
        if run is None or stage is None:
            continue
        kind, task, res = event.get("event"), data.get("task", ""), data.get("res") or {}
        if kind == "runner_on_unreachable":
            run.unreachable = " ".join(str(res.get("msg", "unreachable")).split())
        elif kind == "runner_on_failed":
            _set(run, StageResult(stage, False, _failure(res)))
        elif kind == "runner_on_ok" and task == RUN_TASK and "rc" in res:
            _set(run, StageResult(stage, res["rc"] == 0, _detail(stage, res)))
        elif kind == "runner_on_ok" and task == JOIN_REPORT:
            _set(run, _join_result(str(res.get("msg", ""))))
        elif kind == "runner_on_ok" and task == FAILURE_REPORT:
            reason = str(res.get("msg", ""))
            detail = _kubeadm_detail(reason) if reason.startswith("{") else reason
            _set(run, StageResult(stage, False, detail))
    return runs


@dataclass(frozen=True)
class Progress:
    """A node finished (or failed) one play: what the CLI prints and the Cluster screen shows."""

    node: str
    play: str
    word: str  # "done", "FAILED" or "UNREACHABLE"

    @property
    def stage(self) -> str:
        return STAGE_OF_PLAY.get(self.play, "check")


_PROGRESS_TASKS = (RUN_TASK, "Report", "Stop")
_PROGRESS_WORDS = {"runner_on_ok": "done", "runner_on_failed": "FAILED",
                   "runner_on_unreachable": "UNREACHABLE"}


def progress_of(event: dict[str, Any]) -> Progress | None:
    """The progress an Ansible event means, if any: the wizard's own run task (or the
    report of a failure) on a node, not the bookkeeping tasks around it."""
    data = event.get("event_data") or {}
    word = _PROGRESS_WORDS.get(str(event.get("event", "")))
    if word is None or not str(data.get("task", "")).startswith(_PROGRESS_TASKS):
        return None
    return Progress(str(data.get("host")), str(data.get("play")), word)


def _set(run: NodeRun, result: StageResult) -> None:
    """The last word on a stage wins, except that a failure is never overwritten."""
    current = run.stage(result.stage)
    if current is None:
        run.stages.append(result)
    elif current.ok:
        current.ok, current.detail = result.ok, result.detail or current.detail


def _failure(res: dict[str, Any]) -> str:
    text = str(res.get("msg") or res.get("stderr") or "failed")
    return " ".join(text.split())[:400]


def _detail(stage: str, res: dict[str, Any]) -> str:
    stdout = str(res.get("stdout") or "")
    if stage == "plan":
        try:
            steps = [s for s in json.loads(stdout) if not s.get("already_done")]
        except (ValueError, AttributeError, TypeError):
            return _last_lines(stdout)
        return (f"{len(steps)} step(s) to apply: " + ", ".join(s["id"] for s in steps)
                if steps else "nothing to change")
    if stage == "init":
        return _kubeadm_detail(stdout)
    return _step_outcomes(stdout) or _last_lines(stdout)


def _step_outcomes(stdout: str) -> str:
    """The steps apply did not finish, by outcome ("deferred: Hold kubelet ...")."""
    left: dict[str, list[str]] = {}
    for line in stdout.splitlines():
        word, _, title = line.strip().partition("  ")
        if word in ("failed", "deferred") and title.strip():
            left.setdefault(word, []).append(title.strip())
    return "; ".join(f"{word}: {', '.join(titles)}" for word, titles in left.items())


def _join_result(stdout: str) -> StageResult:
    try:
        summary = json.loads(stdout)
    except ValueError:
        return StageResult("join", False, _last_lines(stdout) or "no outcome reported")
    return StageResult("join", bool(summary.get("succeeded")), _kubeadm_detail(stdout))


def _kubeadm_detail(stdout: str) -> str:
    try:
        summary = json.loads(stdout)
    except ValueError:
        return _last_lines(stdout)
    if summary.get("succeeded"):
        return "kubeadm succeeded"
    run = summary.get("run") or {}
    return summary.get("refusal") or run.get("error") or "kubeadm failed"


def _last_lines(text: str, count: int = 2) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return " / ".join(lines[-count:])

"""The Cluster screen (`--inventory FILE`): the nodes with their status per stage, the
cross-node checks with the nodes involved, Ansible's live progress, and the join hand-off.

Everything runs in thread workers through the same core the `cluster` commands use
(wizard.cluster); this screen only starts them and shows what their messages say.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, RichLog, Static

from screens.dialogs.confirm import ConfirmDialog
from screens.help import LessonScreen
from screens.widgets.cluster_nodes import ClusterCheckTable, NodeTable
from wizard import i18n
from wizard.cluster.inventory import Inventory
from wizard.cluster.stages import ClusterRun, Progress
from wizard.resources import lesson

_CHANGES = {"apply": "prepares every node, runs kubeadm init on the first control plane and "
                     "joins the others", "undo": "undoes every node's journal"}


@dataclass
class InventoryRead(Message):
    inventory: Inventory | None
    error: str = ""


@dataclass
class NodeProgress(Message):
    step: Progress


@dataclass
class ClusterChecked(Message):
    document: dict[str, Any]


@dataclass
class StageFinished(Message):
    action: str
    run: ClusterRun | None
    error: str = ""


class ClusterScreen(Screen[None]):
    """A whole cluster, driven by Ansible, explained like one host."""

    DEFAULT_CSS = """
    ClusterScreen #cluster-nodes { height: auto; max-height: 8; }
    ClusterScreen #cluster-checks { height: 1fr; min-height: 4; }
    ClusterScreen #cluster-detail, ClusterScreen #cluster-handoff { height: auto; }
    ClusterScreen #cluster-log { height: 5; }
    """

    BINDINGS = [
        Binding("k", "check", "Check"),
        Binding("p", "stage('plan')", "Plan"),
        Binding("a", "stage('apply')", "Apply"),
        Binding("u", "stage('undo')", "Undo"),
        Binding("f1", "lesson", "Lesson"),
        Binding("escape", "leave", "This host"),
    ]

    def __init__(self, inventory_path: Path) -> None:
        super().__init__()
        self.inventory_path = inventory_path
        self.inventory: Inventory | None = None
        self.busy = ""

    def compose(self) -> ComposeResult:
        with Vertical(id="cluster"):
            yield Static(f"Cluster from {self.inventory_path}", classes="page-title",
                         markup=False)
            yield Static("Reading the inventory with ansible-inventory…", id="cluster-status",
                         markup=False)
            yield NodeTable(id="cluster-nodes")
            yield ClusterCheckTable(id="cluster-checks")
            yield Static("", id="cluster-detail", markup=False)
            yield Static("", id="cluster-handoff", markup=False)
            yield RichLog(id="cluster-log", max_lines=500, markup=False, wrap=True)
        yield Footer()

    def on_mount(self) -> None:
        self._read_inventory()

    def _status(self, text: str) -> None:
        self.query_one("#cluster-status", Static).update(text)

    def _log(self, text: str) -> None:
        self.query_one(RichLog).write(text)

    # ------------------------------------------------------------------ workers
    @work(thread=True, exclusive=True, group="cluster", exit_on_error=False)
    def _read_inventory(self) -> None:
        from wizard.cluster.inventory import InventoryError, read_inventory
        from wizard.host.ansible import AnsibleMissing, ansible_program
        from wizard.host.base import Host

        try:
            inventory = read_inventory(Host("/"), self.inventory_path,
                                       ansible_program("ansible-inventory"))
        except (InventoryError, AnsibleMissing, OSError) as error:
            self.post_message(InventoryRead(None, str(error)))
            return
        self.post_message(InventoryRead(inventory))

    @work(thread=True, exclusive=True, group="cluster", exit_on_error=False)
    def _run_check(self, inventory: Inventory) -> None:
        from wizard.cluster.checks import run_cluster_checks
        from wizard.cluster.report import cluster_json
        from wizard.cluster.runner import check_nodes

        try:
            results = check_nodes(inventory, self.app.choices, on_event=self._event)
            document = cluster_json(results, run_cluster_checks(results, self.app.choices))
        except Exception as error:  # Ansible missing or broken: say so, keep the screen
            self.post_message(StageFinished("check", None, f"{type(error).__name__}: {error}"))
            raise
        self.post_message(ClusterChecked(document))

    @work(thread=True, exclusive=True, group="cluster", exit_on_error=False)
    def _run_stage(self, inventory: Inventory, action: str) -> None:
        from wizard.cluster.stages import run_stage

        try:
            run = run_stage(inventory, self.app.choices, f"{action}.yml", on_event=self._event)
        except Exception as error:
            self.post_message(StageFinished(action, None, f"{type(error).__name__}: {error}"))
            raise
        self.post_message(StageFinished(action, run))

    def _event(self, event: dict[str, Any]) -> None:
        from wizard.cluster.stages import progress_of

        step = progress_of(event)
        if step is not None:
            self.post_message(NodeProgress(step))

    # ------------------------------------------------------------------ messages
    @on(InventoryRead)
    def _inventory_read(self, message: InventoryRead) -> None:
        if message.inventory is None:
            self._status(f"The inventory cannot be used: {message.error}")
            return
        self.inventory = message.inventory
        self.query_one(NodeTable).show_inventory(message.inventory)
        names = ", ".join(node.name for node in message.inventory.nodes)
        self._status(f"{len(message.inventory.nodes)} node(s): {names}. "
                     "k checks every node, p plans, a applies, u undoes; F1 explains.")

    @on(NodeProgress)
    def _progress(self, message: NodeProgress) -> None:
        step = message.step
        self.query_one(NodeTable).progress(step)
        self._log(f"{step.node}: {step.play}: {step.word}")

    @on(ClusterChecked)
    def _checked(self, message: ClusterChecked) -> None:
        self.busy = ""
        self.query_one(NodeTable).show_checks(message.document)
        self.query_one(ClusterCheckTable).show_checks(message.document)
        failing = [c["id"] for c in message.document["cluster"] if c["status"] == "fail"]
        for name, node in message.document["nodes"].items():
            if node.get("error"):
                self._log(f"{name}: {node['error']}")
        self._status("Checked. " + (f"Failing across nodes: {', '.join(failing)}."
                                    if failing else "No cross-node check fails."))

    @on(StageFinished)
    def _finished(self, message: StageFinished) -> None:
        self.busy = ""
        if message.run is None:
            self._status(f"cluster {message.action} could not run: {message.error}")
            return
        self.query_one(NodeTable).show_run(message.run)
        for name, node_run in message.run.nodes.items():
            for result in node_run.stages:
                self._log(f"{name}: {result.stage}: {'ok' if result.ok else 'FAILED'}  "
                          f"{result.detail}")
        self.query_one("#cluster-handoff", Static).update(handoff_text(message.run))
        self._status(f"cluster {message.action}: "
                     + ("something failed; see the table and the log." if message.run.failed
                        else "done on every node."))

    @on(ClusterCheckTable.RowHighlighted, "#cluster-checks")
    def _check_highlighted(self, event: ClusterCheckTable.RowHighlighted) -> None:
        """The whole finding of the check under the cursor: the table cuts it at 80 columns."""
        table = self.query_one(ClusterCheckTable)
        row = table.get_row_at(event.cursor_row) if table.row_count else None
        self.query_one("#cluster-detail", Static).update(
            f"{row[0]}: {row[3]}" if row else "")

    # ------------------------------------------------------------------ actions
    def _start(self, action: str) -> Inventory | None:
        if self.inventory is None:
            self.notify("The inventory is not read yet.", severity="warning")
            return None
        if self.busy:
            self.notify(f"cluster {self.busy} is still running.", severity="warning")
            return None
        self.busy = action
        nodes = [node.name for node in self.inventory.nodes]
        self.query_one(NodeTable).running(nodes, {"apply": "prepare"}.get(action, action))
        self._status(f"cluster {action} on {len(nodes)} node(s) through Ansible…")
        return self.inventory

    def action_check(self) -> None:
        inventory = self._start("check")
        if inventory is not None:
            self._run_check(inventory)

    def action_stage(self, action: str) -> None:
        if action == "plan":
            inventory = self._start("plan")
            if inventory is not None:
                self._run_stage(inventory, "plan")
            return
        if self.inventory is None or self.busy:
            self._start(action)  # says why not
            return
        names = ", ".join(node.name for node in self.inventory.nodes)
        self.app.push_screen(ConfirmDialog(f"cluster {action} {_CHANGES[action]}: {names}. "
                                           "Go ahead?", yes=action.capitalize()),
                             callback=lambda yes: self._confirmed(action) if yes else None)

    def _confirmed(self, action: str) -> None:
        inventory = self._start(action)
        if inventory is not None:
            self._run_stage(inventory, action)

    def action_lesson(self) -> None:
        self.app.push_screen(LessonScreen(lesson("cluster", i18n.current_language())))

    def action_leave(self) -> None:
        self.dismiss(None)


def handoff_text(run: ClusterRun) -> str:
    """Where the join command went, in words: never the command itself."""
    first = next((r for r in run.nodes.values() if r.stage("init") is not None), None)
    joined = [name for name, r in run.nodes.items() if r.stage("join") is not None]
    if first is None:
        return ""
    init = first.stage("init")
    if init is None or not init.ok:
        return f"kubeadm init did not succeed on {first.node.name}: no node was asked to join."
    return (f"kubeadm init on {first.node.name} printed the join command (and a certificate "
            f"key for control planes); Ansible handed it to {', '.join(joined) or 'no node'} "
            "as a fact kept in memory (no_log): it is in no file, log or journal.")

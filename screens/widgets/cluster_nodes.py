"""The Cluster screen's two tables: every node with its status per stage, and the checks
that only a cluster has, each with the nodes it involves."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.widgets import DataTable

from wizard.cluster.inventory import Inventory
from wizard.cluster.stages import ClusterRun, Progress

STAGES = ("check", "plan", "prepare", "init", "join", "undo")
_STYLE = {"ok": "green", "FAILED": "bold red", "UNREACHABLE": "bold red", "warn": "yellow",
          "running": "cyan", "-": "dim"}


def _cell(word: str) -> Text:
    return Text(word, style=_STYLE.get(word, ""))


class NodeTable(DataTable):
    """One row per node: its role and address, then one column per stage."""

    def on_mount(self) -> None:
        self.cursor_type = "row"
        self.add_column("Node", key="node")
        self.add_column("Role", key="role")
        self.add_column("Address", key="address")
        for stage in STAGES:
            self.add_column(stage.capitalize(), key=stage)

    def show_inventory(self, inventory: Inventory) -> None:
        self.clear()
        for node in inventory.nodes:
            where = f"demo {node.demo}" if node.demo else node.address or "local"
            self.add_row(node.name, node.role, where,
                         *(_cell("-") for _ in STAGES), key=node.name)

    def set_stage(self, node: str, stage: str, word: str) -> None:
        if node in {row.value for row in self.rows} and stage in STAGES:
            self.update_cell(node, stage, _cell(word), update_width=True)

    def running(self, nodes: list[str], stage: str) -> None:
        for node in nodes:
            self.set_stage(node, stage, "running")

    def progress(self, step: Progress) -> None:
        self.set_stage(step.node, step.stage, "ok" if step.word == "done" else step.word)

    def show_checks(self, document: dict[str, Any]) -> None:
        for name, node in document["nodes"].items():
            statuses = {check["status"] for check in node["checks"]}
            word = ("FAILED" if "fail" in statuses else "warn" if "warn" in statuses else "ok")
            self.set_stage(name, "check", word)

    def show_run(self, run: ClusterRun) -> None:
        for name, node_run in run.nodes.items():
            if node_run.unreachable:
                self.set_stage(name, "prepare", "UNREACHABLE")
            for result in node_run.stages:
                self.set_stage(name, result.stage, "ok" if result.ok else "FAILED")


class ClusterCheckTable(DataTable):
    """The cross-node checks: id, status, the nodes involved, and what was found."""

    def on_mount(self) -> None:
        self.cursor_type = "row"
        for title in ("Check", "Status", "Nodes", "Finding"):
            self.add_column(title, key=title.lower())

    def show_checks(self, document: dict[str, Any]) -> None:
        self.clear()
        words = {"pass": "ok", "fail": "FAILED", "warn": "warn", "skip": "-"}
        for number, check in enumerate(document["cluster"]):
            self.add_row(check["id"], _cell(words.get(check["status"], check["status"])),
                         ", ".join(check.get("nodes") or []) or "all",
                         Text(check["message"]), key=f"{check['id']}-{number}")

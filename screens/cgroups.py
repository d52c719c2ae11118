"""The Cgroups step: the runtime's and the kubelet's cgroup driver side by side, with fixes."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import DataTable

from screens.page import StepPage
from screens.widgets.check_list import STATUS_STYLE, CheckList
from wizard.checks.base import CheckContext
from wizard.checks.cgroups import ConsistencyRow, cgroup_table


class ConsistencyTable(DataTable):
    """cgroup version, pid 1, runtime driver, kubelet driver (and containerd's CRI and pause)."""

    DEFAULT_CSS = """
    ConsistencyTable { height: auto; max-height: 9; }
    """

    def on_mount(self) -> None:
        self.cursor_type = "row"
        for label, key in (("", "status"), ("Item", "item"), ("Value", "value"),
                           ("Expected", "expected"), ("Fix", "fix"), ("Read from", "source")):
            self.add_column(label, key=key, width=4 if key == "status" else None)

    def show(self, rows: list[ConsistencyRow]) -> None:
        self.clear()
        self.add_rows([
            (Text(r.status.value, style=STATUS_STYLE[r.status.value]), Text(r.item),
             Text(r.value), Text(r.expected), Text(r.fix or "-"), Text(r.source))
            for r in rows])


class CgroupsPage(StepPage):
    STEP_ID = "cgroups"
    TITLE = "Cgroups"
    INTRO = ("Runtime and kubelet must manage cgroups alike: the systemd driver on cgroup v2, "
             "systemd as pid 1.")

    def compose_body(self) -> ComposeResult:
        yield ConsistencyTable(id="cgroup-table")
        yield CheckList()

    def read_facts(self, context: CheckContext) -> list[ConsistencyRow]:
        """Reads the runtime's configuration and /proc."""
        return cgroup_table(context)

    def show_facts(self, facts: list[ConsistencyRow]) -> None:
        self.query_one(ConsistencyTable).show(facts)

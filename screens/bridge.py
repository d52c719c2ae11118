"""The Bridge & iptables step: each kernel module and sysctl now and after a reboot."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import DataTable

from screens.page import StepPage
from screens.widgets.check_list import STATUS_STYLE, CheckList
from wizard.checks.base import CheckContext
from wizard.checks.kernel_networking import KernelRow, bridge_table


class KernelTable(DataTable):
    """Modules and sysctls: wanted value, now, after a reboot, and the file that decides."""

    DEFAULT_CSS = """
    KernelTable { height: auto; max-height: 8; }
    """

    def on_mount(self) -> None:
        self.cursor_type = "row"
        self.add_column("", key="status", width=4)
        self.add_column("Setting", key="name")
        self.add_column("Now", key="now")
        self.add_column("At boot", key="boot")
        self.add_column("Want", key="wanted")
        self.add_column("Decided by", key="source")

    def show(self, rows: list[KernelRow]) -> None:
        self.clear()
        self.add_rows([
            (Text(r.status.value, style=STATUS_STYLE[r.status.value]), Text(r.name),
             Text(r.now), Text(r.boot), Text(r.wanted or "-"), Text(r.source))
            for r in rows])


class BridgePage(StepPage):
    STEP_ID = "bridge"
    TITLE = "Bridge & iptables"
    INTRO = ("br_netfilter shows bridged pod traffic to iptables; ip_forward lets the node "
             "route it. F1: the lesson.")

    def compose_body(self) -> ComposeResult:
        yield KernelTable(id="kernel-table")
        yield CheckList()

    def read_facts(self, context: CheckContext) -> list[KernelRow]:
        """Reads /proc, /sys and the sysctl.d files."""
        return bridge_table(context)

    def show_facts(self, facts: list[KernelRow]) -> None:
        self.query_one(KernelTable).show(facts)

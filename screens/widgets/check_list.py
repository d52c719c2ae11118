"""A screen's checks in a table, and the detail of the highlighted one with its fix."""

from __future__ import annotations

from dataclasses import dataclass

from rich.console import Group
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import DataTable, Static

from screens.widgets.step_view import render_step
from wizard.checks.base import CheckResult
from wizard.steps.engine import PlanEntry

STATUS_STYLE = {"pass": "green", "warn": "yellow", "fail": "bold red", "skip": "dim"}


def render_detail(result: CheckResult, plan: dict[str, PlanEntry]) -> Group:
    parts: list = [Text(result.id, style="bold"),
                   Text(result.status.value.upper(), style=STATUS_STYLE[result.status.value])]
    if result.message:
        parts.append(Text(result.message))
    if result.observed:
        parts.append(Text("Observed: ", style="bold") + Text(result.observed))
    if result.expected:
        parts.append(Text("Expected: ", style="bold") + Text(result.expected))
    if result.lesson:
        parts.append(Text("Why it matters: ", style="bold cyan") + Text(result.lesson))
    if result.after_reboot:
        parts.append(Text("Fixed on disk; takes effect after a reboot.", style="yellow"))
    for step in result.fixes:
        parts.append(Text(""))
        entry = plan.get(step.id)
        parts.append(render_step(step, entry.diffs if entry else (),
                                 done=bool(entry and entry.already_done)))
    return Group(*parts)


class CheckList(Vertical):
    """Checks grouped in a table; Enter or a click shows the detail beside it."""

    @dataclass
    class Highlighted(Message):
        result: CheckResult

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.results: list[CheckResult] = []

    def compose(self) -> ComposeResult:
        table: DataTable = DataTable(cursor_type="row", zebra_stripes=True)
        table.add_column("", key="status", width=4)
        table.add_column("Check", key="id")
        table.add_column("Result", key="message")
        yield table
        with VerticalScroll(classes="check-detail"):
            yield Static("Run the checks to see results.", id="check-detail-body")

    def show(self, results: list[CheckResult]) -> None:
        table = self.query_one(DataTable)
        keep = table.cursor_row
        table.clear()
        self.results = list(results)
        group = None
        for index, result in enumerate(self.results):
            if result.group != group:
                group = result.group
            status = result.status.value
            table.add_row(Text(status, style=STATUS_STYLE[status]), Text(result.id),
                          Text(result.message or result.observed), key=str(index))
        if self.results:
            table.move_cursor(row=min(keep, len(self.results) - 1))
            self._show_detail(self.results[table.cursor_row])

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        if 0 <= event.cursor_row < len(self.results):
            self._show_detail(self.results[event.cursor_row])

    def _show_detail(self, result: CheckResult) -> None:
        self.query_one("#check-detail-body", Static).update(render_detail(result, self.app.plan))
        self.post_message(self.Highlighted(result))

    @property
    def current(self) -> CheckResult | None:
        table = self.query_one(DataTable)
        if 0 <= table.cursor_row < len(self.results):
            return self.results[table.cursor_row]
        return None

"""A screen's checks in a table, and the detail of the highlighted one with its fix.

Laid out for the width it gets: at 80 columns a page has about 50, and a fixed 30-column id
left "4 CPU(s" of the result. The id column takes at most 45% and shortens a long id
from the front (kubeadm's ids differ at the end: ...-iptables, ...-ip6tables); the result gets
the rest and up to two lines. The detail below always has both in full.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.console import Console, Group
from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import DataTable, Static

from screens.widgets.step_view import render_step
from wizard.checks.base import CheckResult
from wizard.i18n import _
from wizard.steps.engine import PlanEntry

STATUS_STYLE = {"pass": "green", "warn": "yellow", "fail": "bold red", "skip": "dim"}
_STATUS_WIDTH = 5  # "fail" and the gap after it: the table has no cell padding
_FIX_WIDTH = 4  # " + " under "Fix", and the gap
_RESULT_LINES = 2
_MIN_ID_WIDTH = 10
_ASSUMED_WIDTH = 50  # before the first layout: about what a page has at 80 columns


def shorten_id(check_id: str, width: int) -> str:
    """The id's distinguishing tail behind an ellipsis when the whole id does not fit."""
    if len(check_id) <= width:
        return check_id
    return "…" + check_id[len(check_id) - width + 1:]


def column_widths(width: int, longest_id: int) -> tuple[int, int]:
    """(id, result) widths for a table `width` cells wide: the result gets the most."""
    free = width - 1 - _STATUS_WIDTH - _FIX_WIDTH - 1  # the scrollbar, the gap after the id
    id_width = min(longest_id, max(_MIN_ID_WIDTH, free * 9 // 20))
    return id_width, max(free - id_width, 1)


def result_cell(text: str, width: int, console: Console) -> Text:
    """The result wrapped to the column in at most two lines; a longer one fills the second
    line with what follows the first and ends it with an ellipsis."""
    lines = Text(text).wrap(console, width)
    if len(lines) <= _RESULT_LINES:
        return Text("\n").join(lines)
    first = lines[0].plain.rstrip()
    rest = text[len(first):].lstrip()
    return Text(f"{first}\n{rest[: width - 1].rstrip()}…")


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
        parts.append(Text("Why it matters: ", style="bold cyan") + Text(_(result.lesson)))
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

    BINDINGS = [
        Binding("space", "toggle_fix", "Plan in/out"),
        Binding("A", "toggle_all_fixes", "All in/out"),
    ]

    @dataclass
    class Highlighted(Message):
        result: CheckResult

    @dataclass
    class FixToggled(Message):
        """The operator wants these checks' fixes added to (or taken out of) the plan."""

        results: list[CheckResult]

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.results: list[CheckResult] = []
        self.rows: list[CheckResult | None] = []
        self._laid_out_for = 0  # the table width the columns were sized for
        self._detail_id = ""  # the check the detail shows (a re-check keeps its scroll)

    def compose(self) -> ComposeResult:
        yield DataTable(cursor_type="row", zebra_stripes=True, cell_padding=0)
        with VerticalScroll(classes="check-detail"):
            yield Static("Run the checks to see results.", id="check-detail-body")

    def show(self, results: list[CheckResult]) -> None:
        """Fill the table, one heading row per group, keeping the cursor where it was."""
        table = self.query_one(DataTable)
        keep = table.cursor_row
        width = table.size.width or _ASSUMED_WIDTH
        self._laid_out_for = width
        id_width, result_width = column_widths(
            width, max((len(r.id) for r in results), default=_MIN_ID_WIDTH))
        table.clear(columns=True)
        table.add_column("", key="status", width=_STATUS_WIDTH)
        table.add_column("Check", key="id", width=id_width + 1)
        table.add_column("Fix", key="fix", width=_FIX_WIDTH)
        table.add_column("Result", key="message", width=result_width)
        self.results = list(results)
        self.rows = []
        group = None
        for result in self.results:
            if result.group and result.group != group:
                group = result.group
                table.add_row("", Text(group.capitalize(), style="bold underline"), "", "")
                self.rows.append(None)
            status = result.status.value
            cell = result_cell(result.message or result.observed, result_width,
                               self.app.console)
            table.add_row(Text(status, style=STATUS_STYLE[status]),
                          Text(shorten_id(result.id, id_width), no_wrap=True),
                          self._fix_mark(result), cell, height=len(cell.split()))
            self.rows.append(result)
        if self.rows:
            table.move_cursor(row=min(max(keep, 0), len(self.rows) - 1))
            self._detail_for_row(table.cursor_row)

    def select(self, check_id: str) -> bool:
        """Put the cursor and the focus on one check (the command palette's jump)."""
        row = next((i for i, r in enumerate(self.rows) if r is not None and r.id == check_id),
                   None)
        if row is None:
            return False
        table = self.query_one(DataTable)
        table.move_cursor(row=row)
        table.focus()
        return True

    def on_resize(self, _event: events.Resize) -> None:
        """A new width (a hidden tab shown, the terminal resized): size the columns again."""
        width = self.query_one(DataTable).size.width
        if self.results and width and width != self._laid_out_for:
            self.show(self.results)

    def _fix_mark(self, result: CheckResult) -> Text:
        """+ when the fix is in the plan, - when the operator took it out."""
        if not result.fixable:
            return Text("")
        skipped = set(self.app.choices.skipped_fixes)
        if all(step.id in skipped for step in result.fixes):
            return Text(" -", style="dim")
        return Text(" +", style="bold green")

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        self._detail_for_row(event.cursor_row)

    def _detail_for_row(self, row: int) -> None:
        """A group heading shows the first check under it."""
        for result in self.rows[max(row, 0):]:
            if result is not None:
                self._show_detail(result)
                return

    def _show_detail(self, result: CheckResult) -> None:
        self.query_one("#check-detail-body", Static).update(render_detail(result, self.app.plan))
        if result.id != self._detail_id:  # another check: its name and result line first
            self._detail_id = result.id
            self.query_one(".check-detail", VerticalScroll).scroll_home(animate=False)
        self.post_message(self.Highlighted(result))

    def action_toggle_fix(self) -> None:
        row = self.query_one(DataTable).cursor_row
        result = self.rows[row] if 0 <= row < len(self.rows) else None
        if result is not None and result.fixable:
            self.post_message(self.FixToggled([result]))

    def action_toggle_all_fixes(self) -> None:
        fixable = [r for r in self.results if r.fixable]
        if fixable:
            self.post_message(self.FixToggled(fixable))

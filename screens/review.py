"""Review & apply: every chosen fix with its why, commands and diff, then the run itself."""

from __future__ import annotations

from rich.console import Group
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Log, ProgressBar, Static

from screens.page import StepPage
from screens.widgets.step_view import render_step
from wizard.steps.engine import PlanEntry, StepOutcome
from wizard.steps.summary import ApplySummary


class ReviewPage(StepPage):
    STEP_ID = "review"
    TITLE = "Review & apply"
    INTRO = ("Every fix chosen on the other screens, in the order it will run. Nothing has "
             "changed yet: this is the dry run. Press a to apply.")
    AFTER_APPLY = ("What the last apply changed, what is left and why; below it, the plan as "
                   "the host is now.")

    def compose_body(self) -> ComposeResult:
        with VerticalScroll(id="plan-scroll"):
            summary = Static("", id="apply-summary")
            summary.display = False  # until there was an apply
            yield summary
            yield Static("Run the checks to build the plan.", id="plan-body")
        with Horizontal(id="apply-bar"):
            yield Button("Apply (a)", id="apply", variant="warning")
            yield ProgressBar(id="apply-progress", show_eta=False)
        yield Log(id="apply-log", max_lines=2000)

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.entries: list[PlanEntry] = []
        self._parts: list = []
        self._starts: dict[str, int] = {}

    def show_plan(self, entries: list[PlanEntry]) -> None:
        self.entries = list(entries)
        body = self.query_one("#plan-body", Static)
        pending = [e for e in entries if not e.already_done]
        if not entries:
            body.update(Text("Nothing to apply: no check asks for a change.", style="green"))
            return
        header = Text(f"{len(pending)} of {len(entries)} step(s) would change this host.",
                      style="bold")
        parts = [header]
        self._starts = {}
        for number, entry in enumerate(entries, 1):
            self._starts[entry.step.id] = len(parts)
            parts.append(Text(f"\n{number}.", style="bold"))
            parts.append(render_step(entry.step, entry.diffs, done=entry.already_done))
        body.update(Group(*parts))
        self._parts = parts

    def show_step(self, step_id: str) -> bool:
        """Scroll the plan to one step (the command palette's jump)."""
        start = self._starts.get(step_id)
        if start is None:
            return False
        scroll = self.query_one("#plan-scroll", VerticalScroll)
        summary = self.query_one("#apply-summary", Static)
        console = self.app.console
        width = max(self.query_one("#plan-body", Static).content_size.width, 20)
        lines = console.render_lines(Group(*self._parts[:start]),
                                     console.options.update_width(width), pad=False)
        offset = summary.outer_size.height if summary.display else 0
        scroll.scroll_to(y=offset + len(lines) + 1, animate=False)
        scroll.focus()
        return True

    def show_summary(self, summary: ApplySummary) -> None:
        """After an apply (and the re-check it starts): the dry-run intro no longer holds."""
        self.query_one(".page-intro", Static).update(self.AFTER_APPLY)
        parts = [Text(f"Applied {len(summary.applied)} step(s).", style="bold green")]
        parts += [Text(f"  ✓ {title}") for title in summary.applied]
        if summary.left:
            parts.append(Text(f"Left: {len(summary.left)}", style="bold yellow"))
            for item in summary.left:
                line = Text("  • ")
                line.append(item.title, style="bold")
                line.append(f": {item.reason}")
                parts.append(line)
        else:
            parts.append(Text("Nothing is left: every check the plan addressed is in place.",
                              style="green"))
        parts.append(Text(""))
        widget = self.query_one("#apply-summary", Static)
        widget.update(Group(*parts))
        widget.display = True

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "apply":
            event.stop()
            self.app.action_apply()

    def progress(self, done: int, total: int, title: str) -> None:
        self.query_one(Log).display = True
        self.query_one(ProgressBar).update(total=max(total, 1), progress=done)
        if done < total:
            self.query_one(Log).write_line(f"[{done + 1}/{total}] {title}")

    def finished(self, outcomes: list[StepOutcome]) -> None:
        log = self.query_one(Log)
        for outcome in outcomes:
            log.write_line(f"{outcome.status:>9}  {outcome.title}")
            for message in outcome.messages:
                log.write_line(f"           {message}")

"""Review & apply: every chosen fix with its why, commands and diff, then the run itself.

With "Step through" on, the apply pauses after each step that did something and shows it in
the narration panel, so an instructor can talk a room through it; the last apply can be
exported as a Markdown handout into the host's state directory.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Group
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Checkbox, Log, ProgressBar, Static
from textual.worker import get_current_worker

from screens.page import StepPage
from screens.widgets.narration_panel import NarrationPanel
from screens.widgets.step_view import render_step
from wizard.kube.versions import resolve_minor
from wizard.steps.engine import AfterStep, PlanEntry, StepOutcome
from wizard.steps.handout import CHANGED, apply_handout, save_handout
from wizard.steps.step import Step
from wizard.steps.summary import ApplySummary


class ReviewPage(StepPage):
    STEP_ID = "review"
    TITLE = "Review & apply"
    INTRO = ("Every fix chosen on the other screens, in the order it will run. Nothing has "
             "changed yet: this is the dry run. Press a to apply.")
    AFTER_APPLY = ("What the last apply changed, what is left and why; below it, the plan as "
                   "the host is now.")
    DEFAULT_CSS = """
    #apply-bar Checkbox {
        width: auto;
        border: none;
        padding: 0 1;
        margin: 1 0 0 1;
    }
    #apply-bar ProgressBar, #apply-bar Bar {
        width: 1fr;
    }
    """
    BINDINGS = [
        Binding("s", "toggle_step_through", "Step through"),
        Binding("e", "export_handout", "Handout"),
    ]

    def compose_body(self) -> ComposeResult:
        panel = NarrationPanel(id="narration")
        panel.display = False  # while the apply waits after a step
        yield panel
        with VerticalScroll(id="plan-scroll"):
            summary = Static("", id="apply-summary")
            summary.display = False  # until there was an apply
            yield summary
            yield Static("Run the checks to build the plan.", id="plan-body")
        with Horizontal(id="apply-bar"):
            yield Button("Apply (a)", id="apply", variant="warning")
            yield Checkbox("Step through (s)", id="step-through")
            yield ProgressBar(id="apply-progress", show_eta=False)
        yield Log(id="apply-log", max_lines=2000)

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.entries: list[PlanEntry] = []
        self._parts: list = []
        self._starts: dict[str, int] = {}

    def on_mount(self) -> None:
        """Built when first shown: the plan (and the last apply) as the app has them."""
        self.show_plan(self.app.plan_entries)
        if self.app.apply_summary is not None:
            self.show_summary(self.app.apply_summary)

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
        self.query_one(Log).display = not self.query_one(NarrationPanel).display
        self.query_one(ProgressBar).update(total=max(total, 1), progress=done)
        if done < total:
            self.query_one(Log).write_line(f"[{done + 1}/{total}] {title}")

    def finished(self, outcomes: list[StepOutcome]) -> None:
        log = self.query_one(Log)
        for outcome in outcomes:
            log.write_line(f"{outcome.status:>9}  {outcome.title}")
            for message in outcome.messages:
                log.write_line(f"           {message}")

    # ------------------------------------------------------------------- narration
    @property
    def step_through(self) -> bool:
        return self.query_one("#step-through", Checkbox).value

    def action_toggle_step_through(self) -> None:
        box = self.query_one("#step-through", Checkbox)
        box.value = not box.value

    def on_checkbox_changed(self, event: Checkbox.Changed) -> None:
        event.stop()
        self.notify("Step through: the apply pauses after each step." if event.value
                    else "Step through is off: the apply runs to the end.")

    def narrator(self, steps: Sequence[Step]) -> AfterStep:
        """The apply worker's `after_step`: with Step through on, show the step and wait.

        Read on every step, so turning the toggle off during a pause lets the rest run."""
        numbers = {step.id: (number, step) for number, step in enumerate(steps, 1)}
        panel = self.query_one(NarrationPanel)

        def after_step(outcome: StepOutcome) -> bool:
            if not self.step_through or outcome.status not in CHANGED:
                return True
            number, step = numbers[outcome.step_id]
            self.app.call_from_thread(self._narrate, step, outcome, number, len(steps))
            go_on = panel.wait()
            if get_current_worker().is_cancelled:  # the app is quitting: no screen to update
                return False
            self.app.call_from_thread(self._end_narration)
            return go_on

        return after_step

    def _narrate(self, step: Step, outcome: StepOutcome, number: int, total: int) -> None:
        self.query_one("#plan-scroll").display = False
        self.query_one(Log).display = False
        self.query_one(NarrationPanel).show(step, outcome, number, total)

    def _end_narration(self) -> None:
        self.query_one(NarrationPanel).display = False
        self.query_one("#plan-scroll").display = True
        self.query_one(Log).display = True
        self.query_one("#plan-scroll").focus()

    def action_export_handout(self) -> None:
        last = self.app.last_apply
        if last is None:
            self.notify("Nothing to export yet: the handout is the record of an apply.",
                        severity="warning")
            return
        self._write_handout(*last)

    @work(thread=True, group="handout", exit_on_error=False)
    def _write_handout(self, steps: list[Step], outcomes: list[StepOutcome]) -> None:
        host = self.app.host
        target = (f"Kubernetes 1.{resolve_minor(self.app.choices.kubernetes_version)} · "
                  f"{self.app.choices.role}")
        text = apply_handout(steps, outcomes, host=host.label, target=target)
        try:
            path = save_handout(host, text)
        except OSError as error:
            self.app.call_from_thread(self.notify, f"Could not write the handout: "
                                      f"{error.strerror}", severity="error", markup=False)
            return
        self.app.call_from_thread(self.notify, f"Handout written to {path}",
                                  title="Handout", markup=False)

"""A kubeadm run as the operator watches it: the log, phase progress, elapsed time, the end.

kubeadm's output goes into a `Log`, which shows text as it is: Textual markup would eat the
`[preflight]` and `[certs]` prefixes that are the whole point of watching. The lines arrive
already masked. The end panel says in one glance whether it worked; after a failure, where it
stopped, the likely cause and the wizard screen that fixes it; after an init, the join
commands with their expiry times and the pod network to install next.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime

from rich.console import Group
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.timer import Timer
from textual.widgets import Button, Log, ProgressBar, Static

from screens.flow import STEPS
from wizard.kubeadm.diagnose import Advice
from wizard.kubeadm.join_command import JoinCommand
from wizard.kubeadm.run import RunProgress, RunResult
from wizard.steps.step import Step

SCREEN_TITLES = {step.id: step.title for step in STEPS}


def screen_title(screen: str) -> str:
    return SCREEN_TITLES.get(screen, screen)


def _clock(seconds: float) -> str:
    minutes, seconds = divmod(int(seconds), 60)
    return f"{minutes}:{seconds:02d}"


def _when(moment: datetime) -> str:
    return moment.strftime("%H:%M on %a %d %b")


def join_text(command: JoinCommand, *, reveal: bool) -> str:
    """A join command laid out as kubeadm prints it, masked unless `reveal`."""
    shown = command if reveal else command.masked()
    words = shown.argv()  # kubeadm's values need no shell quoting; a mask is not for pasting
    lines = [" ".join(words[:5])]
    rest = words[5:]
    while rest:
        take = 2 if rest[0].startswith("--") and rest[0] != "--control-plane" else 1
        lines.append("    " + " ".join(rest[:take]))
        rest = rest[take:]
    return " \\\n".join(lines)


@dataclass
class RunEnd:
    """Everything the end panel shows about the latest run."""

    result: RunResult | None
    notes: list[str] = field(default_factory=list)
    refusal: Advice | None = None  # why the wizard did not start kubeadm
    cni: Step | None = None  # the pod network to install after an init
    fresh: JoinCommand | None = None  # from `kubeadm token create --print-join-command`
    fresh_expires: datetime | None = None

    @property
    def advice(self) -> Advice | None:
        return self.refusal or (self.result.likely_cause if self.result is not None else None)

    @property
    def fix_screen(self) -> str | None:
        """The wizard screen that fixes a failed run, if one is known."""
        advice = self.advice
        return advice["screen"] if advice and advice.get("screen") else None

    @property
    def init_succeeded(self) -> bool:
        return (self.result is not None and self.result.succeeded
                and self.result.command == "init")


def outcome(end: RunEnd, *, reveal: bool) -> Group:
    """The end panel: never through markup, since it quotes kubeadm's own text."""
    result = end.result
    parts: list[Text] = []
    if result is None or not result.ran:
        reason = end.refusal["problem"] if end.refusal else (result.note if result else "")
        parts.append(Text("kubeadm was not run", style="bold yellow"))
        if reason and not end.refusal:
            parts.append(Text(reason))
    elif result.succeeded:
        parts.append(Text(f"✔ kubeadm {result.command} succeeded in "
                          f"{_clock(result.elapsed.total_seconds())}", style="bold green"))
        parts += _join_parts(result, reveal=reveal)
    else:
        how = ("was cancelled" if result.cancelled else
               f"failed in phase {result.failed_phase}" if result.failed_phase else
               f"failed (exit {result.returncode})")
        parts.append(Text(f"✘ kubeadm {result.command} {how} after "
                          f"{_clock(result.elapsed.total_seconds())}", style="bold red"))
        if result.error:
            parts.append(Text("Error: ", style="bold") + Text(result.error))
    if end.advice:
        parts.append(Text("Likely cause: ", style="bold") + Text(end.advice["problem"]))
        parts.append(Text("Fixed on: ", style="bold") + Text(screen_title(end.advice["screen"]))
                     + Text("   check with: ", style="dim") + Text(end.advice["command"]))
    if end.fresh is not None:
        until = f" (token until {_when(end.fresh_expires)})" if end.fresh_expires else ""
        parts.append(Text(f"Fresh join command{until}:", style="bold"))
        parts.append(Text(join_text(end.fresh, reveal=reveal)))
    parts += [Text(note, style="dim") for note in end.notes]
    if end.init_succeeded and end.cni is not None:
        parts.append(Text(f"Next, the pod network. {end.cni.title} with:", style="bold"))
        parts += [Text("  " + command) for command in end.cni.shell_commands]
    return Group(*parts)


def _join_parts(result: RunResult, *, reveal: bool) -> list[Text]:
    parts: list[Text] = []
    for command in result.join_commands:
        if command.control_plane and result.certificate_key_expires is not None:
            title = ("Join another control plane (certificate key until "
                     f"{_when(result.certificate_key_expires)}):")
        elif command.control_plane:
            title = "Join another control plane (copy the certificates first):"
        else:
            title = "Join a worker:"
        parts.append(Text(title, style="bold"))
        parts.append(Text(join_text(command, reveal=reveal)))
    if result.token_expires is not None:
        parts.append(Text(f"The token works until {_when(result.token_expires)}; press j for a "
                          "fresh join command, s to show or hide the secrets."))
    return parts


class RunPanel(Vertical):
    """Start and cancel buttons, progress, elapsed time, the log and the end panel."""

    DEFAULT_CSS = """
    RunPanel { height: 1fr; }
    RunPanel #run-bar { height: 3; }
    RunPanel #run-status { height: 1; }
    RunPanel #run-progress { width: auto; }
    RunPanel #run-progress Bar { width: 20; }
    RunPanel #run-elapsed { width: 1fr; padding: 0 1; }
    RunPanel Log { height: 1fr; min-height: 4; border-top: solid $primary-background; }
    RunPanel #run-end-scroll { height: auto; max-height: 10; }
    RunPanel #run-actions { height: auto; }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._timer: Timer | None = None
        self._started = 0.0
        self._phase = ""

    def compose(self) -> ComposeResult:
        with Horizontal(id="run-bar"):
            yield Button("Run kubeadm init", id="run-start", variant="warning")
            yield Button("Cancel", id="run-cancel", disabled=True)
        with Horizontal(id="run-status"):
            yield ProgressBar(id="run-progress", total=100, show_eta=False)
            yield Static("", id="run-elapsed", markup=False)
        yield Log(id="run-log", max_lines=5000)
        with VerticalScroll(id="run-end-scroll"):
            yield Static("", id="run-end", markup=False)
            with Horizontal(id="run-actions"):
                for button_id, label in (("run-go-fix", "Go to the fix"),
                                         ("run-fresh-join", "New join command (j)"),
                                         ("run-cni", "Install the pod network (c)")):
                    button = Button(label, id=button_id)
                    button.display = False  # shown by show_outcome when it applies
                    yield button

    def on_mount(self) -> None:
        self._timer = self.set_interval(1.0, self._tick, pause=True)

    @property
    def log_widget(self) -> Log:
        return self.query_one("#run-log", Log)

    def set_action(self, action: str) -> None:
        self.query_one("#run-start", Button).label = f"Run kubeadm {action}"

    def begin(self, title: str, *, counted: bool) -> None:
        """A new run: empty log, progress at zero (or indeterminate), the clock started."""
        self.log_widget.clear()
        self.write(f"$ {title}")
        self.query_one(ProgressBar).update(total=100 if counted else None, progress=0)
        self.query_one("#run-end", Static).update("")
        for button in self.query("#run-actions Button"):
            button.display = False
        self.query_one("#run-start", Button).disabled = True
        self.query_one("#run-cancel", Button).disabled = False
        self._started, self._phase = time.monotonic(), ""
        self._tick()
        if self._timer is not None:
            self._timer.resume()

    def write(self, line: str) -> None:
        self.log_widget.write_line(line)

    def add(self, progress: RunProgress) -> None:
        self.write(progress.line)
        if progress.fraction is not None:
            self.query_one(ProgressBar).update(progress=round(progress.fraction * 100))
        if progress.phase:
            self._phase = progress.phase
            self._tick()

    def _tick(self) -> None:
        phase = f"  {self._phase}" if self._phase else ""
        self.query_one("#run-elapsed", Static).update(
            _clock(time.monotonic() - self._started) + phase)

    def finish(self, end: RunEnd, *, reveal: bool) -> None:
        """Stop the clock and show the end panel with the buttons that fit the outcome."""
        if self._timer is not None:
            self._timer.pause()
        self.query_one("#run-start", Button).disabled = False
        self.query_one("#run-cancel", Button).disabled = True
        if end.result is not None and end.result.succeeded:
            self.query_one(ProgressBar).update(total=100, progress=100)
        self.show_outcome(end, reveal=reveal)

    def show_outcome(self, end: RunEnd, *, reveal: bool) -> None:
        self.query_one("#run-end", Static).update(outcome(end, reveal=reveal))
        failed = not (end.result is not None and end.result.succeeded)
        go = self.query_one("#run-go-fix", Button)
        go.display = failed and end.fix_screen is not None
        if end.fix_screen:
            go.label = f"Go to {screen_title(end.fix_screen)} (g)"
        self.query_one("#run-fresh-join", Button).display = end.init_succeeded
        install = self.query_one("#run-cni", Button)
        install.display = end.init_succeeded and end.cni is not None
        if end.cni is not None:
            install.label = f"{end.cni.title} (c)"

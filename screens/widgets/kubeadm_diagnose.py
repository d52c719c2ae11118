"""Diagnose pasted kubeadm output: the same reading as `kubeadm-wizard diagnose`, in the TUI.

People bring the output of a run from elsewhere (another node, an issue, a chat) with prompts
and noise around it; `wizard.kubeadm.diagnose` reads through that. The result is shown masked,
since it may be read over someone's shoulder, and its first piece of advice gets a button to
the screen that fixes it.
"""

from __future__ import annotations

from rich.console import Group
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Button, Label, Static, TextArea

from screens.widgets.kubeadm_run_panel import screen_title
from wizard.kubeadm.diagnose import Diagnosis, diagnose
from wizard.kubeadm.join_command import JoinCommand


def render_diagnosis(found: Diagnosis) -> Group:
    """A diagnosis as text, secrets masked; never through markup (it quotes kubeadm)."""
    found = found.masked()
    if found.succeeded:
        parts = [Text("✔ The run succeeded.", style="bold green")]
    elif found.failed_phase or found.error:
        where = f" in phase {found.failed_phase}" if found.failed_phase else ""
        parts = [Text(f"✘ The run failed{where}.", style="bold red")]
    elif not found.recognised:
        return Group(Text("This is not kubeadm output: no phase, preflight result, error or "
                          "join command in it.", style="bold yellow"))
    else:
        parts = [Text("No success banner and no final error: the output may be cut short.",
                      style="bold yellow")]
    if found.command:  # what the user typed, apart from the join commands kubeadm printed
        parts.append(Text("Command typed: ", style="bold") + Text(found.command))
    if found.phases:
        parts.append(Text("Phases: ", style="bold") + Text(" → ".join(found.phases)))
    for label, issues in (("Preflight error", found.preflight_errors),
                          ("Preflight warning", found.preflight_warnings)):
        parts += [Text(f"{label} {issue['check']}: ", style="bold") + Text(issue["message"])
                  for issue in issues]
    if found.error:
        parts.append(Text("Error: ", style="bold") + Text(found.error))
    for command in found.join_commands:
        parsed = JoinCommand(**command)
        kind = "control-plane" if parsed.control_plane else "worker"
        parts.append(Text(f"Join command ({kind}): ", style="bold") + Text(" ".join(parsed.argv())))
    for advice in found.advice:
        parts.append(Text("• ", style="bold cyan") + Text(advice["problem"])
                     + Text(f"  → {screen_title(advice['screen'])}; try: ", style="dim")
                     + Text(advice["command"]))
    return Group(*parts)


class DiagnoseBox(Vertical):
    """A paste box, a Diagnose button, the reading, and a button to the fixing screen."""

    DEFAULT_CSS = """
    DiagnoseBox { height: auto; }
    DiagnoseBox TextArea { height: 6; }
    DiagnoseBox Button { margin-top: 1; }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.diagnosis: Diagnosis | None = None

    def compose(self) -> ComposeResult:
        yield Label("Paste the output of a kubeadm init or join run:")
        yield TextArea(id="diagnose-input", soft_wrap=False, show_line_numbers=False)
        yield Button("Diagnose", id="diagnose-run", variant="primary")
        yield Static("", id="diagnose-result", markup=False)
        go = Button("Go to the fix", id="diagnose-go")
        go.display = False
        yield go

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "diagnose-run":
            event.stop()
            self.run_diagnosis()
        elif event.button.id == "diagnose-go" and self.screen_to_fix:
            event.stop()
            self.app.action_go(self.screen_to_fix)

    @property
    def screen_to_fix(self) -> str | None:
        if self.diagnosis is None or self.diagnosis.succeeded or not self.diagnosis.advice:
            return None
        return self.diagnosis.advice[0]["screen"]

    def run_diagnosis(self) -> None:
        """Read the pasted text (pure and quick, so on the UI thread) and show the result."""
        text = self.query_one("#diagnose-input", TextArea).text
        self.diagnosis = diagnose(text) if text.strip() else None
        result = self.query_one("#diagnose-result", Static)
        result.update(render_diagnosis(self.diagnosis) if self.diagnosis
                      else "Paste some kubeadm output first.")
        go = self.query_one("#diagnose-go", Button)
        go.display = self.screen_to_fix is not None
        if self.screen_to_fix:
            go.label = f"Go to {screen_title(self.screen_to_fix)}"

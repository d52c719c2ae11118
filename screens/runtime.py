"""The Container runtime step: what is installed and answering, and the one the kubelet will use."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import DataTable, Label, Select, Static

from screens.page import StepPage
from screens.widgets.check_list import CheckList
from wizard.checks.base import CheckContext
from wizard.checks.container_runtime import chosen_socket, survey
from wizard.facts.runtime import CRI_FOR_CHOICE, RuntimeFacts, RuntimeSurvey
from wizard.model import WizardChoices

RUNTIME_OPTIONS = [("containerd", "containerd"), ("CRI-O", "cri-o"),
                   ("Docker via cri-dockerd", "docker")]


def default_prompt(choices: WizardChoices, found: RuntimeSurvey | None = None) -> str:
    """What the kubelet uses while no socket is picked: the chosen runtime on its default socket
    (never "pick a runtime", which read as if nothing were chosen)."""
    label = next(label for label, value in RUNTIME_OPTIONS if value == choices.runtime)
    key = CRI_FOR_CHOICE[choices.runtime].key
    running = found is not None and any(r.key == key and r.answering for r in found.runtimes)
    return f"{label} (running)" if running else f"{label} (default)"


COLUMNS = (("Runtime", "name"), ("Answers", "answers"), ("Service", "service"),
           ("Version", "version"), ("Socket", "socket"))


def runtime_row(runtime: RuntimeFacts) -> tuple[Text, ...]:
    """One table row in COLUMNS order, '-' for what is absent."""
    if not runtime.installed:
        return (Text(runtime.name), Text("-"), Text("not installed", style="dim"), Text("-"),
                Text("-"))
    service = "running" if runtime.service_active else "stopped"
    answers = {True: Text("yes", style="green"), False: Text("no", style="red"),
               None: Text("?", style="yellow")}[runtime.socket.answers]
    if not runtime.spec.cri:
        answers = Text("not a CRI", style="dim")
    socket = runtime.socket.path if runtime.socket.exists else "-"
    return (Text(runtime.name), answers, Text(service), Text(runtime.version or "?"),
            Text(socket))


def survey_note(found: RuntimeSurvey, choices: WizardChoices, socket: str) -> str:
    """What the operator has to decide, in one or two sentences."""
    if found.several:
        names = " and ".join(r.name for r in found.cri_endpoints)
        note = (f"kubeadm finds {names} and refuses to guess ('found multiple CRI endpoints'): "
                "pick the one the kubelet uses.")
    elif found.docker_without_adapter:
        note = ("Docker Engine alone has no CRI since 1.24: add cri-dockerd, or use the "
                "containerd that Docker already runs.")
    elif not found.installed:
        note = "No container runtime is installed: pick one and the plan installs it."
    else:
        note = f"kubeadm finds {', '.join(r.name for r in found.cri_endpoints) or 'no runtime'}."
    chosen = "chosen" if choices.cri_socket else "default"
    return f"{note} criSocket ({chosen}): {socket}"


class RuntimeTable(DataTable):
    """Every runtime the wizard knows, found or not."""

    DEFAULT_CSS = """
    RuntimeTable { height: auto; max-height: 6; }
    """

    def on_mount(self) -> None:
        self.cursor_type = "row"
        for label, key in COLUMNS:
            self.add_column(label, key=key)

    def show(self, found: RuntimeSurvey) -> None:
        self.clear()
        self.add_rows([runtime_row(r) for r in found.runtimes])


class RuntimePage(StepPage):
    STEP_ID = "runtime"
    TITLE = "Container runtime"
    INTRO = ("The kubelet talks to one CRI runtime over a Unix socket: containerd, CRI-O or "
             "Docker + cri-dockerd.")

    DEFAULT_CSS = """
    RuntimePage #runtime-note { height: auto; color: $text-muted; }
    RuntimePage #runtime-choice { height: 1; }
    RuntimePage #runtime-choice Label { padding: 0 1 0 0; }
    RuntimePage #runtime-select { width: 30; }
    """

    def compose_body(self) -> ComposeResult:
        choices = self.app.choices
        yield RuntimeTable(id="runtime-table")
        yield Static("", id="runtime-note", markup=False)
        with Horizontal(id="runtime-choice"):
            yield Label("Kubelet uses")
            yield Select(RUNTIME_OPTIONS, prompt=default_prompt(choices), allow_blank=True,
                         compact=True,
                         value=choices.runtime if choices.cri_socket else Select.NULL,
                         id="runtime-select")
        yield CheckList()

    def read_facts(self, context: CheckContext) -> tuple[RuntimeSurvey, str]:
        """Runs the runtimes' --version and connects to their sockets."""
        found = survey(context)
        return found, survey_note(found, context.choices, chosen_socket(context))

    def show_facts(self, facts: tuple[RuntimeSurvey, str]) -> None:
        found, note = facts
        self.query_one(RuntimeTable).show(found)
        self.query_one("#runtime-note", Static).update(note)
        self.query_one("#runtime-select", Select).prompt = default_prompt(self.app.choices, found)

    @on(Select.Changed, "#runtime-select")
    def _runtime_picked(self, event: Select.Changed) -> None:
        """Picking a runtime names its socket as criSocket; clearing goes back to the default."""
        choices = self.app.choices
        if event.value is Select.NULL:
            if not choices.cri_socket:
                return
            choices.cri_socket = ""
        else:
            if event.value == choices.runtime and choices.cri_socket:
                # The Select shows the chosen runtime (it posts Changed when it is filled from
                # the choices on mount): the socket chosen with it, perhaps not the runtime's
                # usual one (an answers file's), stays.
                return
            socket = CRI_FOR_CHOICE[str(event.value)].socket
            choices.runtime, choices.cri_socket = str(event.value), socket
        self.app.action_recheck()

"""The Container runtime step: what is installed and answering, and the one the kubelet will use."""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import DataTable, Label, Select, Static

from screens.page import StepPage
from screens.widgets.check_list import CheckList
from screens.widgets.fit_text import longest_word, wrap
from screens.widgets.table_height import fit_height_to_rows
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


_SCROLLBAR = 2  # the vertical one, when the rows are taller than the table
_ASSUMED_WIDTH = 54  # before the first layout: about what a page has at 80 columns

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
    """Every runtime the wizard knows, found or not.

    Where the five columns do not fit (80 columns: the socket was cut at "/var"), the socket
    goes under the runtime's name, wrapped after a '/', and the other values wrap at spaces.
    """

    DEFAULT_CSS = """
    RuntimeTable { height: auto; max-height: 6; }
    RuntimeTable.-narrow { max-height: 9; }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(cursor_type="row", **kwargs)
        self.rows_shown: list[tuple[Text, ...]] = []
        self._laid_out_for = 0

    def show(self, found: RuntimeSurvey) -> None:
        self.rows_shown = [runtime_row(r) for r in found.runtimes]
        self._lay_out()

    def _lay_out(self) -> None:
        width = self.size.width or _ASSUMED_WIDTH
        self._laid_out_for = width
        self.clear(columns=True)
        rows = self.rows_shown
        whole = [max([len(label)] + [len(row[i].plain) for row in rows])
                 for i, (label, _) in enumerate(COLUMNS)]
        if sum(whole) + 2 * len(whole) + _SCROLLBAR <= width:  # cell padding 1 each side
            self.remove_class("-narrow")
            self.cell_padding = 1
            for label, key in COLUMNS:
                self.add_column(label, key=key)
            self.add_rows(rows)
            fit_height_to_rows(self)
            return
        self.add_class("-narrow")
        self.cell_padding = 0
        def widths(measure: Callable[[str], int]) -> list[int]:
            return [max([len(label)] + [measure(row[i].plain) for row in rows])
                    for i, (label, _) in enumerate(COLUMNS[1:4], start=1)]

        def room(value_widths: list[int]) -> int:
            """The name column's text width: a leading space, a gap after it and after
            each value but the last."""
            return width - _SCROLLBAR - sum(w + 1 for w in value_widths) - 1

        value_widths = widths(len)  # whole values while a socket's directory still fits
        longest_part = max(len(part) + 1 for row in rows for part in row[4].plain.split("/"))
        if room(value_widths) < max(longest_part, *(len(row[0].plain) for row in rows)):
            value_widths = widths(longest_word)
        name_width = max(12, room(value_widths))
        self.add_column(" Runtime / socket", key="name", width=name_width + 2)
        for (label, key), value_width in zip(COLUMNS[1:4], value_widths, strict=True):
            self.add_column(label, key=key, width=value_width + (key != "version"))
        for name, *values, socket in rows:
            cell = Text(" ") + name
            if socket.plain != "-":
                lines = wrap(socket.plain, name_width).plain.splitlines()
                cell += Text("".join(f"\n {line}" for line in lines), style="dim")
            cells = [wrap(v.plain, w, style=str(v.style)) for v, w
                     in zip(values, value_widths, strict=True)]
            self.add_row(cell, *cells, height=max(len(c.plain.splitlines()) for c in
                                                  (cell, *cells)))
        fit_height_to_rows(self)

    def on_resize(self, _event: events.Resize) -> None:
        """A new width: choose the layout again."""
        if self.rows_shown and self.size.width and self.size.width != self._laid_out_for:
            self._lay_out()


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

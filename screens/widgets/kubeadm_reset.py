"""The reset preview: what `kubeadm reset` removes, what it leaves, and opt-in cleanups.

kubeadm reset deliberately leaves the pod network's configuration, the iptables chains of
kube-proxy and the CNI bridge behind: they may belong to something else. The wizard lists
them and offers each cleanup as its own step, chosen one by one; nothing is flushed wholesale.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.console import Group
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Button, Checkbox, Label, Static

from wizard.kubeadm.plan import ResetPreview, reset_preview
from wizard.steps.step import Step


def render_preview(preview: ResetPreview) -> Group:
    parts = [Text("$ sudo " + " ".join(preview.command), style="bold"),
             Text("kubeadm reset removes:", style="bold")]
    parts += [Text(f"  - {item}") for item in preview.removes]
    parts.append(Text("It leaves behind:", style="bold"))
    parts += [Text(f"  - {item}") for item in preview.leaves]
    return Group(*parts)


class ResetPanel(Vertical):
    """The preview, the reset button, and a checkbox per cleanup step."""

    DEFAULT_CSS = """
    ResetPanel { height: auto; }
    ResetPanel #reset-cleanups { height: auto; }
    ResetPanel Button { margin: 1 0 0 0; }
    """

    @dataclass
    class PreviewReady(Message):
        preview: ResetPreview

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._choices: list[tuple[Checkbox, Step]] = []

    def compose(self) -> ComposeResult:
        yield Static("Reading what a reset would remove…", id="reset-preview", markup=False)
        yield Button("Run kubeadm reset", id="reset-run", variant="error")
        yield Label("Cleanups kubeadm reset leaves to you (each one opt-in):")
        yield Vertical(id="reset-cleanups")
        yield Button("Apply the chosen cleanups", id="reset-cleanup", disabled=True)

    def on_mount(self) -> None:
        self.refresh_preview()

    def refresh_preview(self) -> None:
        """Read again what a reset would remove (after a run or a cleanup changed it)."""
        self._preview_worker()

    @work(thread=True, exclusive=True, group="init-reset", exit_on_error=False)
    def _preview_worker(self) -> None:
        self.post_message(self.PreviewReady(reset_preview(self.app.host)))

    def on_reset_panel_preview_ready(self, message: PreviewReady) -> None:
        message.stop()
        self.show(message.preview)

    def show(self, preview: ResetPreview) -> None:
        self.query_one("#reset-preview", Static).update(render_preview(preview))
        self._choices = [(Checkbox(Text(step.title), value=False), step)
                         for step in preview.cleanups]
        box = self.query_one("#reset-cleanups", Vertical)
        box.remove_children()
        if not self._choices:
            box.mount(Static("Nothing to clean up on this host.", markup=False))
        box.mount_all(checkbox for checkbox, _ in self._choices)
        self._update_button()

    def selected(self) -> list[Step]:
        return [step for checkbox, step in self._choices if checkbox.value]

    def on_checkbox_changed(self, event: Checkbox.Changed) -> None:
        event.stop()
        self._update_button()

    def _update_button(self) -> None:
        self.query_one("#reset-cleanup", Button).disabled = not self.selected()

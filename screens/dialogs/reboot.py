"""Reboot a demo host (simulated): ask first, boot in a worker, then show what the boot did.

A workshop's "it worked until the reboot" moment needs the reboot inside the wizard, so the
checks can be run again on what survived. The boot itself is the core's
(wizard.host.simulated_boot), the same one `kubeadm-wizard reboot --demo NAME` runs.
Dismisses with True once the host has booted, so the caller re-checks.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Static

if TYPE_CHECKING:
    from wizard.host.simulated import SimulatedHost

QUESTION = ("Reboot {label}? This is a simulation: the running state (swap, modules, "
            "sysctls, cgroups, units) is rebuilt from the host's files, so whatever was set "
            "only at runtime is lost, as on a real machine.")


class RebootDialog(ModalScreen[bool]):
    DEFAULT_CSS = """
    RebootDialog { align: center middle; }
    RebootDialog #reboot { width: 76; height: auto; max-height: 20; border: thick $warning;
                           padding: 0 1; background: $surface; }
    RebootDialog #reboot-text { height: auto; max-height: 14; }
    RebootDialog Horizontal { height: auto; }
    """
    AUTO_FOCUS = "#yes"  # only ctrl+b opens it: no stray letter can
    BINDINGS = [Binding("escape,n", "close", "Cancel"), Binding("y", "reboot", "Reboot"),
                Binding("left", "app.focus_previous", "Previous", show=False),
                Binding("right", "app.focus_next", "Next", show=False)]

    def __init__(self, host: SimulatedHost) -> None:
        super().__init__()
        self.host = host
        self.booted = False

    def compose(self) -> ComposeResult:
        with Vertical(id="reboot"):
            with VerticalScroll(id="reboot-text"):
                yield Static(QUESTION.format(label=self.host.label), id="reboot-report",
                             markup=False)
            with Horizontal():
                yield Button("Reboot", variant="warning", id="yes")
                yield Button("Cancel", id="no")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "yes" and not self.booted:
            self.action_reboot()
        else:
            self.action_close()

    def action_reboot(self) -> None:
        if not self.booted:
            self.query_one("#yes", Button).disabled = True
            self.boot()

    @work(thread=True, exclusive=True, group="reboot", exit_on_error=False)
    def boot(self) -> None:
        from wizard.host.simulated_boot import simulate_boot

        report = simulate_boot(self.host)
        self.app.call_from_thread(self._booted, report)

    def _booted(self, report: list[str]) -> None:
        self.booted = True
        self.query_one("#reboot-report", Static).update("\n".join(report))
        self.query_one("#yes", Button).display = False
        close = self.query_one("#no", Button)
        close.label = "Close and re-check"
        close.focus()

    def action_close(self) -> None:
        self.dismiss(self.booted)

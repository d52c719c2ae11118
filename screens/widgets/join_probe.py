"""Testing a join endpoint before the join: the route to it and a TCP connect, in seconds.

kubeadm join retries an unreachable API server for minutes and then names a timeout; this
button answers at once which route a packet would take and whether port 6443 answers.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual import work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Button, Static

from screens.widgets.kubeadm_join_form import JoinForm
from wizard.kubeadm.endpoint_probe import EndpointProbe, probe_endpoint


class JoinProbe(Vertical):
    """"Test the connection" and its answer, for the endpoint in the join form."""

    DEFAULT_CSS = """
    JoinProbe { height: auto; }
    JoinProbe #join-probe-result { margin-bottom: 1; }
    """

    @dataclass
    class Done(Message):
        probe: EndpointProbe

    def compose(self) -> ComposeResult:
        yield Button("Test the connection", id="join-probe")
        yield Static("", id="join-probe-result", markup=False)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "join-probe":
            event.stop()
            self.probe()

    def probe(self) -> None:
        endpoint = self.screen.query_one(JoinForm).endpoint
        self.query_one("#join-probe-result", Static).update(f"Testing {endpoint}…")
        self._probe_worker(endpoint)

    @work(thread=True, exclusive=True, group="init-probe", exit_on_error=False)
    def _probe_worker(self, endpoint: str) -> None:
        self.post_message(self.Done(probe_endpoint(self.app.host, endpoint)))

    def on_join_probe_done(self, message: Done) -> None:
        message.stop()
        probe = message.probe
        mark = "✔ " if probe.connected else "✘ " if probe.ran else ""
        text = "\n".join(filter(None, (probe.route_text, mark + probe.message)))
        self.query_one("#join-probe-result", Static).update(text)

"""The adapters: every interface, which one holds the default route, and the address the
cluster will know this node by, with the choice to change it.

What nmtui and `ip addr` leave out is the one thing kubeadm cares about: which address it will
advertise when told nothing, and whether that address is the cluster network at all. The
panel shows that next to the interfaces, and the AdvertiseAddress check's verdict beneath.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Button, Label, Select, Static

from screens.widgets.check_list import STATUS_STYLE
from wizard.checks.base import CheckResult
from wizard.checks.network import AdvertiseFacts
from wizard.host.network import Link

STATE_STYLE = {"UP": "green", "DOWN": "red", "LOWERLAYERDOWN": "red"}
NO_MAC = "00:00:00:00:00:00"  # loopback and tunnels: nothing to show


def adapters_text(facts: AdvertiseFacts, chosen: str) -> Text:
    """One block per interface: name, kind, state, MTU, MAC, default route, addresses."""
    text = Text()
    defaults = {route.dev: route for route in facts.default_routes}
    for link in facts.links:
        text.append("★ " if link.name == facts.default_dev else "  ", style="bold yellow")
        _link_line(text, link)
        if link.name in defaults:
            route = defaults[link.name]
            text.append(f"    default route via {route.gateway or 'on-link'}, metric "
                        f"{route.metric or 0}\n", style="yellow")
        for address in link.addresses:
            text.append(f"    {address.cidr}", style="dim" if address.scope != "global" else "")
            if address.address == chosen:
                text.append("  ◀ advertised (your choice)", style="bold green")
            elif address.address == facts.kubeadm_address:
                text.append("  ◀ kubeadm's default" + ("" if chosen else " (advertised)"),
                            style="bold" if chosen else "bold green")
            text.append("\n")
    text.append("★ carries the default route, the one kubeadm follows", style="dim")
    return text


def _link_line(text: Text, link: Link) -> None:
    text.append(link.name, style="bold")
    text.append(f" {link.kind} ")
    text.append(link.state, style=STATE_STYLE.get(link.state, ""))
    text.append(f" mtu {link.mtu}")
    if link.mac and link.mac != NO_MAC:
        text.append(f" {link.mac}", style="dim")
    if link.master:
        text.append(f" in {link.master}")
    text.append("\n")


class AdaptersPanel(Vertical):
    """Interfaces and the advertise address; the page applies what the operator chooses."""

    DEFAULT_CSS = """
    AdaptersPanel #adapter-scroll { height: 1fr; }
    AdaptersPanel #advertise-note { height: auto; max-height: 5; }
    AdaptersPanel Horizontal { height: 1; }
    AdaptersPanel #advertise-row Label { padding: 0 1 0 0; }
    AdaptersPanel #advertise-select { width: 1fr; }
    AdaptersPanel Button { margin: 0 1 0 0; }
    """

    @dataclass
    class AdvertiseChosen(Message):
        """The operator picked an advertise address ("" gives the choice back to kubeadm)."""

        address: str

    class AddRouteWanted(Message):
        """The operator wants to add a route to reach the cluster network."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.facts: AdvertiseFacts | None = None
        self.suggestion: str | None = None
        self.shown_choice = ""
        """The advertise address the selector was last filled with (the model's)."""

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="adapter-scroll"):
            yield Static("Reading the adapters…", id="adapter-list", markup=False)
        yield Static("", id="advertise-note", markup=False)
        with Horizontal(id="advertise-row"):
            yield Label("Advertise")
            yield Select([("kubeadm's default", "")], allow_blank=False, compact=True,
                         id="advertise-select")
        with Horizontal(id="advertise-actions"):
            yield Button("Use", id="use-suggested", variant="primary", compact=True)
            yield Button("Add route…", id="to-add-route", compact=True)

    def show(self, facts: AdvertiseFacts, chosen: str) -> None:
        """New facts from the host, or a new choice: redraw the list and the selector."""
        self.facts = facts
        self.query_one("#adapter-list", Static).update(adapters_text(facts, chosen))
        default = f"kubeadm's: {facts.kubeadm_address or 'none'}"
        options = [(f"{default} ({facts.default_dev})" if facts.default_dev else default, "")]
        options += [(f"{a.address} ({a.dev})", a.address) for a in facts.candidates
                    if a.address != facts.kubeadm_address]
        if chosen and chosen not in {value for _label, value in options}:
            # kubeadm's own pick, named in the choices (an answers file may): still this host's.
            where = (f"{facts.default_dev}, named" if chosen == facts.kubeadm_address
                     else "not an address of this host")
            options.append((f"{chosen} ({where})", chosen))
        select = self.query_one("#advertise-select", Select)
        self.shown_choice = chosen
        select.set_options(options)
        select.value = chosen
        others = facts.other_networks
        self.suggestion = others[0].address if others and not chosen else None
        button = self.query_one("#use-suggested", Button)
        button.display = self.suggestion is not None
        button.label = f"Use {self.suggestion}" if self.suggestion else "Use"

    def show_error(self, text: str) -> None:
        """Why there is nothing to show (no running system, a namespace that is gone)."""
        self.query_one("#adapter-list", Static).update(text)

    def show_verdict(self, result: CheckResult | None) -> None:
        """The AdvertiseAddress check's verdict under the list."""
        note = self.query_one("#advertise-note", Static)
        if result is None:
            note.update("")
            return
        status = result.status.value
        text = Text(f"{status.upper()}  ", style=STATUS_STYLE[status])
        text.append(result.message or result.observed)
        note.update(text)

    @on(Select.Changed, "#advertise-select")
    def _selected(self, event: Select.Changed) -> None:
        """Only the operator's pick is a choice. Filling the selector from the model also
        posts Changed (first the blank that set_options resets to, then the model's value),
        and those arrive after show() returns, so compare with what the selector holds now."""
        current = event.select.value
        value = "" if current is Select.NULL else str(current)
        if value != self.shown_choice:
            self.shown_choice = value
            self.post_message(self.AdvertiseChosen(value))

    @on(Button.Pressed, "#use-suggested")
    def _use_suggested(self) -> None:
        if self.suggestion:
            self.post_message(self.AdvertiseChosen(self.suggestion))

    @on(Button.Pressed, "#to-add-route")
    def _add_route(self) -> None:
        self.post_message(self.AddRouteWanted())

"""The Network step: adapters, every routing table, route lookups, adding a route.

The page owns all host work and runs it in thread workers: the table dump (a million routes
take seconds), the lookups, /etc/resolv.conf, and a netlink monitor that keeps the table
current on a live host: its route notifications are applied to the table on screen (a few
milliseconds, where a dump of a full table takes seconds, so the page keeps up with a
thousand changes a second), and what they cannot say for sure is dumped again. The widgets
only show what they are given and post what the operator asked for. Nothing is read until
the page is first shown, so a host with a huge table does not pay for it on the other steps.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.timer import Timer
from textual.widgets import Static, TabbedContent, TabPane
from textual.worker import get_current_worker

from screens.load_pacing import LoadPacer
from screens.network_lookups import LookupActions
from screens.network_messages import (
    AdaptersLoaded,
    LoadFinished,
    NetworkChanged,
    ResolversRead,
    RoutesLoaded,
)
from screens.network_route_helper import RouteHelperActions
from screens.page import StepPage
from screens.widgets.adapters import AdaptersPanel
from screens.widgets.check_list import CheckList
from screens.widgets.network_picture import NetworkPicture
from screens.widgets.route_lookup import RouteLookup, ready_questions
from screens.widgets.route_table import RouteTablePanel
from wizard.checks.base import CheckResult
from wizard.checks.network import AdvertiseFacts, advertise_facts
from wizard.facts.resolv import host_nameservers
from wizard.network.monitor import EVERYTHING, LINKS, ROUTES, RULES, NetlinkMonitor
from wizard.network.route_changes import RouteMessage, apply_route_messages, touches_default
from wizard.network.rtnetlink.route_table import RouteTable

MONITOR_GROUP = "network-monitor"
"""The monitor worker never ends on a live host: tests wait for the other groups."""
_MONITOR_DELAY = 0.25
"""The longest the monitor holds back a stream of changes: with the pacing of the loads
(:mod:`screens.load_pacing`) and the time to apply them, the page stays under a second
behind the kernel."""


class NetworkPage(LookupActions, RouteHelperActions, StepPage):
    STEP_ID = "network"
    TITLE = "Network"
    INTRO = "Adapters, every routing table, and the address the cluster uses."

    DEFAULT_CSS = """
    NetworkPage #network-status { height: 1; color: $text-muted; }
    NetworkPage #network-tabs { height: 1fr; }
    NetworkPage TabPane { padding: 0; }
    NetworkPage TabPane > * { height: 1fr; }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.routes: RouteTable | None = None
        self.rules: Sequence[Mapping[str, Any]] = ()
        self.facts: AdvertiseFacts | None = None
        self.dns_servers: list[str] = []
        self.results: list[CheckResult] = []
        self._started = False
        self._loading = False
        self._pending: set[str] = set()  # kinds that need a fresh read
        self._route_messages: list[RouteMessage] = []  # to apply to the table on screen
        self._reload_timer: Timer | None = None
        self._pacer = LoadPacer()
        self._first_read_done = False
        self._last_question: RouteLookup.Asked | None = None
        self._lookup_running = False

    def compose_body(self) -> ComposeResult:
        yield Static("", id="network-status", markup=False)
        # Inspecting another namespace (a pod's) is about its routes: open on them.
        initial = "tab-routes" if self.app.host.netns else "tab-adapters"
        with TabbedContent(id="network-tabs", initial=initial):
            with TabPane("Adapters", id="tab-adapters"):
                yield AdaptersPanel()
            with TabPane("Picture", id="tab-picture"):
                yield NetworkPicture()
            with TabPane("Routes", id="tab-routes"):
                yield RouteTablePanel()
            with TabPane("Lookup", id="tab-lookup"):
                yield RouteLookup()
            with TabPane("Add route", id="tab-add-route"):
                yield VerticalScroll(id="route-form-box")
            with TabPane("Checks", id="tab-checks"):
                yield CheckList()

    @property
    def where(self) -> str:
        host = self.app.host
        return f"netns {host.netns}" if host.netns else host.label

    @property
    def live(self) -> bool:
        """A running kernel to ask and to watch (not a demo, not --root)."""
        return self.app.host.kind == "live"

    # ------------------------------------------------------------------ start and reload
    def on_show(self) -> None:
        if not self._started:
            self._started = True
            self._start()
        self._schedule_load()

    def _start(self) -> None:
        if self.app.host.network is None:
            self._show_error(f"{self.app.host.label} is not a running system: no live "
                             "routing table, no adapters to show")
            return
        self._status(f"{self.where} · reading the routing table…")
        self._read_resolvers()
        if self.live:
            self._watch()  # reports "everything changed" once it listens, which loads
        else:
            self._pending |= EVERYTHING

    def _schedule_load(self) -> None:
        """Load what changed, paced by what such a load costs (:mod:`screens.load_pacing`),
        and only while the page is on screen (a hidden page catches up when it is shown)."""
        if (not (self._pending or self._route_messages) or self._loading
                or self._reload_timer or not self.display):
            return
        whole = bool(self._pending) or self.routes is None
        delay = self._pacer.next_at(whole=whole) - time.monotonic()
        if delay > 0:
            self._reload_timer = self.set_timer(delay, self._start_load)
        else:
            self._start_load()

    def _start_load(self) -> None:
        self._reload_timer = None
        kinds, self._pending = frozenset(self._pending), set()
        messages, self._route_messages = self._route_messages, []
        if kinds or self.routes is None:
            messages = []  # they came before this dump starts: it shows what they say
        self._loading = True
        self._load(kinds, messages)

    @work(thread=True, exclusive=True, group="network-load", exit_on_error=False)
    def _load(self, kinds: frozenset[str], messages: list[RouteMessage]) -> None:
        """The routes first (what the operator waits for), then the adapters. Route
        messages alone are applied to the table; when they cannot be, the table is read.
        The table is read from the page, not passed in: a finished worker keeps its
        arguments until the cycle collector runs, and a snapshot can be 50 MB."""
        network = self.app.host.network
        routes, rules = self.routes, self.rules
        error = ""
        try:
            started = time.perf_counter()
            whole = routes is None or bool(kinds & {ROUTES, RULES})
            if whole:
                routes, rules = network.routes(), network.rules()
            elif messages:
                followed = apply_route_messages(routes, messages)
                if followed is None:  # the finish below starts the reload
                    self.post_message(NetworkChanged(frozenset({ROUTES})))
                    return
                routes = followed
            if routes is not None and (whole or messages):
                self.post_message(RoutesLoaded(routes, rules, time.perf_counter() - started,
                                               whole=whole))
            if kinds or touches_default(messages):
                self.post_message(AdaptersLoaded(advertise_facts(network.links(), routes)))
        except OSError as failure:
            error = failure.strerror or str(failure)
        except Exception as failure:  # a bug must show, not leave the page "reading" forever
            error = f"{type(failure).__name__}: {failure}"
            raise
        finally:
            self.post_message(LoadFinished(error))

    @work(thread=True, exclusive=True, group=MONITOR_GROUP, exit_on_error=False)
    def _watch(self) -> None:
        worker = get_current_worker()
        try:
            monitor = NetlinkMonitor(self.app.host.netns, max_delay=_MONITOR_DELAY)
        except OSError as error:
            self.post_message(LoadFinished(error.strerror or str(error)))
            return
        with monitor:
            self.post_message(NetworkChanged(EVERYTHING))
            while not worker.is_cancelled:
                changed = monitor.wait_for_change(0.25)
                if changed:
                    self.post_message(NetworkChanged(changed, monitor.take_route_messages()))

    @work(thread=True, exclusive=True, group="network-dns", exit_on_error=False)
    def _read_resolvers(self) -> None:
        self.post_message(ResolversRead(host_nameservers(self.app.host)))

    def on_network_changed(self, message: NetworkChanged) -> None:
        """Route messages are kept to apply; anything else means reading the tables again:
        a link going down or an address going away takes routes along without a message."""
        if message.routes is not None and message.kinds == {ROUTES}:
            self._route_messages += message.routes
        else:
            self._pending |= message.kinds | {ROUTES}
        self._schedule_load()

    def on_routes_loaded(self, message: RoutesLoaded) -> None:
        self.routes, self.rules = message.routes, message.rules
        self._pacer.loaded(whole=message.whole, seconds=message.seconds,
                           ended=time.monotonic())
        self._status(f"{self.where} · {len(message.routes):,} routes · "
                     f"{len(message.rules)} policy rules")
        self.query_one(RouteTablePanel).show_routes(message.routes, message.rules)
        if self._last_question is not None:  # the highlight must point into the new snapshot
            self._ask(self._last_question, refresh=True)

    def on_adapters_loaded(self, message: AdaptersLoaded) -> None:
        self.facts = message.facts
        self._show_choices()

    @property
    def load_pending(self) -> bool:
        """A load is waiting for its turn (:mod:`screens.load_pacing`) or running: what tests
        wait for besides workers, as a paced load is a timer until it starts."""
        return self._reload_timer is not None or self._loading

    def reads_first(self) -> bool:
        return self.live and self.app.host.network is not None

    def on_load_finished(self, message: LoadFinished) -> None:
        self._loading = False
        if not self._first_read_done:
            self._first_read_done = True
            self.post_message(self.FirstReadDone())
        if message.error:
            self._show_error(f"{self.where} · {message.error}")
        self._schedule_load()

    def on_resolvers_read(self, message: ResolversRead) -> None:
        self.dns_servers = message.servers
        self._show_choices()

    def _status(self, text: str) -> None:
        self.query_one("#network-status", Static).update(text)

    def _show_error(self, text: str) -> None:
        self._status(text)
        self.query_one(RouteTablePanel).show_error(text)
        self.query_one(AdaptersPanel).show_error(text)
        self.query_one(NetworkPicture).show_error(text)

    # ------------------------------------------------------------------ checks and choices
    def results_shown(self, results: list[CheckResult]) -> None:
        """Checks ran again (after a choice or an apply): refresh what depends on them.

        A demo host has no monitor, so its table is re-read here, after every apply.
        """
        self.results = results
        self._show_choices()
        if self._started and not self.live and self.app.host.network is not None:
            self._pending |= {ROUTES, LINKS}
            self._schedule_load()

    def _show_choices(self) -> None:
        choices = self.app.choices
        if self.facts is not None:
            adapters = self.query_one(AdaptersPanel)
            adapters.show(self.facts, choices.advertise_address)
            adapters.show_verdict(next((r for r in self.results if r.id == "AdvertiseAddress"),
                                       None))
            self.query_one(NetworkPicture).show(self.where, self.facts, self.routes or (),
                                                choices.advertise_address)
        self.query_one(RouteLookup).set_questions(
            ready_questions(choices, self.facts, self.dns_servers))

    @on(AdaptersPanel.AdvertiseChosen)
    def _advertise_chosen(self, event: AdaptersPanel.AdvertiseChosen) -> None:
        if event.address == self.app.choices.advertise_address:
            return
        self.app.choices.advertise_address = event.address
        self.app.refresh_banner()
        self.app.action_recheck()
        self._show_choices()
        self.notify(f"The cluster will use {event.address}." if event.address
                    else "kubeadm will pick the address itself (the default route's).")

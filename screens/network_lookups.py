"""The Network page's lookups: "where would a packet to X go", answered by the wizard's
replay of the rules and tables and, on a live host, by the kernel too, then marked in the
Routes tab and on the Picture.

A mixin of NetworkPage, which provides the table snapshot, the rules and the facts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from textual import work
from textual.widgets import TabbedContent
from textual.worker import get_current_worker

from screens.network_messages import LookupAnswered, LookupFailed
from screens.widgets.network_picture import NetworkPicture
from screens.widgets.route_lookup import Question, RouteLookup
from screens.widgets.route_table import RouteTablePanel
from wizard.checks.network import AdvertiseFacts
from wizard.network.lookup import lookup
from wizard.network.rtnetlink.route_table import RouteTable


class LookupActions:
    """Mixed into NetworkPage (a Widget), which provides these attributes."""

    routes: RouteTable | None
    rules: Sequence[Mapping[str, Any]]
    facts: AdvertiseFacts | None
    live: bool
    _last_question: RouteLookup.Asked | None
    _lookup_running: bool

    def on_route_lookup_asked(self, event: RouteLookup.Asked) -> None:
        event.stop()
        self._ask(event)

    def _ask(self, asked: RouteLookup.Asked, *, refresh: bool = False) -> None:
        """Look up in a worker; `refresh`: the same question on a new snapshot, which must
        not pull the operator's cursor to the answer again. Snapshots come several times a
        second under churn, and a lookup on a new one builds its index: a refresh waits
        for the running lookup, whose answer then asks again (on_lookup_answered)."""
        if self.routes is None:
            self.query_one(RouteLookup).show_error("The routing table is still being read.")
            return
        if refresh and self._lookup_running:
            return
        self._lookup_running = True
        self._last_question = asked
        addresses = {link.name: [a.cidr for a in link.addresses]
                     for link in (self.facts.links if self.facts else ())}
        self._lookup(asked.dst, asked.src, asked.question, self.routes, self.rules, addresses,
                     refresh)

    @work(thread=True, exclusive=True, group="network-lookup", exit_on_error=False)
    def _lookup(self, dst: str, src: str | None, question: Question | None, routes: RouteTable,
                rules: Sequence[Mapping[str, Any]], addresses: dict[str, list[str]],
                refresh: bool) -> None:
        """The replay names the rule and the row; on a live host the kernel has the last word."""
        try:
            kernel = self.app.host.network.route_get(dst, src) if self.live else None
            answer = lookup(routes, rules or None, dst, src, addresses=addresses)
        except (OSError, ValueError) as error:
            self.post_message(LookupFailed(str(error)))
            return
        if not get_current_worker().is_cancelled:
            self.post_message(LookupAnswered(dst, question, answer, kernel, routes, refresh))

    def on_lookup_answered(self, message: LookupAnswered) -> None:
        self._lookup_running = False
        if message.routes is not self.routes:  # a newer snapshot came meanwhile: ask it
            if self._last_question is not None:
                self._ask(self._last_question, refresh=True)
            return
        panel = self.query_one(RouteTablePanel)
        panel.mark_route(message.answer.get("route_index"), jump=not message.refresh)
        position = panel.table_view.highlight
        if message.answer.get("route_index") is None:
            where = "No route matched, so nothing is highlighted in the Routes tab."
        elif position is None:
            where = "The matched route is hidden by the filter in the Routes tab."
        else:
            where = f"Row {position + 1:,} of the Routes tab is highlighted (t: show it)."
        self.query_one(RouteLookup).show_answer(message.dst, message.answer, message.kernel,
                                                message.question, where)
        self.query_one(NetworkPicture).show_path(message.dst, message.answer, message.routes)

    def on_lookup_failed(self, message: LookupFailed) -> None:
        self._lookup_running = False
        self.query_one(RouteLookup).show_error(f"The lookup failed: {message.error}")

    def on_route_lookup_show_in_table(self, _event: RouteLookup.ShowInTable) -> None:
        self.query_one(TabbedContent).active = "tab-routes"
        self.query_one(RouteTablePanel).table_view.focus()

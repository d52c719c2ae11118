"""A simulated host's network: links, addresses, routes and rules recorded in its state.

Route lookups replay the kernel's decision (`wizard.network.lookup`), so "where does a packet
go" has the same answer shape on a demo host as on a real one, and route changes made by the
wizard's steps are kept in the demo's scratch state.
"""

from __future__ import annotations

import socket
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from wizard.host.network import Address, Link, NetworkView
from wizard.network.lookup import Resolver, lookup
from wizard.network.policy_rules import _DEFAULT_RULES, _rule_family
from wizard.network.rtnetlink.route_table import RouteTable
from wizard.network.rtnetlink.rules import RuleEntry

if TYPE_CHECKING:
    from wizard.host.simulated import SimulatedHost


class SimulatedNetwork(NetworkView):
    def __init__(self, host: SimulatedHost) -> None:
        self.host = host

    @property
    def _state(self) -> dict[str, Any]:
        state: dict[str, Any] = self.host.state.setdefault("network", {})
        return state

    def links(self) -> list[Link]:
        addresses: dict[str, list[Address]] = {}
        for raw in self._state.get("addresses", []):
            addresses.setdefault(raw["dev"], []).append(Address(
                dev=raw["dev"], family=int(raw["family"]), address=raw["address"],
                prefixlen=int(raw["prefixlen"]), scope=raw.get("scope", "global")))
        return [Link(index=int(raw["index"]), name=raw["name"], kind=raw.get("kind", "physical"),
                     mac=raw.get("mac", ""), mtu=int(raw.get("mtu", 0)),
                     state=raw.get("state", "UNKNOWN"), master=raw.get("master", "") or "",
                     addresses=tuple(addresses.get(raw["name"], ())))
                for raw in self._state.get("links", [])]

    def route_dicts(self) -> list[dict[str, Any]]:
        return list(self._state.get("routes", []))

    def routes(self, family: int | None = None) -> RouteTable:
        table = RouteTable.from_iproute_json(self.route_dicts())
        if family is None:
            return table
        return table.filter(family=socket.AF_INET6 if family in (6, socket.AF_INET6)
                            else socket.AF_INET)

    def rules(self) -> list[dict[str, Any]]:
        """The recorded `ip -j rule show`, which lists IPv4 rules (iproute2's default family;
        its JSON names none), and IPv6's: those recorded with an IPv6 address, else the two
        every kernel starts with, as `ip -6 rule show` would list them."""
        rules: list[dict[str, Any]] = [_with_family(rule) for rule in self._state.get("rules", [])]
        if not any(getattr(rule, "family", 0) == socket.AF_INET6 for rule in rules):
            rules += [_with_family(rule, socket.AF_INET6)
                      for rule in _DEFAULT_RULES[socket.AF_INET6]]
        return rules

    def route_get(self, dst: str, src: str | None = None) -> dict[str, Any]:
        return lookup(self.routes(), self.rules() or None, dst, src,
                      addresses=self.address_map())

    def route_get_many(self, dsts: Iterable[str], src: str | None = None) -> list[dict[str, Any]]:
        """One resolver for every address: building the table from the demo's state and its
        index is most of a lookup's cost (20 ms an address when paid for each)."""
        resolver = Resolver(self.routes(), self.rules() or None, self.address_map())
        return [resolver.lookup(dst, src) for dst in dsts]

    def add_route(self, route: dict[str, Any]) -> None:
        """Record a route as `ip -j route show` would print it, and keep it in the demo."""
        self._state.setdefault("routes", []).append(dict(route))
        self.host.save_state()

    def delete_route(self, route: dict[str, Any]) -> bool:
        """Remove the first route whose given fields all match; False when none did."""
        routes = self._state.get("routes", [])
        for index, existing in enumerate(routes):
            if all(existing.get(key) == value for key, value in route.items()):
                del routes[index]
                self.host.save_state()
                return True
        return False


def _with_family(rule: Mapping[str, Any], family: int | None = None) -> RuleEntry:
    """The rule with its family: given, else its addresses', else IPv4 (`ip rule`'s)."""
    entry = RuleEntry(rule)
    entry.family = family or _rule_family(rule) or socket.AF_INET
    return entry

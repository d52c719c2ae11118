"""What the Network page's host workers send back to the UI thread."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from textual.message import Message

from screens.widgets.route_lookup import Question
from wizard.checks.network import AdvertiseFacts
from wizard.network.route_changes import RouteMessage
from wizard.network.rtnetlink.route_table import RouteTable


@dataclass
class RoutesLoaded(Message):
    """Every table: a fresh dump (`whole`), or the last one with route notifications
    applied; `seconds` is what it cost (it paces the loads of its kind)."""

    routes: RouteTable
    rules: Sequence[Mapping[str, Any]]
    seconds: float
    whole: bool = True


@dataclass
class AdaptersLoaded(Message):
    facts: AdvertiseFacts


@dataclass
class LoadFinished(Message):
    """The load worker is done, whatever it managed; `error` says what failed."""

    error: str = ""


@dataclass
class NetworkChanged(Message):
    """The netlink monitor saw changes of these kinds (routes, rules, links, addresses);
    `routes`: the route messages among them, None when they are not all known."""

    kinds: frozenset[str]
    routes: list[RouteMessage] | None = None


@dataclass
class LookupAnswered(Message):
    """A lookup replayed over `routes`; `kernel` is the running kernel's own answer;
    `refresh`: the last question asked again because the table changed."""

    dst: str
    question: Question | None
    answer: dict[str, Any]
    kernel: dict[str, Any] | None
    routes: RouteTable
    refresh: bool = False


@dataclass
class LookupFailed(Message):
    error: str


@dataclass
class ResolversRead(Message):
    servers: list[str]

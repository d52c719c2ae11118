"""Messages that carry results from host workers back to the UI thread."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from textual.message import Message

from wizard.checks.base import CheckResult
from wizard.steps.engine import PlanEntry, StepOutcome


@dataclass
class ChecksFinished(Message):
    """A check run ended; `screens` says which screens' checks it covered (None: all)."""

    results: list[CheckResult]
    plan: dict[str, PlanEntry]
    screens: frozenset[str] | None = None


@dataclass
class ChecksFailed(Message):
    error: str


@dataclass
class ApplyProgress(Message):
    done: int
    total: int
    title: str


@dataclass
class ApplyFinished(Message):
    outcomes: list[StepOutcome]


def unless_closing(handler: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
    """A worker's report that arrives while the app closes (its screens are gone) is dropped:
    a check run outlives a quick quit, and a test's app, on a slow machine."""
    if inspect.iscoroutinefunction(handler):
        @functools.wraps(handler)
        async def report_async(app: Any, message: Any) -> None:
            if app.screen_stack:
                await handler(app, message)
        return report_async

    @functools.wraps(handler)
    def report(app: Any, message: Any) -> None:
        if app.screen_stack:
            handler(app, message)
    return report

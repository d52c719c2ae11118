"""Messages that carry results from host workers back to the UI thread."""

from __future__ import annotations

from dataclasses import dataclass

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

"""The order of the wizard's steps, as data: id, sidebar title, and the page that shows it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class StepEntry:
    id: str
    title: str
    key: str


STEPS: tuple[StepEntry, ...] = (
    StepEntry("requirements", "Requirements", "1"),
    StepEntry("network", "Network", "2"),
    StepEntry("bridge", "Bridge & iptables", "3"),
    StepEntry("runtime", "Container runtime", "4"),
    StepEntry("cgroups", "Cgroups", "5"),
    StepEntry("init", "Init / Join", "6"),
    StepEntry("review", "Review & apply", "7"),
)

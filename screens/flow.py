"""The order of the wizard's steps, as data: id, sidebar title, key, and the page that shows
it (as "module:Class", imported the first time the page is shown)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class StepEntry:
    id: str
    title: str
    key: str
    page: str


STEPS: tuple[StepEntry, ...] = (
    StepEntry("requirements", "Requirements", "1", "screens.requirements:RequirementsPage"),
    StepEntry("network", "Network", "2", "screens.network:NetworkPage"),
    StepEntry("bridge", "Bridge & iptables", "3", "screens.bridge:BridgePage"),
    StepEntry("runtime", "Container runtime", "4", "screens.runtime:RuntimePage"),
    StepEntry("cgroups", "Cgroups", "5", "screens.cgroups:CgroupsPage"),
    StepEntry("init", "Init / Join", "6", "screens.init_join:InitJoinPage"),
    StepEntry("review", "Review & apply", "7", "screens.review:ReviewPage"),
)

"""What a check is and what it returns.

Checks use kubeadm's own printed names as ids where kubeadm has the check, so an operator can
match a result with `--ignore-preflight-errors`; the wizard's own checks have stable ids that
README lists.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, Protocol

from wizard.model import WizardChoices
from wizard.steps.step import Step

if TYPE_CHECKING:
    from wizard.host.base import Host


class Status(str, enum.Enum):
    PASS = "pass"
    WARN = "warn"
    FAIL = "fail"
    SKIP = "skip"

    @property
    def weight(self) -> int:
        return {"skip": 0, "pass": 1, "warn": 2, "fail": 3}[self.value]


@dataclass
class CheckResult:
    id: str
    status: Status
    observed: str = ""
    expected: str = ""
    message: str = ""
    lesson: str = ""
    fixes: tuple[Step, ...] = ()
    group: str = ""
    screen: str = ""
    after_reboot: bool = False

    @property
    def fixable(self) -> bool:
        return bool(self.fixes) and self.status in (Status.FAIL, Status.WARN)

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "status": self.status.value, "observed": self.observed,
                "expected": self.expected, "message": self.message, "fixable": self.fixable,
                "group": self.group, "screen": self.screen}


@dataclass
class CheckContext:
    """What every check gets: the host and the operator's choices."""

    host: Host
    choices: WizardChoices = field(default_factory=WizardChoices)

    @cached_property
    def minor(self) -> int:
        from wizard.kube.versions import resolve_minor

        return resolve_minor(self.choices.kubernetes_version)

    @property
    def control_plane(self) -> bool:
        return self.choices.role == "control-plane"


CheckFunction = Callable[[CheckContext], "CheckResult | Iterable[CheckResult] | None"]


@dataclass(frozen=True)
class RegisteredCheck:
    screen: str
    group: str
    function: CheckFunction


REGISTRY: list[RegisteredCheck] = []


def check(screen: str, group: str) -> Callable[[CheckFunction], CheckFunction]:
    """Register a check for a screen and a group (hardware, identity, ports, ...)."""

    def register(function: CheckFunction) -> CheckFunction:
        REGISTRY.append(RegisteredCheck(screen, group, function))
        return function

    return register


class _HasStatus(Protocol):
    @property
    def status(self) -> Status: ...


def worst(results: Iterable[_HasStatus]) -> Status | None:
    """The status a screen shows in the sidebar: its worst result (skips don't count)."""
    statuses = [r.status for r in results if r.status is not Status.SKIP]
    return max(statuses, key=lambda s: s.weight) if statuses else None

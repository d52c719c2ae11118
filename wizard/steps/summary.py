"""What an apply left behind, and what no step will fix: the two things a plan cannot show.

The dry run lists steps; after an apply the operator needs the other side: which steps ran,
which are still open and why (a reboot, a failure, a command that could not run here), and the
warnings that no step addresses because they are the operator's choice (the advertise address
on a NAT VM). Both the TUI and the CLI read them from here.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from wizard.checks.base import CheckResult, Status
from wizard.steps.engine import PlanEntry, StepOutcome
from wizard.steps.step import Step

OPEN = (Status.FAIL, Status.WARN)


def open_warnings(results: Iterable[CheckResult],
                  skipped: Iterable[str] = ()) -> list[CheckResult]:
    """Failing or warning checks that no step of the plan fixes (none offered, or the operator
    took them out): applying leaves them as they are."""
    skipped = set(skipped)
    return [r for r in results
            if r.status in OPEN and not any(step.id not in skipped for step in r.fixes)]


@dataclass(frozen=True)
class LeftOpen:
    """Something the apply did not finish, with the reason in a sentence."""

    title: str
    reason: str


@dataclass(frozen=True)
class ApplySummary:
    applied: tuple[str, ...]
    left: tuple[LeftOpen, ...]

    @property
    def complete(self) -> bool:
        return not self.left


def summarize(steps: Sequence[Step], outcomes: Sequence[StepOutcome],
              entries_now: Sequence[PlanEntry], results_now: Iterable[CheckResult],
              skipped: Iterable[str] = ()) -> ApplySummary:
    """The apply of `steps` gave `outcomes`; the host was checked again into `results_now`
    and `entries_now` (the plan as it is now)."""
    by_id = {o.step_id: o for o in outcomes}
    applied: list[str] = []
    left: list[LeftOpen] = []
    seen: set[str] = set()
    failed_before = False
    for step in steps:
        seen.add(step.id)
        outcome = by_id.get(step.id)
        if outcome is None:
            reason = ("not run: an earlier step failed" if failed_before
                      else "not run: the apply stopped before it")
            left.append(LeftOpen(step.title, reason))
            continue
        if outcome.failed:
            failed_before = True
            detail = outcome.messages[-1] if outcome.messages else "see the log"
            left.append(LeftOpen(step.title, f"failed: {detail}"))
            continue
        if outcome.status in ("applied", "deferred"):
            applied.append(step.title)
        if outcome.status == "deferred":
            waits = [m for m in outcome.messages if ": " in m and not m.startswith("ran ")]
            left.append(LeftOpen(step.title, "could not run here: " + "; ".join(waits)))
        elif step.reboot_required and outcome.status == "applied":
            left.append(LeftOpen(step.title, "needs a reboot to take full effect"))
    for entry in entries_now:
        if not entry.already_done and entry.step.id not in seen:
            left.append(LeftOpen(entry.step.title, "still in the plan: not applied yet"))
        elif not entry.already_done and entry.step.id in by_id \
                and by_id[entry.step.id].status == "applied" and not entry.step.reboot_required:
            left.append(LeftOpen(entry.step.title, "applied, but the check still finds it "
                                                   "not in place"))
    results_now = list(results_now)
    for result in results_now:
        if result.status in OPEN and result.after_reboot:
            left.append(LeftOpen(result.id, f"needs a reboot: {result.message}"))
    for result in open_warnings(results_now, skipped):
        if not result.after_reboot:
            left.append(LeftOpen(result.id, f"a choice still open: {result.message}"))
    return ApplySummary(tuple(applied), tuple(left))

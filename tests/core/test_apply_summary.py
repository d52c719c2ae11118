"""summarize and open_warnings: what an apply leaves, and what no step fixes."""

from __future__ import annotations

from wizard.checks.base import CheckResult, Status
from wizard.steps.engine import PlanEntry, StepOutcome
from wizard.steps.step import RunCommand, Step
from wizard.steps.summary import open_warnings, summarize


def step(step_id: str, *, reboot: bool = False) -> Step:
    return Step(id=step_id, title=f"title {step_id}", why="because",
                actions=(RunCommand(("true",)),), verify="true",
                reboot_required=reboot)


def test_open_warnings_are_those_no_kept_step_fixes():
    fixed = CheckResult("A", Status.FAIL, fixes=(step("a"),))
    choice = CheckResult("B", Status.WARN, message="pick one")
    skipped = CheckResult("C", Status.WARN, fixes=(step("c"),))
    passing = CheckResult("D", Status.PASS)
    assert [r.id for r in open_warnings([fixed, choice, skipped, passing], ["c"])] == ["B", "C"]


def test_summary_reasons():
    a, b, c, d = step("a"), step("b", reboot=True), step("c"), step("d")
    outcomes = [StepOutcome("a", a.title, "applied"), StepOutcome("b", b.title, "applied"),
                StepOutcome("c", c.title, "failed", ["true failed (exit 1): no"])]
    pending = step("e")
    entries = [PlanEntry(a, True, ()), PlanEntry(pending, False, ())]
    results = [CheckResult("Open", Status.WARN, message="a choice")]
    summary = summarize([a, b, c, d], outcomes, entries, results)
    assert summary.applied == ("title a", "title b")
    assert [(i.title, i.reason) for i in summary.left] == [
        ("title b", "needs a reboot to take full effect"),
        ("title c", "failed: true failed (exit 1): no"),
        ("title d", "not run: an earlier step failed"),
        ("title e", "still in the plan: not applied yet"),
        ("Open", "a choice still open: a choice"),
    ]

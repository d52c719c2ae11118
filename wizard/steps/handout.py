"""The apply told as it happened: the narration after each step, and a Markdown handout.

A workshop needs both faces of one record. While the apply runs, the instructor stops after each
step and shows what ran, what the files look like now (the diff) and what the verifying
commands answer; afterwards the learners take the same thing home as a handout. Both are
built here from the steps and their outcomes, so the CLI and the TUI say the same.

Whatever leaves the wizard this way is masked first: a join token's secret half or a
certificate key on a projected screen or in a shared file would let anyone in the room join a
node to the cluster.
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from wizard.host.files import atomic_write
from wizard.i18n import _
from wizard.kubeadm.secrets import mask_secrets
from wizard.steps.engine import StepOutcome
from wizard.steps.step import Step
from wizard.steps.verify import Looked

if TYPE_CHECKING:
    from wizard.host.base import Host

OUTPUT_LINES = 30
"""Lines of a verifying command's output that are shown; the rest is counted, not printed."""

CHANGED = ("applied", "deferred", "failed")
"""Outcomes of steps that did something: these are the ones worth pausing on."""


def _clip(output: str) -> list[str]:
    lines = output.rstrip("\n").splitlines()
    if len(lines) > OUTPUT_LINES:
        more = len(lines) - OUTPUT_LINES
        lines = [*lines[:OUTPUT_LINES], f"… {more} more line(s)"]
    return lines


def answer_lines(looked: Looked) -> list[str]:
    """What the command printed (or why nothing was asked), as a transcript would show it."""
    lines = _clip(looked.output) if looked.output.strip() else []
    if looked.note:
        lines.append(f"({looked.note})")
    return lines or ["(no output)"]


def narration_text(step: Step, outcome: StepOutcome, number: int, total: int) -> str:
    """One step as the CLI prints it when `apply --step` pauses after it (plain text)."""
    lines = [f"── Step {number}/{total}: {step.title} ({outcome.status}) ──"]
    if outcome.status not in CHANGED:
        lines += [f"  {message}" for message in outcome.messages]
        return mask_secrets("\n".join(lines))
    lines.append("What ran:")
    lines += [f"  {message}" for message in outcome.messages]
    if outcome.diffs:
        lines.append("What changed:")
        for diff in outcome.diffs:
            lines += [f"  {line}" for line in diff.rstrip("\n").splitlines()]
    lines.append(f"Verify: {step.verify}")
    for looked in outcome.verified:
        lines.append(f"  $ {looked.command}")
        lines += [f"  {line}" for line in answer_lines(looked)]
    return mask_secrets("\n".join(lines))


def _fence(language: str, text: str) -> str:
    """A fenced block that no run of backticks inside `text` can close early."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{language}\n{text.rstrip()}\n{fence}"


def _ran_item(message: str) -> str:
    """`ran sysctl -w ...` as a list item with the command (or the path) in code type."""
    verb, _space, rest = message.partition(" ")
    if verb in ("ran", "wrote", "removed") and rest:
        return f"{verb} `{rest}`"
    return message


def _step_section(number: int, step: Step, outcome: StepOutcome) -> list[str]:
    parts = [f"## {number}. {step.title}", f"*{outcome.status}*",
             f"**Why:** {_(step.why)}"]
    if outcome.status not in CHANGED:
        parts += [f"- {message}" for message in outcome.messages]
        return parts
    parts += ["**Commands**", _fence("sh", "\n".join(step.shell_commands))]
    parts += ["**What ran**", "\n".join(f"- {_ran_item(m)}" for m in outcome.messages)]
    if outcome.diffs:
        parts += ["**What changed**", *(_fence("diff", diff) for diff in outcome.diffs)]
    parts.append(f"**Verify:** {step.verify}")
    if outcome.verified:
        transcript = [line for looked in outcome.verified
                      for line in (f"$ {looked.command}", *answer_lines(looked))]
        parts.append(_fence("console", "\n".join(transcript)))
    parts.append(f"**Undo:** {step.undo}")
    return parts


def apply_handout(steps: Sequence[Step], outcomes: Sequence[StepOutcome], *, host: str,
                  target: str = "", when: float | None = None) -> str:
    """The Markdown handout of one apply: every step in order, with why, the commands, the
    diffs and the verifying commands' output; steps the apply did not reach are named."""
    stamp = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(when))
    about = " · ".join(part for part in (f"Host: {host}", target, stamp) if part)
    parts = ["# kubeadm-wizard apply: a handout", about]
    by_id = {outcome.step_id: outcome for outcome in outcomes}
    not_run = []
    for number, step in enumerate(steps, 1):
        outcome = by_id.get(step.id)
        if outcome is None:
            not_run.append(step.title)
        else:
            parts += _step_section(number, step, outcome)
    if not_run:
        parts += ["## Not run", "The apply stopped before these steps:",
                  "\n".join(f"- {title}" for title in not_run)]
    return mask_secrets("\n\n".join(parts) + "\n")


def save_handout(host: Host, text: str, *, when: float | None = None) -> Path:
    """Keep a handout beside the journal it tells (the host's state directory) and return
    where it is on this machine, for the operator to copy or print."""
    stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime(when))
    path = host.path(f"{host.state_dir}/handout-{stamp}.md")
    atomic_write(path, text.encode("utf-8"), mode=0o644)
    return path

"""Applying a plan: preview first, then each step in order, journaled, skipping what holds."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import TYPE_CHECKING

from wizard.steps.journal import Journal
from wizard.steps.step import FileRemove, FileWrite, RouteChange, RunCommand, Step
from wizard.steps.verify import Looked, look_after

if TYPE_CHECKING:
    from wizard.host.base import Host
    from wizard.host.commands import CommandResult

Progress = Callable[[int, int, str], None]
AfterStep = Callable[["StepOutcome"], bool]
"""Called with each step's outcome as soon as it is known; False stops the apply there."""


@dataclass(frozen=True)
class PlanEntry:
    """A step as the dry run shows it: will it change anything, and which diffs."""

    step: Step
    already_done: bool
    diffs: tuple[str, ...]


@dataclass
class StepOutcome:
    """What one step did: what ran (`messages`), the diff of every file it changed, taken just
    before the change, and the verifying commands with what the host answered right after."""

    step_id: str
    title: str
    status: str  # "applied", "unchanged", "deferred", "failed", "dry-run"
    messages: list[str] = field(default_factory=list)
    diffs: list[str] = field(default_factory=list)
    verified: list[Looked] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return self.status == "failed"


def preview(host: Host, steps: Sequence[Step]) -> list[PlanEntry]:
    """The dry run: nothing is written, every diff is computed against the host as it is."""
    return [PlanEntry(step, step.is_done(host), tuple(step.diffs(host))) for step in steps]


def apply_steps(host: Host, steps: Sequence[Step], *, dry_run: bool = False,
                progress: Progress | None = None,
                after_step: AfterStep | None = None) -> list[StepOutcome]:
    """Apply steps in order; stop at the first failure so later steps don't build on it.

    `after_step` sees each outcome before the next step starts: the narration pauses there
    so an instructor can talk through it, and the operator may stop the apply at that point.
    """
    journal = Journal(host)
    outcomes: list[StepOutcome] = []
    for index, step in enumerate(steps):
        if progress:
            progress(index, len(steps), step.title)
        outcome = _apply_one(host, journal, step, dry_run=dry_run)
        if outcome.status in ("applied", "deferred", "failed"):
            outcome.verified = look_after(host, step)
        outcomes.append(outcome)
        go_on = after_step(outcome) if after_step is not None else True
        if outcome.failed or not go_on:
            break
    if not dry_run:
        host.forget_cached_facts()
    if progress:
        progress(len(steps), len(steps), "done")
    return outcomes


def _apply_one(host: Host, journal: Journal, step: Step, *, dry_run: bool) -> StepOutcome:
    outcome = StepOutcome(step.id, step.title, "applied")
    if step.is_done(host):
        outcome.status = "unchanged"
        outcome.messages.append("already in place; nothing to do")
        return outcome
    if dry_run:
        outcome.status = "dry-run"
        outcome.messages.extend(step.shell_commands)
        return outcome
    journal.record("step-begin", step=step.id, title=step.title)
    deferred = False
    for action in step.actions:
        if isinstance(action, FileWrite | FileRemove):
            if not action.holds(host):
                outcome.diffs.append(action.diff(host))
                _change_file(host, journal, action)
                verb = "wrote" if isinstance(action, FileWrite) else "removed"
                outcome.messages.append(f"{verb} {action.path}")
            continue
        if isinstance(action, RouteChange):
            result = _change_route(host, journal, action)
        else:
            result = _run(host, journal, action)
        if not result.ran:
            deferred = True
            outcome.messages.append(f"{action.shell_text}: {result.note}")
        elif not result.ok:
            outcome.status = "failed"
            detail = (result.stderr or result.stdout).strip().splitlines()
            outcome.messages.append(
                f"{action.shell_text} failed (exit {result.returncode})"
                + (f": {detail[-1]}" if detail else ""))
            journal.record("step-failed", step=step.id)
            return outcome
        else:
            outcome.messages.append(f"ran {action.shell_text}")
    journal.record("step-done", step=step.id)
    if deferred:
        outcome.status = "deferred"
    if step.reboot_required:
        outcome.messages.append("takes full effect after a reboot")
    return outcome


def _missing_parents(host: Host, action: FileWrite | FileRemove) -> list[str]:
    """The directories a write will create, deepest first, so undo can remove them again."""
    if isinstance(action, FileRemove):
        return []
    missing = []
    for parent in PurePosixPath(action.path).parents:
        if str(parent) == "/" or host.exists(str(parent)):
            break
        missing.append(str(parent))
    return missing


def _change_file(host: Host, journal: Journal, action: FileWrite | FileRemove) -> None:
    """Back up, journal, then replace or remove: a kill at any point leaves old-or-new and a
    record that `undo` can follow."""
    old = host.read_bytes_optional(action.path)
    backup = None
    if old is not None:
        backup = journal.new_backup_path(action.path)
        host.write_file(backup, old, mode=0o600)
    journal.record("file-begin", path=action.path, backup=backup, existed=old is not None,
                   mode=host.file_mode(action.path), created_dirs=_missing_parents(host, action))
    if isinstance(action, FileRemove):
        host.remove_file(action.path)
        _prune_created_dirs(host, journal, action.path)
    else:
        host.write_file(action.path, action.content.encode("utf-8"), mode=action.mode)
    journal.record("file-done", path=action.path)


def _prune_created_dirs(host: Host, journal: Journal, path: str) -> None:
    """Remove the directories above `path` that an earlier write of the wizard created and
    that are empty now (a drop-in's `.d` folder), deepest first; restoring the file on undo
    creates them again."""
    created = {directory for entry in journal.entries() if entry.get("event") == "file-begin"
               for directory in entry.get("created_dirs") or ()}
    for parent in PurePosixPath(path).parents:
        if str(parent) not in created:
            break
        host.remove_empty_dir(str(parent))


def _change_route(host: Host, journal: Journal, action: RouteChange) -> CommandResult:
    result = host.change_route(action.op, action.fields)
    journal.record("route", op=action.op, route=action.fields, ran=result.ran, rc=result.returncode)
    return result


UNIT_LINK_DIRS = ("/etc/systemd/system", "/etc/systemd")
"""Where `systemctl enable` puts its links, deepest first: folders it may have to create."""


def _run(host: Host, journal: Journal, action: RunCommand) -> CommandResult:
    # systemctl creates the folders for its links (on an image they may not exist yet); undo
    # removes them again once the reverse command has emptied them.
    missing = [d for d in UNIT_LINK_DIRS if action.argv[0] == "systemctl" and not host.exists(d)]
    result = host.change(list(action.argv), runtime_only=action.runtime_only)
    journal.record("command", argv=list(action.argv),
                   created_dirs=[d for d in missing if host.exists(d)],
                   undo_argv=list(action.undo_argv) if action.undo_argv else None,
                   kept_because=action.kept_because,
                   runtime_only=action.runtime_only, ran=result.ran, rc=result.returncode)
    return result

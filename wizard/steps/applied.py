"""The choices the last apply acted on, kept beside the journal in the host's state directory.

The plan is computed from the choices, so a session that starts from the defaults after an
apply would plan to take back what was just applied (the chosen advertiseAddress and node-ip).
The choices an apply used are therefore written next to the journal that records it, and a
session on that host without `--answers` starts from them; undo moves them aside with the
journal, so the host's own starting point (the defaults) comes back.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from wizard.host.files import atomic_write
from wizard.model import AnswersError, WizardChoices

if TYPE_CHECKING:
    from collections.abc import Sequence

    from wizard.host.base import Host
    from wizard.steps.engine import StepOutcome

APPLIED_NAME = "applied-answers.yaml"
ANSWERS_NAME = "answers.yaml"
"""Where ctrl+s saves without --answers: the host's state directory, not the shell's cwd."""


def applied_path(host: Host) -> Path:
    """The real path of the applied choices (under the host's root)."""
    return host.path(f"{host.state_dir}/{APPLIED_NAME}")


def default_answers_path(host: Host) -> Path:
    """The real, absolute path the TUI saves the answers to when none was given: the host's
    state directory, or without root (which cannot write there) the user's state directory."""
    if host.read_only:
        home = os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state"
        return (Path(home) / "kubeadm-wizard" / ANSWERS_NAME).absolute()
    return host.path(f"{host.state_dir}/{ANSWERS_NAME}").absolute()


def record_applied(host: Host, choices: WizardChoices,
                   outcomes: Sequence[StepOutcome]) -> Path | None:
    """Keep `choices` as the ones the host now follows, if the apply acted at all.

    A dry run or an apply whose every step failed changed nothing the choices could explain,
    so the previous record stays. Written atomically: a kill mid-write leaves the old record.
    """
    if not outcomes or all(o.failed or o.status == "dry-run" for o in outcomes):
        return None
    path = applied_path(host)
    header = ("# The choices the last `kubeadm-wizard apply` acted on (kept with the journal;\n"
              "# the next session on this host starts from them, undo sets them aside).\n")
    atomic_write(path, (header + yaml.safe_dump(choices.to_dict(), sort_keys=False)).encode())
    return path


def applied_choices(host: Host) -> WizardChoices | None:
    """The choices of the last apply on this host, or None when nothing was applied
    (or it was undone). A damaged record raises AnswersError naming the file."""
    path = applied_path(host)
    if not path.is_file():
        return None
    return WizardChoices.load(path)


def set_aside(host: Host) -> Path | None:
    """After an undo: the host no longer follows the applied choices; keep them for the
    record under a name no session reads."""
    path = applied_path(host)
    if not path.is_file():
        return None
    stamp = time.strftime("%Y%m%dT%H%M%S")
    target = path.with_name(f"applied-answers-{stamp}.undone.yaml")
    os.replace(path, target)
    return target


@dataclass(frozen=True)
class StartingChoices:
    """The choices a session starts from, said the way the operator is told about them."""

    choices: WizardChoices
    origin: str
    """The answers file, "the choices of the last apply (PATH)" or "the defaults"."""
    problems: tuple[str, ...] = ()
    """Files passed over (tolerant mode only), each AnswersError's text."""


def starting_choices(host: Host, answers: Path | None = None, *, tolerant: bool = False,
                     fallback: Path | None = None) -> StartingChoices:
    """--answers FILE when given (it always wins), else the last apply's, else `fallback` (a
    scenario's own answers.yml), else the defaults.

    Both faces start here: the CLI's `plan` right after `apply` is then empty, and the TUI
    opens with what the host was set up with. A file that cannot be used raises AnswersError;
    `tolerant` (the TUI, which shows the problems) passes over it to the next source instead.
    """
    candidates = [(answers, str(answers))] if answers is not None else []
    record = applied_path(host)
    if record.is_file():
        candidates.append((record, f"the choices of the last apply ({record})"))
    if fallback is not None:
        candidates.append((fallback, f"the scenario's answers ({fallback})"))
    problems: list[str] = []
    for path, origin in candidates:
        try:
            return StartingChoices(WizardChoices.load(path), origin, tuple(problems))
        except AnswersError as error:
            if not tolerant:
                raise
            problems.append(str(error))
    return StartingChoices(WizardChoices(), "the defaults", tuple(problems))

"""`apply`'s narration for a workshop: `--step` pauses after each step, `--handout` writes
the whole apply down as Markdown. Both are judged before anything is applied."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

    from wizard.host.base import Host
    from wizard.model import WizardChoices
    from wizard.steps.engine import AfterStep, StepOutcome
    from wizard.steps.step import Step


def check_narration_options(args: argparse.Namespace, usage_error: type[Exception]) -> None:
    """Refuse, before the plan is even built, what cannot work: a pause with no one at a
    terminal to end it, a handout of a dry run, a handout nowhere to go."""
    if args.step and not sys.stdin.isatty():
        raise usage_error("--step waits for Enter after each step: it needs a terminal")
    if args.handout and args.dry_run:
        raise usage_error("--handout records an apply; --dry-run applies nothing "
                          "(`plan` shows the dry run)")
    if args.handout is not None:
        _check_handout_path(args.handout, getattr(args, "answers", None), usage_error)


def _check_handout_path(handout: str, answers: str | None,
                        usage_error: type[Exception]) -> None:
    """A handout is written after the apply, when a bad path can no longer stop anything:
    so it is judged first, and never allowed to replace the answers the apply reads."""
    from pathlib import Path

    if not handout.strip():
        raise usage_error("--handout needs a file name")
    path = Path(handout).absolute()
    if path.is_dir():
        raise usage_error(f"--handout {handout}: is a directory; name a file in it")
    if not path.parent.is_dir():
        raise usage_error(f"--handout {handout}: {path.parent} is not a directory")
    if answers and path.exists() and path.resolve() == Path(answers).resolve():
        raise usage_error(f"--handout {handout}: that is the answers file; "
                          "the handout would replace it")


def narrator(steps: Sequence[Step]) -> AfterStep:
    """`apply --step`: after each step that did something, say what happened and wait."""
    from wizard.steps.handout import CHANGED, narration_text

    numbers = {step.id: (number, step) for number, step in enumerate(steps, 1)}

    def after_step(outcome: StepOutcome) -> bool:
        number, step = numbers[outcome.step_id]
        print("\n" + narration_text(step, outcome, number, len(steps)), flush=True)
        if outcome.status not in CHANGED or outcome.failed:
            return True
        last = number == len(steps)
        try:
            answer = input("Press Enter to finish " if last
                           else "Press Enter for the next step (q Enter stops here) ")
        except EOFError:
            print()
            return False
        return answer.strip().lower() not in ("q", "quit")

    return after_step


def write_handout(path: Path, host: Host, choices: WizardChoices, steps: Sequence[Step],
                   outcomes: Sequence[StepOutcome]) -> None:
    from wizard.host.files import atomic_write
    from wizard.kube.versions import resolve_minor
    from wizard.steps.handout import apply_handout

    target = f"Kubernetes 1.{resolve_minor(choices.kubernetes_version)} · {choices.role}"
    atomic_write(path, apply_handout(steps, outcomes, host=host.label,
                                     target=target).encode())
    print(f"Handout written to {path.absolute()}")

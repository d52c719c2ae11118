"""The answers file in the TUI: saving it (ctrl+s) and saying why a given one was not used.

Kept out of screens/app.py so the App stays a shell: where the file goes is the core's
decision (the host's state directory unless --answers named one), this only says it.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from textual import work

from screens.dialogs.answers_problems import AnswersProblemsDialog
from wizard.steps.applied import record_applied

if TYPE_CHECKING:
    from wizard.host.base import Host
    from wizard.model import WizardChoices
    from wizard.steps.engine import StepOutcome


class AnswersActions:
    """Mixed into WizardApp (an App), which provides these attributes."""

    host: Host
    choices: WizardChoices
    answers_path: Path
    saved_choices: dict[str, object]
    started_from: str

    answers_problems: str

    def announce_start(self) -> None:
        """On mount: why an answers file was not used, or where the choices came from."""
        if self.answers_problems:
            self.push_screen(AnswersProblemsDialog(self.answers_problems,
                                                   started_from=self.started_from,
                                                   saves_to=self.answers_path.absolute()))
        elif self.started_from != "the defaults":
            self.notify(f"Starting from {self.started_from}.", markup=False)

    @work(thread=True, group="answers", exit_on_error=False)
    def action_save_answers(self) -> None:
        """Every choice made so far, for `--answers FILE` to replay (secrets are not in it).
        The toast names the absolute path: a relative one says nothing about where it went."""
        path = self.answers_path.absolute()
        try:
            self.choices.save(path)
        except OSError as error:
            self.call_from_thread(self.notify, f"Could not save {path}: {error.strerror} "
                                  "(--answers FILE saves elsewhere)", severity="error",
                                  markup=False)
            return
        self.saved_choices = self.choices.to_dict()
        self.call_from_thread(self.notify, f"Saved the answers to {path}", markup=False)

    def keep_applied_choices(self, outcomes: list[StepOutcome]) -> None:
        """From the apply worker: the choices it acted on go beside the journal."""
        try:
            record_applied(self.host, self.choices, outcomes)
        except OSError as error:  # the apply happened: say so, and that the record is missing
            self.call_from_thread(self.notify, "The applied choices were not kept: "
                                  f"{error.strerror}", severity="warning", markup=False)

"""Planned changes: every change the wizard makes is a Step that can be shown, applied, undone."""

from wizard.steps.engine import PlanEntry, StepOutcome, apply_steps, preview
from wizard.steps.step import FileRemove, FileWrite, RunCommand, Step
from wizard.steps.undo import undo_all, undo_preview

__all__ = ["FileRemove", "FileWrite", "PlanEntry", "RunCommand", "Step", "StepOutcome",
           "apply_steps", "preview", "undo_all", "undo_preview"]

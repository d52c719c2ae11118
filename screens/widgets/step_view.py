"""A planned step as the operator reads it: why, the commands, the diffs, how to verify."""

from __future__ import annotations

from rich.console import Group
from rich.syntax import Syntax
from rich.text import Text

from wizard.i18n import _
from wizard.steps.step import Step


def render_step(step: Step, diffs: list[str] | tuple[str, ...], *, done: bool = False) -> Group:
    """Rich renderables only: external text never goes through Textual markup."""
    title = Text(step.title, style="bold")
    if done:
        title.append("  (already in place)", style="green")
    parts: list = [title, Text("Why: ", style="bold cyan") + Text(_(step.why))]
    for command in step.shell_commands:
        parts.append(Text("$ ", style="dim") + Text(command, style="bold"))
    for diff in diffs:
        parts.append(Syntax(diff.rstrip("\n"), "diff", theme="ansi_dark", word_wrap=True))
    parts.append(Text("Verify: ", style="bold cyan") + Text(step.verify))
    parts.append(Text("Undo: ", style="bold cyan") + Text(step.undo))
    if step.reboot_required:
        parts.append(Text("Takes full effect after a reboot.", style="yellow"))
    return Group(*parts)

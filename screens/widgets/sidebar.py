"""The list of wizard steps with each one's status: pass, warn, fail, or not checked yet."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from screens.flow import STEPS

_BADGES = {
    "pass": ("✔", "green"),
    "warn": ("!", "yellow"),
    "fail": ("✘", "red"),
    None: ("·", "dim"),
}


def _prompt(key: str, title: str, status: str | None) -> Text:
    badge, style = _BADGES[status]
    text = Text.assemble((f"{key} ", "dim"), title.ljust(18)[:18], " ", (badge, f"bold {style}"))
    return text


class StepSidebar(OptionList):
    """Arrows move, Enter opens; number keys work from anywhere (bound on the app)."""

    @dataclass
    class StepChosen(Message):
        step_id: str

    def __init__(self, **kwargs) -> None:
        self.statuses: dict[str, str | None] = {step.id: None for step in STEPS}
        super().__init__(*(Option(_prompt(s.key, s.title, None), id=s.id) for s in STEPS),
                         **kwargs)

    def set_status(self, step_id: str, status: str | None) -> None:
        self.statuses[step_id] = status
        index = next(i for i, s in enumerate(STEPS) if s.id == step_id)
        entry = STEPS[index]
        self.replace_option_prompt_at_index(index, _prompt(entry.key, entry.title, status))

    def select_step(self, step_id: str) -> None:
        self.highlighted = next(i for i, s in enumerate(STEPS) if s.id == step_id)

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        event.stop()
        if event.option.id:
            self.post_message(self.StepChosen(event.option.id))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id:
            self.post_message(self.StepChosen(event.option.id))

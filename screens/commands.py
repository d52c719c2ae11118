"""The ctrl+p command palette: jump to a screen, to a check by its id, or to a step of the plan.

Two hundred words of check ids are easier typed than scrolled to; the palette's fuzzy search
finds "ip_forward" or "Swap" and the jump puts the focus on that row, so the next key (space,
F1) acts on it.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

from screens.flow import STEPS


class WizardCommands(Provider):
    def _commands(self) -> list[tuple[str, Callable[[], object], str]]:
        app = self.app
        found: list[tuple[str, Callable[[], object], str]] = [
            (f"Go to {step.title}", partial(app.action_go, step.id), f"screen {step.key}")
            for step in STEPS]
        titles = {step.id: step.title for step in STEPS}
        found += [(f"Check {r.id}", partial(app.jump_to_check, r.id),
                   f"{r.status.value} on {titles.get(r.screen, r.screen)}")
                  for r in getattr(app, "results", [])]
        review = app.query_one("#review")
        found += [(f"Plan step {n}: {e.step.title}", partial(app.jump_to_plan_step, e.step.id),
                   "done already" if e.already_done else "Review & apply")
                  for n, e in enumerate(getattr(review, "entries", []), 1)]
        return found

    async def discover(self) -> Hits:
        for name, callback, help_text in self._commands():
            if name.startswith("Go to"):
                yield DiscoveryHit(name, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, callback, help_text in self._commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), callback, help=help_text)

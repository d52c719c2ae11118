"""The ctrl+p command palette: jump to a screen, to a check by its id, or to a step of the plan.

Two hundred words of check ids are easier typed than scrolled to; the palette's fuzzy search
finds "ip_forward" or "Swap" and the jump puts the focus on that row, so the next key (space,
F1) acts on it.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from textual.app import App
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.widgets import TabbedContent, TabPane

from screens.flow import STEPS
from screens.widgets.check_list import CheckList


def jump_to_check(app: App, check_id: str) -> None:
    """Show the check's page and put the cursor and the focus on its row."""
    result = next((r for r in app.results if r.id == check_id), None)
    if result is None:
        return
    app.action_go(result.screen)
    app.call_after_refresh(_select_check, app, result.screen, check_id)


async def _select_check(app: App, step_id: str, check_id: str) -> None:
    page = await app.page_shown(step_id)
    for check_list in page.query(CheckList):
        pane = next((a for a in check_list.ancestors if isinstance(a, TabPane)), None)
        if pane is not None and pane.id:
            page.query_one(TabbedContent).active = pane.id
        if check_list.select(check_id):
            return


def jump_to_plan_step(app: App, step_id: str) -> None:
    app.action_go("review")
    # after the palette has closed and the page is laid out: only then can it scroll
    app.set_timer(0.05, partial(_show_plan_step, app, step_id))


async def _show_plan_step(app: App, step_id: str) -> None:
    review = await app.page_shown("review")
    review.call_after_refresh(review.show_step, step_id)


class WizardCommands(Provider):
    def _commands(self) -> list[tuple[str, Callable[[], object], str]]:
        app = self.app
        found: list[tuple[str, Callable[[], object], str]] = [
            (f"Go to {step.title}", partial(app.action_go, step.id), f"screen {step.key}")
            for step in STEPS]
        titles = {step.id: step.title for step in STEPS}
        found += [(f"Check {r.id}", partial(jump_to_check, app, r.id),
                   f"{r.status.value} on {titles.get(r.screen, r.screen)}")
                  for r in getattr(app, "results", [])]
        found += [(f"Plan step {n}: {e.step.title}", partial(jump_to_plan_step, app, e.step.id),
                   "done already" if e.already_done else "Review & apply")
                  for n, e in enumerate(getattr(app, "plan_entries", []), 1)]
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

"""A step page not shown yet: its module is imported and the page mounted the first time it is
shown.

Only the first page is built before the first frame; the six others (their modules, about 250
widgets to style, the routing table's machinery) cost more than Textual's own start-up, and
most sessions never open some of them. The page, once built, is given the app's latest check
results (the stand-in ignores them).
"""

from __future__ import annotations

from importlib import import_module

from textual.widget import Widget
from textual.widgets import ContentSwitcher

from screens.flow import StepEntry
from screens.page import StepPage
from wizard.checks.base import CheckResult


def page_class(entry: StepEntry) -> type[StepPage]:
    module, name = entry.page.split(":")
    page = getattr(import_module(module), name)
    assert issubclass(page, StepPage) and entry.id == page.STEP_ID, entry
    return page


class PendingPage(Widget):
    """Stands where the step's page will be, with the page's id."""

    def __init__(self, entry: StepEntry) -> None:
        super().__init__(id=entry.id)
        self.entry = entry
        self.STEP_ID = entry.id

    @property
    def build_pending(self) -> bool:
        """Shown, so about to be replaced by its page (tests wait for it to settle)."""
        return self.display

    def show_results(self, results: list[CheckResult]) -> None:
        """Nothing to show yet: the page gets the latest results when it is built."""

    def on_show(self) -> None:
        """Shown some other way than the app's navigation (the sidebar, a test setting the
        switcher). The app's message loop does it: this widget's own ends with it."""
        self.app.call_later(self.app.page_shown, self.entry.id)

    async def replace(self) -> StepPage:
        """Mount the real page in this one's place (the app makes sure it happens once)."""
        app, switcher = self.app, self.parent
        assert isinstance(switcher, ContentSwitcher)
        page = page_class(self.entry)(id=self.entry.id)
        page.display = switcher.current == self.entry.id
        index = switcher.children.index(self)
        with app.batch_update():
            await self.remove()
            await switcher.mount(page, before=index if index < len(switcher.children) else None)
        results: list[CheckResult] = getattr(app, "results", [])
        if results:  # the checks have run (else the page gets them when they finish)
            page.show_results([r for r in results if r.screen == self.entry.id])
        return page

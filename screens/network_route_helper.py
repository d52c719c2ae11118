"""The Network page's route helper: the Add route tab's form, built only when it is wanted
(it reads the whole table when it mounts), and its steps applied through the app.

A mixin of NetworkPage, which provides the tabs and the Adapters panel's "add a route" button.
"""

from __future__ import annotations

from textual import work
from textual.containers import VerticalScroll
from textual.widgets import TabbedContent
from textual.worker import WorkerCancelled, WorkerFailed

from screens.widgets.route_form import RouteForm
from wizard.checks.answer_routes import route_choice
from wizard.network.ssh_guard import GuardedPlan
from wizard.steps.step import Step


class RouteHelperActions:
    """Mixed into NetworkPage (a Widget)."""

    async def on_adapters_panel_add_route_wanted(self) -> None:
        """Open the helper with the cursor in its first field (the form must exist first)."""
        mounting = self._ensure_route_form()
        if mounting is not None:
            await mounting
        # Let go of the pressed button first: a focused widget that gets hidden hands the focus
        # to the next one in the chain, which would race the focus below.
        self.app.set_focus(None)
        self.query_one(TabbedContent).active = "tab-add-route"
        destination = self.query_one("#route-dst")
        self.call_after_refresh(destination.focus)

    def on_tabbed_content_tab_activated(self, event: TabbedContent.TabActivated) -> None:
        if event.pane.id == "tab-add-route":
            self._ensure_route_form()

    def _ensure_route_form(self):
        """The form reads the whole table when it mounts: only once it is wanted."""
        box = self.query_one("#route-form-box", VerticalScroll)
        return None if box.children else box.mount(RouteForm(self.app.host))

    def on_route_form_submitted(self, event: RouteForm.Submitted) -> None:
        event.stop()
        self._apply_route(event.form, event.steps, event.guard)

    @work(group="route-apply", exit_on_error=False)
    async def _apply_route(self, form: RouteForm, steps: list[Step],
                           guard: GuardedPlan | None) -> None:
        """Apply through the app (progress, journal, re-check), then let the form re-read
        the host and, over SSH, ask to keep the change before it reverts itself."""
        try:
            await self.app.apply_plan(steps).wait()
        except (WorkerCancelled, WorkerFailed):
            return
        # The route is one of the operator's choices now: saved with the answers and replayed
        # (as a check with this fix) on the next node.
        self.app.choices.remember_route(route_choice(form.request()), form.op)
        form.reload()
        if guard is not None:
            form.confirm_or_revert(guard)

"""The wizard's App: sidebar of steps, host header, one page per step, lessons on F1."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING

from textual import events, on
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import ContentSwitcher, Footer

from screens.answers import AnswersActions
from screens.apply_flow import ApplyActions
from screens.check_flow import CheckActions
from screens.commands import WizardCommands
from screens.dialogs.confirm import ConfirmDialog
from screens.dialogs.too_small import TooSmallScreen, too_small
from screens.flow import STEPS
from screens.page import StepPage
from screens.pending_page import PendingPage, page_class
from screens.widgets.check_list import CheckList
from screens.widgets.host_banner import HostBanner
from screens.widgets.sidebar import StepSidebar
from wizard import i18n
from wizard.checks.base import CheckResult
from wizard.host.base import Host
from wizard.kube.versions import resolve_minor
from wizard.model import WizardChoices
from wizard.resources import asset, lesson
from wizard.steps.applied import default_answers_path, starting_choices
from wizard.steps.engine import PlanEntry

if TYPE_CHECKING:
    from wizard.steps.summary import ApplySummary

_PAGE_ACTIONS = frozenset({"go", "recheck", "apply", "cluster", "lesson", "reboot_demo"})


class WizardApp(AnswersActions, ApplyActions, CheckActions, App[int]):
    TITLE = "kubeadm-wizard"
    CSS_PATH = str(asset("tcss", "wizard.tcss"))
    COMMANDS = App.COMMANDS | {WizardCommands}
    COMMAND_PALETTE_BINDING = "ctrl+p"
    BINDINGS = [
        *(Binding(step.key, f"go('{step.id}')", step.title, show=False) for step in STEPS),
        Binding("f1", "lesson", "Lesson"),
        Binding("r", "recheck", "Re-check"),
        Binding("a", "apply", "Apply", show=False),
        Binding("ctrl+s", "save_answers", "Save"),
        Binding("c", "cluster", "Cluster"),
        Binding("ctrl+b", "reboot_demo", "Reboot"),
        Binding("ctrl+l", "switch_language", "English/한국어", show=False),
        Binding("ctrl+q,q", "quit", "Quit"),
    ]

    def __init__(self, host: Host, choices: WizardChoices | None = None, *,
                 screen: str | None = None, answers_path: Path | None = None,
                 inventory: Path | None = None, answers_problems: str = "",
                 started_from: str = "the defaults") -> None:
        """Without `choices`, the session starts where the core says (the last apply's, or
        the defaults); without `answers_path`, ctrl+s saves into the host's state directory.
        `answers_problems`: why an answers file was not used (a dialog on mount says it, and
        that the session started from `started_from`)."""
        super().__init__()
        self.inventory = inventory
        self.host = host
        if choices is None:
            start = starting_choices(host, tolerant=True)
            choices, started_from = start.choices, start.origin
            answers_problems = answers_problems or "\n".join(start.problems)
        self.choices = choices
        self.answers_path = answers_path or default_answers_path(host)
        self.answers_problems = answers_problems
        self.started_from = started_from
        self.first_step = screen or STEPS[0].id
        self.results: list[CheckResult] = []
        self.plan: dict[str, PlanEntry] = {}
        self.applying = False
        self.last_apply: tuple[list, list] | None = None
        """The steps of the last apply and their outcomes, for Review to say what is left."""
        self.plan_entries: list[PlanEntry] = []
        """The plan Review shows (kept here: Review may not have been built yet)."""
        self.apply_summary: ApplySummary | None = None
        """What the last apply changed and what is left, once the checks after it ran."""
        self._page_builds: dict[str, asyncio.Future[StepPage]] = {}
        self.saved_choices = self.choices.to_dict()
        """The choices as last loaded or saved: quitting with others asks first."""

    @property
    def wizard_screen(self) -> Screen:
        """The screen with the sidebar and the pages. Workers report while a lesson, a dialog
        or the Cluster screen is on top, and App.query_one would search that one instead."""
        return self.screen_stack[0]

    @property
    def target_version(self) -> str:
        return f"1.{resolve_minor(self.choices.kubernetes_version)}"

    def compose(self) -> ComposeResult:
        yield HostBanner(id="host-banner")
        with Horizontal(id="main"):
            yield StepSidebar(id="sidebar")
            with ContentSwitcher(id="pages", initial=self.first_step):
                for step in STEPS:  # the others are imported and built when first shown
                    yield (page_class(step)(id=step.id) if step.id == self.first_step
                           else PendingPage(step))
        # 80 columns: compact, so a table's keys and the app's all fit; ctrl+p is in the README
        yield Footer(show_command_palette=False, compact=True)

    def on_mount(self) -> None:
        self.refresh_banner()
        sidebar = self.wizard_screen.query_one(StepSidebar)
        sidebar.select_step(self.first_step)
        sidebar.focus()
        self.start_first_checks(self.mounted_page(self.first_step))
        if self.inventory is not None:
            self.action_cluster()
        self._check_size(self.size.width, self.size.height)
        self.announce_start()

    def on_resize(self, event: events.Resize) -> None:
        self._check_size(event.size.width, event.size.height)

    def _check_size(self, width: int, height: int) -> None:
        """Below 80x24 a notice covers the wizard; it goes once the terminal is large enough."""
        notice = next((s for s in self.screen_stack if isinstance(s, TooSmallScreen)), None)
        if too_small(width, height):
            if notice is None:
                self.push_screen(TooSmallScreen(width, height))
            else:
                notice.update_size(width, height)
        elif notice is not None and self.screen is notice:
            self.pop_screen()

    def refresh_banner(self) -> None:
        banner = self.wizard_screen.query_one(HostBanner)
        banner.show(self.host, self.target_version, self.choices.role)

    def target_changed(self) -> None:
        """The role or the Kubernetes version changed: every check depends on them."""
        self.refresh_banner()
        self.action_recheck()

    @property
    def current_step(self) -> str:
        return self.wizard_screen.query_one("#pages", ContentSwitcher).current or STEPS[0].id

    # ------------------------------------------------------------------ navigation
    def action_go(self, step_id: str) -> None:
        """Show a page and put the focus in it, so that the next key acts on what is shown
        (left in a hidden page, space would change a plan nobody can see)."""
        self.wizard_screen.query_one(StepSidebar).select_step(step_id)
        self.wizard_screen.query_one("#pages", ContentSwitcher).current = step_id
        self.call_after_refresh(self._focus_page, step_id)

    async def page_shown(self, step_id: str) -> StepPage:
        """The step's page, imported and built now if it had not been shown before (once,
        however many ask while it is being built)."""
        building = self._page_builds.get(step_id)
        if building is None:
            page = self.wizard_screen.query_one(f"#{step_id}")
            if isinstance(page, StepPage):
                return page
            assert isinstance(page, PendingPage)
            building = self._page_builds[step_id] = asyncio.ensure_future(page.replace())
        return await asyncio.shield(building)

    def mounted_page(self, step_id: str) -> StepPage | None:
        """The step's page if it has been built (the results and the plan wait otherwise)."""
        page = next(iter(self.wizard_screen.query(f"#{step_id}")), None)
        return page if isinstance(page, StepPage) else None

    async def _focus_page(self, step_id: str) -> None:
        page = await self.page_shown(step_id)
        inside = next((w for w in self.screen.focus_chain if page in w.ancestors), None)
        if inside is not None:
            inside.focus()
        elif self.focused is not None and page not in self.focused.ancestors:
            self.wizard_screen.query_one(StepSidebar).focus()

    @on(StepSidebar.StepChosen)
    def _step_chosen(self, event: StepSidebar.StepChosen) -> None:
        self.wizard_screen.query_one("#pages", ContentSwitcher).current = event.step_id

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Keys that act on the step pages work only while those pages are what is shown
        (not under the Cluster screen, a lesson or a dialog); the Cluster key exists only
        when there is an inventory to show."""
        if action in _PAGE_ACTIONS and self.screen is not self.screen_stack[0]:
            return False
        if action == "reboot_demo":  # only a simulated host can be rebooted from here
            return self.host.kind == "demo" and not self.applying
        return self.inventory is not None if action == "cluster" else True

    def action_cluster(self) -> None:
        from screens.cluster import ClusterScreen

        if self.inventory is not None:
            self.push_screen(ClusterScreen(self.inventory))

    def action_reboot_demo(self) -> None:
        from screens.dialogs.reboot import RebootDialog
        from wizard.host.simulated import SimulatedHost

        if isinstance(self.host, SimulatedHost):
            self.push_screen(RebootDialog(self.host),
                             callback=lambda booted: self.action_recheck() if booted else None)

    def action_lesson(self) -> None:
        from screens.help import LessonScreen  # Markdown's parser: not needed to start

        self.push_screen(LessonScreen(lesson(self.current_step, i18n.current_language())))

    def action_switch_language(self) -> None:
        """Lessons and whys are shown in the other language; the re-check redraws every pane."""
        i18n.set_language("ko" if i18n.current_language() == "en" else "en")
        self.notify("한국어" if i18n.current_language() == "ko" else "English")
        self.action_recheck()

    # ----------------------------------------------------------------------- checks
    @on(CheckList.FixToggled)
    def _toggle_fixes(self, event: CheckList.FixToggled) -> None:
        """Take the fixes out of the plan if they are all in it, else put them all in."""
        step_ids = {step.id for result in event.results for step in result.fixes}
        skipped = set(self.choices.skipped_fixes)
        if step_ids - skipped:
            skipped |= step_ids
            verb = "taken out of"
        else:
            skipped -= step_ids
            verb = "added to"
        self.choices.skipped_fixes = sorted(skipped)
        self.notify(f"{len(step_ids)} fix step(s) {verb} the plan.")
        self.run_checks()

    async def action_quit(self) -> None:
        """Quit, but never silently past a running apply or choices not yet saved."""
        if self.applying:
            question = ("An apply is running: quitting now stops it between steps and leaves "
                        "the journal for `kubeadm-wizard undo`. Quit anyway?")
        elif self.choices.to_dict() != self.saved_choices:
            question = "Your choices are not saved (ctrl+s saves them). Quit without saving?"
        else:
            self.exit()
            return
        self.push_screen(ConfirmDialog(question, yes="Quit"),
                         callback=lambda yes: self.exit() if yes else None)


def run_app(host: Host, choices: WizardChoices | None = None, *, screen: str | None = None,
            answers_path: Path | None = None, inventory: Path | None = None,
            answers_problems: str = "", started_from: str = "the defaults") -> int:
    host.identity  # noqa: B018  read before the UI starts: the header needs it on mount
    return WizardApp(host, choices, screen=screen, answers_path=answers_path,
                     inventory=inventory, answers_problems=answers_problems,
                     started_from=started_from).run() or 0

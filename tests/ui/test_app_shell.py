"""The app shell on every demo host: sidebar statuses, navigation, lessons, read-only mode."""

from __future__ import annotations

import pytest
from textual.widgets import ContentSwitcher, MarkdownViewer

from screens.flow import STEPS
from screens.help import LessonScreen
from screens.widgets.host_banner import HostBanner
from screens.widgets.sidebar import StepSidebar

DEMOS = ("rpi4-bookworm", "ubuntu-vagrant", "ready")


@pytest.mark.parametrize("demo", DEMOS)
async def test_every_step_is_reachable_with_number_keys(demo_app, demo, settle):
    app = demo_app(demo)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        switcher = app.query_one("#pages", ContentSwitcher)
        for step in STEPS:
            await pilot.press(step.key)
            assert switcher.current == step.id
        # A number key puts the focus in the page; the arrows walk the sidebar once it has it.
        await pilot.press("1")
        app.query_one(StepSidebar).focus()
        await pilot.press("down", "down")
        assert switcher.current == "bridge"


@pytest.mark.parametrize("demo", DEMOS)
async def test_sidebar_shows_a_status_for_every_checked_step(demo_app, demo, settle):
    app = demo_app(demo)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        statuses = app.query_one(StepSidebar).statuses
        assert statuses["requirements"] in ("pass", "warn", "fail")
        assert statuses["review"] in ("pass", "warn")
        if demo == "ready":
            assert statuses["requirements"] == "pass"
        else:
            assert statuses["requirements"] == "fail"
            assert statuses["review"] == "warn"


async def test_header_names_the_host(demo_app, settle):
    app = demo_app("rpi4-bookworm")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        text = str(app.query_one(HostBanner).render())
        assert "raspberrypi" in text and "demo rpi4-bookworm" in text


async def test_f1_opens_the_lesson_of_the_current_screen(demo_app, settle):
    app = demo_app("ready", screen="bridge")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("f1")
        assert isinstance(app.screen, LessonScreen)
        assert "br_netfilter" in app.screen.markdown
        assert app.screen.query_one(MarkdownViewer)
        await pilot.press("escape")
        assert not isinstance(app.screen, LessonScreen)


async def test_checks_that_finish_under_an_open_lesson_still_reach_the_pages(demo_app, settle):
    """Workers report whenever they are done; a lesson (or any dialog) on top must not make
    the app look for the sidebar and the pages on that screen (it crashed on a slow host)."""
    app = demo_app("rpi4-bookworm")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f1")  # before the first check run has reported
        assert isinstance(app.screen, LessonScreen)
        await settle(app, pilot)
        app.action_recheck()
        await settle(app, pilot)
        assert isinstance(app.screen, LessonScreen)
        assert app.wizard_screen.query_one(StepSidebar).statuses["requirements"] == "fail"


async def test_screen_option_opens_on_that_step(demo_app, settle):
    app = demo_app("ready", screen="network")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        assert app.query_one("#pages", ContentSwitcher).current == "network"


async def test_not_root_is_read_only_and_says_so(tmp_path, settle):
    from screens.app import WizardApp
    from wizard.host.simulated import SimulatedHost

    host = SimulatedHost("rpi4-bookworm", scratch=tmp_path / "pi")
    host.state["is_root"] = False
    app = WizardApp(host)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        assert "READ-ONLY" in str(app.query_one(HostBanner).render())
        await pilot.press("a")
        await pilot.pause()
        assert app.screen is app.screen_stack[0]


async def test_ctrl_s_saves_the_answers_for_replay(tmp_path, settle):
    from screens.app import WizardApp
    from wizard.host.simulated import SimulatedHost
    from wizard.model import WizardChoices

    answers = tmp_path / "answers.yaml"
    app = WizardApp(SimulatedHost("ready", scratch=tmp_path / "demo"), answers_path=answers)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        app.choices.role = "worker"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
    assert WizardChoices.load(answers).role == "worker"

"""Review's "Step through" at 80x24: the apply waits after each step with what ran, the diff
and the verify output, until Enter (Esc stops it); `e` exports the handout (issue 12 §3)."""

from __future__ import annotations

import asyncio
import io

from rich.console import Console
from textual.widgets import Checkbox, Log, Static

from screens.dialogs.confirm import ConfirmDialog
from screens.review import ReviewPage
from screens.widgets.narration_panel import NarrationPanel
from wizard.steps.journal import Journal

SIZE = (80, 24)


def text_of(static: Static) -> str:
    console = Console(width=200, file=io.StringIO(), record=True)
    console.print(static.content)
    return console.export_text()


def begun(app) -> list[str]:
    return [e["step"] for e in Journal(app.host).entries() if e["event"] == "step-begin"]


async def until(pilot, condition, what: str) -> None:
    for _ in range(200):
        if condition():
            return
        await pilot.pause(0.05)
    raise AssertionError(f"never: {what}")


async def start_stepped_apply(app, pilot, settle) -> NarrationPanel:
    await settle(app, pilot)
    await pilot.press("7")  # the focus goes into the Review page, whose keys s and e are
    await pilot.pause()
    box = app.query_one("#step-through", Checkbox)
    assert not box.value
    await pilot.press("s")
    await pilot.pause()
    assert box.value
    region = box.region
    assert region.width > 0 and region.right <= SIZE[0] and region.bottom <= SIZE[1], \
        "the toggle must be visible at 80x24"
    await pilot.press("a")
    await pilot.pause()
    assert isinstance(app.screen, ConfirmDialog)
    await pilot.press("left", "enter")  # from Cancel to the yes button
    panel = app.query_one(NarrationPanel)
    await until(pilot, lambda: panel.display, "the narration panel is shown")
    return panel


async def test_step_through_pauses_with_verify_output_until_enter(demo_app, settle):
    app = demo_app("rpi4-bookworm", screen="review")
    async with app.run_test(size=SIZE) as pilot:
        panel = await start_stepped_apply(app, pilot, settle)
        body = panel.query_one("#narration-body", Static)
        first = text_of(body)
        assert "Step 1/" in first and "applied" in first
        assert "Verify: systemctl is-enabled dphys-swapfile" in first
        assert "$ systemctl is-enabled dphys-swapfile" in first and "  disabled" in first
        assert app.focused is panel
        await pilot.pause(0.3)
        assert app.applying and begun(app) == ["swap-dphys-swapfile"], "it must wait"

        await pilot.press("enter")
        await until(pilot, lambda: panel.display and "Step 1/" not in text_of(body),
                    "the next step is narrated")
        second = text_of(body)
        assert "What changed" in second and "cmdline.txt" in second
        assert len(begun(app)) == 2

        await pilot.press("s")  # off again: the rest runs without pausing
        await pilot.press("n")
        await settle(app, pilot)
        assert not app.applying and not panel.display
        assert "applied" in "\n".join(app.query_one(Log).lines)
        assert len(begun(app)) > 3


async def test_escape_stops_the_apply_after_the_step_shown(demo_app, settle):
    app = demo_app("rpi4-bookworm", screen="review")
    async with app.run_test(size=SIZE) as pilot:
        await start_stepped_apply(app, pilot, settle)
        await pilot.press("escape")
        await settle(app, pilot)
        assert not app.applying
        assert begun(app) == ["swap-dphys-swapfile"]
        summary = text_of(app.query_one(ReviewPage).query_one("#apply-summary", Static))
        assert "not run: the apply stopped before it" in summary


async def test_e_exports_the_handout_into_the_state_dir(demo_app, settle):
    app = demo_app("rpi4-bookworm", screen="review")
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("7")
        await pilot.press("e")
        await pilot.pause()
        assert any("Nothing to export yet" in n.message for n in app._notifications)
        await pilot.press("a")
        await pilot.pause()
        await pilot.press("left", "enter")  # from Cancel to the yes button
        await settle(app, pilot)
        await pilot.press("7")
        await pilot.press("e")
        await settle(app, pilot)
        written = [n.message for n in app._notifications if "Handout written to" in n.message]
        assert written
        path = written[-1].split("Handout written to ", 1)[1]
        handouts = sorted(app.host.path(app.host.state_dir).glob("handout-*.md"))
        assert [str(p) for p in handouts] == [path] and path.startswith("/")
        text = handouts[0].read_text(encoding="utf-8")
        assert "# kubeadm-wizard apply: a handout" in text and "```diff" in text
        assert "$ systemctl is-enabled dphys-swapfile" in text


async def test_quitting_during_a_pause_ends_the_apply_there(demo_app, settle):
    app = demo_app("rpi4-bookworm", screen="review")
    async with app.run_test(size=SIZE) as pilot:
        await start_stepped_apply(app, pilot, settle)
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog) and "apply is running" in app.screen.question
        await pilot.press("left", "enter")  # from Cancel to the yes button
        await pilot.pause()
    assert app.return_code == 0
    for _ in range(50):  # the worker sees the cancel within its 0.1 s poll
        if not any(w.is_running for w in app.workers):
            break
        await asyncio.sleep(0.05)
    assert begun(app) == ["swap-dphys-swapfile"], "nothing after the pause may run"

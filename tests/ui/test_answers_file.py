"""The answers file around a TUI session: where ctrl+s saves (§7), a bad file given to the TUI
(§2), and an apply that the next session starts from (§1b). Pilot at 80x24 on demo hosts."""

from __future__ import annotations

import pytest
from textual.widgets import Input

from screens.app import WizardApp
from screens.dialogs.answers_problems import AnswersProblemsDialog
from wizard.cli import main
from wizard.host.simulated import SimulatedHost
from wizard.model import WizardChoices
from wizard.steps.applied import APPLIED_NAME, default_answers_path


def record_notices(app: WizardApp) -> list[str]:
    """The toasts' texts, as the operator reads them (the real notify still runs)."""
    seen: list[str] = []
    notify = app.notify

    def recording(message, **kwargs):
        seen.append(message)
        return notify(message, **kwargs)

    app.notify = recording
    return seen


async def test_ctrl_s_saves_in_the_state_directory_and_names_the_absolute_path(
        tmp_path, monkeypatch, settle):
    monkeypatch.chdir(tmp_path)  # the terminal's directory: nothing may land here
    host = SimulatedHost("ready", scratch=tmp_path / "demo")
    app = WizardApp(host)
    notices = record_notices(app)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        app.choices.node_name = "node-7"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
    saved = host.path(f"{host.state_dir}/answers.yaml")
    assert saved.is_absolute() and saved.is_relative_to(tmp_path / "demo" / "root")
    assert WizardChoices.load(saved).node_name == "node-7"
    assert f"Saved the answers to {saved}" in notices
    assert sorted(p.name for p in tmp_path.iterdir()) == ["demo"]


async def test_a_relative_answers_path_is_shown_absolute(tmp_path, monkeypatch, settle):
    monkeypatch.chdir(tmp_path)
    from pathlib import Path

    app = WizardApp(SimulatedHost("ready", scratch=tmp_path / "demo"),
                    answers_path=Path("mine.yaml"))
    notices = record_notices(app)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("ctrl+s")
        await settle(app, pilot)
    assert f"Saved the answers to {tmp_path / 'mine.yaml'}" in notices


BAD = 'kubernetes_version: 1.30\npod_subnet: 1\nrole: worker\nfavourite_cni: weave\n'


@pytest.fixture
def tui_from_the_command_line(monkeypatch):
    """`kubeadm-wizard ARGS` up to the point where it starts the App: the App itself is then
    run under Pilot (no terminal here, so the terminal test is answered yes)."""
    started: dict = {}

    def run_app(host, choices, **kwargs):
        started.update(host=host, choices=choices, **kwargs)
        return 0

    monkeypatch.setattr("sys.stdin.isatty", lambda: True, raising=False)
    monkeypatch.setattr("sys.stdout.isatty", lambda: True, raising=False)
    monkeypatch.setattr("screens.app.run_app", run_app)

    def launch(*args: str) -> WizardApp:
        assert main(list(args)) == 0
        host, choices = started.pop("host"), started.pop("choices")
        return WizardApp(host, choices, **started)

    return launch


async def test_a_bad_answers_file_in_the_tui_lists_every_problem_and_is_never_overwritten(
        tmp_path, tui_from_the_command_line, settle):
    bad = tmp_path / "bad.yaml"
    bad.write_text(BAD)
    app = tui_from_the_command_line("--demo", "ready", "--answers", str(bad))
    notices = record_notices(app)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        dialog = app.screen
        assert isinstance(dialog, AnswersProblemsDialog)
        shown = str(dialog.query_one("#answers-problems-text").content).splitlines()
        assert shown == [
            f'{bad}:1: kubernetes_version: 1.3 is a number; write "1.30" in quotes',
            f"{bad}:2: pod_subnet: 1 is a number; write \"1\" in quotes",
            f"{bad}:4: favourite_cni: unknown answer"]
        saves_to = default_answers_path(app.host)
        assert str(saves_to) in str(dialog.query_one("#answers-problems-next").content)
        assert "the defaults" in str(dialog.query_one("#answers-problems-next").content)
        await pilot.press("enter")
        assert app.screen is app.screen_stack[0]
        assert app.choices == WizardChoices()  # nothing of the file, not even its valid role
        await pilot.press("ctrl+s")
        await settle(app, pilot)
    assert bad.read_text() == BAD
    assert WizardChoices.load(saves_to) == WizardChoices()
    assert f"Saved the answers to {saves_to}" in notices


def test_the_subcommands_still_exit_2_on_the_bad_file(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text(BAD)
    for command in ("check", "plan", "apply"):
        assert main([command, "--demo", "ready", "--answers", str(bad)]) == 2
        err = capsys.readouterr().err
        assert f"{bad}:4: favourite_cni: unknown answer" in err and "Traceback" not in err


async def test_a_good_answers_file_opens_no_dialog_and_is_saved_back_to(
        tmp_path, tui_from_the_command_line, settle):
    good = tmp_path / "good.yaml"
    WizardChoices(role="worker").save(good)
    app = tui_from_the_command_line("--demo", "ready", "--answers", str(good))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        assert app.screen is app.screen_stack[0]
        assert app.answers_path == good and app.choices.role == "worker"


@pytest.mark.parametrize("demo", ["ready", "rpi4-bookworm", "ubuntu-vagrant"])
async def test_apply_then_relaunch_plans_nothing(demo, tui_from_the_command_line, settle):
    """Make a choice on a screen (the host-only address on ubuntu-vagrant, the pod range
    elsewhere), apply everything; the next session (no --answers) starts from what was
    applied, so its plan is empty and the choice is still made."""
    quiet = ("network-monitor",)
    app = tui_from_the_command_line("--demo", demo, "--demo-reset", "--screen", "network")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot, ignore_groups=quiet)
        if demo == "ubuntu-vagrant":
            await pilot.click("#use-suggested")
            chosen = {"advertise_address": "192.168.56.10"}
        else:
            await pilot.press("6")
            app.query_one("#subnet-pod", Input).value = "10.32.0.0/16"  # as typing does
            chosen = {"pod_subnet": "10.32.0.0/16"}
        await settle(app, pilot, ignore_groups=quiet)
        assert {key: getattr(app.choices, key) for key in chosen} == chosen
        await pilot.press("a")
        await pilot.press("left", "enter")  # from Cancel to the yes button
        await settle(app, pilot, ignore_groups=quiet)
        assert app.last_apply is not None
        assert not any(o.failed for o in app.last_apply[1])
        record = app.host.path(f"{app.host.state_dir}/{APPLIED_NAME}")
        assert WizardChoices.load(record) == app.choices

    again = tui_from_the_command_line("--demo", demo)
    notices = record_notices(again)
    async with again.run_test(size=(80, 24)) as pilot:
        await settle(again, pilot, ignore_groups=quiet)
        assert {key: getattr(again.choices, key) for key in chosen} == chosen
        pending = [e.step.id for e in again.plan_entries if not e.already_done]
        assert pending == []
        assert f"Starting from the choices of the last apply ({record})." in notices


async def test_a_damaged_apply_record_is_shown_too_and_the_session_starts_from_defaults(
        tmp_path, tui_from_the_command_line, settle):
    app = tui_from_the_command_line("--demo", "ready", "--demo-reset")
    record = app.host.path(f"{app.host.state_dir}/{APPLIED_NAME}")
    record.parent.mkdir(parents=True, exist_ok=True)
    record.write_text("role: boss\n")
    app = tui_from_the_command_line("--demo", "ready")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        assert isinstance(app.screen, AnswersProblemsDialog)
        assert (str(app.screen.query_one("#answers-problems-text").content)
                == f"{record}:1: role: 'boss' must be one of control-plane, worker")
        assert app.choices == WizardChoices()


async def test_an_apply_whose_record_cannot_be_written_still_finishes_and_says_so(
        tmp_path, monkeypatch, settle):
    """A full disk is simulated (a stand-in for record_applied that raises ENOSPC: nothing
    here can fill a disk safely); the apply's end must still be shown."""
    def full_disk(*_args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("screens.answers.record_applied", full_disk)
    app = WizardApp(SimulatedHost("rpi4-bookworm", scratch=tmp_path / "demo"))
    notices = record_notices(app)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("a")
        await pilot.press("left", "enter")  # from Cancel to the yes button
        await settle(app, pilot)
        assert app.last_apply is not None
    assert "The applied choices were not kept: No space left on device" in notices
    assert "Applied. Re-checking the host." in notices

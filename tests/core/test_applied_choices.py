"""The choices an apply acted on stay with the journal and start the next session (issue 10 §1b).

Driven through the CLI on the ubuntu-vagrant demo (a scratch copy per test): the operator
chooses the host-only address 192.168.56.10, applies, and a `plan` without --answers must not
take the advertiseAddress / node-ip back out of the kubeadm configuration.
"""

from __future__ import annotations

import json

import pytest
import yaml

from wizard.cli import main
from wizard.host.simulated import SimulatedHost
from wizard.model import AnswersError, WizardChoices
from wizard.steps.applied import (
    APPLIED_NAME,
    applied_choices,
    record_applied,
    starting_choices,
)
from wizard.steps.engine import StepOutcome

DEMO = "ubuntu-vagrant"


@pytest.fixture
def answers(tmp_path):
    path = tmp_path / "answers.yaml"
    path.write_text('advertise_address: "192.168.56.10"\nnode_name: k8s-cp-1\n')
    return path


def state_dir(cache):
    return cache / "kubeadm-wizard/demos" / DEMO / "root/var/lib/kubeadm-wizard"


def plan_ids(capsys, *extra: str) -> list[str]:
    assert main(["plan", "--demo", DEMO, "--json", *extra]) == 0
    return [e["id"] for e in json.loads(capsys.readouterr().out) if not e["already_done"]]


def apply(capsys, *extra: str) -> str:
    main(["apply", "--demo", DEMO, "--yes", *extra])
    return capsys.readouterr().out


def test_plan_right_after_apply_is_empty(capsys, isolated_cache, answers):
    main(["plan", "--demo", DEMO, "--demo-reset"])
    capsys.readouterr()
    out = apply(capsys, "--answers", str(answers))
    record = state_dir(isolated_cache) / APPLIED_NAME
    assert f"kept in {record}" in out
    assert yaml.safe_load(record.read_text())["advertise_address"] == "192.168.56.10"
    assert (state_dir(isolated_cache) / "journal.jsonl").is_file()  # beside the journal

    assert plan_ids(capsys) == []
    assert main(["plan", "--demo", DEMO]) == 0
    assert "Nothing to do" in capsys.readouterr().out


def test_answers_given_on_the_command_line_still_win(capsys, isolated_cache, answers, tmp_path):
    main(["plan", "--demo", DEMO, "--demo-reset"])
    capsys.readouterr()
    apply(capsys, "--answers", str(answers))
    defaults = tmp_path / "defaults.yaml"
    WizardChoices().save(defaults)
    # The defaults advertise kubeadm's own pick: the configuration written loses the address.
    assert main(["plan", "--demo", DEMO, "--answers", str(defaults)]) == 0
    plan = capsys.readouterr().out
    assert "-  advertiseAddress: 192.168.56.10" in plan
    # A flag goes on top of the record: only the version changes, the address stays.
    assert main(["plan", "--demo", DEMO, "--kubernetes-version", "1.35"]) == 0
    plan = capsys.readouterr().out
    assert "+kubernetesVersion: v1.35.0" in plan and "advertiseAddress" not in plan


def test_undo_sets_the_record_aside_and_the_host_starting_point_returns(
        capsys, isolated_cache, answers):
    main(["plan", "--demo", DEMO, "--demo-reset"])
    capsys.readouterr()
    fresh = plan_ids(capsys)
    apply(capsys, "--answers", str(answers))
    assert main(["undo", "--demo", DEMO, "--yes"]) == 0
    out = capsys.readouterr().out
    assert "set aside the applied choices" in out
    folder = state_dir(isolated_cache)
    assert not (folder / APPLIED_NAME).exists()
    assert len(list(folder.glob("applied-answers-*.undone.yaml"))) == 1
    assert plan_ids(capsys) == fresh


def test_a_dry_run_or_a_failed_apply_keeps_no_record(tmp_path):
    host = SimulatedHost(DEMO, scratch=tmp_path / "demo")
    choices = WizardChoices(advertise_address="192.168.56.10")
    assert record_applied(host, choices, [StepOutcome("a", "A", "dry-run")]) is None
    assert record_applied(host, choices, [StepOutcome("a", "A", "failed")]) is None
    assert record_applied(host, choices, []) is None
    assert applied_choices(host) is None
    assert starting_choices(host).choices == WizardChoices()
    path = record_applied(host, choices, [StepOutcome("a", "A", "applied"),
                                          StepOutcome("b", "B", "failed")])
    assert path is not None and applied_choices(host) == choices
    assert str(path) in starting_choices(host).origin
    assert not list(path.parent.glob("*.kw-tmp"))  # written through a temporary, renamed


def test_a_damaged_record_is_named_not_a_traceback(tmp_path):
    host = SimulatedHost(DEMO, scratch=tmp_path / "demo")
    path = record_applied(host, WizardChoices(), [StepOutcome("a", "A", "applied")])
    path.write_text("role: boss\n")
    with pytest.raises(AnswersError, match=f"{path}:1: role"):
        starting_choices(host)
    start = starting_choices(host, tolerant=True)  # the TUI: shown in a dialog, passed over
    assert start.choices == WizardChoices() and start.origin == "the defaults"
    assert start.problems == (f"{path}:1: role: 'boss' must be one of control-plane, worker",)


def test_a_bad_answers_file_falls_back_to_the_record_when_tolerant(tmp_path):
    host = SimulatedHost(DEMO, scratch=tmp_path / "demo")
    applied = WizardChoices(node_name="node-7")
    path = record_applied(host, applied, [StepOutcome("a", "A", "applied")])
    bad = tmp_path / "bad.yaml"
    bad.write_text("pod_subnet: 1\n")
    with pytest.raises(AnswersError):
        starting_choices(host, bad)
    start = starting_choices(host, bad, tolerant=True)
    assert start.choices == applied and str(path) in start.origin
    assert start.problems == (f'{bad}:1: pod_subnet: 1 is a number; write "1" in quotes',)
    good = tmp_path / "good.yaml"
    WizardChoices(role="worker").save(good)
    assert starting_choices(host, good).choices.role == "worker"  # --answers wins


def test_answers_are_saved_in_the_state_directory_or_without_root_the_user_s(
        tmp_path, monkeypatch):
    from wizard.host.base import Host
    from wizard.steps.applied import default_answers_path

    class AsRoot(Host):
        def _is_root(self) -> bool:
            return True

    class NotRoot(Host):
        def _is_root(self) -> bool:
            return False

    root = tmp_path / "root"
    root.mkdir()
    assert default_answers_path(AsRoot(root)) == root / "var/lib/kubeadm-wizard/answers.yaml"
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    assert (default_answers_path(NotRoot(root))
            == tmp_path / "state/kubeadm-wizard/answers.yaml")

"""The operator's choices: one serialisable model, saved and replayed as an answers file."""

from __future__ import annotations

import re

import pytest
import yaml

from wizard.model import AnswersError, RouteChoice, WizardChoices


def test_answers_round_trip(tmp_path):
    choices = WizardChoices(role="worker", kubernetes_version="1.33",
                            advertise_address="192.168.56.10", cni="calico",
                            routes=[RouteChoice("10.20.0.0/16", gateway="192.168.56.1")],
                            skipped_fixes=["swap-fstab"], fail_swap_on=False)
    path = tmp_path / "answers.yaml"
    choices.save(path)
    assert "token" not in path.read_text()
    assert WizardChoices.load(path) == choices


@pytest.mark.parametrize("text, message", [
    ("role: boss\n", "answers.yaml:1: role: 'boss' must be one of"),
    ("colour: blue\n", "answers.yaml:1: colour: unknown answer"),
    ("version: 9\n", "version 9 is not supported"),
    ("- a list\n", "must be a mapping"),
    ("role: [unclosed\n", "answers.yaml:2:1: not valid YAML: while parsing a flow sequence"),
    ("role: a\n  b: c\n", "answers.yaml:2:4: not valid YAML: mapping values are not allowed"),
    ("routes: [{dst: 10.0.0.0/8, nexthop: x}]\n", "routes[0].nexthop: unknown key"),
])
def test_bad_answers_say_why(tmp_path, text, message):
    path = tmp_path / "answers.yaml"
    path.write_text(text)
    with pytest.raises(AnswersError, match=re.escape(message)) as raised:
        WizardChoices.load(path)
    if "YAML" in message:  # a usage error is one line (PyYAML's own message is five)
        assert "\n" not in str(raised.value)


def test_a_missing_answers_file(tmp_path):
    with pytest.raises(AnswersError, match="cannot read"):
        WizardChoices.load(tmp_path / "nope.yaml")


def test_every_problem_is_reported_at_once_with_its_line(tmp_path):
    path = tmp_path / "answers.yaml"
    path.write_text("role: worker\n"
                    "cni: flannel\n"
                    "kubernetes_version: 1.30\n"
                    "pod_subnet: 1\n"
                    "service_subnet: 10.96.0.0/33\n"
                    "dual_stack: maybe\n"
                    "colour: blue\n"
                    "routes:\n"
                    "  - dst: 10.20.0.0/16\n"
                    "    metric: high\n")
    with pytest.raises(AnswersError) as caught:
        WizardChoices.load(path)
    assert str(caught.value).splitlines() == [
        f'{path}:3: kubernetes_version: 1.3 is a number; write "1.30" in quotes',
        f'{path}:4: pod_subnet: 1 is a number; write "1" in quotes',
        f"{path}:5: service_subnet: '10.96.0.0/33' is not a network in CIDR form "
        "('10.96.0.0/33' does not appear to be an IPv4 or IPv6 network)",
        f"{path}:6: dual_stack: must be true or false, not text",
        f"{path}:7: colour: unknown answer",
        f"{path}:10: routes[0].metric: must be a number",
    ]


def test_a_hand_written_file_that_is_right_loads(tmp_path):
    path = tmp_path / "answers.yaml"
    path.write_text('kubernetes_version: "1.30"\npod_subnet: 10.244.0.0/16,fd00:10:244::/56\n'
                    "fail_swap_on: null\nrole: worker\n")
    choices = WizardChoices.load(path)
    assert (choices.kubernetes_version, choices.role) == ("1.30", "worker")


def test_the_cli_exits_2_with_every_problem_and_no_traceback(tmp_path):
    import subprocess
    import sys

    path = tmp_path / "answers.yaml"
    path.write_text("kubernetes_version: 1.30\npod_subnet: 1\n")
    done = subprocess.run([sys.executable, "-m", "wizard", "plan", "--demo", "ready",
                           "--answers", str(path)], capture_output=True, text=True)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert f'{path}:3' not in done.stderr
    assert f'{path}:1: kubernetes_version: 1.3 is a number; write "1.30" in quotes' in done.stderr
    assert f'{path}:2: pod_subnet: 1 is a number; write "1" in quotes' in done.stderr


def test_the_example_file_for_instructors_loads_and_names_every_key():
    from dataclasses import fields

    from wizard.resources import asset

    path = asset("answers", "workshop-example.yaml")
    choices = WizardChoices.load(path)
    assert choices.kubernetes_version == "1.36"
    written = set(yaml.safe_load(path.read_text()))
    assert written == {"version"} | {f.name for f in fields(WizardChoices)}

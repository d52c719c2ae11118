"""The operator's choices: one serialisable model, saved and replayed as an answers file."""

from __future__ import annotations

import pytest

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
    ("role: boss\n", "role must be one of"),
    ("colour: blue\n", "unknown answer(s): colour"),
    ("version: 9\n", "version 9 is not supported"),
    ("- a list\n", "must be a mapping"),
    ("role: [unclosed\n", "is not valid YAML"),
    ("routes: [{dst: 10.0.0.0/8, nexthop: x}]\n", "malformed answers"),
])
def test_bad_answers_say_why(tmp_path, text, message):
    path = tmp_path / "answers.yaml"
    path.write_text(text)
    with pytest.raises(AnswersError, match=message.replace("(", r"\(").replace(")", r"\)")):
        WizardChoices.load(path)


def test_a_missing_answers_file(tmp_path):
    with pytest.raises(AnswersError, match="cannot read"):
        WizardChoices.load(tmp_path / "nope.yaml")

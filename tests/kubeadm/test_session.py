"""One kubeadm init or join as `kubeadm-wizard kubeadm` and `cluster apply` run it, on the
`ready` demo with the replaying kubeadm."""

from __future__ import annotations

import json

from wizard.host.simulated import SimulatedHost
from wizard.kubeadm.session import run_kubeadm
from wizard.model import WizardChoices


def test_a_failed_init_reports_its_phase_and_advice_in_the_summary(tmp_path):
    host = SimulatedHost("ready", scratch=tmp_path / "ready")
    host.state["kubeadm_fake"] = {"scenario": "init-preflight", "delay": 0}
    outcome = run_kubeadm(host, WizardChoices(), "init")
    summary = outcome.summary()
    assert not outcome.succeeded and summary["run"]["failed_phase"] == "preflight"
    assert summary["advice"] and all(isinstance(a, str) for a in summary["advice"])
    json.dumps(summary)  # the CLI prints it as JSON


def test_a_successful_init_writes_the_kubeadm_configuration_first(tmp_path):
    host = SimulatedHost("ready", scratch=tmp_path / "ready")
    host.state["kubeadm_fake"] = {"scenario": "init-success", "delay": 0}
    lines: list[str] = []
    outcome = run_kubeadm(host, WizardChoices(), "init", say=lines.append)
    assert outcome.succeeded and outcome.summary()["succeeded"]
    assert any("kubeadm configuration" in line for line in lines)

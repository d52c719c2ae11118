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


def test_the_replayed_init_prints_this_hosts_endpoint_not_the_recorded_machines(tmp_path):
    """The recording was made on 192.168.1.146; on `ready` (eth0 192.0.2.10, the default
    route's adapter) the join command a learner copies must point at `ready` itself."""
    host = SimulatedHost("ready", scratch=tmp_path / "ready")
    host.state["kubeadm_fake"] = {"scenario": "init-success", "delay": 0}
    outcome = run_kubeadm(host, WizardChoices(), "init")
    assert outcome.result is not None and outcome.succeeded
    assert [c.endpoint for c in outcome.result.join_commands] == ["192.0.2.10:6443"]
    output = "\n".join(outcome.result.output)
    assert "192.168.1.146" not in output and "IPs [10.96.0.1 192.0.2.10]" in output


def test_an_advertise_address_chosen_is_the_endpoint_the_replay_prints(tmp_path):
    host = SimulatedHost("ready", scratch=tmp_path / "ready")
    host.state["kubeadm_fake"] = {"scenario": "init-success", "delay": 0}
    outcome = run_kubeadm(host, WizardChoices(advertise_address="192.0.2.77"), "init")
    assert outcome.result is not None
    assert [c.endpoint for c in outcome.result.join_commands] == ["192.0.2.77:6443"]

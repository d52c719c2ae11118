"""Routes an answers file asks for: checked against the host's table, planned when missing,
and settled once applied."""

from __future__ import annotations

from wizard.checks.base import Status
from wizard.checks.runner import run_checks
from wizard.host.simulated import SimulatedHost
from wizard.model import RouteChoice, WizardChoices
from wizard.steps.engine import apply_steps


def _routes(host, choices):
    return {r.id: r for r in run_checks(host, choices) if r.id.startswith("Route-")}


def test_a_missing_route_is_planned_with_the_file_that_keeps_it_and_then_holds(tmp_path):
    host = SimulatedHost("ubuntu-vagrant", scratch=tmp_path / "demo")
    choices = WizardChoices(routes=[RouteChoice("10.20.0.0/16", gateway="192.168.56.1")])
    (missing,) = _routes(host, choices).values()
    assert missing.status is Status.FAIL and missing.observed == "not in the table"
    assert [step.id for step in missing.fixes] == ["route-add-10.20.0.0/16",
                                                   "route-add-10.20.0.0/16-persist"]
    assert [o.status for o in apply_steps(host, list(missing.fixes))] == ["applied", "applied"]
    assert "10.20.0.0/16" in host.read_text("/etc/netplan/50-vagrant.yaml")
    (held,) = _routes(host, choices).values()
    assert held.status is Status.PASS and not held.fixes


def test_a_route_this_host_refuses_says_why_and_offers_nothing(tmp_path):
    host = SimulatedHost("ubuntu-vagrant", scratch=tmp_path / "demo")
    choices = WizardChoices(routes=[RouteChoice("10.30.0.0/16", gateway="172.31.0.1"),
                                    RouteChoice("10.0.2.0/24", dev="enp0s3"),
                                    RouteChoice("10.40.0.0/33", dev="enp0s3")])
    results = _routes(host, choices)
    refused = results["Route-10.30.0.0/16"]
    assert refused.status is Status.FAIL and not refused.fixes
    assert "172.31.0.1 is not on any connected network" in refused.message
    assert results["Route-10.0.2.0/24"].status is Status.PASS  # the kernel's own route
    assert results["Route-10.40.0.0/33"].message.startswith("the answers file's route: ")


def test_no_routes_in_the_answers_no_route_checks(tmp_path):
    assert not _routes(SimulatedHost("ready", scratch=tmp_path / "demo"), WizardChoices())

"""Network screen checks on the demo hosts and variations of them: DefaultRoute,
AdvertiseAddress (kubeadm's pick against the choice, the VirtualBox NAT case) and
ClusterNetworkRoute."""

from __future__ import annotations

import os
import subprocess

import pytest

from wizard.checks.base import CheckResult, Status
from wizard.checks.network import advertise_facts, endpoint_address
from wizard.checks.runner import run_checks
from wizard.host.base import Host
from wizard.host.simulated import SimulatedHost
from wizard.model import WizardChoices


@pytest.fixture
def demo(tmp_path):
    def make(name: str) -> SimulatedHost:
        return SimulatedHost(name, scratch=tmp_path / name)

    return make


def network_results(host, **choices) -> dict[str, CheckResult]:
    results = run_checks(host, WizardChoices(**choices), screens=["network"])
    return {result.id: result for result in results}


def test_single_adapter_host_passes(demo):
    results = network_results(demo("ready"))
    assert results["DefaultRoute"].status is Status.PASS
    assert results["DefaultRoute"].observed == "default via 192.0.2.1 dev eth0 metric 0"
    assert results["AdvertiseAddress"].status is Status.PASS
    assert "kubeadm would advertise 192.0.2.10 (eth0" in results["AdvertiseAddress"].observed
    assert results["ClusterNetworkRoute"].status is Status.SKIP
    assert {r.screen for r in results.values()} == {"network"}


def test_two_default_routes_are_both_named(demo):
    result = network_results(demo("rpi4-bookworm"))["DefaultRoute"]
    assert result.observed == ("default via 192.168.0.1 dev eth0 metric 100; "
                               "also dev wlan0 metric 600")
    advertise = network_results(demo("rpi4-bookworm"))["AdvertiseAddress"]
    assert advertise.status is Status.PASS and not advertise.message  # wlan0: same network


def test_virtualbox_nat_warns_and_names_the_host_only_address(demo):
    result = network_results(demo("ubuntu-vagrant"))["AdvertiseAddress"]
    assert result.status is Status.WARN
    assert "10.0.2.15 is the VirtualBox/QEMU NAT address" in result.message
    assert result.message.endswith("choose 192.168.56.10")


def test_choosing_the_host_only_address_passes(demo):
    result = network_results(demo("ubuntu-vagrant"),
                             advertise_address="192.168.56.10")["AdvertiseAddress"]
    assert result.status is Status.PASS
    assert result.observed.startswith("you chose 192.168.56.10 (enp0s8)")


def test_a_chosen_address_that_is_not_this_hosts_fails(demo):
    result = network_results(demo("ready"), advertise_address="10.9.9.9")["AdvertiseAddress"]
    assert result.status is Status.FAIL
    assert "10.9.9.9 is not an address of this host" in result.message


def test_no_default_route_fails_and_suggests_an_address(demo):
    host = demo("ready")
    routes = host.state["network"]["routes"]
    host.state["network"]["routes"] = [r for r in routes if r["dst"] != "default"]
    results = network_results(host)
    assert results["DefaultRoute"].status is Status.WARN
    assert results["AdvertiseAddress"].status is Status.FAIL
    assert "unable to select an IP from default routes" in results["AdvertiseAddress"].message
    assert "(e.g. 192.0.2.10 on eth0)" in results["AdvertiseAddress"].message


def test_worker_reaching_the_api_server_through_another_adapter(demo):
    results = network_results(demo("ubuntu-vagrant"), role="worker",
                              join_endpoint="192.168.56.20:6443")
    advertise, route = results["AdvertiseAddress"], results["ClusterNetworkRoute"]
    assert advertise.status is Status.WARN
    assert "192.168.56.20 is reached through enp0s8, not through the default route's enp0s3" \
        in advertise.message
    assert route.status is Status.WARN
    assert route.observed == "route to 192.168.56.20 dev enp0s8 src 192.168.56.10"
    assert "choose 192.168.56.10 as the advertise address" in route.message


def test_worker_with_the_right_address_passes(demo):
    results = network_results(demo("ubuntu-vagrant"), role="worker",
                              join_endpoint="192.168.56.20:6443",
                              advertise_address="192.168.56.10")
    assert results["AdvertiseAddress"].status is Status.PASS
    assert results["ClusterNetworkRoute"].status is Status.PASS


def test_unreachable_endpoint_fails(demo):
    host = demo("ready")
    host.state["network"]["routes"].insert(0, {"type": "unreachable", "dst": "198.51.100.0/24",
                                               "flags": []})
    route = network_results(host, control_plane_endpoint="198.51.100.7:6443")[
        "ClusterNetworkRoute"]
    assert route.status is Status.FAIL
    assert "no route to the API server 198.51.100.7" in route.message


def test_a_dns_name_endpoint_is_not_judged(demo):
    route = network_results(demo("ready"), control_plane_endpoint="k8s.example.com:6443")[
        "ClusterNetworkRoute"]
    assert route.status is Status.SKIP


def test_without_a_running_system_everything_skips(make_root):
    results = network_results(make_root())
    assert {r.status for r in results.values()} == {Status.SKIP}
    assert "no live routing table" in results["DefaultRoute"].message


def test_container_bridges_are_not_candidates(demo):
    host = demo("ready")
    links = host.network.links()
    facts = advertise_facts(links, host.network.routes())
    assert [a.address for a in facts.candidates if a.family == 4] == ["192.0.2.10"]
    host.state["network"]["links"].append({"index": 9, "name": "docker0", "kind": "bridge"})
    host.state["network"]["addresses"].append(
        {"dev": "docker0", "family": 4, "address": "172.17.0.1", "prefixlen": 16})
    facts = advertise_facts(host.network.links(), host.network.routes())
    assert facts.other_networks == ()


@pytest.mark.parametrize(("endpoint", "address"), [
    ("192.168.56.10:6443", "192.168.56.10"), ("192.168.56.10", "192.168.56.10"),
    ("[fd00::10]:6443", "fd00::10"), ("k8s.example.com:6443", None), ("", None),
])
def test_endpoint_address(endpoint, address):
    assert endpoint_address(endpoint) == address


def test_a_missing_namespace_skips_and_is_not_created():
    if os.geteuid() != 0:
        pytest.skip("needs root: only root could create the namespace by mistake")
    name = f"kwt-{os.getpid()}-missing"
    try:
        results = network_results(Host("/", netns=name))
        assert {r.status for r in results.values()} == {Status.SKIP}
        assert f"network namespace '{name}' does not exist" in results["DefaultRoute"].message
        assert not os.path.exists(f"/run/netns/{name}")
    finally:
        subprocess.run(["ip", "netns", "delete", name], capture_output=True)

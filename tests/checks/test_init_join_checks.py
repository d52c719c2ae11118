"""The Init / Join checks: packages and skew, the configuration, the ranges, the join endpoint."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

import wizard.checks.init_join  # noqa: F401  (registers the Init / Join checks)
from wizard.checks.base import CheckResult, Status
from wizard.checks.runner import run_checks
from wizard.host.base import Host
from wizard.host.commands import CommandResult
from wizard.host.network import Address, NetworkView
from wizard.host.simulated import SimulatedHost
from wizard.kubeadm.endpoint_probe import probe_endpoint
from wizard.model import WizardChoices
from wizard.steps.engine import apply_steps


def versions(kubeadm: str = "v1.36.1", kubelet: str = "v1.36.1", kubectl: str = "v1.36.1"):
    """Recorded answers of the three version commands."""
    return {
        ("kubeadm", "version", "-o", "short"): CommandResult((), 0, kubeadm + "\n"),
        ("kubelet", "--version"): CommandResult((), 0, f"Kubernetes {kubelet}\n"),
        ("kubectl", "version", "--client", "-o", "json"): CommandResult(
            (), 0, json.dumps({"clientVersion": {"gitVersion": kubectl}})),
    }


def init_results(host: Host, **choices) -> dict[str, CheckResult]:
    return {r.id: r for r in run_checks(host, WizardChoices(**choices), screens=["init"])}


@pytest.fixture
def installed(make_root):
    def build(**kw) -> Host:
        return make_root(running=True, extra_tools=("kubeadm", "kubelet", "kubectl"),
                         commands=versions(**kw))

    return build


def test_matching_packages_and_versions_pass_and_the_config_is_still_to_write(installed):
    results = init_results(installed())

    assert results["KubeadmPackages"].status is Status.PASS
    assert results["KubeadmPackages"].observed == (
        "kubeadm v1.36.1, kubelet v1.36.1, kubectl v1.36.1")
    assert results["VersionSkew"].status is Status.PASS
    config = results["KubeadmConfig"]
    assert config.status is Status.WARN and config.message.endswith("is not written yet")
    assert [step.id for step in config.fixes] == ["kubeadm-config"]


def test_writing_the_config_turns_its_check_green_and_a_later_change_shows(installed):
    host = installed()
    apply_steps(host, init_results(host)["KubeadmConfig"].fixes)
    assert init_results(host)["KubeadmConfig"].status is Status.PASS
    changed = init_results(host, pod_subnet="10.32.0.0/16", cni="calico")["KubeadmConfig"]
    assert changed.status is Status.WARN and "differs from the choices" in changed.message


def test_missing_packages_fail_with_the_three_install_steps(make_root):
    results = init_results(make_root(running=True))
    packages = results["KubeadmPackages"]

    assert packages.status is Status.FAIL
    assert packages.message == "kubeadm, kubelet, kubectl not installed"
    assert [s.id for s in packages.fixes] == ["k8s-repository", "k8s-packages",
                                              "k8s-packages-hold"]
    assert results["VersionSkew"].status is Status.SKIP


def test_packages_of_another_minor_fail_and_their_hold_is_released_first(installed):
    results = init_results(installed(), kubernetes_version="1.35")
    packages = results["KubeadmPackages"]

    assert packages.status is Status.FAIL
    assert "kubeadm, kubelet, kubectl not at 1.35" in packages.message
    assert packages.fixes[1].actions[0].argv == ("apt-mark", "unhold", "kubelet", "kubeadm",
                                                 "kubectl")
    skew = results["VersionSkew"]
    assert skew.status is Status.FAIL and "newer than the control plane" in skew.message


def test_only_kubectl_out_of_step_is_a_warning(installed):
    results = init_results(installed(kubectl="v1.33.0"))

    assert results["KubeadmPackages"].status is Status.WARN
    assert "kubectl is only needed" in results["KubeadmPackages"].message
    assert results["VersionSkew"].status is Status.WARN
    assert "kubectl v1.33.0 is more than one minor" in results["VersionSkew"].message


def test_a_configuration_kubeadm_would_refuse_fails_with_its_reason(installed):
    config = init_results(installed(), pod_subnet="10.96.0.0/16")["KubeadmConfig"]

    assert config.status is Status.FAIL and "overlap" in config.message and not config.fixes


def test_a_join_is_judged_without_its_secrets_and_has_no_range_checks(installed):
    results = init_results(installed(), role="worker", join_endpoint="10.0.0.1:6443")

    assert results["KubeadmConfig"].status is Status.PASS
    assert "join form supplies the token" in results["KubeadmConfig"].message
    assert not {"PodSubnetOverlap", "ServiceSubnetOverlap", "CniSubnet"} & set(results)
    assert results["JoinEndpoint"].status is Status.SKIP  # a fixture root runs nothing
    bad = init_results(installed(), role="worker", join_endpoint="https://10.0.0.1:6443")
    assert bad["KubeadmConfig"].status is Status.FAIL


def test_ranges_are_compared_with_the_hosts_networks(installed):
    host = installed()

    class Home(NetworkView):
        def addresses(self):
            return [Address("eth0", 4, "192.168.1.20", 24)]

        def routes(self):
            from wizard.network.rtnetlink.route_table import RouteTable

            return RouteTable.from_iproute_json([{"dst": "10.0.0.0/8", "dev": "wg0"}])

    host.__dict__["network"] = Home()
    results = init_results(host, cni="calico", pod_subnet="192.168.0.0/16")

    pods = results["PodSubnetOverlap"]
    assert pods.status is Status.FAIL
    assert pods.message == ("podSubnet 192.168.0.0/16 overlaps address 192.168.1.20/24 on eth0; "
                            "172.16.0.0/16 is free")
    services = results["ServiceSubnetOverlap"]
    assert services.status is Status.FAIL and "route 10.0.0.0/8 dev wg0" in services.message
    assert results["CniSubnet"].status is Status.PASS


def test_ranges_are_skipped_with_a_reason_on_an_image(make_root):
    results = init_results(make_root())
    assert results["PodSubnetOverlap"].status is Status.SKIP
    assert "has no running network" in results["PodSubnetOverlap"].message


def test_a_cni_that_disagrees_with_the_pod_range_warns(installed):
    result = init_results(installed(), pod_subnet="10.32.0.0/16")["CniSubnet"]
    assert result.status is Status.WARN and "Flannel's manifest uses Network" in result.message


def test_the_demo_hosts_show_their_state(tmp_path: Path):
    ready = init_results(SimulatedHost("ready", scratch=tmp_path / "ready"))
    assert ready["KubeadmPackages"].status is Status.PASS
    pi = init_results(SimulatedHost("rpi4-bookworm", scratch=tmp_path / "pi"))
    assert pi["KubeadmPackages"].status is Status.FAIL


def test_the_endpoint_probe_connects_and_names_a_refusal(tmp_path, live_root):
    host = live_root(tmp_path)
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        ok = probe_endpoint(host, f"127.0.0.1:{port}")
    assert ok.connected and ok.message == f"TCP connect to 127.0.0.1 port {port} succeeded"
    assert ok.route_text == "no route lookup on this host"
    refused = probe_endpoint(host, f"127.0.0.1:{port}")
    assert not refused.connected and "connection refused (the host answered" in refused.message
    assert "Leave out the scheme" in probe_endpoint(host, "https://x:6443").message
    assert not probe_endpoint(Host(tmp_path), "10.0.0.1:6443").ran


def test_the_probe_reports_the_route_the_kernel_would_take(tmp_path, live_root):
    host = live_root(tmp_path)

    class Kernel:
        def route_get(self, dst):
            return {"dst": dst, "gateway": "192.168.1.1", "dev": "eth0", "prefsrc": "192.168.1.20"}

    host.__dict__["network"] = Kernel()
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        probe = probe_endpoint(host, f"127.0.0.1:{server.getsockname()[1]}")
    assert probe.route_text == "route to 127.0.0.1: via 192.168.1.1 dev eth0 src 192.168.1.20"


@pytest.mark.parametrize("demo", ["ubuntu-vagrant", "ready"])
def test_an_impossible_prefix_is_an_error_in_every_check(tmp_path: Path, demo):
    """10.244.0.0/33 was "ok" in the overlap check and a mere warning in CniSubnet while the
    config check failed it: every range check now fails it with the same sentence."""
    results = init_results(SimulatedHost(demo, scratch=tmp_path / demo),
                           pod_subnet="10.244.0.0/33")
    sentence = "podSubnet '10.244.0.0/33' is not a CIDR such as 10.244.0.0/16"
    for check_id in ("KubeadmConfig", "PodSubnetOverlap", "CniSubnet"):
        assert results[check_id].status is Status.FAIL, check_id
        assert sentence in results[check_id].message, check_id
    assert results["ServiceSubnetOverlap"].status is not Status.FAIL


def test_on_a_demo_the_probe_shows_the_route_and_tries_no_connection(tmp_path):
    """A workshop's demo still has its routing table: the route half of the probe teaches
    what a node would do; no TCP connection leaves this machine for the demo's address."""
    host = SimulatedHost("ubuntu-vagrant", scratch=tmp_path / "demo")
    probe = probe_endpoint(host, "8.8.8.8:6443")
    assert not probe.ran and probe.connect is None
    assert probe.route_text == "route to 8.8.8.8: via 10.0.2.2 dev enp0s3 src 10.0.2.15"
    assert probe.message == "TCP connect not tried: demo ubuntu-vagrant is not a running system"
    assert probe_endpoint(host, "cp.example:6443").route is None  # names are not resolved

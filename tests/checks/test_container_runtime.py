"""The CRI check: installed, running, answering, one runtime only; install plans per distro."""

from __future__ import annotations

from pathlib import Path

import pytest

import wizard.checks.container_runtime  # noqa: F401  (registers CRI until the runner does)
from wizard.checks.base import Status
from wizard.checks.runner import run_checks
from wizard.facts.runtime import CRI_FOR_CHOICE
from wizard.fixes.runtime import install_plan
from wizard.host.base import Host
from wizard.host.simulated import SimulatedHost
from wizard.model import WizardChoices
from wizard.steps.engine import apply_steps
from wizard.steps.step import FileWrite, RunCommand


def runtime_results(host: Host, **choices):
    return {r.id: r for r in run_checks(host, WizardChoices(**choices), screens=["runtime"])}


def demo(name: str, tmp_path: Path) -> SimulatedHost:
    return SimulatedHost(name, scratch=tmp_path / name)


def stub(host: Host, program: str) -> None:
    path = host.path(f"/usr/bin/{program}")
    path.write_text("#!/bin/sh\n")
    path.chmod(0o755)


def argvs(step) -> list[tuple[str, ...]]:
    return [a.argv for a in step.actions if isinstance(a, RunCommand)]


def test_the_ready_host_answers_with_containerd_2(tmp_path):
    results = runtime_results(demo("ready", tmp_path), kubernetes_version="1.36")
    assert results["CRI"].status is Status.PASS
    assert results["CRI"].message.startswith("containerd 2.1.4 (running;")
    assert results["ContainerRuntimeVersion"].status is Status.PASS


def test_containerd_1_7_is_advised_up_from_1_35(tmp_path):
    host = demo("ubuntu-vagrant", tmp_path)
    late = runtime_results(host, kubernetes_version="1.36")["ContainerRuntimeVersion"]
    assert late.status is Status.WARN
    assert "containerd 1.7.24 cannot answer RuntimeConfig" in late.message
    early = runtime_results(host, kubernetes_version="1.33")["ContainerRuntimeVersion"]
    assert early.status is Status.PASS
    assert early.message.endswith("Prefer containerd 2.x; containerd 1.7 still works.")


def test_no_runtime_gets_an_install_plan_that_makes_cri_pass(tmp_path):
    host = demo("rpi4-bookworm", tmp_path)
    cri = runtime_results(host)["CRI"]
    assert (cri.status, cri.message) == (Status.FAIL, "containerd is not installed.")
    assert cri.observed == "no container runtime installed"
    [step] = cri.fixes
    assert step.id == "install-containerd"
    # Debian 12's own containerd is 1.6, which cannot answer RuntimeConfig (asked from 1.35):
    # Docker's containerd.io 2.x is installed instead, from its repository.
    assert argvs(step) == [
        ("apt-get", "update"), ("apt-get", "install", "-y", "ca-certificates", "curl"),
        ("curl", "-fsSL", "--create-dirs", "-o", "/etc/apt/keyrings/docker.asc",
         "https://download.docker.com/linux/debian/gpg"),
        ("apt-get", "update"),
        ("apt-get", "-o", "Dpkg::Options::=--force-confold", "install", "-y", "containerd.io"),
        ("systemctl", "enable", "--now", "containerd.service")]
    assert "containerd.io 2.x comes from Docker's repository" in step.why
    assert apply_steps(host, [step])[0].status == "applied"
    results = runtime_results(host)
    assert results["CRI"].status is Status.PASS
    assert results["ContainerRuntimeVersion"].status is Status.PASS
    assert step.is_done(host)


def test_an_older_target_keeps_the_distributions_containerd(tmp_path):
    host = demo("rpi4-bookworm", tmp_path)
    [step] = runtime_results(host, kubernetes_version="1.34")["CRI"].fixes
    assert argvs(step)[:2] == [("apt-get", "update"), ("apt-get", "install", "-y", "containerd")]


def test_several_runtimes_explain_kubeadm_refusing_until_one_is_picked(tmp_path):
    host = demo("ubuntu-vagrant", tmp_path)
    stub(host, "crio")
    host.path("/run/crio").mkdir(parents=True, exist_ok=True)
    host.path("/run/crio/crio.sock").write_text("")
    host.state["services"]["crio"] = {"enabled": True, "active": True}
    cri = runtime_results(host)["CRI"]
    assert cri.status is Status.WARN
    assert ("found multiple CRI endpoints on the host. Please define which one do you wish to "
            "use by setting the 'criSocket' field in the kubeadm configuration file: "
            "unix:///var/run/containerd/containerd.sock, unix:///var/run/crio/crio.sock"
            ) in cri.message
    picked = runtime_results(host, runtime="cri-o", cri_socket=CRI_FOR_CHOICE["cri-o"].socket)
    assert picked["CRI"].status is Status.PASS
    assert picked["CRI"].expected == "CRI-O answering on unix:///var/run/crio/crio.sock"


def test_docker_without_cri_dockerd_cannot_serve_the_kubelet(tmp_path):
    host = demo("ubuntu-vagrant", tmp_path)
    stub(host, "dockerd")
    cri = runtime_results(host, runtime="docker")["CRI"]
    assert cri.status is Status.FAIL
    assert "cannot use Docker without it since 1.24" in cri.message
    assert "choose containerd: Docker already runs it" in cri.message


def test_a_disabled_cri_plugin_fails_with_the_config_fix(tmp_path):
    host = demo("ubuntu-vagrant", tmp_path)
    config = host.read_optional("/etc/containerd/config.toml")
    assert "disabled_plugins = []" in config
    host.path("/etc/containerd/config.toml").write_text(config.replace(
        "disabled_plugins = []", 'disabled_plugins = ["io.containerd.grpc.v1.cri"]'))
    cri = runtime_results(host)["CRI"]
    assert cri.status is Status.FAIL
    assert "lists its CRI plugin in disabled_plugins" in cri.message
    [step] = cri.fixes
    new = next(a.content for a in step.actions if isinstance(a, FileWrite))
    assert "disabled_plugins = []" in new
    assert argvs(step) == [("systemctl", "restart", "containerd")]


def test_a_stale_socket_is_restarted_and_a_stopped_runtime_started(tmp_path):
    host = demo("ubuntu-vagrant", tmp_path)
    host.state["services"]["containerd"]["active"] = False
    cri = runtime_results(host)["CRI"]
    assert cri.status is Status.FAIL
    assert cri.message.startswith("/var/run/containerd/containerd.sock: connection refused")
    assert [s.id for s in cri.fixes] == ["restart-containerd"]
    apply_steps(host, list(cri.fixes))
    assert runtime_results(host)["CRI"].status is Status.PASS

    host.state["services"]["containerd"]["active"] = False
    host.path("/run/containerd/containerd.sock").unlink()
    cri = runtime_results(host)["CRI"]
    assert cri.message.startswith("containerd is installed but not running")
    assert [s.id for s in cri.fixes] == ["start-containerd"]
    apply_steps(host, list(cri.fixes))
    assert runtime_results(host)["CRI"].status is Status.PASS


def test_under_root_an_enabled_runtime_passes(tmp_path):
    (tmp_path / "usr/bin").mkdir(parents=True)
    host = Host(tmp_path)
    stub(host, "containerd")
    assert runtime_results(host)["CRI"].status is Status.FAIL
    wants = tmp_path / "etc/systemd/system/multi-user.target.wants"
    wants.mkdir(parents=True)
    (wants / "containerd.service").write_text("")
    cri = runtime_results(host)["CRI"]
    assert cri.status is Status.PASS
    assert "starts at boot" in cri.message


OS_RELEASE = {
    "fedora": 'ID=fedora\nVERSION_ID=42\nPRETTY_NAME="Fedora Linux 42"\n',
    "rocky": 'ID="rocky"\nID_LIKE="rhel centos fedora"\nPRETTY_NAME="Rocky Linux 9.5"\n',
    "raspbian": 'ID=raspbian\nID_LIKE=debian\nPRETTY_NAME="Raspbian GNU/Linux 12"\n',
    "alpine": 'ID=alpine\nPRETTY_NAME="Alpine Linux v3.20"\n',
}


def host_for(tmp_path: Path, distro: str) -> Host:
    (tmp_path / "etc").mkdir(parents=True)
    (tmp_path / "etc/os-release").write_text(OS_RELEASE[distro])
    return Host(tmp_path)


@pytest.mark.parametrize("distro, runtime, expected", [
    ("fedora", "containerd", [("dnf", "install", "-y", "containerd")]),
    ("rocky", "containerd", [("dnf", "install", "-y", "containerd.io")]),
    ("raspbian", "cri-o", [("apt-get", "update"),
                           ("apt-get", "install", "-y", "ca-certificates", "curl", "gpg"),
                           ("mkdir", "-p", "-m", "755", "/etc/apt/keyrings"),
                           ("sh", "-c", "curl -fsSL https://download.opensuse.org/repositories/"
                                        "isv:/cri-o:/stable:/v1.36/deb/Release.key | gpg "
                                        "--dearmor --yes -o /etc/apt/keyrings/cri-o-apt-keyring"
                                        ".gpg"),
                           ("apt-get", "update"), ("apt-get", "install", "-y", "cri-o")]),
    ("rocky", "cri-o", [("dnf", "install", "-y", "container-selinux", "cri-o")]),
    ("raspbian", "docker", [("apt-get", "update"), ("apt-get", "install", "-y", "docker.io")]),
])
def test_install_plans_per_distro_family(tmp_path, distro, runtime, expected):
    plan = install_plan(host_for(tmp_path, distro), runtime, 36)
    unit = {"containerd": "containerd.service", "cri-o": "crio.service",
            "docker": "docker.service"}[runtime]
    assert argvs(plan.step) == [*expected, ("systemctl", "enable", "--now", unit)]
    files = {a.path: a.content for a in plan.step.actions if isinstance(a, FileWrite)}
    if distro == "rocky":
        repo = "/etc/yum.repos.d/cri-o.repo" if runtime == "cri-o" else \
            "/etc/yum.repos.d/docker-ce.repo"
        assert repo in files
    if runtime == "cri-o" and distro == "raspbian":
        assert files == {"/etc/apt/sources.list.d/cri-o.list": (
            "deb [signed-by=/etc/apt/keyrings/cri-o-apt-keyring.gpg] https://download.opensuse"
            ".org/repositories/isv:/cri-o:/stable:/v1.36/deb/ /\n")}


def test_no_plan_for_an_unknown_distro(tmp_path):
    host = host_for(tmp_path, "alpine")
    plan = install_plan(host, "containerd", 36)
    assert plan.step is None
    assert "no package plan for Alpine Linux v3.20" in plan.advice[0]
    cri = runtime_results(host)["CRI"]
    assert (cri.status, cri.fixes) == (Status.FAIL, ())
    assert cri.message.startswith("containerd is not installed. The wizard has no package plan")
    assert "Install containerd 2.x." in cri.message

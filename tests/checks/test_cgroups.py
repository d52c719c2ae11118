"""Cgroups: the version, pid 1, and one driver in the runtime and the kubelet, with their fixes."""

from __future__ import annotations

from pathlib import Path

import pytest
import tomlkit

import wizard.checks.cgroups  # noqa: F401  (registers the checks until the runner does)
import wizard.checks.container_runtime  # noqa: F401
from wizard.checks.base import CheckContext, Status
from wizard.checks.cgroups import cgroup_table
from wizard.checks.runner import run_checks
from wizard.host.base import Host
from wizard.host.simulated import SimulatedHost
from wizard.model import WizardChoices
from wizard.runtime import containerd_config
from wizard.steps.engine import apply_steps
from wizard.steps.step import FileWrite, RunCommand

V1_MOUNTS = ("tmpfs /sys/fs/cgroup tmpfs rw 0 0\n"
             "cgroup /sys/fs/cgroup/memory cgroup rw,memory 0 0\n")
V2_MOUNTS = "cgroup2 /sys/fs/cgroup cgroup2 rw 0 0\n"


def cgroup_results(host: Host, **choices):
    return {r.id: r for r in run_checks(host, WizardChoices(**choices), screens=["cgroups"])}


def demo(name: str, tmp_path: Path) -> SimulatedHost:
    return SimulatedHost(name, scratch=tmp_path / name)


def root(tmp_path: Path, files: dict[str, str]) -> Host:
    for relative, text in files.items():
        path = tmp_path / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return Host(tmp_path)


def written(step, path: str) -> str:
    return next(a.content for a in step.actions if isinstance(a, FileWrite) and a.path == path)


def comments(text: str) -> list[str]:
    return [line[line.index("#"):] for line in text.splitlines() if "#" in line]


def test_the_ready_host_passes_every_cgroup_check(tmp_path):
    results = cgroup_results(demo("ready", tmp_path), kubernetes_version="1.36")
    assert {i: r.status for i, r in results.items()} == {
        "CgroupVersion": Status.PASS, "RuntimeCgroupDriver": Status.PASS}


def test_ubuntu_vagrant_containerd_is_switched_to_systemd_keeping_comments(tmp_path):
    host = demo("ubuntu-vagrant", tmp_path)
    result = cgroup_results(host, kubernetes_version="1.36")["RuntimeCgroupDriver"]
    assert result.status is Status.FAIL
    assert "containerd driver is cgroupfs, expected systemd" in result.message
    [step] = result.fixes
    original = host.read_optional("/etc/containerd/config.toml")
    new = written(step, "/etc/containerd/config.toml")
    summary = containerd_config.parse(new)
    assert (summary.systemd_cgroup, summary.sandbox_image) == (True, "registry.k8s.io/pause:3.10.2")
    assert comments(new) == comments(original)
    assert [a.argv for a in step.actions if isinstance(a, RunCommand)] == [
        ("systemctl", "restart", "containerd")]

    assert [o.status for o in apply_steps(host, [step])] == ["applied"]
    after = cgroup_results(host, kubernetes_version="1.36")["RuntimeCgroupDriver"]
    assert after.status is Status.PASS
    assert step.is_done(host)


def test_a_missing_config_starts_from_containerds_default_for_this_machine(tmp_path):
    host = demo("rpi4-bookworm", tmp_path)
    rows = {r.item: r for r in cgroup_table(CheckContext(host, WizardChoices()))}
    assert rows["containerd driver"].value == "cgroupfs"
    assert rows["containerd driver"].source.startswith("containerd's built-in default")
    step = rows["containerd driver"].steps[0]
    assert step is rows["sandbox image"].steps[0]
    assert "Starts from containerd 1.x's default configuration" in step.why
    config = tomlkit.parse(written(step, "/etc/containerd/config.toml")).unwrap()
    assert config["version"] == 2  # read by containerd 1.x and 2.x alike
    cri = config["plugins"]["io.containerd.grpc.v1.cri"]
    assert cri["containerd"]["runtimes"]["runc"]["options"]["SystemdCgroup"] is True
    assert cri["sandbox_image"] == "registry.k8s.io/pause:3.10.2"
    assert config["plugins"]["io.containerd.runtime.v2.task"]["platforms"] == ["linux/arm64/v8"]


@pytest.mark.parametrize("version, status", [("1.36", Status.FAIL), ("1.34", Status.WARN)])
def test_cgroup_v1_fails_from_1_35(tmp_path, version, status):
    host = root(tmp_path, {"proc/mounts": V1_MOUNTS})
    result = cgroup_results(host, kubernetes_version=version)["CgroupVersion"]
    assert result.status is status
    assert "GRUB_CMDLINE_LINUX" in result.message
    assert result.fixes == ()


def test_cgroup_v1_on_a_pi_switches_the_command_line(tmp_path):
    cmdline = "console=tty1 root=PARTUUID=1-02 systemd.unified_cgroup_hierarchy=0 rootwait\n"
    host = root(tmp_path, {"proc/mounts": V1_MOUNTS, "boot/firmware/cmdline.txt": cmdline})
    [step] = cgroup_results(host)["CgroupVersion"].fixes
    assert written(step, "/boot/firmware/cmdline.txt") == (
        "console=tty1 root=PARTUUID=1-02 systemd.unified_cgroup_hierarchy=1 rootwait\n")
    assert step.reboot_required


def test_crio_drop_in_is_named_to_win(tmp_path):
    files = {"proc/mounts": V2_MOUNTS, "proc/1/comm": "systemd\n",
             "etc/crio/crio.conf": '[crio.runtime]\ncgroup_manager = "cgroupfs"\n'}
    host = root(tmp_path, files)
    [step] = cgroup_results(host, runtime="cri-o")["RuntimeCgroupDriver"].fixes
    assert written(step, "/etc/crio/crio.conf.d/02-cgroup-manager.conf").endswith(
        'cgroup_manager = "systemd"\n')

    root(tmp_path, {"etc/crio/crio.conf.d/99-local.conf":
                    '[crio.runtime]\ncgroup_manager = "cgroupfs"\n'})
    [step] = cgroup_results(host, runtime="cri-o")["RuntimeCgroupDriver"].fixes
    [write] = [a for a in step.actions if isinstance(a, FileWrite)]
    assert write.path == "/etc/crio/crio.conf.d/zz-kubeadm-wizard-cgroup-manager.conf"
    apply_steps(host, [step])
    assert cgroup_results(host, runtime="cri-o")["RuntimeCgroupDriver"].status is Status.PASS


def test_docker_daemon_json_exec_opts(tmp_path):
    daemon = '{\n  "log-driver": "json-file",\n  "exec-opts": ["native.cgroupdriver=cgroupfs"]\n}\n'
    host = root(tmp_path, {"proc/mounts": V2_MOUNTS, "proc/1/comm": "systemd\n",
                           "etc/docker/daemon.json": daemon})
    result = cgroup_results(host, runtime="docker")["RuntimeCgroupDriver"]
    assert "Docker Engine driver is cgroupfs, expected systemd" in result.message
    [step] = result.fixes
    assert step.id == "docker-cgroup-driver"
    assert written(step, "/etc/docker/daemon.json") == (
        '{\n  "log-driver": "json-file",\n  "exec-opts": [\n    "native.cgroupdriver=systemd"\n'
        "  ]\n}\n")


def test_without_systemd_as_pid_1_both_sides_must_use_cgroupfs(tmp_path):
    host = root(tmp_path, {"proc/mounts": V2_MOUNTS, "proc/1/comm": "openrc-init\n"})
    rows = {r.item: r for r in cgroup_table(CheckContext(host, WizardChoices()))}
    assert rows["pid 1"].status is Status.WARN
    assert (rows["containerd driver"].value, rows["containerd driver"].status) == (
        "cgroupfs", Status.PASS)
    assert (rows["kubelet driver"].expected, rows["kubelet driver"].status) == (
        "cgroupfs", Status.FAIL)
    assert rows["kubelet driver"].fix == "choose cgroupfs as the cgroup driver on the Init screen"


def test_kubelet_driver_from_the_runtime_is_explained(tmp_path):
    rows = {r.item: r for r in cgroup_table(CheckContext(demo("ready", tmp_path),
                                                         WizardChoices()))}
    assert rows["kubelet driver"].source.endswith(
        "(1.36 asks containerd instead: KubeletCgroupDriverFromCRI)")
    assert [r.item for r in rows.values()] == ["cgroup version", "pid 1", "containerd driver",
                                               "kubelet driver", "CRI plugin", "sandbox image"]


def test_an_unreadable_containerd_config_is_reported_not_rewritten(tmp_path):
    host = root(tmp_path, {"proc/mounts": V2_MOUNTS, "proc/1/comm": "systemd\n",
                           "etc/containerd/config.toml": "version = 2\n[plugins\n"})
    rows = {r.item: r for r in cgroup_table(CheckContext(host, WizardChoices()))}
    driver = rows["containerd driver"]
    assert (driver.value, driver.status, driver.steps) == ("unreadable", Status.FAIL, ())
    assert driver.fix.startswith("correct /etc/containerd/config.toml by hand: containerd "
                                 "config: invalid TOML")
    assert {rows["CRI plugin"].status, rows["sandbox image"].status} == {Status.SKIP}

"""Runtime facts: versions, real socket probes, kubeadm's several-runtimes refusal, drivers."""

from __future__ import annotations

import socket
import tempfile
from pathlib import Path

import pytest

from wizard.facts.runtime import (
    CONTAINERD,
    detect_runtimes,
    parse_version,
    probe_socket,
    runtime_cgroup_driver,
)
from wizard.host.base import Host
from wizard.host.simulated import SimulatedHost


def tree(root: Path, files: dict[str, str], executables: tuple[str, ...] = ()) -> Host:
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    for name in executables:
        path = root / "usr/bin" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("#!/bin/sh\n")
        path.chmod(0o755)
    return Host(root)


@pytest.mark.parametrize("output, version", [
    ("containerd github.com/containerd/containerd/v2 v2.1.4 75cb2b7193e4\n", "2.1.4"),
    ("containerd github.com/containerd/containerd 1.6.20~ds1 1.6.20~ds1-1+deb12u3\n", "1.6.20"),
    ("containerd containerd.io 1.7.27 05044ec0a9a75232cad458027ca83437aae3f4da\n", "1.7.27"),
    ("crio version 1.30.4\n", "1.30.4"),
    ("Docker version 27.3.1, build ce12230\n", "27.3.1"),
    ("cri-dockerd 0.3.15 (c1c566e)\n", "0.3.15"),
    ("", None),
])
def test_versions_from_each_runtime(output, version):
    assert parse_version(output) == version


# ------------------------------------------------------------------- real socket probes
@pytest.fixture
def socket_dir():
    # pytest's tmp_path can exceed the 108-byte limit of a Unix socket path.
    with tempfile.TemporaryDirectory(prefix="sock-") as directory:
        yield Path(directory)


def test_a_listening_socket_answers_and_a_stale_one_refuses(socket_dir):
    path = socket_dir / "runtime.sock"
    live = Host("/")
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(str(path))
    server.listen(1)
    try:
        probe = probe_socket(live, f"unix://{path}")
        assert (probe.exists, probe.answers, probe.detail) == (True, True, "accepts connections")
    finally:
        server.close()
    stale = probe_socket(live, f"unix://{path}")
    assert (stale.exists, stale.answers) == (True, False)
    assert "stale socket" in stale.detail
    gone = probe_socket(live, f"unix://{socket_dir}/missing.sock")
    assert (gone.exists, gone.answers, gone.detail) == (False, False, "no socket file")


def test_a_root_directory_has_nothing_to_connect_to(tmp_path):
    host = tree(tmp_path, {"run/containerd/containerd.sock": ""})
    probe = probe_socket(host, CONTAINERD.socket)
    # kubeadm's /var/run path is found through its /run twin in a copied root.
    assert (probe.path, probe.exists, probe.answers) == ("/run/containerd/containerd.sock",
                                                         True, None)


# --------------------------------------------------------------------------- surveys
ENABLED = "etc/systemd/system/multi-user.target.wants/{}"


def test_docker_with_cri_dockerd_means_two_cri_sockets(tmp_path):
    host = tree(tmp_path, {"run/containerd/containerd.sock": "", "run/cri-dockerd.sock": "",
                           "run/docker.sock": "", ENABLED.format("docker.service"): ""},
                ("containerd", "dockerd", "cri-dockerd"))
    found = detect_runtimes(host)
    assert [r.key for r in found.installed] == ["containerd", "cri-dockerd", "docker"]
    assert [r.key for r in found.cri_endpoints] == ["containerd", "cri-dockerd"]
    assert found.several and not found.docker_without_adapter
    assert found.kubeadm_refusal().endswith(
        "unix:///var/run/containerd/containerd.sock, unix:///var/run/cri-dockerd.sock")
    assert found.get("docker").service_active is True  # enabled: starts at boot
    assert found.get("containerd").service_active is False


def test_docker_alone_is_not_a_cri_runtime(tmp_path):
    host = tree(tmp_path, {"run/docker.sock": ""}, ("dockerd",))
    found = detect_runtimes(host)
    assert found.docker_without_adapter
    assert found.cri_endpoints == ()


def test_a_socket_override_is_probed_instead(tmp_path):
    host = tree(tmp_path, {"run/k3s/containerd/containerd.sock": ""}, ("containerd",))
    found = detect_runtimes(host, {"containerd": "unix:///run/k3s/containerd/containerd.sock"})
    assert found.get("containerd").socket.exists


def test_demo_versions_and_services(tmp_path):
    found = detect_runtimes(SimulatedHost("ubuntu-vagrant", scratch=tmp_path / "demo"))
    containerd = found.get("containerd")
    assert (containerd.version, containerd.major_minor, containerd.service_active) == (
        "1.7.24", (1, 7), True)
    assert containerd.answering


# ---------------------------------------------------------------------- cgroup drivers
def test_containerd_driver(tmp_path):
    host = tree(tmp_path, {"etc/hostname": "x\n"})
    assert runtime_cgroup_driver(host, "containerd").driver == "cgroupfs"  # no config.toml
    tree(tmp_path, {"etc/containerd/config.toml": (
        'version = 3\n[plugins."io.containerd.cri.v1.runtime".containerd.runtimes.runc.options]\n'
        "  SystemdCgroup = true\n")})
    fact = runtime_cgroup_driver(host, "containerd")
    assert (fact.driver, fact.source, fact.detail) == ("systemd", "/etc/containerd/config.toml",
                                                       "SystemdCgroup = true")
    tree(tmp_path, {"etc/containerd/config.toml": "version = [\n"})
    assert runtime_cgroup_driver(host, "containerd").driver is None


def test_crio_driver_follows_the_last_drop_in(tmp_path):
    host = tree(tmp_path, {
        "etc/crio/crio.conf": '[crio.runtime]\ncgroup_manager = "systemd"\n',
        "etc/crio/crio.conf.d/10-local.conf": '[crio.runtime]\ncgroup_manager = "cgroupfs"\n',
    })
    fact = runtime_cgroup_driver(host, "cri-o")
    assert (fact.driver, fact.source) == ("cgroupfs", "/etc/crio/crio.conf.d/10-local.conf")


def test_docker_driver_from_daemon_json_or_the_host(tmp_path):
    host = tree(tmp_path, {"etc/hostname": "x\n"})
    assert runtime_cgroup_driver(host, "docker", systemd_init=True,
                                 cgroup_version=2).driver == "systemd"
    assert runtime_cgroup_driver(host, "docker", systemd_init=True,
                                 cgroup_version=1).driver == "cgroupfs"
    tree(tmp_path, {"etc/docker/daemon.json": '{"exec-opts": ["native.cgroupdriver=cgroupfs"]}'})
    fact = runtime_cgroup_driver(host, "docker", systemd_init=True, cgroup_version=2)
    assert (fact.driver, fact.source) == ("cgroupfs", "/etc/docker/daemon.json exec-opts")


def test_removed_packages_left_with_config_files_are_not_installed(tmp_path):
    from wizard.facts.packages import package_version
    from wizard.host.base import Host

    status = tmp_path / "var/lib/dpkg/status"
    status.parent.mkdir(parents=True)
    status.write_text("Package: containerd.io\nStatus: deinstall ok config-files\n"
                      "Version: 1.7.27-1\n\n"
                      "Package: containerd\nStatus: install ok installed\n"
                      "Description: daemon\n continuation: not a field\nVersion: 1.6.20~ds1-1\n")
    assert package_version(Host(tmp_path), ("containerd.io", "containerd")) == (
        "containerd", "1.6.20~ds1-1")

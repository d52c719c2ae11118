"""CRI-O's effective cgroup manager across drop-ins, and Docker's daemon.json cgroup driver."""

from __future__ import annotations

import json

import pytest

from wizard.runtime import crio_config, docker_config
from wizard.runtime.crio_config import CgroupManager, CrioConfigError
from wizard.runtime.docker_config import DockerConfigError

MAIN = crio_config.MAIN_CONFIG
DROP_INS = crio_config.DROP_IN_DIR

# What the pkgs.k8s.io cri-o packages install as crio.conf.d/10-crio.conf.
PACKAGED_10_CRIO = """\
[crio.image]
signature_policy = "/etc/crio/policy.json"

[crio.runtime]
default_runtime = "crun"

[crio.runtime.runtimes.crun]
runtime_path = "/usr/libexec/crio/crun"
runtime_root = "/run/crun"
monitor_path = "/usr/libexec/crio/conmon"
allowed_annotations = [
    "io.containers.trace-syscall",
]

[crio.runtime.runtimes.runc]
runtime_path = "/usr/libexec/crio/runc"
runtime_root = "/run/runc"
monitor_path = "/usr/libexec/crio/conmon"
"""

# The commented-out shape of a distribution's crio.conf, switched to cgroupfs.
MAIN_CGROUPFS = """\
[crio]
# root = "/var/lib/containers/storage"

[crio.runtime]
# Cgroup management implementation used for the runtime.
cgroup_manager = "cgroupfs"

# Cgroup setting for conmon
conmon_cgroup = "pod"
"""


def test_crio_defaults_to_systemd_when_nothing_sets_it():
    assert crio_config.detect_cgroup_manager({f"{DROP_INS}/10-crio.conf": PACKAGED_10_CRIO}) == (
        CgroupManager("systemd", None, None)
    )
    assert crio_config.detect_cgroup_manager({}) == CgroupManager("systemd", None, None)


def test_main_file_is_read_before_the_drop_ins_whatever_the_mapping_order():
    override = f"{DROP_INS}/02-cgroup-manager.conf"
    files = {override: crio_config.cgroup_manager_drop_in("systemd"), MAIN: MAIN_CGROUPFS}
    assert crio_config.detect_cgroup_manager(files) == CgroupManager("systemd", override, "pod")


def test_later_drop_ins_win_in_lexical_order():
    files = {
        MAIN: MAIN_CGROUPFS,
        f"{DROP_INS}/99-local.conf": '[crio.runtime]\ncgroup_manager = "cgroupfs"\n',
        f"{DROP_INS}/02-cgroup-manager.conf": crio_config.cgroup_manager_drop_in("systemd"),
        f"{DROP_INS}/10-crio.conf": PACKAGED_10_CRIO,
    }
    detected = crio_config.detect_cgroup_manager(files)
    assert (detected.name, detected.source) == ("cgroupfs", f"{DROP_INS}/99-local.conf")


def test_systemd_drop_in_is_exactly_the_documented_setting():
    text = crio_config.cgroup_manager_drop_in()
    assert text.splitlines()[1:] == ["[crio.runtime]", 'cgroup_manager = "systemd"']
    assert crio_config.DROP_IN_NAME == "02-cgroup-manager.conf"


def test_cgroupfs_drop_in_also_moves_conmon_into_the_pod():
    text = crio_config.cgroup_manager_drop_in("cgroupfs")
    detected = crio_config.detect_cgroup_manager({f"{DROP_INS}/02-cgroup-manager.conf": text})
    assert (detected.name, detected.conmon_cgroup) == ("cgroupfs", "pod")


def test_unknown_cgroup_manager_is_refused():
    with pytest.raises(ValueError, match="unknown CRI-O cgroup manager"):
        crio_config.cgroup_manager_drop_in("cgroupv2")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[crio.runtime\n", "invalid TOML"),
        ("[crio.runtime]\ncgroup_manager = 1\n", "cgroup_manager must be a string"),
        ("[crio]\nruntime = 1\n", "crio.runtime must be a table"),
    ],
)
def test_broken_crio_files_name_the_file(text, message):
    path = f"{DROP_INS}/50-broken.conf"
    with pytest.raises(CrioConfigError, match=message) as info:
        crio_config.detect_cgroup_manager({MAIN: MAIN_CGROUPFS, path: text})
    assert info.value.path == path
    assert str(info.value).startswith(path)


def test_crio_parse_error_carries_the_line():
    with pytest.raises(CrioConfigError) as info:
        crio_config.detect_cgroup_manager({MAIN: '[crio.runtime]\ncgroup_manager = "systemd\n'})
    assert info.value.line == 2


# The shape the Kubernetes docs once told Docker users to write.
DOCKER_DOCS_DAEMON_JSON = """\
{
  "exec-opts": ["native.cgroupdriver=cgroupfs"],
  "log-driver": "json-file",
  "log-opts": {
    "max-size": "100m"
  },
  "storage-driver": "overlay2"
}
"""


@pytest.mark.parametrize(
    ("text", "driver"),
    [
        ("", None),
        ("{}", None),
        ('{"exec-opts": ["native.umask=normal"]}', None),
        (DOCKER_DOCS_DAEMON_JSON, "cgroupfs"),
        ('{"exec-opts": [" Native.CgroupDriver = systemd "]}', "systemd"),
        (
            '{"exec-opts": ["native.cgroupdriver=systemd", "native.cgroupdriver=cgroupfs"]}',
            "systemd",
        ),
    ],
)
def test_docker_cgroup_driver_reads_exec_opts_like_dockerd(text, driver):
    assert docker_config.cgroup_driver(text) == driver


def test_docker_edit_keeps_every_other_key_in_order():
    after = docker_config.set_cgroup_driver(DOCKER_DOCS_DAEMON_JSON)
    assert json.loads(after) == {
        **json.loads(DOCKER_DOCS_DAEMON_JSON),
        "exec-opts": ["native.cgroupdriver=systemd"],
    }
    assert list(json.loads(after)) == list(json.loads(DOCKER_DOCS_DAEMON_JSON))
    assert after == json.dumps(json.loads(after), indent=2) + "\n"
    assert docker_config.cgroup_driver(after) == "systemd"


def test_docker_edit_keeps_other_exec_opts_and_drops_duplicate_drivers():
    opts = ["native.umask=normal", "native.cgroupdriver=cgroupfs", "native.cgroupdriver=x"]
    text = json.dumps({"exec-opts": opts})
    assert json.loads(docker_config.set_cgroup_driver(text))["exec-opts"] == [
        "native.umask=normal",
        "native.cgroupdriver=systemd",
    ]


@pytest.mark.parametrize("text", ["", "{}", DOCKER_DOCS_DAEMON_JSON, '{"debug": true}'])
def test_docker_edit_is_idempotent(text):
    once = docker_config.set_cgroup_driver(text)
    assert docker_config.set_cgroup_driver(once) == once


def test_docker_edit_of_a_missing_file_writes_the_documented_snippet():
    assert docker_config.set_cgroup_driver("") == (
        '{\n  "exec-opts": [\n    "native.cgroupdriver=systemd"\n  ]\n}\n'
    )


@pytest.mark.parametrize(
    ("text", "message", "line"),
    [
        ('{\n  "exec-opts": ["native.cgroupdriver=systemd"],\n}\n', "invalid JSON", 3),
        ("[]", "must be a JSON object", None),
        ('{"exec-opts": "native.cgroupdriver=systemd"}', "must be a list of strings", None),
    ],
)
def test_broken_daemon_json_raises_clear_errors(text, message, line):
    with pytest.raises(DockerConfigError, match=message) as info:
        docker_config.set_cgroup_driver(text)
    assert info.value.line == line


def test_docker_edit_refuses_unknown_drivers():
    with pytest.raises(ValueError, match="unknown Docker cgroup driver"):
        docker_config.set_cgroup_driver("{}", "none")

"""containerd itself, not our parser, confirms the wizard's edits.

``containerd config dump`` shows a file merged over containerd's defaults, the way the daemon
will use it; a daemon started on the edited file (isolated by conftest.py) reports through
``ctr plugins ls`` whether the CRI plugin loaded. containerd 1.x dumps every config version in
the version 2 layout.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import tomlkit

from wizard.runtime import containerd_config

DATA = Path(__file__).parent.parent / "data" / "containerd"
DUMPED_RUNC = ("plugins", "io.containerd.grpc.v1.cri", "containerd", "runtimes", "runc")


def _dumped_runc(dump: str) -> dict:
    table = tomlkit.parse(dump).unwrap()
    for key in DUMPED_RUNC:
        table = table[key]
    return table


def _plugin_status(plugins_ls: str, plugin_type: str, plugin_id: str) -> str | None:
    """The STATUS column of ``ctr plugins ls`` for one plugin; None when it is not listed."""
    for line in plugins_ls.splitlines()[1:]:
        fields = line.split()
        if fields[:2] == [plugin_type, plugin_id]:
            return fields[-1]
    return None


def test_dump_shows_the_default_config_without_systemd_cgroup(containerd_dump):
    runc = _dumped_runc(containerd_dump(containerd_config.default_config(1)))
    assert runc["options"]["SystemdCgroup"] is False


def test_dump_shows_systemd_cgroup_set_by_the_wizard(containerd_dump):
    edited = containerd_config.configure(containerd_config.default_config(1), systemd_cgroup=True)
    runc = _dumped_runc(containerd_dump(edited))
    assert runc["options"]["SystemdCgroup"] is True
    assert runc["runtime_type"] == "io.containerd.runc.v2"


def test_a_bare_options_table_loses_runtime_type_which_the_wizard_adds(containerd_dump):
    bare = (
        "version = 2\n"
        '[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]\n'
        "  SystemdCgroup = true\n"
    )
    assert _dumped_runc(containerd_dump(bare))["runtime_type"] == ""
    edited = containerd_config.configure(
        (DATA / "debian12-package.toml").read_text(), systemd_cgroup=True)
    runc = _dumped_runc(containerd_dump(edited))
    assert runc["runtime_type"] == "io.containerd.runc.v2"
    assert runc["options"]["SystemdCgroup"] is True


def test_edited_debian_package_config_runs_with_cri_and_systemd_cgroup(
    containerd_factory, containerd_dump
):
    original = (DATA / "debian12-package.toml").read_text()
    edited = containerd_config.configure(original, systemd_cgroup=True,
                                         sandbox_image="registry.k8s.io/pause:3.10")
    live = containerd_factory(edited)
    assert _plugin_status(live.ctr("plugins", "ls"), "io.containerd.grpc.v1", "cri") == "ok"
    dump = containerd_dump(live.config_path.read_text())
    assert _dumped_runc(dump)["options"]["SystemdCgroup"] is True
    cri = tomlkit.parse(dump).unwrap()["plugins"]["io.containerd.grpc.v1.cri"]
    assert cri["sandbox_image"] == "registry.k8s.io/pause:3.10"


def test_short_cri_id_in_a_version_2_file_stops_containerd_until_removed(containerd_factory):
    original = (DATA / "v2-short-cri-id.toml").read_text()
    with pytest.raises(RuntimeError, match="invalid disabled plugin URI"):
        containerd_factory(original)
    live = containerd_factory(containerd_config.configure(original, cri=True))
    assert _plugin_status(live.ctr("plugins", "ls"), "io.containerd.grpc.v1", "cri") == "ok"


def test_docker_package_config_has_no_cri_until_the_wizard_enables_it(containerd_factory):
    original = (DATA / "docker-containerd-io.toml").read_text()
    before = containerd_factory(original)
    assert _plugin_status(before.ctr("plugins", "ls"), "io.containerd.grpc.v1", "cri") is None
    before.stop()

    after = containerd_factory(
        containerd_config.configure(original, cri=True, systemd_cgroup=True)
    )
    assert _plugin_status(after.ctr("plugins", "ls"), "io.containerd.grpc.v1", "cri") == "ok"


def test_hand_commented_config_runs_after_all_edits(containerd_factory, containerd_dump):
    text = (DATA / "commented-v2.toml").read_text()
    for edit in (
        lambda t: containerd_config.configure(t, cri=True),
        lambda t: containerd_config.configure(t, systemd_cgroup=True),
        lambda t: containerd_config.configure(t, sandbox_image="registry.k8s.io/pause:3.10"),
    ):
        text = edit(text)
    live = containerd_factory(text)
    assert _plugin_status(live.ctr("plugins", "ls"), "io.containerd.grpc.v1", "cri") == "ok"
    assert _dumped_runc(containerd_dump(text))["options"]["SystemdCgroup"] is True

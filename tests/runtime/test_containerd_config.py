"""The containerd edits change only the lines they mean to and are idempotent.

Fixtures in tests/data/containerd are real-world shapes: Debian 12's package config, Docker's
containerd.io package config (CRI disabled, version 1), a hand-maintained file with comments
everywhere, dotted keys, a 2.x file with the CRI disabled, and the shipped ``containerd config
default`` outputs of 1.6 and 2.0.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from pathlib import Path

import pytest

from wizard.runtime import containerd_config as cc
from wizard.runtime.containerd_config import ContainerdConfigError, ContainerdConfigSummary

DATA = Path(__file__).parent.parent / "data" / "containerd"
PAUSE = "registry.k8s.io/pause:3.10.1"
V2_RUNC = 'plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc'
V3_RUNC = 'plugins."io.containerd.cri.v1.runtime".containerd.runtimes.runc'


def fixture(name: str) -> str:
    return (DATA / name).read_text()


def configs() -> dict[str, str]:
    """Every real-world config the edits must handle, by name."""
    texts = {path.name: path.read_text() for path in sorted(DATA.glob("*.toml"))}
    texts["default-1.x"] = cc.default_config(1)
    texts["default-2.x"] = cc.default_config(2)
    return texts


def changes(before: str, after: str) -> tuple[list[str], list[str]]:
    """The removed and the added lines of a line-by-line diff."""
    removed, added = [], []
    for line in difflib.ndiff(before.splitlines(), after.splitlines()):
        if line.startswith("- "):
            removed.append(line[2:])
        elif line.startswith("+ "):
            added.append(line[2:])
    return removed, added


def systemd_on(text: str) -> str:
    return cc.configure(text, systemd_cgroup=True)


def pin_pause(text: str) -> str:
    return cc.configure(text, sandbox_image=PAUSE)


EDITS: dict[str, Callable[[str], str]] = {
    "systemd": systemd_on,
    "enable_cri": lambda text: cc.configure(text, cri=True),
    "sandbox": pin_pause,
}


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("debian12-package.toml", ContainerdConfigSummary(2, None, False, None, V2_RUNC)),
        (
            "docker-containerd-io.toml",
            ContainerdConfigSummary(1, None, True, None, "plugins.cri.containerd.runtimes.runc"),
        ),
        (
            "commented-v2.toml",
            ContainerdConfigSummary(2, False, True, "registry.example.internal/pause:3.9", V2_RUNC),
        ),
        ("dotted-keys-v2.toml", ContainerdConfigSummary(2, False, False, None, V2_RUNC)),
        ("v2-short-cri-id.toml", ContainerdConfigSummary(2, None, True, None, V2_RUNC)),
        ("v3-cri-disabled.toml", ContainerdConfigSummary(3, None, True, None, V3_RUNC)),
        (
            "default-1.x",
            ContainerdConfigSummary(2, False, False, "registry.k8s.io/pause:3.6", V2_RUNC),
        ),
        (
            "default-2.x",
            ContainerdConfigSummary(3, None, False, "registry.k8s.io/pause:3.10", V3_RUNC),
        ),
    ],
)
def test_parse_summarises_real_configs(name, expected):
    assert cc.parse(configs()[name]) == expected


def test_unset_systemd_cgroup_means_cgroupfs():
    summary = cc.parse(cc.default_config(2))
    assert summary.systemd_cgroup is None
    assert summary.uses_systemd_cgroup is False
    assert cc.parse(systemd_on(cc.default_config(2))).uses_systemd_cgroup is True


def test_empty_file_is_a_version_1_config_with_containerd_defaults():
    assert cc.parse("") == ContainerdConfigSummary(
        1, None, False, None, "plugins.cri.containerd.runtimes.runc"
    )


@pytest.mark.parametrize("name", sorted(configs()))
@pytest.mark.parametrize("edit", sorted(EDITS))
def test_edits_are_idempotent_and_keep_every_comment(name, edit):
    before = configs()[name]
    once = EDITS[edit](before)
    assert EDITS[edit](once) == once
    comments = [line for line in before.splitlines() if line.strip().startswith("#")]
    assert [line for line in once.splitlines() if line.strip().startswith("#")] == comments


@pytest.mark.parametrize("name", sorted(configs()))
def test_systemd_cgroup_edit_is_a_one_line_change_or_pure_additions(name):
    before = configs()[name]
    after = systemd_on(before)
    removed, added = changes(before, after)
    if cc.parse(before).systemd_cgroup is None:
        assert removed == []
        assert sum("SystemdCgroup = true" in line for line in added) == 1
    else:
        assert len(removed) == len(added) == 1
        assert added[0] == removed[0].replace("false", "true", 1)
    assert cc.parse(after).systemd_cgroup is True


def test_systemd_cgroup_can_be_switched_back_off():
    on = systemd_on(fixture("commented-v2.toml"))
    off = cc.configure(on, systemd_cgroup=False)
    assert off == fixture("commented-v2.toml")
    assert cc.parse(off).systemd_cgroup is False


def test_systemd_cgroup_keeps_the_inline_comment():
    removed, added = changes(fixture("commented-v2.toml"), systemd_on(fixture("commented-v2.toml")))
    assert removed == ["    SystemdCgroup = false   # TODO(ops): flip with the kubelet"]
    assert added == ["    SystemdCgroup = true   # TODO(ops): flip with the kubelet"]


def test_new_runc_table_follows_containerd_indentation_and_gets_a_runtime_type():
    removed, added = changes(
        fixture("debian12-package.toml"), systemd_on(fixture("debian12-package.toml"))
    )
    assert removed == []
    assert added == [
        f"        [{V2_RUNC}]",
        '          runtime_type = "io.containerd.runc.v2"',
        f"          [{V2_RUNC}.options]",
        "            SystemdCgroup = true",
    ]


def test_new_tables_in_a_flat_file_stay_flat():
    removed, added = changes(
        fixture("docker-containerd-io.toml"), systemd_on(fixture("docker-containerd-io.toml"))
    )
    assert removed == []
    assert added == [
        "[plugins.cri.containerd.runtimes.runc]",
        'runtime_type = "io.containerd.runc.v2"',
        "[plugins.cri.containerd.runtimes.runc.options]",
        "SystemdCgroup = true",
    ]


def test_key_added_to_the_2x_default_matches_its_neighbours():
    removed, added = changes(cc.default_config(2), systemd_on(cc.default_config(2)))
    assert (removed, added) == ([], ["            SystemdCgroup = true"])


def test_dotted_and_inline_runc_options_are_edited_in_place():
    removed, added = changes(
        fixture("dotted-keys-v2.toml"), systemd_on(fixture("dotted-keys-v2.toml"))
    )
    assert removed == ["  runtimes.runc.options.SystemdCgroup = false"]
    assert added == ["  runtimes.runc.options.SystemdCgroup = true"]
    inline = (
        "version = 2\n"
        f"[{V2_RUNC}]\n"
        '  runtime_type = "io.containerd.runc.v2"\n'
        '  options = { BinaryName = "/usr/bin/runc" }\n'
    )
    after = systemd_on(inline)
    assert changes(inline, after)[0] == ['  options = { BinaryName = "/usr/bin/runc" }']
    assert cc.parse(after).systemd_cgroup is True


@pytest.mark.parametrize(
    ("name", "removed"),
    [
        ("docker-containerd-io.toml", ['disabled_plugins = ["cri"]']),
        ("v2-short-cri-id.toml", ['disabled_plugins = ["cri"]']),
        (
            "commented-v2.toml",
            ['  "io.containerd.grpc.v1.cri",               # turned off while we ran Docker'],
        ),
        (
            "v3-cri-disabled.toml",
            [
                "disabled_plugins = ['io.containerd.cri.v1.images', "
                "'io.containerd.cri.v1.runtime', 'io.containerd.grpc.v1.cri']"
            ],
        ),
    ],
)
def test_enable_cri_removes_only_the_cri_ids(name, removed):
    before = fixture(name)
    after = cc.configure(before, cri=True)
    actually_removed, added = changes(before, after)
    assert actually_removed == removed
    assert added == [line.split("[")[0] + "[]" for line in removed if line.endswith("]")]
    assert cc.parse(after).cri_disabled is False


def test_enable_cri_keeps_other_disabled_plugins():
    after = cc.configure(fixture("commented-v2.toml"), cri=True)
    assert '"io.containerd.snapshotter.v1.devmapper",  # no thin pool' in after
    assert '"io.containerd.snapshotter.v1.zfs",' in after


@pytest.mark.parametrize("name", ["debian12-package.toml", "dotted-keys-v2.toml", "default-2.x"])
def test_enable_cri_leaves_configs_with_the_cri_on_untouched(name):
    assert cc.configure(configs()[name], cri=True) == configs()[name]


@pytest.mark.parametrize(
    ("name", "removed", "added"),
    [
        (
            "default-1.x",
            ['    sandbox_image = "registry.k8s.io/pause:3.6"'],
            [f'    sandbox_image = "{PAUSE}"'],
        ),
        (
            "default-2.x",
            ["      sandbox = 'registry.k8s.io/pause:3.10'"],
            [f"      sandbox = '{PAUSE}'"],
        ),
        (
            "commented-v2.toml",
            ['  sandbox_image = "registry.example.internal/pause:3.9"  # pinned'],
            [f'  sandbox_image = "{PAUSE}"  # pinned'],
        ),
        (
            "v3-cri-disabled.toml",
            [],
            ["[plugins.'io.containerd.cri.v1.images'.pinned_images]", f"  sandbox = '{PAUSE}'"],
        ),
    ],
)
def test_sandbox_image_keeps_quote_style_and_comments(name, removed, added):
    before = configs()[name]
    after = pin_pause(before)
    assert changes(before, after) == (removed, added)
    assert cc.parse(after).sandbox_image == PAUSE


def test_sandbox_image_added_to_a_plugin_table_is_a_pure_addition():
    before = fixture("debian12-package.toml")
    removed, added = changes(before, pin_pause(before))
    assert removed == []
    assert [line for line in added if line.strip()] == [f'    sandbox_image = "{PAUSE}"']


@pytest.mark.parametrize("major", [1, 2])
def test_missing_file_starts_from_the_shipped_default(major):
    text = cc.default_config(major)
    assert "containerd config default" in text.splitlines()[0] + text.splitlines()[1]
    for edit in EDITS.values():
        text = edit(text)
    summary = cc.parse(text)
    assert (summary.version, summary.systemd_cgroup, summary.sandbox_image) == (
        major + 1,
        True,
        PAUSE,
    )


@pytest.mark.parametrize("major", [1, 2])
def test_default_config_for_another_platform_changes_one_line(major):
    removed, added = changes(cc.default_config(major), cc.default_config(major, "linux/arm64/v8"))
    assert len(removed) == len(added) == 1
    assert added[0] == removed[0].replace("linux/amd64", "linux/arm64/v8")


def test_default_config_rejects_unknown_majors():
    with pytest.raises(ValueError, match="containerd 3.x"):
        cc.default_config(3)


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("version = 2\n[plugins\n", 2),
        ('version = 2\n\n[grpc]\n  address = "/run/containerd/containerd.sock\n', 4),
        ('version = 2\ndisabled_plugins = ["cri"\n', 2),
    ],
)
def test_invalid_toml_reports_the_line(text, line):
    with pytest.raises(ContainerdConfigError, match="invalid TOML") as info:
        cc.parse(text)
    assert info.value.line == line
    assert f"line {line}" in str(info.value)
    assert "\\x00" not in str(info.value)
    with pytest.raises(ContainerdConfigError):
        systemd_on(text)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("version = 4\n", "unsupported config version 4"),
        ('version = "2"\n', "unsupported config version"),
        ('version = 2\ndisabled_plugins = "cri"\n', "disabled_plugins must be a list"),
        ("version = 2\nplugins = 1\n", "plugins must be a table"),
        (f'version = 2\n[{V2_RUNC}.options]\nSystemdCgroup = "true"\n', "must be true or false"),
    ],
)
def test_configs_containerd_would_reject_raise_clear_errors(text, message):
    with pytest.raises(ContainerdConfigError, match=message):
        cc.parse(text)


def test_editing_through_a_non_table_fails_instead_of_guessing():
    with pytest.raises(ContainerdConfigError, match="must be a table"):
        systemd_on('version = 2\n[plugins]\n"io.containerd.grpc.v1.cri" = "x"\n')


@pytest.mark.parametrize("name", sorted(configs()))
@pytest.mark.parametrize("systemd", [True, False])
def test_all_edits_on_one_parse_write_what_one_edit_at_a_time_writes(name, systemd):
    """The step makes its three edits on one parse (a parse costs ~25 ms); the text must be
    the one that editing, writing and re-reading after each edit gives."""
    text = configs()[name]
    one_at_a_time = pin_pause(cc.configure(cc.configure(text, cri=True), systemd_cgroup=systemd))
    assert cc.configure(text, cri=True, systemd_cgroup=systemd,
                        sandbox_image=PAUSE) == one_at_a_time

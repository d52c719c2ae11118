"""Per-minor Kubernetes facts: each expectation names the source it was checked against."""

from __future__ import annotations

import pytest

from wizard.kube.versions import (
    DEFAULT_MINOR,
    SUPPORTED_MINORS,
    KubeVersion,
    VersionError,
    cgroup_v1_is_error,
    checks_bridge_sysctls,
    config_api_version,
    config_api_versions_accepted,
    containerd_advice,
    kernel_rule,
    pause_image,
    required_tools,
    skew_problems,
)

V1BETA2 = "kubeadm.k8s.io/v1beta2"
V1BETA3 = "kubeadm.k8s.io/v1beta3"
V1BETA4 = "kubeadm.k8s.io/v1beta4"


class TestKubeVersion:
    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("1.35", KubeVersion(1, 35)),
            ("v1.35", KubeVersion(1, 35)),
            ("v1.35.2", KubeVersion(1, 35, 2)),
            ("1.35.0-rc.1", KubeVersion(1, 35, 0, "rc.1")),
            ("  v1.36.1\n", KubeVersion(1, 36, 1)),
        ],
    )
    def test_parses_the_forms_operators_type(self, text, expected):
        assert KubeVersion.parse(text) == expected

    def test_string_form_is_canonical(self):
        assert str(KubeVersion.parse("1.35.2")) == "v1.35.2"
        assert str(KubeVersion.parse("1.35")) == "v1.35"
        assert str(KubeVersion.parse("1.35.0-rc.1")) == "v1.35.0-rc.1"
        assert KubeVersion.parse("v1.35.2").minor_tag == "v1.35"

    def test_patch_presence(self):
        assert KubeVersion.parse("1.35.0").has_patch
        assert not KubeVersion.parse("1.35").has_patch

    @pytest.mark.parametrize(
        ("text", "says"),
        [
            ("", "not a Kubernetes version"),
            ("1", "not a Kubernetes version"),
            ("one.two", "not a Kubernetes version"),
            ("1.35-rc.1", "not a Kubernetes version"),  # a pre-release needs a patch
            ("2.0.0", "1.x"),
            ("stable-1.35", "explicit version"),
            ("latest", "explicit version"),
        ],
    )
    def test_rejects_with_a_reason(self, text, says):
        with pytest.raises(VersionError, match=says):
            KubeVersion.parse(text)

    def test_version_error_is_a_value_error(self):
        with pytest.raises(ValueError):
            KubeVersion.parse("nope")


class TestConfigApiVersion:
    # reference §4.1: v1beta3 accepted 1.22–1.36, v1beta4 from 1.31, v1beta3 rejected from 1.37.
    @pytest.mark.parametrize(
        ("minor", "api"),
        [(22, V1BETA3), (30, V1BETA3), (31, V1BETA4), (36, V1BETA4), (37, V1BETA4)],
    )
    def test_written_version(self, minor, api):
        assert config_api_version(minor) == api

    def test_older_kubeadm_is_refused(self):
        with pytest.raises(ValueError, match="1.22"):
            config_api_version(21)

    def test_accepted_versions(self):
        assert config_api_versions_accepted(26) == (V1BETA2, V1BETA3)
        assert config_api_versions_accepted(27) == (V1BETA3,)
        assert config_api_versions_accepted(31) == (V1BETA3, V1BETA4)
        assert config_api_versions_accepted(36) == (V1BETA3, V1BETA4)
        assert config_api_versions_accepted(37) == (V1BETA4,)

    @pytest.mark.parametrize("minor", SUPPORTED_MINORS)
    def test_written_version_is_always_accepted(self, minor):
        assert config_api_version(minor) in config_api_versions_accepted(minor)


class TestRequiredTools:
    # reference §1.3 (FileExisting-<bin> by kubeadm version).
    def test_130(self):
        tools = required_tools(30, "init")
        assert tools["crictl"] == "error"
        assert tools["conntrack"] == "error"
        assert tools["nsenter"] == "error"
        assert tools["socat"] == "warning"
        assert "losetup" not in tools

    def test_131_softens_crictl(self):
        tools = required_tools(31, "join")
        assert tools["crictl"] == "warning"
        assert tools["conntrack"] == "error"

    def test_132_conntrack_only_for_init_of_an_older_control_plane(self):
        assert "crictl" not in required_tools(32, "init")
        assert "socat" not in required_tools(32, "init")
        assert "conntrack" not in required_tools(32, "init")
        assert required_tools(32, "init", kubernetes_minor=31)["conntrack"] == "error"
        assert "conntrack" not in required_tools(32, "join", kubernetes_minor=31)
        assert required_tools(32, "init")["iptables"] == "error"

    @pytest.mark.parametrize("minor", [33, 34, 35, 36])
    def test_133_and_later(self, minor):
        tools = required_tools(minor, "init")
        assert tools == {"mount": "error", "losetup": "error", "cp": "error"}

    @pytest.mark.parametrize("minor", SUPPORTED_MINORS)
    def test_mount_is_always_required(self, minor):
        assert required_tools(minor, "join")["mount"] == "error"


def test_bridge_sysctls_checked_until_129():
    # PR#123464 removed the bridge-nf-call-iptables checks in 1.30.
    assert checks_bridge_sysctls(29)
    assert not checks_bridge_sysctls(30)


def test_cgroup_v1_is_an_error_from_kubelet_135():
    # KEP-5573: failCgroupV1 defaults to true from 1.35 (reference §3.4).
    assert not cgroup_v1_is_error(34)
    assert cgroup_v1_is_error(35)
    assert cgroup_v1_is_error(36)


class TestKernelRule:
    # reference §1.4 (system-validators per kubeadm minor).
    def test_up_to_131(self):
        rule = kernel_rule(31)
        assert rule.severity == "error"
        assert rule.accepts("3.10.0-1160.el7.x86_64")
        assert not rule.accepts("3.9.0")

    def test_132_and_133_need_419(self):
        for minor in (32, 33):
            rule = kernel_rule(minor)
            assert rule.severity == "error"
            assert rule.accepts("4.19.0")
            assert rule.accepts("5.11.0")
            assert not rule.accepts("4.18.0-553.el8.x86_64")

    def test_134_on_only_warns_outside_lts_lines(self):
        rule = kernel_rule(34)
        assert rule.severity == "warning"
        for ok in (
            "5.4.0-200-generic",
            "5.10.0",
            "5.15.0-1",
            "6.1.0-28-amd64",
            "6.12.25+rpt-rpi-v8",
        ):
            assert rule.accepts(ok), ok
        for bad in ("5.11.0", "5.19.0", "4.19.0", "garbage"):
            assert not rule.accepts(bad), bad
        later = kernel_rule(36)
        assert (later.severity, later.minimum, later.also_accepted) == (
            rule.severity,
            rule.minimum,
            rule.also_accepted,
        )


class TestPauseImage:
    # kubeadm constants.go PauseVersion: 3.9 (1.30), 3.10 (PR#125112), 3.10.1 (PR#130713),
    # 3.10.2 (PR#138199).
    @pytest.mark.parametrize(
        ("minor", "tag"),
        [(30, "3.9"), (31, "3.10"), (33, "3.10"), (34, "3.10.1"), (35, "3.10.1"), (36, "3.10.2")],
    )
    def test_tags(self, minor, tag):
        assert pause_image(minor) == f"registry.k8s.io/pause:{tag}"


class TestContainerdAdvice:
    def test_135_on_recommends_2x_and_explains_why(self):
        advice = containerd_advice(35)
        assert advice.recommended_major == 2
        text = " ".join(advice.details)
        assert "KubeletCgroupDriverFromCRI" in text
        assert "RuntimeConfig" in text
        assert "SystemdCgroup" in text

    def test_older_releases_still_accept_1x(self):
        assert containerd_advice(30).recommended_major == 1
        assert "1.7" in containerd_advice(33).summary


class TestSkew:
    # Version-skew policy (reference §4.4, create-cluster-kubeadm#version-skew-policy).
    @pytest.mark.parametrize(
        ("kubeadm", "kubelet", "target"),
        [
            ("v1.36.1", "v1.36.1", "v1.36.1"),
            ("v1.36.1", "v1.35.4", "v1.35.4"),
            ("v1.36.0", "v1.33.9", "v1.36.0"),  # kubelet three minors older is allowed
        ],
    )
    def test_supported_combinations(self, kubeadm, kubelet, target):
        assert skew_problems(kubeadm, kubelet, target) == []

    def test_kubelet_newer_than_kubeadm(self):
        problems = skew_problems("1.35.0", "1.36.0", "1.35.0")
        assert "newer than kubeadm" in problems[0]

    def test_kubelet_more_than_three_minors_older(self):
        problems = skew_problems("1.36.0", "1.32.0", "1.36.0")
        assert len(problems) == 1
        assert "three minor versions older" in problems[0]

    def test_control_plane_too_old_or_too_new(self):
        assert "too old" in skew_problems("1.36.0", "1.34.0", "1.34.0")[0]
        assert "newer than kubeadm" in skew_problems("1.35.0", "1.35.0", "1.36.0")[0]

    def test_kubelet_newer_than_control_plane(self):
        problems = skew_problems("1.36.0", "1.36.0", "1.35.0")
        assert problems == [problems[0]]
        assert "KubeletVersion" in problems[0]

    def test_accepts_kube_versions_and_each_problem_is_one_sentence(self):
        problems = skew_problems(
            KubeVersion(1, 36, 0), KubeVersion(1, 37, 0), KubeVersion(1, 30, 0)
        )
        assert len(problems) == 3
        for problem in problems:
            assert problem.endswith(".")
            assert "\n" not in problem
            assert problem[0].isupper() or problem.startswith("kubernetesVersion")


def test_default_minor_is_supported_and_newest():
    assert DEFAULT_MINOR in SUPPORTED_MINORS
    assert max(SUPPORTED_MINORS) == DEFAULT_MINOR


def test_resolve_minor_defaults_and_refuses_unknown_versions():
    from wizard.kube.versions import DEFAULT_MINOR, VersionError, resolve_minor

    assert resolve_minor("") == DEFAULT_MINOR
    assert resolve_minor(None) == DEFAULT_MINOR
    assert resolve_minor("v1.33.4") == 33
    with pytest.raises(VersionError, match="1.21 is not one the wizard knows"):
        resolve_minor("1.21")
    with pytest.raises(VersionError):
        resolve_minor("banana")

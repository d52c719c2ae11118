"""What changes from one Kubernetes minor release to the next, in one place.

Every rule here is keyed by a minor number (the 35 in 1.35) because that is how kubeadm, the
kubelet and pkgs.k8s.io version themselves. The other modules ask these functions instead of
comparing numbers of their own, so a rule that moves in a new release is edited once.

Sources are named in the comments; "reference" means /work/shared/reference/kubeadm.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning"]
"""How kubeadm's preflight reports a finding: an error stops init/join, a warning does not."""

Role = Literal["init", "join"]
"""Whether the node runs `kubeadm init` or `kubeadm join`."""

SUPPORTED_MINORS: tuple[int, ...] = (30, 31, 32, 33, 34, 35, 36)
"""The 1.x releases the wizard can prepare a host for."""

DEFAULT_MINOR = 36
"""The newest stable release the wizard knows (1.37 was still alpha when this was written)."""

# First and last kubeadm minor that reads each config API version (reference §4.1:
# v1beta1 PR#83276/#101129, v1beta2 PR#107013, v1beta3 PR#101129/#125029/#136016,
# v1beta4 PR#125029).
# None means "still accepted by the newest kubeadm we know of".
_CONFIG_API_SPANS: dict[str, tuple[int, int | None]] = {
    "kubeadm.k8s.io/v1beta1": (13, 21),
    "kubeadm.k8s.io/v1beta2": (15, 26),
    "kubeadm.k8s.io/v1beta3": (22, 36),
    "kubeadm.k8s.io/v1beta4": (31, None),
}

# Numbers without leading zeros, as Kubernetes (semver) writes them: "1.036" is no 1.36.
_NUMBER = r"(0|[1-9]\d*)"
_VERSION_RE = re.compile(
    rf"v?{_NUMBER}\.{_NUMBER}(?:\.{_NUMBER}(?:-([0-9A-Za-z][0-9A-Za-z.-]*))?)?")


class VersionError(ValueError):
    """A string that is not a Kubernetes version, with a message that says what was expected."""


@dataclass(frozen=True)
class KubeVersion:
    """A Kubernetes version such as 1.35, v1.35.2 or 1.35.0-rc.1.

    The patch is optional because operators usually choose a minor ("1.35") and packages or
    `kubeadm version` supply the patch later.
    """

    major: int
    minor: int
    patch: int | None = None
    prerelease: str | None = None

    @classmethod
    def parse(cls, text: str) -> KubeVersion:
        """Read "1.35", "v1.35.2" or "1.35.0-rc.1"; raise VersionError saying why others fail."""
        cleaned = text.strip()
        if cleaned.startswith(("stable", "latest")):
            raise VersionError(
                f"{text!r} is a release label that kubeadm resolves over the internet; "
                "give an explicit version such as v1.35.2"
            )
        match = _VERSION_RE.fullmatch(cleaned)
        if match is None:
            raise VersionError(
                f"{text!r} is not a Kubernetes version; expected 1.35, v1.35.2 or 1.35.0-rc.1"
            )
        major, minor, patch, prerelease = match.groups()
        if int(major) != 1:
            raise VersionError(f"{text!r}: Kubernetes has only ever released 1.x versions")
        return cls(int(major), int(minor), None if patch is None else int(patch), prerelease)

    @property
    def has_patch(self) -> bool:
        """True for a full release (v1.35.2) rather than just a minor (1.35)."""
        return self.patch is not None

    @property
    def minor_tag(self) -> str:
        """The "v1.35" form that pkgs.k8s.io uses in its repository paths."""
        return f"v{self.major}.{self.minor}"

    def __str__(self) -> str:
        text = self.minor_tag if self.patch is None else f"{self.minor_tag}.{self.patch}"
        return text if self.prerelease is None else f"{text}-{self.prerelease}"


def resolve_minor(text: str | None) -> int:
    """The target minor for an operator's choice: empty means the newest the wizard knows.

    Versions outside SUPPORTED_MINORS are refused, because every rule here would be a guess.
    """
    if not text or not text.strip():
        return DEFAULT_MINOR
    minor = KubeVersion.parse(text).minor
    if minor not in SUPPORTED_MINORS:
        raise VersionError(
            f"Kubernetes 1.{minor} is not one the wizard knows; choose 1.{SUPPORTED_MINORS[0]} "
            f"to 1.{SUPPORTED_MINORS[-1]}"
        )
    return minor


def _as_version(value: KubeVersion | str) -> KubeVersion:
    return value if isinstance(value, KubeVersion) else KubeVersion.parse(value)


def config_api_versions_accepted(kubeadm_minor: int) -> tuple[str, ...]:
    """Every kubeadm config apiVersion that kubeadm 1.<kubeadm_minor> reads, oldest first."""
    return tuple(
        api
        for api, (first, last) in _CONFIG_API_SPANS.items()
        if first <= kubeadm_minor and (last is None or kubeadm_minor <= last)
    )


def config_api_span(api_version: str) -> tuple[int, int | None] | None:
    """The first and last kubeadm minor that read api_version (None: unknown apiVersion)."""
    return _CONFIG_API_SPANS.get(api_version)


def config_api_version(kubeadm_minor: int) -> str:
    """The config apiVersion the wizard writes for kubeadm 1.<kubeadm_minor>.

    v1beta3 for 1.22–1.30; from 1.31 kubeadm warns that v1beta3 is deprecated and 1.37 rejects
    it, so v1beta4 is written as soon as kubeadm reads it.
    """
    if kubeadm_minor < 22:
        raise ValueError(
            f"kubeadm 1.{kubeadm_minor} predates kubeadm.k8s.io/v1beta3; "
            "the wizard needs 1.22 or newer"
        )
    return "kubeadm.k8s.io/v1beta3" if kubeadm_minor <= 30 else "kubeadm.k8s.io/v1beta4"


def required_tools(
    minor: int, role: Role, kubernetes_minor: int | None = None
) -> dict[str, Severity]:
    """The binaries kubeadm's FileExisting-<bin> preflight checks want in PATH (reference §1.3).

    kubernetes_minor is the control plane version being initialised (defaults to kubeadm's own
    minor); it matters only for kubeadm 1.32, which still wants conntrack when `init` deploys 1.31.
    """
    target = minor if kubernetes_minor is None else kubernetes_minor
    tools: dict[str, Severity] = {}
    if minor <= 30:
        tools["crictl"] = "error"
    elif minor == 31:
        tools["crictl"] = "warning"  # PR#124685
    # 1.32 asks for conntrack only on init of a <1.32 control plane; join passes no version
    # (PR#126953).
    if minor <= 31 or (minor == 32 and role == "init" and target < 32):
        tools["conntrack"] = "error"
    if minor <= 32:
        for name in ("ip", "iptables"):  # removed in 1.33, PR#129131
            tools[name] = "error"
    tools["mount"] = "error"
    if minor <= 32:
        tools["nsenter"] = "error"  # removed in 1.33, PR#129450
    else:
        tools["losetup"] = "error"  # added in 1.33, PR#129450 ("required by the kubelet")
        tools["cp"] = "error"  # added in 1.33, PR#130045
    if minor <= 31:
        # Removed in 1.32 (PR#127151) and from later 1.28–1.31 patch releases (PR#127413–127416);
        # an older patch release only warns, so listing them costs at most a warning.
        for name in ("ebtables", "socat"):
            tools[name] = "warning"
    if minor <= 32:
        for name in ("ethtool", "tc", "touch"):
            tools[name] = "warning"
    return tools


def checks_bridge_sysctls(minor: int) -> bool:
    """Whether preflight demands net.bridge.bridge-nf-call-iptables=1 (until 1.29, PR#123464)."""
    return minor <= 29


def cgroup_v1_is_error(kubelet_minor: int) -> bool:
    """Whether a cgroup v1 host stops the node.

    From kubelet 1.35 failCgroupV1 defaults to true, so the kubelet refuses to start on cgroup v1,
    and kubeadm's SystemVerification reports an error when it detects such a kubelet (reference
    §1.4, §3.4; PR#134298, PR#134744).
    """
    return kubelet_minor >= 35


@dataclass(frozen=True)
class KernelRule:
    """What SystemVerification says about the kernel for a kubeadm minor (reference §1.4)."""

    severity: Severity
    minimum: tuple[int, int]
    also_accepted: tuple[tuple[int, int], ...]
    summary: str

    def accepts(self, release: str) -> bool:
        """Whether a `uname -r` string such as "6.12.25+rpt-rpi-v8" passes this rule."""
        match = re.match(r"(\d+)\.(\d+)", release)
        if match is None:
            return False
        found = (int(match.group(1)), int(match.group(2)))
        return found >= self.minimum or found in self.also_accepted


def kernel_rule(minor: int) -> KernelRule:
    """The kernel-version rule of the system-validators release kubeadm 1.<minor> vendors."""
    if minor <= 31:  # system-validators v1.8.0
        return KernelRule("error", (3, 10), (), "kubeadm 1.31 and older refuse kernels before 3.10")
    if minor <= 33:  # system-validators v1.9.x
        return KernelRule("error", (4, 19), (), f"kubeadm 1.{minor} refuses kernels before 4.19")
    # system-validators v1.10.1 (1.34) and v1.12.1 (1.35+): only LTS lines, and only a warning.
    return KernelRule(
        "warning",
        (6, 0),
        ((5, 4), (5, 10), (5, 15)),
        f"kubeadm 1.{minor} warns unless the kernel is 5.4, 5.10, 5.15 or 6.x and newer",
    )


def pause_image(minor: int) -> str:
    """The sandbox ("pause") image kubeadm 1.<minor> pulls, which the runtime should use too.

    kubeadm's cmd/kubeadm/app/constants/constants.go `PauseVersion`:
    3.9 until 1.30; 3.10 from 1.31 (PR#125112, merged May 2024; constants.go read at the 1.32
    line says "3.10"); 3.10.1 from 1.34 (PR#130713, merged Jul 2025); 3.10.2 from 1.36
    (PR#138199, merged 3 Apr 2026 — "Update the version of the pause image to 3.10.2").
    """
    if minor <= 30:
        tag = "3.9"
    elif minor <= 33:
        tag = "3.10"
    elif minor <= 35:
        tag = "3.10.1"
    else:
        tag = "3.10.2"
    return f"registry.k8s.io/pause:{tag}"


@dataclass(frozen=True)
class ContainerdAdvice:
    """Which containerd to install for a kubelet minor, and the reason in the operator's terms."""

    recommended_major: int
    summary: str
    details: tuple[str, ...]


def containerd_advice(minor: int) -> ContainerdAdvice:
    """Recommend containerd 2.x from 1.35; explain KubeletCgroupDriverFromCRI (reference §3.3)."""
    from_cri = (
        "With KubeletCgroupDriverFromCRI the kubelet asks the runtime for its cgroup driver "
        "(the RuntimeConfig CRI call) and ignores cgroupDriver in its own configuration. "
        "containerd 2.0+ and CRI-O 1.28+ answer that call; containerd 1.x does not."
    )
    keep_in_step = (
        "Set SystemdCgroup = true for runc in containerd's config.toml and keep "
        "cgroupDriver: systemd in the KubeletConfiguration, so both agree whichever one is used."
    )
    if minor >= 35:
        return ContainerdAdvice(
            2,
            "Install containerd 2.x.",
            (
                from_cri,
                f"kubeadm 1.{minor} warns (ContainerRuntimeVersion) when the runtime cannot "
                "answer RuntimeConfig, and the kubelet's fallback to cgroupDriver is due to be "
                "removed in 1.38.",
                keep_in_step,
            ),
        )
    if minor >= 31:
        stage = "beta and on by default" if minor <= 33 else "generally available"
        return ContainerdAdvice(
            2,
            "Prefer containerd 2.x; containerd 1.7 still works.",
            (
                f"KubeletCgroupDriverFromCRI is {stage} in 1.{minor}. {from_cri}",
                "With containerd 1.7 the kubelet falls back to cgroupDriver from its own "
                "configuration.",
                keep_in_step,
            ),
        )
    return ContainerdAdvice(
        1,
        "containerd 1.7 or 2.x both work.",
        (
            f"KubeletCgroupDriverFromCRI is alpha and off in 1.{minor}: the kubelet uses "
            "cgroupDriver from its configuration, which must match the runtime.",
            keep_in_step,
        ),
    )


def skew_problems(
    kubeadm: KubeVersion | str,
    kubelet: KubeVersion | str,
    kubernetes_version: KubeVersion | str,
) -> list[str]:
    """Version combinations that kubeadm refuses or does not support, one sentence each.

    Rules (reference §4.4; kubeadm's version-skew policy): the kubelet may match kubeadm or be up
    to three minors older but never newer; kubernetesVersion must be kubeadm's minor or one
    below; and `kubeadm init` refuses a kubelet newer than the control plane it deploys.
    """
    tool = _as_version(kubeadm)
    node = _as_version(kubelet)
    target = _as_version(kubernetes_version)
    problems: list[str] = []
    if node.minor > tool.minor:
        problems.append(
            f"The kubelet ({node}) is newer than kubeadm ({tool}); install kubeadm "
            f"{node.minor_tag} or a kubelet no newer than {tool.minor_tag}."
        )
    elif tool.minor - node.minor > 3:
        problems.append(
            f"The kubelet ({node}) is more than three minor versions older than kubeadm "
            f"({tool}), so the KubeletVersion preflight check fails; upgrade the kubelet to at "
            f"least v1.{tool.minor - 3}."
        )
    if target.minor > tool.minor:
        problems.append(
            f"kubernetesVersion {target} is newer than kubeadm {tool}, which can only deploy "
            f"v1.{tool.minor - 1} or {tool.minor_tag}; install kubeadm {target.minor_tag}."
        )
    elif target.minor < tool.minor - 1:
        problems.append(
            f"kubernetesVersion {target} is too old for kubeadm {tool}, which deploys only "
            f"v1.{tool.minor - 1} or {tool.minor_tag} control planes."
        )
    if node.minor > target.minor:
        problems.append(
            f"The kubelet ({node}) is newer than the control plane ({target}); a kubelet may "
            "never be newer than the API server, and kubeadm init's KubeletVersion check "
            "refuses it."
        )
    return problems

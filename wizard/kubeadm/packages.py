"""Installing kubeadm, kubelet and kubectl from pkgs.k8s.io, as data the wizard turns into steps.

pkgs.k8s.io has one repository per minor release (the legacy apt.kubernetes.io and
yum.kubernetes.io were removed on 2024-03-04), so a plan is always for one minor; upgrading to
the next minor means pointing the repository at it. Steps follow the "Installing kubeadm" page
(reference §6). Nothing here runs a command: the plan says what to run, in which order, and
what the operator would type by hand.
"""

from __future__ import annotations

import shlex
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from wizard.i18n import N_, _
from wizard.kube.versions import KubeVersion

Family = Literal["apt", "dnf"]

K8S_PACKAGES = ("kubelet", "kubeadm", "kubectl")
APT_KEYRING = "/etc/apt/keyrings/kubernetes-apt-keyring.gpg"
APT_LIST = "/etc/apt/sources.list.d/kubernetes.list"
DNF_REPO = "/etc/yum.repos.d/kubernetes.repo"
OLDEST_PUBLISHED_MINOR = 24  # pkgs.k8s.io carries v1.24 and newer

_APT_IDS = frozenset({"debian", "ubuntu", "raspbian"})
_DNF_IDS = frozenset({"fedora", "rhel", "centos", "rocky", "almalinux"})


@dataclass
class PackagePlan:
    """Install kubeadm, kubelet and kubectl for one minor release.

    Run prepare_commands, then write files (path -> content, mode 0644), then run
    install_commands and hold_commands. The order matters on apt: the repository list names a
    keyring that prepare_commands create, and `apt-get update` fails while it is missing.
    display is the same procedure as a person would type it, with sudo.
    """

    family: Family
    minor: int
    repo_url: str
    key_url: str
    prepare_commands: list[list[str]] = field(default_factory=list)
    files: dict[str, str] = field(default_factory=dict)
    install_commands: list[list[str]] = field(default_factory=list)
    hold_commands: list[list[str]] = field(default_factory=list)
    display: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def detect_family(os_release: Mapping[str, str]) -> Family | None:
    """apt or dnf from /etc/os-release fields (ID, then ID_LIKE), or None for other distros."""
    candidates = [os_release.get("ID", "")] + os_release.get("ID_LIKE", "").split()
    for candidate in candidates:
        name = candidate.strip("\"'").lower()
        if name in _APT_IDS:
            return "apt"
        if name in _DNF_IDS:
            return "dnf"
    return None


def package_plan(
    family: Family, minor: int, version: KubeVersion | str | None = None
) -> PackagePlan:
    """The plan for family and 1.<minor>; version (e.g. "1.35.2") pins an exact patch release."""
    if minor < OLDEST_PUBLISHED_MINOR:
        raise ValueError(
            f"pkgs.k8s.io has no repository for 1.{minor}; it carries v1.{OLDEST_PUBLISHED_MINOR} "
            "and newer"
        )
    pinned = _pinned_patch(minor, version)
    if family == "apt":
        return _apt_plan(minor, pinned)
    if family == "dnf":
        return _dnf_plan(minor, pinned)
    raise ValueError(f"unknown package family {family!r}; expected 'apt' or 'dnf'")


def _pinned_patch(minor: int, version: KubeVersion | str | None) -> str | None:
    if version is None:
        return None
    parsed = version if isinstance(version, KubeVersion) else KubeVersion.parse(version)
    if parsed.minor != minor:
        raise ValueError(f"version {parsed} is not a 1.{minor} release")
    if not parsed.has_patch or parsed.prerelease is not None:
        raise ValueError(f"pin a released patch version such as v1.{minor}.2, not {parsed}")
    return f"1.{minor}.{parsed.patch}"


def _repo_base(minor: int) -> str:
    return f"https://pkgs.k8s.io/core:/stable:/v1.{minor}"


def _packages(pinned: str | None, separator: str) -> list[str]:
    if pinned is None:
        return list(K8S_PACKAGES)
    # The package release suffix ("-1.1") varies, so match any of them.
    return [f"{name}{separator}{pinned}-*" for name in K8S_PACKAGES]


def _extra_packages(minor: int, conntrack_package: str) -> list[str]:
    # kubeadm 1.31 and older still fail preflight without conntrack, yet 1.31.14's packages
    # dropped the dependency (kubernetes/kubernetes#135306), so install it explicitly.
    return [conntrack_package] if minor <= 31 else []


def _apt_plan(minor: int, pinned: str | None) -> PackagePlan:
    repo = f"{_repo_base(minor)}/deb/"
    key = f"{repo}Release.key"
    packages = _packages(pinned, "=") + _extra_packages(minor, "conntrack")
    fetch_key = f"curl -fsSL {shlex.quote(key)} | gpg --dearmor --yes -o {APT_KEYRING}"
    list_line = f"deb [signed-by={APT_KEYRING}] {repo} /"
    install = ["apt-get", "install", "-y", *packages]
    hold = ["apt-mark", "hold", *K8S_PACKAGES]
    return PackagePlan(
        family="apt",
        minor=minor,
        repo_url=repo,
        key_url=key,
        prepare_commands=[
            ["apt-get", "update"],
            ["apt-get", "install", "-y", "apt-transport-https", "ca-certificates", "curl", "gpg"],
            # /etc/apt/keyrings exists by default only from Debian 12 and Ubuntu 22.04.
            ["mkdir", "-p", "-m", "755", "/etc/apt/keyrings"],
            ["sh", "-c", fetch_key],
            ["chmod", "644", APT_KEYRING],
        ],
        files={APT_LIST: list_line + "\n"},
        install_commands=[["apt-get", "update"], install, _enable_kubelet()],
        hold_commands=[hold],
        display=[
            "sudo apt-get update",
            "sudo apt-get install -y apt-transport-https ca-certificates curl gpg",
            "sudo mkdir -p -m 755 /etc/apt/keyrings",
            f"curl -fsSL {shlex.quote(key)} | sudo gpg --dearmor --yes -o {APT_KEYRING}",
            f"sudo chmod 644 {APT_KEYRING}",
            f"echo {shlex.quote(list_line)} | sudo tee {APT_LIST}",
            f"sudo chmod 644 {APT_LIST}",
            "sudo apt-get update",
            "sudo " + shlex.join(install),
            "sudo " + shlex.join(hold),
            "sudo " + shlex.join(_enable_kubelet()),
        ],
        notes=[
            N_("apt-mark hold keeps a routine 'apt upgrade' from moving the cluster to a new "
               "version; upgrades run 'apt-mark unhold' first, as the kubeadm upgrade guide "
               "shows."),
            _("This repository only ever offers 1.{minor}.x; the next minor needs its own "
              "repository line.").format(minor=minor),
        ],
    )


def _dnf_plan(minor: int, pinned: str | None) -> PackagePlan:
    repo = f"{_repo_base(minor)}/rpm/"
    key = f"{repo}repodata/repomd.xml.key"
    repo_file = (
        "[kubernetes]\n"
        "name=Kubernetes\n"
        f"baseurl={repo}\n"
        "enabled=1\n"
        "gpgcheck=1\n"
        f"gpgkey={key}\n"
        # Routine 'dnf upgrade' skips these; installing and upgrading name --disableexcludes.
        "exclude=kubelet kubeadm kubectl cri-tools kubernetes-cni\n"
    )
    packages = _packages(pinned, "-") + _extra_packages(minor, "conntrack-tools")
    install = ["dnf", "install", "-y", *packages, "--disableexcludes=kubernetes"]
    hold = ["dnf", "versionlock", "add", *K8S_PACKAGES]
    return PackagePlan(
        family="dnf",
        minor=minor,
        repo_url=repo,
        key_url=key,
        files={DNF_REPO: repo_file},
        install_commands=[install, _enable_kubelet()],
        hold_commands=[hold],
        display=[
            f"cat <<EOF | sudo tee {DNF_REPO}\n{repo_file}EOF",
            "sudo " + shlex.join(install),
            "sudo " + shlex.join(hold),
            "sudo " + shlex.join(_enable_kubelet()),
        ],
        notes=[
            N_("The exclude= line already keeps 'dnf upgrade' away from these packages; "
               "versionlock adds a second guard. dnf5 has versionlock built in; dnf 4 needs "
               "python3-dnf-plugin-versionlock."),
            N_("The install guide also sets SELinux to permissive ('setenforce 0' and "
               "SELINUX=permissive in /etc/selinux/config) so containers can read the host "
               "files they mount."),
            _("This repository only ever offers 1.{minor}.x; the next minor needs its own "
              "baseurl.").format(minor=minor),
        ],
    )


def _enable_kubelet() -> list[str]:
    # The kubelet restarts in a loop until init/join writes its configuration; that is expected,
    # and kubeadm's Service-Kubelet preflight check warns if the unit is not enabled.
    return ["systemctl", "enable", "--now", "kubelet"]

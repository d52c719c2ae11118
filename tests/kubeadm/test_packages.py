"""pkgs.k8s.io package plans, checked against the "Installing kubeadm" page (reference §6)."""

from __future__ import annotations

import configparser

import pytest

from wizard.kube.versions import SUPPORTED_MINORS, KubeVersion
from wizard.kubeadm.packages import (
    APT_KEYRING,
    APT_LIST,
    DNF_REPO,
    detect_family,
    package_plan,
)


class TestDetectFamily:
    @pytest.mark.parametrize("distro", ["debian", "ubuntu", "raspbian"])
    def test_apt_distros(self, distro):
        assert detect_family({"ID": distro}) == "apt"

    @pytest.mark.parametrize("distro", ["fedora", "rhel", "centos", "rocky", "almalinux"])
    def test_dnf_distros(self, distro):
        assert detect_family({"ID": distro}) == "dnf"

    def test_falls_back_to_id_like(self):
        assert detect_family({"ID": "linuxmint", "ID_LIKE": "ubuntu debian"}) == "apt"
        assert detect_family({"ID": "ol", "ID_LIKE": "fedora"}) == "dnf"

    def test_tolerates_quoted_values(self):
        assert detect_family({"ID": '"rocky"', "ID_LIKE": '"rhel centos fedora"'}) == "dnf"

    def test_unknown_distros(self):
        assert detect_family({"ID": "alpine"}) is None
        assert detect_family({"ID": "opensuse-leap", "ID_LIKE": "suse opensuse"}) is None
        assert detect_family({}) is None


class TestAptPlan:
    def test_repository_and_key(self):
        plan = package_plan("apt", 35)
        assert plan.repo_url == "https://pkgs.k8s.io/core:/stable:/v1.35/deb/"
        assert plan.key_url == "https://pkgs.k8s.io/core:/stable:/v1.35/deb/Release.key"
        assert APT_KEYRING == "/etc/apt/keyrings/kubernetes-apt-keyring.gpg"
        assert plan.files == {
            APT_LIST: "deb [signed-by=/etc/apt/keyrings/kubernetes-apt-keyring.gpg] "
            "https://pkgs.k8s.io/core:/stable:/v1.35/deb/ /\n"
        }

    def test_keyring_exists_before_the_list_is_written(self):
        plan = package_plan("apt", 35)
        prepare = [" ".join(c) for c in plan.prepare_commands]
        assert any("gpg --dearmor" in c and APT_KEYRING in c for c in prepare)
        assert ["mkdir", "-p", "-m", "755", "/etc/apt/keyrings"] in plan.prepare_commands
        assert plan.install_commands[0] == ["apt-get", "update"]

    def test_install_hold_and_enable(self):
        plan = package_plan("apt", 35)
        assert [
            "apt-get",
            "install",
            "-y",
            "kubelet",
            "kubeadm",
            "kubectl",
        ] in plan.install_commands
        assert plan.install_commands[-1] == ["systemctl", "enable", "--now", "kubelet"]
        assert plan.hold_commands == [["apt-mark", "hold", "kubelet", "kubeadm", "kubectl"]]

    def test_display_is_what_a_person_types(self):
        display = package_plan("apt", 35).display
        assert "sudo apt-mark hold kubelet kubeadm kubectl" in display
        assert display.index("sudo apt-get install -y kubelet kubeadm kubectl") > display.index(
            "sudo chmod 644 /etc/apt/sources.list.d/kubernetes.list"
        )
        assert any(line.startswith("curl -fsSL https://pkgs.k8s.io/") for line in display)

    def test_pinned_patch(self):
        plan = package_plan("apt", 35, "v1.35.2")
        install = plan.install_commands[1]
        assert install[3:] == ["kubelet=1.35.2-*", "kubeadm=1.35.2-*", "kubectl=1.35.2-*"]
        assert (
            package_plan("apt", 35, KubeVersion(1, 35, 2)).install_commands == plan.install_commands
        )

    def test_conntrack_until_131(self):
        assert "conntrack" in package_plan("apt", 31).install_commands[1]
        assert "conntrack" not in package_plan("apt", 32).install_commands[1]


class TestDnfPlan:
    def test_repo_file(self):
        plan = package_plan("dnf", 35)
        parser = configparser.ConfigParser()
        parser.read_string(plan.files[DNF_REPO])
        section = parser["kubernetes"]
        assert section["baseurl"] == "https://pkgs.k8s.io/core:/stable:/v1.35/rpm/"
        assert section["gpgkey"] == (
            "https://pkgs.k8s.io/core:/stable:/v1.35/rpm/repodata/repomd.xml.key"
        )
        assert section["gpgcheck"] == "1"
        assert section["enabled"] == "1"
        assert section["exclude"] == "kubelet kubeadm kubectl cri-tools kubernetes-cni"

    def test_install_disables_the_excludes(self):
        plan = package_plan("dnf", 35)
        assert plan.prepare_commands == []
        assert plan.install_commands[0] == [
            "dnf",
            "install",
            "-y",
            "kubelet",
            "kubeadm",
            "kubectl",
            "--disableexcludes=kubernetes",
        ]
        assert plan.hold_commands == [
            ["dnf", "versionlock", "add", "kubelet", "kubeadm", "kubectl"]
        ]
        assert any("versionlock" in note for note in plan.notes)
        assert any("SELinux" in note for note in plan.notes)

    def test_pinned_patch_and_conntrack(self):
        install = package_plan("dnf", 31, "1.31.14").install_commands[0]
        assert "kubeadm-1.31.14-*" in install
        assert "conntrack-tools" in install

    def test_display_writes_the_same_repo_file(self):
        plan = package_plan("dnf", 36)
        assert plan.files[DNF_REPO] in plan.display[0]
        assert "sudo dnf versionlock add kubelet kubeadm kubectl" in plan.display


class TestRefusals:
    def test_minors_before_pkgs_k8s_io(self):
        with pytest.raises(ValueError, match="v1.24"):
            package_plan("apt", 23)

    def test_pin_must_match_the_minor_and_be_a_release(self):
        with pytest.raises(ValueError, match="not a 1.35 release"):
            package_plan("apt", 35, "1.36.0")
        with pytest.raises(ValueError, match="released patch"):
            package_plan("dnf", 35, "1.35")
        with pytest.raises(ValueError, match="released patch"):
            package_plan("dnf", 35, "1.35.0-rc.1")

    def test_unknown_family(self):
        with pytest.raises(ValueError, match="'apt' or 'dnf'"):
            package_plan("zypper", 35)  # type: ignore[arg-type]


@pytest.mark.parametrize("minor", SUPPORTED_MINORS)
@pytest.mark.parametrize("family", ["apt", "dnf"])
def test_every_supported_minor_has_its_own_repository(family, minor):
    plan = package_plan(family, minor)
    assert f"/v1.{minor}/" in plan.repo_url
    assert all(f"v1.{minor}" in content for content in plan.files.values())

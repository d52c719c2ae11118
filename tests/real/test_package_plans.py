"""The package steps, read by the Debian root's own apt and dpkg: the repository file the
containerd upgrade writes is one apt accepts, and undo removes exactly what dpkg lacked."""

from __future__ import annotations

from real_programs import chroot

from wizard.checks.base import CheckContext
from wizard.checks.container_runtime import cri
from wizard.fixes.package_actions import install_action
from wizard.fixes.runtime import DOCKER_APT_SOURCES
from wizard.host.base import Host
from wizard.model import WizardChoices
from wizard.steps.step import FileWrite


def _os_release(root) -> dict[str, str]:
    lines = (root / "etc/os-release").read_text().splitlines()
    return {k: v.strip('"') for k, _, v in (line.partition("=") for line in lines) if v}


def _version_check(root):
    ctx = CheckContext(Host(root), WizardChoices(kubernetes_version="1.36"))
    return next(r for r in cri(ctx) if r.id == "ContainerRuntimeVersion")


def test_debians_containerd_1x_gets_an_upgrade_to_dockers_containerd_io(debian_root):
    result = _version_check(debian_root)
    assert result.status.value == "warn"
    (step,) = result.fixes
    assert step.id == "upgrade-containerd"
    install = next(a for a in step.actions if getattr(a, "argv", ())[-1:] == ("containerd.io",))
    # Debian's containerd comes back on undo: apt swaps containerd.io out for it.
    assert install.undo_argv == ("apt-get", "install", "-y", "containerd")


def test_apt_itself_reads_the_docker_repository_the_step_writes(debian_root):
    (step,) = _version_check(debian_root).fixes
    sources = next(a for a in step.actions if isinstance(a, FileWrite))
    assert sources.path == DOCKER_APT_SOURCES
    Host(debian_root).write_file(sources.path, sources.content.encode())
    listed = chroot(debian_root, "apt-get", "indextargets", "--no-release-info", "--format",
                    "$(SITE) $(RELEASE) $(COMPONENT) $(TARGET_OF)")
    assert listed.returncode == 0, listed.stderr
    codename = _os_release(debian_root)["VERSION_CODENAME"]
    assert f"https://download.docker.com/linux/debian {codename} stable deb" in listed.stdout


def test_undo_of_an_install_removes_only_what_dpkg_did_not_have(debian_root):
    wanted = ("containerd", "curl", "ca-certificates", "socat")
    action = install_action(Host(debian_root), ("apt-get", "install", "-y", *wanted))
    queried = chroot(debian_root, "dpkg-query", "-W", "-f", "${db:Status-Abbrev}${Package}\n",
                     *wanted).stdout.splitlines()
    installed = {line[3:] for line in queried if line.startswith("ii ")}
    assert "containerd" in installed  # the root's build installs it; the test needs both kinds
    assert action.undo_argv == ("apt-get", "remove", "-y",
                                *(p for p in wanted if p not in installed))

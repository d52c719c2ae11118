"""Fix steps for the container runtime: install it, start it, and configure it for the kubelet.

Installing follows each project's own packaging for the host's package family (apt or dnf).
Configuration edits go through wizard.runtime, which keeps a person's comments and layout, and
end with a restart, because every runtime reads its configuration only when it starts.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass

from wizard.facts.runtime import (
    CONTAINERD,
    CONTAINERD_CONFIG,
    CRI_FOR_CHOICE,
    DOCKER,
    RuntimeSpec,
    containerd_config_fact,
    crio_config_files,
    program_version,
    runtime_facts,
    version_tuple,
)
from wizard.facts.systemd import unit_active
from wizard.fixes.package_actions import package_action
from wizard.host.base import Host
from wizard.i18n import _
from wizard.kube.versions import containerd_advice, pause_image
from wizard.kubeadm.packages import detect_family
from wizard.runtime import containerd_config, crio_config, docker_config
from wizard.steps.step import FileWrite, RunCommand, Step

APT_KEYRINGS = "/etc/apt/keyrings"
CRIO_APT_KEYRING = f"{APT_KEYRINGS}/cri-o-apt-keyring.gpg"
CRIO_APT_LIST = "/etc/apt/sources.list.d/cri-o.list"
CRIO_DNF_REPO = "/etc/yum.repos.d/cri-o.repo"
DOCKER_DNF_REPO = "/etc/yum.repos.d/docker-ce.repo"
DOCKER_APT_KEY = f"{APT_KEYRINGS}/docker.asc"
DOCKER_APT_SOURCES = "/etc/apt/sources.list.d/docker.sources"
DOCKER_APT_DISTROS = ("debian", "ubuntu", "raspbian")
"""The distributions Docker's apt repository has a tree for (download.docker.com/linux/ID);
64-bit Raspberry Pi OS says ID=debian and uses Debian's tree, as Docker's guide says."""
KEEP_CONFIG = "Dpkg::Options::=--force-confold"
"""containerd.io ships /etc/containerd/config.toml as a conffile; an existing one (the
operator's, or the wizard's) is kept instead of stopping apt at a question."""
CRI_DOCKERD_RELEASES = "https://github.com/Mirantis/cri-dockerd/releases"
CRIO_DROP_IN_LATE = "zz-kubeadm-wizard-cgroup-manager.conf"
"""Used instead of 02-cgroup-manager.conf when a drop-in sorting after it sets another manager
(drop-ins are read in name order, and a letter sorts after every numbered 99-… name)."""

_PLATFORMS = {"x86_64": "linux/amd64", "aarch64": "linux/arm64/v8", "armv7l": "linux/arm/v7"}
"""What `containerd config default` lists as the task platform on each architecture."""


def _crio_repo(minor: int) -> str:
    """CRI-O's packages, one repository per minor that matches Kubernetes' (cri-o/packaging)."""
    return f"https://download.opensuse.org/repositories/isv:/cri-o:/stable:/v1.{minor}"


def _docker_repo_file(distro_id: str) -> str:
    """Docker's dnf repository: fedora and rhel have their own, other RHEL-likes use centos."""
    flavour = distro_id if distro_id in ("fedora", "rhel") else "centos"
    base = f"https://download.docker.com/linux/{flavour}"
    return ("[docker-ce-stable]\n"
            "name=Docker CE Stable - $basearch\n"
            f"baseurl={base}/$releasever/$basearch/stable\n"
            "enabled=1\n"
            "gpgcheck=1\n"
            f"gpgkey={base}/gpg\n")


@dataclass(frozen=True)
class InstallPlan:
    """The step that installs and starts a runtime, or why there is none, plus version advice."""

    step: Step | None
    advice: tuple[str, ...]


def _run(host: Host, *argv: str) -> RunCommand:
    """A package-plan command, undone by removing only what it installed (or said kept)."""
    return package_action(host, argv)


def _docker_apt_sources(distro_id: str, codename: str) -> str:
    """Docker's repository in deb822 form, as its install guide writes it."""
    return ("Types: deb\n"
            f"URIs: https://download.docker.com/linux/{distro_id}\n"
            f"Suites: {codename}\n"
            "Components: stable\n"
            f"Signed-By: {DOCKER_APT_KEY}\n")


def _enable(spec: RuntimeSpec) -> RunCommand:
    return RunCommand(("systemctl", "enable", "--now", spec.unit),
                      undo_argv=("systemctl", "disable", "--now", spec.unit), runtime_only=False)


def _restart(unit: str) -> RunCommand:
    """Every runtime reads its configuration only when it starts, so undo restarts it too,
    after the old configuration is back."""
    return RunCommand(("systemctl", "restart", unit), undo_argv=("systemctl", "restart", unit),
                      runtime_only=False)


def install_plan(host: Host, runtime: str, minor: int) -> InstallPlan:
    """Install the runtime chosen in WizardChoices.runtime with this distro's package manager."""
    family = detect_family(host.identity.os_release)
    distro = host.identity.distro_id
    advice = _version_advice(runtime, minor)
    if family is None:
        return InstallPlan(None, (f"The wizard has no package plan for {host.identity.distro}; "
                                  "install the runtime by hand.", *advice))
    spec = CRI_FOR_CHOICE[runtime]
    service = DOCKER if runtime == "docker" else spec
    actions: tuple[FileWrite | RunCommand, ...]
    if runtime == "containerd":
        source = containerd_source(host, minor)
        if source.actions is None:
            return InstallPlan(None, (source.why, *advice))
        actions, advice = source.actions, (source.why, *advice)
    elif runtime == "cri-o":
        actions = _crio_actions(host, family, minor)
    else:
        actions = _docker_actions(host, family, distro)
    step = Step(
        id=f"install-{runtime}",
        title=f"Install and start {service.name}",
        why=" ".join((_("The kubelet runs every container through a CRI runtime; {name} is "
                        "the one chosen, and its service must run at every boot.").format(
                            name=service.name), *map(_, advice))),
        actions=(*actions, _enable(service)),
        verify=f"systemctl is-active {service.unit}; {service.program} --version",
        undo=("kubeadm-wizard undo stops the service, removes the packages this step "
              "installed and the repository files (it lists them before it runs)."),
        done_when=lambda h: (h.which(service.program) is not None
                             and unit_active(h, service.unit)),
        fixes="CRI",
    )
    return InstallPlan(step, advice)


@dataclass(frozen=True)
class ContainerdSource:
    """Where containerd comes from on this host for this minor, and why; no actions: none."""

    actions: tuple[FileWrite | RunCommand, ...] | None
    why: str


def containerd_source(host: Host, minor: int) -> ContainerdSource:
    """The distribution's containerd where it is new enough, else Docker's containerd.io.

    Debian 12 (and Raspberry Pi OS on it) ships containerd 1.6, Debian 13 and Ubuntu 24.04
    1.7: none answers RuntimeConfig, which the kubelet asks from 1.35 (RUNTIME_CONFIG_SINCE in
    wizard.checks.container_runtime). Docker's containerd.io is 2.x, and the Kubernetes docs
    point to it for containerd packages; its CRI plugin is enabled by the config step.
    """
    family = detect_family(host.identity.os_release)
    distro = host.identity.distro_id
    if family == "dnf":
        if distro == "fedora":
            return ContainerdSource((_run(host, "dnf", "install", "-y", "containerd"),),
                                    _("Fedora ships containerd itself."))
        # RHEL and its rebuilds ship no containerd; Docker's repository has containerd.io.
        return ContainerdSource((FileWrite(DOCKER_DNF_REPO, _docker_repo_file(distro)),
                                 _run(host, "dnf", "install", "-y", "containerd.io")),
                                _("RHEL-like systems ship no containerd: containerd.io "
                                  "comes from Docker's repository."))
    if minor < 35:
        return ContainerdSource((_run(host, "apt-get", "update"),
                                 _run(host, "apt-get", "install", "-y", "containerd")),
                                _("The distribution's containerd serves Kubernetes "
                                  "1.{minor}.").format(minor=minor))
    return _docker_containerd(host)


def _docker_containerd(host: Host, *, replacing: bool = False) -> ContainerdSource:
    """Docker's repository and containerd.io; `replacing` a distribution containerd, undo
    installs that back (apt then swaps containerd.io out again)."""
    distro = host.identity.distro_id
    codename = host.identity.os_release.get("VERSION_CODENAME", "")
    if distro not in DOCKER_APT_DISTROS or not codename:
        return ContainerdSource(None, _(
            "{distro}'s own containerd is older than 2.0 and Docker's repository has no tree "
            "for it: install containerd 2.x from "
            "https://github.com/containerd/containerd/releases.").format(
                distro=host.identity.distro))
    key_url = f"https://download.docker.com/linux/{distro}/gpg"
    install = ("apt-get", "-o", KEEP_CONFIG, "install", "-y", "containerd.io")
    return ContainerdSource((
        _run(host, "apt-get", "update"),
        _run(host, "apt-get", "install", "-y", "ca-certificates", "curl"),
        RunCommand(("curl", "-fsSL", "--create-dirs", "-o", DOCKER_APT_KEY, key_url),
                   undo_argv=("rm", "-f", DOCKER_APT_KEY), runtime_only=False),
        FileWrite(DOCKER_APT_SOURCES, _docker_apt_sources(distro, codename), mode=0o644),
        _run(host, "apt-get", "update"),
        RunCommand(install, undo_argv=("apt-get", "install", "-y", "containerd"),
                   runtime_only=False) if replacing else _run(host, *install),
    ), _("{name}'s own containerd is older than 2.0, so containerd.io 2.x comes from Docker's "
         "repository (download.docker.com/linux/{distro} {codename}).").format(
             name=host.identity.distro, distro=distro, codename=codename))


def containerd_upgrade_step(host: Host, minor: int, installed: str) -> Step | None:
    """Replace a containerd that cannot answer RuntimeConfig with Docker's containerd.io 2.x.

    containerd.io declares Conflicts/Replaces containerd and runc, so apt swaps them in one
    transaction; undo installs the distribution's containerd again, which swaps them back.
    """
    if minor < 35 or detect_family(host.identity.os_release) != "apt":
        return None
    source = _docker_containerd(host, replacing=True)
    if source.actions is None:
        return None
    return Step(
        id="upgrade-containerd",
        title=f"Replace containerd {installed} with containerd.io 2.x",
        why=_("The kubelet 1.{minor} asks its runtime for the cgroup driver (RuntimeConfig), "
              "which containerd {installed} cannot answer; kubeadm warns and the fallback is "
              "due to go in 1.38.").format(minor=minor, installed=installed)
        + " " + _(source.why),
        actions=(*source.actions, _restart(CONTAINERD.unit)),
        verify="containerd --version  shows 2.x; systemctl is-active containerd",
        undo=("kubeadm-wizard undo installs the distribution's containerd again (apt swaps "
              "containerd.io out) and removes Docker's repository files."),
        done_when=lambda h: (version_tuple(program_version(h, CONTAINERD)) or (0, 0)) >= (2, 0),
        fixes="ContainerRuntimeVersion",
    )


def _crio_actions(host: Host, family: str, minor: int) -> tuple[FileWrite | RunCommand, ...]:
    repo = _crio_repo(minor)
    if family == "dnf":
        repo_file = ("[cri-o]\nname=CRI-O\n"
                     f"baseurl={repo}/rpm/\nenabled=1\ngpgcheck=1\n"
                     f"gpgkey={repo}/rpm/repodata/repomd.xml.key\n")
        return (FileWrite(CRIO_DNF_REPO, repo_file),
                _run(host, "dnf", "install", "-y", "container-selinux", "cri-o"))
    fetch_key = (f"curl -fsSL {shlex.quote(repo + '/deb/Release.key')} "
                 f"| gpg --dearmor --yes -o {CRIO_APT_KEYRING}")
    return (_run(host, "apt-get", "update"),
            _run(host, "apt-get", "install", "-y", "ca-certificates", "curl", "gpg"),
            _run(host, "mkdir", "-p", "-m", "755", APT_KEYRINGS),
            RunCommand(("sh", "-c", fetch_key), undo_argv=("rm", "-f", CRIO_APT_KEYRING),
                       runtime_only=False),
            FileWrite(CRIO_APT_LIST, f"deb [signed-by={CRIO_APT_KEYRING}] {repo}/deb/ /\n"),
            _run(host, "apt-get", "update"),
            _run(host, "apt-get", "install", "-y", "cri-o"))


def _docker_actions(host: Host, family: str, distro: str) -> tuple[FileWrite | RunCommand, ...]:
    if family == "apt":
        return (_run(host, "apt-get", "update"),
                _run(host, "apt-get", "install", "-y", "docker.io"))
    return (FileWrite(DOCKER_DNF_REPO, _docker_repo_file(distro)),
            _run(host, "dnf", "install", "-y", "docker-ce"))


def _version_advice(runtime: str, minor: int) -> tuple[str, ...]:
    if runtime == "containerd":
        advice = containerd_advice(minor)
        return (advice.summary, *advice.details)
    if runtime == "cri-o":
        return (f"CRI-O's minor follows Kubernetes': install CRI-O 1.{minor} for Kubernetes "
                f"1.{minor}.",)
    return ("Docker Engine alone cannot serve the kubelet since 1.24 (dockershim was removed): "
            f"install cri-dockerd from {CRI_DOCKERD_RELEASES} and enable cri-docker.socket. "
            "Docker already runs containerd, so choosing containerd needs no extra adapter.",)


# ------------------------------------------------------------------- service state
def start_service_step(spec: RuntimeSpec) -> Step:
    """Enable the runtime's unit and start it now (installed but stopped)."""
    return Step(
        id=f"start-{spec.key}",
        title=f"Start {spec.name} now and at boot",
        why=_("{name} is installed but not running, so nothing answers on {socket} and "
              "kubeadm's CRI check fails.").format(name=spec.name, socket=spec.socket),
        actions=(_enable(spec),),
        verify=f"systemctl is-active {spec.unit}",
        done_when=lambda h: unit_active(h, spec.unit),
        fixes="CRI",
    )


def restart_service_step(spec: RuntimeSpec) -> Step:
    """Restart a runtime whose socket file exists but refuses connections."""
    return Step(
        id=f"restart-{spec.key}",
        title=f"Restart {spec.name}",
        why=_("{socket} exists but nothing accepts connections on it: the daemon stopped "
              "or crashed and left its socket behind. A restart recreates it.").format(
                  socket=spec.socket),
        actions=(_restart(spec.unit),),
        verify=f"systemctl status {spec.unit}; journalctl -u {spec.unit} -n 20",
        done_when=lambda h: runtime_facts(h, spec).answering,
        fixes="CRI",
    )


# -------------------------------------------------------------- runtime configuration
def default_containerd_config(host: Host) -> tuple[str, str]:
    """A config to start from when config.toml is missing, and where it came from.

    containerd's own `containerd config default` where it can run; otherwise the stored default
    of the installed major (version 2 layout when unknown: containerd 1.x and 2.x both read it).
    """
    if host.which("containerd"):
        result = host.run(["containerd", "config", "default"])
        if result.ok and result.stdout.strip():
            try:
                containerd_config.parse(result.stdout)
            except containerd_config.ContainerdConfigError:
                pass
            else:
                return result.stdout, "`containerd config default`"
    release = version_tuple(program_version(host, CONTAINERD))
    major = release[0] if release and release[0] in containerd_config.SUPPORTED_MAJORS else 1
    identity = host.identity
    platform = _PLATFORMS.get(identity.userland_architecture or identity.kernel_architecture)
    return (containerd_config.default_config(major, platform),
            f"containerd {major}.x's default configuration")


def containerd_config_step(host: Host, minor: int, driver: str) -> Step | None:
    """Edit config.toml: CRI enabled, runc's SystemdCgroup matching `driver`, kubeadm's pause
    image. None when it already says all that, or when the file cannot be parsed (the check
    reports the parse error; the wizard does not rewrite a file it cannot read)."""
    fact = containerd_config_fact(host)
    if fact.error:
        return None
    if fact.text is None:
        base, origin = default_containerd_config(host)
    else:
        base, origin = fact.text, f"the current {CONTAINERD_CONFIG}"
    summary = containerd_config.parse(base)
    systemd, image = driver == "systemd", pause_image(minor)
    text = containerd_config.configure(
        base, cri=True, systemd_cgroup=systemd if summary.uses_systemd_cgroup != systemd else None,
        sandbox_image=image if summary.sandbox_image != image else None)
    if fact.text is not None and text == fact.text:
        return None
    return Step(
        id="containerd-config",
        title=f"Configure containerd for the kubelet ({CONTAINERD_CONFIG})",
        why=_("Starts from {origin}, with every comment kept. The kubelet and containerd must "
              "use the same cgroup driver ({driver}): runc's SystemdCgroup option says which. "
              "The CRI plugin must not be in disabled_plugins, or the kubelet has nothing to "
              "talk to. The sandbox (pause) image is set to {image}, the one kubeadm 1.{minor} "
              "pre-pulls. containerd reads its config only at start, hence the restart.").format(
                  origin=origin, driver=driver, image=image, minor=minor),
        actions=(FileWrite(CONTAINERD_CONFIG, text), _restart("containerd")),
        verify=("containerd config dump | grep -E 'SystemdCgroup|sandbox'; "
                "sudo crictl info | grep -i cgroup"),
        # The restart matters only when the file changes, which FileWrite already tracks.
        done_when=lambda h: True,
        fixes="RuntimeCgroupDriver",
    )


def crio_cgroup_step(host: Host, manager: str) -> Step | None:
    """A crio.conf.d drop-in selecting `manager`, named so that it is the one that counts."""
    try:
        files = crio_config_files(host)
        if crio_config.detect_cgroup_manager(files).name == manager:
            return None
        content = crio_config.cgroup_manager_drop_in(manager)
        for name in (crio_config.DROP_IN_NAME, CRIO_DROP_IN_LATE):
            path = f"{crio_config.DROP_IN_DIR}/{name}"
            if crio_config.detect_cgroup_manager({**files, path: content}).name == manager:
                break
    except crio_config.CrioConfigError:
        return None
    return Step(
        id="crio-cgroup-manager",
        title=f"Set CRI-O's cgroup manager to {manager}",
        why=_("CRI-O reads crio.conf, then every crio.conf.d file in name order, and the last "
              "cgroup_manager wins; {path} makes it {manager}, the kubelet's driver. CRI-O "
              "reads its configuration only at start, hence the restart.").format(
                  path=path, manager=manager),
        actions=(FileWrite(path, content), _restart("crio")),
        verify="crio status config | grep cgroup_manager",
        done_when=lambda h: True,
        fixes="RuntimeCgroupDriver",
    )


def docker_cgroup_step(host: Host, driver: str) -> Step | None:
    """Set native.cgroupdriver in daemon.json, keeping every other setting."""
    text = host.read_optional(docker_config.DAEMON_JSON) or ""
    try:
        if docker_config.cgroup_driver(text) == driver:
            return None
        content = docker_config.set_cgroup_driver(text, driver)
    except docker_config.DockerConfigError:
        return None
    return Step(
        id="docker-cgroup-driver",
        title=f"Set Docker's cgroup driver to {driver}",
        why=_("cri-dockerd runs pods through Docker, so Docker's cgroup driver must be the "
              "kubelet's ({driver}). It is set in exec-opts of {path} only: dockerd refuses "
              "to start when a unit flag sets it as well.").format(
                  driver=driver, path=docker_config.DAEMON_JSON),
        actions=(FileWrite(docker_config.DAEMON_JSON, content), _restart("docker")),
        verify="docker info --format '{{.CgroupDriver}}'",
        done_when=lambda h: True,
        fixes="RuntimeCgroupDriver",
    )


def runtime_config_step(host: Host, runtime: str, minor: int, driver: str) -> Step | None:
    """The configuration step for the runtime chosen in WizardChoices.runtime."""
    if runtime == "containerd":
        return containerd_config_step(host, minor, driver)
    if runtime == "cri-o":
        return crio_cgroup_step(host, driver)
    return docker_cgroup_step(host, driver)

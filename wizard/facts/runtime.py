"""Which container runtimes a host has, whether their CRI sockets answer, which driver each uses.

kubeadm finds a runtime by looking for its CRI socket; when it finds more than one it refuses
to guess and wants `criSocket` in its configuration. Docker Engine on its own has no CRI socket
at all since the kubelet dropped dockershim in 1.24: it needs the cri-dockerd adapter. And
every Docker host also runs containerd, so Docker plus cri-dockerd means two sockets.
"""

from __future__ import annotations

import re
import socket
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from wizard.facts.packages import package_version
from wizard.facts.systemd import unit_active
from wizard.runtime import containerd_config, crio_config, docker_config

if TYPE_CHECKING:
    from wizard.host.base import Host

CONTAINERD_CONFIG = "/etc/containerd/config.toml"
CONNECT_TIMEOUT = 2.0


@dataclass(frozen=True)
class RuntimeSpec:
    """Where one runtime lives: its program, systemd unit and socket."""

    key: str
    name: str
    program: str
    unit: str
    socket: str
    """The kubeadm criSocket URL (for Docker Engine: its own API socket, which is not a CRI)."""
    cri: bool = True


CONTAINERD = RuntimeSpec("containerd", "containerd", "containerd", "containerd.service",
                         "unix:///var/run/containerd/containerd.sock")
CRIO = RuntimeSpec("cri-o", "CRI-O", "crio", "crio.service", "unix:///var/run/crio/crio.sock")
CRI_DOCKERD = RuntimeSpec("cri-dockerd", "cri-dockerd", "cri-dockerd", "cri-docker.socket",
                          "unix:///var/run/cri-dockerd.sock")
DOCKER = RuntimeSpec("docker", "Docker Engine", "dockerd", "docker.service",
                     "unix:///var/run/docker.sock", cri=False)
SPECS = (CONTAINERD, CRIO, CRI_DOCKERD, DOCKER)
"""The CRI sockets are kubeadm's own constants (/var/run, a symlink to /run on current distros)."""

CRI_FOR_CHOICE = {"containerd": CONTAINERD, "cri-o": CRIO, "docker": CRI_DOCKERD}
"""WizardChoices.runtime → the runtime that serves the CRI ("docker" is served by cri-dockerd)."""


def socket_path(url: str) -> str:
    """/var/run/crio/crio.sock for unix:///var/run/crio/crio.sock (a bare path stays as it is)."""
    return url.removeprefix("unix://")


def _twins(path: str) -> tuple[str, ...]:
    """/var/run is a symlink to /run on a booted system, but a copied root may hold either."""
    for one, other in (("/var/run/", "/run/"), ("/run/", "/var/run/")):
        if path.startswith(one):
            return path, other + path[len(one):]
    return (path,)


# ------------------------------------------------------------------------------ sockets
@dataclass(frozen=True)
class SocketProbe:
    """Whether a socket file exists and whether something accepts connections on it."""

    path: str
    exists: bool
    answers: bool | None
    """None when it could not be asked: no running system, or not allowed to connect."""
    detail: str


def probe_socket(host: Host, url: str) -> SocketProbe:
    """A real connect() on a live host; on a demo or a root directory, the file's existence."""
    candidates = _twins(socket_path(url))
    found = next((p for p in candidates if host.exists(p)), None)
    if found is None:
        return SocketProbe(candidates[0], False, False if host.kind != "root" else None,
                           "no socket file")
    if host.kind == "root":
        return SocketProbe(found, True, None, "not a running system: nothing to connect to")
    if host.kind != "live":
        return SocketProbe(found, True, True, "socket file present (simulated host)")
    return SocketProbe(found, True, *_connect(str(host.path(found))))


def _connect(real_path: str) -> tuple[bool | None, str]:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as client:
        client.settimeout(CONNECT_TIMEOUT)
        try:
            client.connect(real_path)
        except ConnectionRefusedError:
            return False, "connection refused: a stale socket, the daemon is not running"
        except PermissionError:
            return None, "permission denied: run the wizard as root to test it"
        except OSError as error:
            return False, f"cannot connect: {error.strerror or error}"
    return True, "accepts connections"


# ----------------------------------------------------------------------------- runtimes
@dataclass(frozen=True)
class RuntimeFacts:
    """One runtime as found on the host."""

    spec: RuntimeSpec
    binary: str | None
    version: str | None
    service_active: bool
    """Runs now (on a root directory: starts at boot)."""
    socket: SocketProbe

    @property
    def key(self) -> str:
        return self.spec.key

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def installed(self) -> bool:
        return self.binary is not None or self.socket.exists

    @property
    def answering(self) -> bool:
        return self.socket.answers is True

    @property
    def major_minor(self) -> tuple[int, int] | None:
        return version_tuple(self.version)


_VERSION = re.compile(r"\bv?(\d+\.\d+(?:\.\d+)?)")


def parse_version(output: str) -> str | None:
    """The first dotted version in `X --version` output.

    containerd prints "containerd github.com/containerd/containerd/v2 v2.1.4 ..." (the "/v2"
    module suffix has no dot, so it is skipped), CRI-O "crio version 1.30.0", dockerd
    "Docker version 27.3.1, build ...", cri-dockerd "cri-dockerd 0.3.15 (...)".
    """
    match = _VERSION.search(output)
    return match.group(1) if match else None


def version_tuple(version: str | None) -> tuple[int, int] | None:
    """(1, 7) for "1.7.24": what version rules compare."""
    if not version:
        return None
    major, _, rest = version.partition(".")
    return int(major), int(rest.split(".")[0] or 0)


PACKAGES = {"containerd": ("containerd.io", "containerd"), "crio": ("cri-o",),
            "cri-dockerd": ("cri-dockerd",), "dockerd": ("docker-ce", "docker.io")}
"""The packages that ship each runtime's program (Docker's repository, then Debian's)."""


def program_version(host: Host, spec: RuntimeSpec) -> str | None:
    """The runtime's version from `PROGRAM --version`; None when absent or not telling.

    A system that is not running is not asked: its package database says what it will run.
    """
    if host.which(spec.program) is None:
        return None
    result = host.run([spec.program, "--version"])
    if not result.ran:
        found = package_version(host, PACKAGES.get(spec.program, ()))
        return parse_version(found[1]) if found else None
    return parse_version(result.stdout + "\n" + result.stderr) if result.ok else None


def runtime_facts(host: Host, spec: RuntimeSpec, socket_url: str | None = None) -> RuntimeFacts:
    """Binary, version, service and socket of one runtime; `socket_url` overrides the default.

    A demo host's daemons are simulated: one answers exactly when its service is active.
    """
    binary = host.which(spec.program)
    version = program_version(host, spec)
    active = unit_active(host, spec.unit) if binary is not None else False
    probe = probe_socket(host, socket_url or spec.socket)
    if host.kind == "demo" and active and not probe.answers:
        probe = SocketProbe(probe.path, True, True, f"{spec.unit} is active (simulated host)")
    elif host.kind == "demo" and not active and probe.exists:
        probe = SocketProbe(probe.path, True, False, "connection refused: a stale socket, the "
                                                     "daemon is not running (simulated host)")
    return RuntimeFacts(spec, binary, version, active, probe)


@dataclass(frozen=True)
class RuntimeSurvey:
    """Every runtime the wizard knows, found or not, in a fixed order."""

    runtimes: tuple[RuntimeFacts, ...]

    def get(self, key: str) -> RuntimeFacts:
        return next(r for r in self.runtimes if r.key == key)

    @property
    def installed(self) -> tuple[RuntimeFacts, ...]:
        return tuple(r for r in self.runtimes if r.installed)

    @property
    def cri_endpoints(self) -> tuple[RuntimeFacts, ...]:
        """What kubeadm's auto-detection finds: the CRI runtimes whose socket file exists."""
        return tuple(r for r in self.runtimes if r.spec.cri and r.socket.exists)

    @property
    def several(self) -> bool:
        return len(self.cri_endpoints) > 1

    def kubeadm_refusal(self) -> str:
        """kubeadm's own words when it finds several (cmd/kubeadm/app/util/runtime)."""
        return ("found multiple CRI endpoints on the host. Please define which one do you wish "
                "to use by setting the 'criSocket' field in the kubeadm configuration file: "
                + ", ".join(r.spec.socket for r in self.cri_endpoints))

    @property
    def docker_without_adapter(self) -> bool:
        """Docker Engine installed but no cri-dockerd: the kubelet cannot use it since 1.24."""
        return self.get("docker").installed and not self.get("cri-dockerd").installed


def detect_runtimes(host: Host, sockets: Mapping[str, str] | None = None) -> RuntimeSurvey:
    """Survey every known runtime; `sockets` maps a runtime key to a criSocket to probe instead
    of its default (the operator may run one on a non-standard path)."""
    sockets = sockets or {}
    return RuntimeSurvey(tuple(runtime_facts(host, spec, sockets.get(spec.key))
                               for spec in SPECS))


# ------------------------------------------------------------------------- runtime config
@dataclass(frozen=True)
class ContainerdConfigFact:
    """/etc/containerd/config.toml: its text, and containerd's reading of it."""

    path: str
    text: str | None
    summary: containerd_config.ContainerdConfigSummary | None
    error: str | None = None


def containerd_config_fact(host: Host) -> ContainerdConfigFact:
    text = host.read_optional(CONTAINERD_CONFIG)
    if text is None:
        return ContainerdConfigFact(CONTAINERD_CONFIG, None, None)
    try:
        return ContainerdConfigFact(CONTAINERD_CONFIG, text, containerd_config.parse(text))
    except containerd_config.ContainerdConfigError as error:
        return ContainerdConfigFact(CONTAINERD_CONFIG, text, None, str(error))


def crio_config_files(host: Host) -> dict[str, str]:
    """crio.conf and every file of crio.conf.d, path → text, as crio_config expects them."""
    drop_ins = [f"{crio_config.DROP_IN_DIR}/{n}" for n in host.listdir(crio_config.DROP_IN_DIR)]
    files = {}
    for path in (crio_config.MAIN_CONFIG, *drop_ins):
        text = host.read_optional(path)
        if text is not None:
            files[path] = text
    return files


@dataclass(frozen=True)
class DriverFact:
    """The cgroup driver a runtime uses and where that comes from."""

    driver: str | None
    """"systemd" or "cgroupfs"; None when it cannot be told."""
    source: str
    detail: str = ""


def runtime_cgroup_driver(host: Host, runtime: str, *, systemd_init: bool | None = None,
                          cgroup_version: int | None = None) -> DriverFact:
    """The driver of the runtime chosen in WizardChoices.runtime (containerd, cri-o, docker).

    Docker's default depends on the host (systemd on cgroup v2 under systemd, else cgroupfs),
    so the caller passes what it knows about both.
    """
    if runtime == "containerd":
        return _containerd_driver(host)
    if runtime == "cri-o":
        try:
            manager = crio_config.detect_cgroup_manager(crio_config_files(host))
        except crio_config.CrioConfigError as error:
            return DriverFact(None, error.path, str(error))
        return DriverFact(manager.name, manager.source or "CRI-O's built-in default")
    text = host.read_optional(docker_config.DAEMON_JSON)
    try:
        driver = docker_config.cgroup_driver(text or "")
    except docker_config.DockerConfigError as error:
        return DriverFact(None, docker_config.DAEMON_JSON, str(error))
    if driver is not None:
        return DriverFact(driver, f"{docker_config.DAEMON_JSON} exec-opts")
    default = "systemd" if systemd_init and cgroup_version == 2 else "cgroupfs"
    return DriverFact(default, "Docker's default for this host",
                      "unset: Docker uses systemd only on cgroup v2 hosts run by systemd")


def _containerd_driver(host: Host) -> DriverFact:
    fact = containerd_config_fact(host)
    if fact.error:
        return DriverFact(None, fact.path, fact.error)
    if fact.summary is None:
        return DriverFact("cgroupfs", "containerd's built-in default",
                          f"{fact.path} is missing, and containerd defaults to cgroupfs")
    summary = fact.summary
    if summary.systemd_cgroup is None:
        return DriverFact("cgroupfs", fact.path,
                          f"SystemdCgroup is not set in [{summary.runc_table}.options]")
    return DriverFact("systemd" if summary.systemd_cgroup else "cgroupfs", fact.path,
                      f"SystemdCgroup = {str(summary.systemd_cgroup).lower()}")

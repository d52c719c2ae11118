"""The operator's choices: one serialisable model that every screen reads and writes.

It is saved as an answers file and replayed (`--answers FILE`), so it holds only plain data.
Secrets (join token, certificate key) are deliberately not part of it: they live in
`JoinSecrets`, which is never written to the answers file, the journal or a log.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml

from wizard import answers_schema
from wizard.host.files import atomic_write

ROLES = ("control-plane", "worker")
RUNTIMES = ("containerd", "cri-o", "docker")
CNIS = ("flannel", "calico", "cilium")
ANSWERS_VERSION = 1


class AnswersError(ValueError):
    """An answers file that cannot be used, with a message that says why."""


@dataclass
class RouteChoice:
    """A route the operator asked for (the source tutorial's "add a route" case)."""

    dst: str
    gateway: str | None = None
    dev: str | None = None
    metric: int | None = None
    table: str | None = None


@dataclass
class WizardChoices:
    role: str = "control-plane"
    kubernetes_version: str = ""  # "1.N"; empty means the newest the wizard knows
    advertise_address: str = ""   # empty: the source address of the default route
    node_name: str = ""
    control_plane_endpoint: str = ""
    pod_subnet: str = "10.244.0.0/16"
    service_subnet: str = "10.96.0.0/12"
    dns_domain: str = "cluster.local"
    cni: str = "flannel"
    runtime: str = "containerd"
    cri_socket: str = ""
    cgroup_driver: str = "systemd"
    dual_stack: bool = False
    # None: leave the kubelet's default (refuse swap / refuse cgroup v1 from 1.35); False is
    # the operator's explicit choice to tolerate it, written into KubeletConfiguration.
    fail_swap_on: bool | None = None
    fail_cgroup_v1: bool | None = None
    upload_certs: bool = False
    join_endpoint: str = ""
    routes: list[RouteChoice] = field(default_factory=list)
    skipped_fixes: list[str] = field(default_factory=list)

    @property
    def uses_ipv6(self) -> bool:
        """Whether kubeadm's preflight treats this node as IPv6 too: dual-stack chosen, or
        an IPv6 advertise address, pod or service CIDR (a "v4,v6" pair is dual-stack
        whatever the flag says), which is when kubeadm checks IPv6 forwarding."""
        return self.dual_stack or any(":" in value for value in (
            self.advertise_address, self.pod_subnet, self.service_subnet))

    def remember_route(self, route: RouteChoice, op: str = "add") -> None:
        """An added route becomes one of the answers (replayed on every node), a deleted one
        leaves them; one route per destination, the latest kept."""
        self.routes = [kept for kept in self.routes if kept.dst != route.dst]
        if op == "add":
            self.routes.append(route)

    def to_dict(self) -> dict[str, Any]:
        return {"version": ANSWERS_VERSION, **asdict(self)}

    @classmethod
    def from_dict(cls, data: Any, *, source: str = "answers",
                  text: str | None = None) -> WizardChoices:
        """The choices in `data`, or AnswersError naming every problem at once.

        `text` is the file as written: it gives each problem its line, and a number that
        should have been text the way it was typed.
        """
        if not isinstance(data, dict):
            raise AnswersError(f"{source}: an answers file must be a mapping of choice: value")
        version = data.get("version", ANSWERS_VERSION)
        if version != ANSWERS_VERSION:
            raise AnswersError(f"{source}: answers file version {version} is not supported "
                               f"(this wizard reads version {ANSWERS_VERSION})")
        lines, typed = answers_schema.file_layout(text) if text else ({}, {})
        found = answers_schema.problems(
            data, text_checks=answers_schema.text_fields(ROLES, RUNTIMES, CNIS), raw=typed)
        if found:
            raise AnswersError("\n".join(
                f"{source}:{lines[key]}: {message}" if key in lines else f"{source}: {message}"
                for key, message in found))
        values = {k: v for k, v in data.items() if k not in ("version", "routes")}
        routes = [RouteChoice(**route) for route in data.get("routes") or []]
        return cls(**values, routes=routes)

    def save(self, path: Path) -> None:
        """Atomically, creating the directory (the default place is the host's state
        directory, which does not exist before the first save or apply)."""
        atomic_write(path, yaml.safe_dump(self.to_dict(), sort_keys=False).encode())

    @classmethod
    def load(cls, path: Path) -> WizardChoices:
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as error:
            raise AnswersError(f"cannot read {path}: {error.strerror}") from None
        except UnicodeDecodeError as error:
            raise AnswersError(f"{path} is not UTF-8 text (byte {error.start}: "
                               f"{error.object[error.start:error.start + 1]!r})") from None
        try:
            data = yaml.safe_load(text) or {}
        except yaml.YAMLError as error:
            raise AnswersError(f"{path}{_yaml_place(error)}: not valid YAML: "
                               f"{_yaml_problem(error)}") from None
        return cls.from_dict(data, source=str(path), text=text)


def _yaml_place(error: yaml.YAMLError) -> str:
    """`:LINE:COLUMN` where PyYAML found the problem (its own message spans five lines, with
    a copy of the line; a usage error is one line, which an editor can jump to)."""
    mark = getattr(error, "problem_mark", None)
    return f":{mark.line + 1}:{mark.column + 1}" if mark is not None else ""


def _yaml_problem(error: yaml.YAMLError) -> str:
    words = [getattr(error, "context", None), getattr(error, "problem", None)]
    return ": ".join(str(w) for w in words if w) or " ".join(str(error).split())


@dataclass
class JoinSecrets:
    """Values that give access to the cluster: kept in memory only."""

    token: str = ""
    certificate_key: str = ""
    ca_cert_hashes: list[str] = field(default_factory=list)

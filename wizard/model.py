"""The operator's choices: one serialisable model that every screen reads and writes.

It is saved as an answers file and replayed (`--answers FILE`), so it holds only plain data.
Secrets (join token, certificate key) are deliberately not part of it: they live in
`JoinSecrets`, which is never written to the answers file, the journal or a log.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

import yaml

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

    def to_dict(self) -> dict[str, Any]:
        return {"version": ANSWERS_VERSION, **asdict(self)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> WizardChoices:
        if not isinstance(data, dict):
            raise AnswersError("an answers file must be a mapping of choice: value")
        data = dict(data)
        version = data.pop("version", ANSWERS_VERSION)
        if version != ANSWERS_VERSION:
            raise AnswersError(f"answers file version {version} is not supported "
                               f"(this wizard reads version {ANSWERS_VERSION})")
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise AnswersError(f"unknown answer(s): {', '.join(unknown)}")
        routes = data.pop("routes", []) or []
        try:
            choices = cls(**data, routes=[RouteChoice(**r) for r in routes])
        except TypeError as error:
            raise AnswersError(f"malformed answers: {error}") from None
        choices.validate()
        return choices

    def validate(self) -> None:
        if self.role not in ROLES:
            raise AnswersError(f"role must be one of {', '.join(ROLES)}, not {self.role!r}")
        if self.runtime not in RUNTIMES:
            raise AnswersError(f"runtime must be one of {', '.join(RUNTIMES)}")
        if self.cni not in CNIS:
            raise AnswersError(f"cni must be one of {', '.join(CNIS)}")

    def save(self, path: Path) -> None:
        path.write_text(yaml.safe_dump(self.to_dict(), sort_keys=False), encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> WizardChoices:
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except OSError as error:
            raise AnswersError(f"cannot read {path}: {error.strerror}") from None
        except yaml.YAMLError as error:
            raise AnswersError(f"{path} is not valid YAML: {error}") from None
        return cls.from_dict(data)


@dataclass
class JoinSecrets:
    """Values that give access to the cluster: kept in memory only."""

    token: str = ""
    certificate_key: str = ""
    ca_cert_hashes: list[str] = field(default_factory=list)

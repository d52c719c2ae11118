"""Docker Engine's cgroup driver, for Kubernetes through cri-dockerd.

cri-dockerd runs pods through Docker, so the kubelet's cgroup driver must match Docker's. Docker
reads it from ``exec-opts`` in ``/etc/docker/daemon.json`` (``native.cgroupdriver=systemd``).
When unset, Docker uses systemd on cgroup v2 hosts running systemd, and cgroupfs otherwise.
dockerd refuses to start when ``exec-opts`` is given both in daemon.json and as an
``--exec-opt`` flag in its unit, so the wizard edits only the file.
"""

from __future__ import annotations

import json
from typing import Any

CGROUP_DRIVERS = ("systemd", "cgroupfs")
DAEMON_JSON = "/etc/docker/daemon.json"
_OPTION = "native.cgroupdriver"


class DockerConfigError(ValueError):
    """daemon.json is not a JSON object, or ``exec-opts`` is not a list of strings."""

    def __init__(self, message: str, line: int | None = None, column: int | None = None) -> None:
        self.line = line
        self.column = column
        where = f" (line {line}, column {column})" if line is not None else ""
        super().__init__(f"{DAEMON_JSON}: {message}{where}")


def cgroup_driver(text: str) -> str | None:
    """The ``native.cgroupdriver`` exec-opt, or None when unset (Docker then picks by host)."""
    for option in _exec_opts(_load(text)):
        if _is_driver_option(option):
            return option.partition("=")[2].strip()
    return None


def set_cgroup_driver(text: str, driver: str = "systemd") -> str:
    """daemon.json with ``native.cgroupdriver=driver``, every other key and exec-opt kept.

    The first cgroupdriver option is replaced in place and later duplicates are dropped, since
    Docker only reads the first one. An empty or missing file counts as ``{}``. The output uses
    the two-space indent of Docker's documentation.
    """
    if driver not in CGROUP_DRIVERS:
        raise ValueError(
            f"unknown Docker cgroup driver {driver!r}; expected one of {CGROUP_DRIVERS}"
        )
    config = _load(text)
    wanted = f"{_OPTION}={driver}"
    options: list[str] = []
    for option in _exec_opts(config):
        if not _is_driver_option(option):
            options.append(option)
        elif wanted not in options:
            options.append(wanted)
    if wanted not in options:
        options.append(wanted)
    config["exec-opts"] = options
    return json.dumps(config, indent=2, ensure_ascii=False) + "\n"


def _is_driver_option(option: str) -> bool:
    """dockerd trims the key and compares it case-insensitively; the first match counts."""
    return option.partition("=")[0].strip().lower() == _OPTION


def _load(text: str) -> dict[str, Any]:
    if not text.strip():
        return {}
    try:
        config = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DockerConfigError(f"invalid JSON: {exc.msg}", exc.lineno, exc.colno) from exc
    if not isinstance(config, dict):
        raise DockerConfigError("the top level must be a JSON object")
    return config


def _exec_opts(config: dict[str, Any]) -> list[str]:
    options = config.get("exec-opts", [])
    if not isinstance(options, list) or not all(isinstance(o, str) for o in options):
        raise DockerConfigError('"exec-opts" must be a list of strings')
    return options

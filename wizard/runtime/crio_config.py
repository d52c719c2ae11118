"""Find CRI-O's effective cgroup manager and write the drop-in that sets it.

CRI-O reads ``/etc/crio/crio.conf`` first, then every file below ``/etc/crio/crio.conf.d`` in
lexical order (it walks the directory, so not only ``*.conf`` files count); a key set in a later
file wins. The kubelet and CRI-O must use the same cgroup driver. CRI-O's default is systemd, so
most hosts need nothing; the wizard checks which file, if any, changed it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

import tomlkit
from tomlkit.exceptions import ParseError, TOMLKitError

DEFAULT_CGROUP_MANAGER = "systemd"
CGROUP_MANAGERS = ("systemd", "cgroupfs")
MAIN_CONFIG = "/etc/crio/crio.conf"
DROP_IN_DIR = "/etc/crio/crio.conf.d"
DROP_IN_NAME = "02-cgroup-manager.conf"
"""The name the Kubernetes container-runtimes page uses for this drop-in."""


class CrioConfigError(ValueError):
    """A CRI-O config file is not valid TOML or has a value of the wrong type."""

    def __init__(self, path: str, message: str, line: int | None = None) -> None:
        self.path = path
        self.line = line
        super().__init__(f"{path}: {message}")


@dataclass(frozen=True)
class CgroupManager:
    """CRI-O's effective ``[crio.runtime]`` cgroup settings and where they come from."""

    name: str
    """``systemd`` or ``cgroupfs``."""
    source: str | None
    """The file that set ``cgroup_manager`` last; None when CRI-O's default applies."""
    conmon_cgroup: str | None
    """The effective ``conmon_cgroup``; None when unset (CRI-O then picks one itself)."""


def detect_cgroup_manager(files: Mapping[str, str]) -> CgroupManager:
    """The cgroup manager CRI-O will use, given its config files as path → text.

    Pass ``/etc/crio/crio.conf`` (if present) and every file under ``/etc/crio/crio.conf.d``;
    a path named ``crio.conf`` outside a ``crio.conf.d`` directory is the main file.
    """
    name, source, conmon_cgroup = DEFAULT_CGROUP_MANAGER, None, None
    for path in sorted(files, key=_read_order):
        runtime = _runtime_table(path, files[path])
        if "cgroup_manager" in runtime:
            name, source = _string(path, runtime, "cgroup_manager"), path
        if "conmon_cgroup" in runtime:
            conmon_cgroup = _string(path, runtime, "conmon_cgroup")
    return CgroupManager(name=name, source=source, conmon_cgroup=conmon_cgroup)


def cgroup_manager_drop_in(manager: str = DEFAULT_CGROUP_MANAGER) -> str:
    """The text of ``crio.conf.d/02-cgroup-manager.conf`` selecting ``manager``.

    With cgroupfs CRI-O refuses to start unless ``conmon_cgroup`` is ``"pod"`` or unset, and
    older crio.conf files set it to ``"system.slice"``, so that case also sets ``"pod"`` (as
    the Kubernetes docs do). With systemd, CRI-O accepts ``"pod"`` or a slice, so it is left
    alone. A file sorted after this one can still override it: check with
    detect_cgroup_manager.
    """
    if manager not in CGROUP_MANAGERS:
        raise ValueError(
            f"unknown CRI-O cgroup manager {manager!r}; expected one of {CGROUP_MANAGERS}"
        )
    lines = [
        "# Written by kubeadm-wizard: the kubelet and CRI-O must use the same cgroup driver.",
        "[crio.runtime]",
        f'cgroup_manager = "{manager}"',
    ]
    if manager == "cgroupfs":
        lines.append('conmon_cgroup = "pod"')
    return "\n".join(lines) + "\n"


def _read_order(path: str) -> tuple[bool, tuple[str, ...]]:
    """The main file first, then drop-ins by path, as CRI-O's directory walk visits them."""
    parts = PurePosixPath(path).parts
    is_main = parts[-1] == "crio.conf" and "crio.conf.d" not in parts
    return (not is_main, parts)


def _runtime_table(path: str, text: str) -> dict[str, Any]:
    """The file's ``[crio.runtime]`` table as plain values; empty when the file has none."""
    try:
        plain = tomlkit.parse(text).unwrap()
    except ParseError as exc:
        raise CrioConfigError(path, f"invalid TOML: {exc}", exc.line) from exc
    except TOMLKitError as exc:
        raise CrioConfigError(path, f"invalid TOML: {exc}") from exc
    crio = plain.get("crio", {})
    runtime = crio.get("runtime", {}) if isinstance(crio, dict) else None
    if not isinstance(runtime, dict):
        raise CrioConfigError(path, "crio.runtime must be a table")
    return runtime


def _string(path: str, table: dict[str, Any], key: str) -> str:
    """``table[key]``, which CRI-O would refuse to start with if it were not a string."""
    value = table[key]
    if not isinstance(value, str):
        raise CrioConfigError(path, f"crio.runtime.{key} must be a string")
    return value

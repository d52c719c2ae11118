"""Undo: walk the journal backwards, restoring files byte for byte and reversing commands."""

from __future__ import annotations

import shlex
from typing import TYPE_CHECKING, Any

from wizard.steps.applied import applied_path, set_aside
from wizard.steps.journal import Journal
from wizard.steps.step import RouteChange

if TYPE_CHECKING:
    from wizard.host.base import Host

NO_REVERSE = "the wizard knows no command that reverses it"
"""Said of a journaled command that recorded neither an undo nor a reason (older journals)."""


def undo_preview(host: Host) -> list[str]:
    """What `undo_all` will do and what it will leave, in its order, before anything runs.

    An operator deciding whether to undo needs to see the packages that will be removed and
    the effects that stay (a downloaded list refresh, a package that was already there).
    """
    entries = Journal(host).entries()
    lines = [_file_plan(e) for e in reversed(entries) if e["event"] == "file-begin"]
    for entry in reversed(entries):
        if entry["event"] == "route" and _succeeded(entry):
            lines.append(f"run: {_route_text(_reverse_op(entry), entry['route'])}")
        elif entry["event"] == "command" and entry.get("ran"):
            lines.append(_command_plan(entry))
    if lines and applied_path(host).is_file():
        lines.append("set aside the choices of the last apply (the next session starts from "
                     "the defaults)")
    return lines


def undo_all(host: Host) -> list[str]:
    """Reverse every journaled change; returns what was done, line by line.

    Files come back first (newest first), then commands and routes are reversed (newest
    first): a command's undo such as `swapon -a` reads the files (fstab) it depends on, so
    they must already be as they were. Commands without a reverse are named as kept.
    """
    journal = Journal(host)
    entries = journal.entries()
    if not entries:
        return []
    done = [_restore_file(host, e) for e in reversed(entries) if e["event"] == "file-begin"]
    for entry in reversed(entries):
        if entry["event"] == "route" and _succeeded(entry):
            result = host.change_route(_reverse_op(entry), entry["route"])
            status = "ran" if result.ok else f"failed ({result.stderr.strip()})"
            done.append(f"{status}: {result.shell_text}")
        elif entry["event"] == "command" and entry.get("ran") and entry.get("undo_argv"):
            result = host.change(entry["undo_argv"], runtime_only=entry.get("runtime_only", True))
            status = "ran" if result.ok else f"failed (exit {result.returncode})"
            done.append(f"{status}: {result.shell_text}")
            for directory in entry.get("created_dirs", []):
                host.remove_empty_dir(directory)
        elif entry["event"] == "command" and entry.get("ran"):
            done.append(_command_plan(entry))
    journal.archive()
    aside = set_aside(host)
    if aside is not None:
        done.append(f"set aside the applied choices ({aside.name}): the next session starts "
                    "from the defaults")
    return done


def _succeeded(entry: dict[str, Any]) -> bool:
    return bool(entry.get("ran")) and entry.get("rc") == 0


def _reverse_op(entry: dict[str, Any]) -> str:
    return "del" if entry["op"] == "add" else "add"


def _route_text(op: str, route: dict[str, Any]) -> str:
    return RouteChange(op, tuple(route.items())).shell_text


def _file_plan(entry: dict[str, Any]) -> str:
    if entry.get("existed"):
        return f"restore {entry['path']}"
    return f"remove {entry['path']} (the wizard created it)"


def _command_plan(entry: dict[str, Any]) -> str:
    if entry.get("undo_argv"):
        return f"run: {shlex.join(entry['undo_argv'])}"
    reason = entry.get("kept_because") or NO_REVERSE
    return f"kept: {shlex.join(entry['argv'])} ({reason})"


def _restore_file(host: Host, entry: dict[str, Any]) -> str:
    path = entry["path"]
    if entry.get("existed"):
        data = host.read_bytes_optional(entry["backup"])
        if data is None:
            return f"could not restore {path}: backup {entry['backup']} is missing"
        host.write_file(path, data, mode=entry.get("mode"))
        return f"restored {path}"
    host.remove_file(path)
    for directory in entry.get("created_dirs", []):
        host.remove_empty_dir(directory)
    return f"removed {path} (the wizard had created it)"

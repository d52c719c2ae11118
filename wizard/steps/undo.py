"""Undo: walk the journal backwards, restoring files byte for byte and reversing commands."""

from __future__ import annotations

from typing import TYPE_CHECKING

from wizard.steps.journal import Journal

if TYPE_CHECKING:
    from wizard.host.base import Host


def undo_all(host: Host) -> list[str]:
    """Reverse every journaled change, newest first; returns what was done, line by line."""
    journal = Journal(host)
    entries = journal.entries()
    if not entries:
        return []
    done: list[str] = []
    for entry in reversed(entries):
        if entry["event"] == "file-begin":
            done.append(_restore_file(host, entry))
        elif entry["event"] == "route" and entry.get("ran") and entry.get("rc") == 0:
            undo_op = "del" if entry["op"] == "add" else "add"
            result = host.change_route(undo_op, entry["route"])
            status = "ran" if result.ok else f"failed ({result.stderr.strip()})"
            done.append(f"{status}: {result.shell_text}")
        elif entry["event"] == "command" and entry.get("ran") and entry.get("undo_argv"):
            result = host.change(entry["undo_argv"], runtime_only=entry.get("runtime_only", True))
            status = "ran" if result.ok else f"failed (exit {result.returncode})"
            done.append(f"{status}: {result.shell_text}")
    journal.archive()
    return done


def _restore_file(host: Host, entry: dict) -> str:
    path = entry["path"]
    if entry.get("existed"):
        data = host.read_bytes_optional(entry["backup"])
        if data is None:
            return f"could not restore {path}: backup {entry['backup']} is missing"
        host.write_file(path, data, mode=entry.get("mode"))
        return f"restored {path}"
    host.remove_file(path)
    return f"removed {path} (the wizard had created it)"

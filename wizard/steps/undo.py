"""Undo: walk the journal backwards, restoring files byte for byte and reversing commands."""

from __future__ import annotations

from typing import TYPE_CHECKING

from wizard.steps.journal import Journal

if TYPE_CHECKING:
    from wizard.host.base import Host


def undo_all(host: Host) -> list[str]:
    """Reverse every journaled change; returns what was done, line by line.

    Files come back first (newest first), then commands and routes are reversed (newest
    first): a command's undo such as `swapon -a` reads the files (fstab) it depends on, so
    they must already be as they were.
    """
    journal = Journal(host)
    entries = journal.entries()
    if not entries:
        return []
    done = [_restore_file(host, e) for e in reversed(entries) if e["event"] == "file-begin"]
    for entry in reversed(entries):
        if entry["event"] == "route" and entry.get("ran") and entry.get("rc") == 0:
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
    for directory in entry.get("created_dirs", []):
        host.remove_empty_dir(directory)
    return f"removed {path} (the wizard had created it)"

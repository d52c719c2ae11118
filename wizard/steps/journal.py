"""The record of applied changes, under the host's state directory.

One JSON object per line, fsynced as it is written, so that after a crash or a kill the
journal still says which steps began, which files were being replaced (with their backups)
and which commands ran. `kubeadm-wizard undo` reads it backwards.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from wizard.host.base import Host

JOURNAL_NAME = "journal.jsonl"


@dataclass
class Journal:
    host: Host

    @property
    def path(self) -> str:
        return f"{self.host.state_dir}/{JOURNAL_NAME}"

    @property
    def backup_dir(self) -> str:
        return f"{self.host.state_dir}/backups"

    def record(self, event: str, **fields: Any) -> None:
        entry = {"event": event, "time": round(time.time(), 3), **fields}
        real = self.host.path(self.path)
        real.parent.mkdir(parents=True, exist_ok=True)
        with real.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(entry, sort_keys=True) + "\n")
            handle.flush()
            os.fsync(handle.fileno())

    def entries(self) -> list[dict[str, Any]]:
        """Every complete entry; a line torn by a crash mid-write is ignored."""
        text = self.host.read_optional(self.path) or ""
        found = []
        for line in text.splitlines():
            try:
                found.append(json.loads(line))
            except json.JSONDecodeError:
                continue
        return found

    def archive(self) -> str:
        """Move the journal aside after an undo, so the next undo starts from a clean slate."""
        stamp = time.strftime("%Y%m%dT%H%M%S")
        target = f"{self.host.state_dir}/journal-{stamp}.undone.jsonl"
        os.replace(self.host.path(self.path), self.host.path(target))
        return target

    def new_backup_path(self, path: str) -> str:
        name = path.strip("/").replace("/", "__")
        return f"{self.backup_dir}/{time.time_ns()}-{name}"

"""Atomic file replacement: a reader (or a crash) sees the old file or the new one, never half.

The wizard edits files such as /etc/fstab and cmdline.txt whose corruption can stop a machine
from booting, so every write goes to a temporary file in the same directory, is fsynced, takes
the old file's mode and owner, and is renamed over the original.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def atomic_write(path: Path, data: bytes, *, mode: int | None = None) -> None:
    """Replace `path` with `data` atomically, keeping its mode and owner when it exists."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        old = path.stat()
    except FileNotFoundError:
        old = None
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".kw-tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if mode is not None:
            os.chmod(tmp_name, mode)
        elif old is not None:
            os.chmod(tmp_name, old.st_mode & 0o7777)
        else:
            os.chmod(tmp_name, 0o644)
        if old is not None and os.geteuid() == 0:
            os.chown(tmp_name, old.st_uid, old.st_gid)
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    _fsync_directory(path.parent)


def _fsync_directory(directory: Path) -> None:
    """Make the rename itself durable."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)

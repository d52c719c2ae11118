"""The door to other machines: Ansible, driven through ansible-runner.

Why here, next to the host object: the wizard reaches a node only through Ansible's
connection plugins (SSH, local, ...), and ansible-runner is the one place that starts
ansible-playbook. It hands back Ansible's own job events (one per task and host: ok,
failed, unreachable), so the wizard never scrapes a terminal's output.
"""

from __future__ import annotations

import os
import shlex
import shutil
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# Settings for every run: no colour codes in messages, no .retry files beside the
# operator's playbooks, the interpreter found without a warning per host, the UTF-8
# locale Ansible insists on, and no Python warnings from Ansible's own libraries in the
# output a failed run is explained from (Ansible's [WARNING]s are its own and stay).
ANSIBLE_ENV = {"LC_ALL": "C.UTF-8", "LANG": "C.UTF-8", "PYTHONWARNINGS": "ignore",
               "ANSIBLE_NOCOLOR": "True", "ANSIBLE_RETRY_FILES_ENABLED": "False",
               "ANSIBLE_PYTHON_INTERPRETER": "auto_silent",
               "ANSIBLE_DEPRECATION_WARNINGS": "False", "ANSIBLE_SYSTEM_WARNINGS": "False"}


class AnsibleMissing(RuntimeError):
    """Ansible is not installed where the wizard can find it."""


def ansible_program(name: str) -> str:
    """The path of an Ansible program: next to this Python first (a venv), then PATH."""
    here = os.path.dirname(sys.executable)
    found = shutil.which(name, path=os.pathsep.join([here, os.environ.get("PATH", "")]))
    if not found:
        raise AnsibleMissing(f"{name} not found; install ansible-core next to the wizard")
    return found


MAX_FORKS = 50
"""Nodes Ansible drives at once: all of a classroom, within what one controller can fork."""


@dataclass
class PlaybookRun:
    """What ansible-runner reports: the final status and every host event."""

    status: str
    rc: int | None
    events: list[dict[str, Any]] = field(default_factory=list)
    stdout_tail: str = ""


def run_playbook(work: Path, playbook: Path, inventory: Path, *, limit: str,
                 extravars: Mapping[str, Any], timeout: int = 600,
                 env: Mapping[str, str] | None = None, forks: int = 5,
                 on_event: Callable[[dict[str, Any]], None] | None = None) -> PlaybookRun:
    """Run `playbook` against `inventory` (limited to `limit`) with `work` as runner's dir."""
    import ansible_runner

    events: list[dict[str, Any]] = []

    def keep(event: dict[str, Any]) -> bool:
        if event.get("event", "").startswith("runner_on_"):
            events.append(event)
            if on_event:
                on_event(event)
        return False  # runner need not store the event a second time on disk

    binary = ansible_program("ansible-playbook")
    bindir = os.path.dirname(binary)
    envvars = {**ANSIBLE_ENV, **(env or {}),
               "PATH": os.pathsep.join([bindir, os.environ.get("PATH", "")])}
    # With `binary` (this venv's ansible-playbook, which need not be on PATH) runner passes
    # the command line through as written, so the playbook goes in `cmdline`.
    result = ansible_runner.run(
        private_data_dir=str(work), cmdline=shlex.join([str(playbook)]),
        inventory=str(inventory), limit=limit, extravars=dict(extravars), envvars=envvars,
        binary=binary, forks=max(5, min(forks, MAX_FORKS)),
        quiet=True, event_handler=keep, timeout=timeout, json_mode=False)
    tail = ""
    try:
        tail = "".join(result.stdout.readlines()[-20:])
    except (OSError, ValueError, AttributeError):
        tail = ""
    return PlaybookRun(result.status, result.rc, events, tail)

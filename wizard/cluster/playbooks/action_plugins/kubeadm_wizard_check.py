"""`cluster check`'s one task per node: the wizard's own check, run with no Ansible module.

Why an action plugin: every module Ansible runs on a node is packed, sent and started in a
Python of its own there (about 0.4 s of CPU each, several round trips over SSH), and a check
of many nodes spent most of its time on the two it took (copy, then command). This runs
plain commands over the node's connection instead: `test -f` for the zipapp the node keeps
under its hash, the transfer and a rename only when it is not there, then the check itself
with its answers on standard input. The result has a command module's fields (rc, stdout,
stderr, cmd), so the playbook and the collation read it as before.

Arguments: `src` (the zipapp on the controller, named by its hash), `cache_dir` (where the
node keeps it, `~` allowed), `argv` (the check's command line, where the word `{zipapp}`
stands for the zipapp's path on the node) and `stdin`.
"""

from __future__ import annotations

import os
import shlex
import uuid
from typing import Any

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase

ZIPAPP_WORD = "{zipapp}"


class ActionModule(ActionBase):  # type: ignore[misc]  # ansible-core ships no type information
    # No TRANSFERS_FILES: it only makes Ansible create (and then remove) a remote temporary
    # directory around every run, two more round trips; the zipapp goes to its own place.
    _VALID_ARGS = frozenset(("src", "cache_dir", "argv", "stdin"))

    def run(self, tmp: str | None = None,
            task_vars: dict[str, Any] | None = None) -> dict[str, Any]:
        result: dict[str, Any] = super().run(tmp, task_vars)
        args = self._task.args
        try:
            src, cache_dir, argv = str(args["src"]), str(args["cache_dir"]), list(args["argv"])
        except KeyError as missing:
            raise AnsibleActionFail(f"kubeadm_wizard_check needs {missing}") from None
        cache_dir = self._remote_expand_user(cache_dir)
        zipapp = f"{cache_dir.rstrip('/')}/{os.path.basename(src)}"
        changed = self._command(f"test -f {shlex.quote(zipapp)}")["rc"] != 0
        if changed:
            self._send(src, cache_dir, zipapp)
        words = [zipapp if word == ZIPAPP_WORD else str(word) for word in argv]
        environment = self._compute_environment_string()
        line = " ".join(filter(None, [environment, shlex.join(words)]))
        stdin = args.get("stdin")
        done = self._command(line, in_data=None if stdin is None else str(stdin).encode())
        result.update(changed=changed, cmd=words, rc=done["rc"], stdout=done["stdout"],
                      stderr=done["stderr"])
        return result

    def _send(self, src: str, cache_dir: str, zipapp: str) -> None:
        """Copy under a name of its own, then rename: a node that several checks reach at
        once never runs a half-written zipapp (the same content wins either way)."""
        made = self._command(f"mkdir -p -m 0700 {shlex.quote(cache_dir)}")
        if made["rc"] != 0:
            raise AnsibleActionFail(f"cannot make {cache_dir}: {made['stderr'].strip()}")
        partial = f"{zipapp}.{uuid.uuid4().hex}.part"
        self._transfer_file(src, partial)
        moved = self._command(f"chmod 0600 {shlex.quote(partial)} && "
                              f"mv -f {shlex.quote(partial)} {shlex.quote(zipapp)}")
        if moved["rc"] != 0:
            self._command(f"rm -f {shlex.quote(partial)}")
            raise AnsibleActionFail(f"cannot place {zipapp}: {moved['stderr'].strip()}")

    def _command(self, line: str, in_data: bytes | None = None) -> dict[str, Any]:
        done: dict[str, Any] = self._low_level_execute_command(line, in_data=in_data)
        return done

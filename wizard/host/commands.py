"""Running programs on the host: argv lists only, LC_ALL=C, a timeout, everything recorded.

Output is parsed by the checks, so it must not depend on the operator's locale; a hung
`systemctl` must not hang the wizard; and every command the wizard ran is shown to the
operator (the wizard teaches by showing what it does).
"""

from __future__ import annotations

import os
import shlex
import subprocess
import time
from dataclasses import dataclass, field

DEFAULT_TIMEOUT = 30.0


@dataclass(frozen=True)
class CommandResult:
    """What one command did. `ran` is False when the host chose not to run it at all."""

    argv: tuple[str, ...]
    returncode: int
    stdout: str = ""
    stderr: str = ""
    duration: float = 0.0
    ran: bool = True
    timed_out: bool = False
    note: str = ""
    started: float = field(default_factory=time.time)

    @property
    def ok(self) -> bool:
        return self.ran and self.returncode == 0

    @property
    def shell_text(self) -> str:
        """The command as a person would type it."""
        return shlex.join(self.argv)


def run_argv(
    argv: list[str] | tuple[str, ...],
    *,
    timeout: float = DEFAULT_TIMEOUT,
    input_text: str | None = None,
    env: dict[str, str] | None = None,
) -> CommandResult:
    """Run one program (never through a shell) and capture its output.

    `env` adds variables (Ansible's settings, say) to the environment the program inherits;
    a program that refuses the C locale (Ansible wants UTF-8) may set its own LC_ALL there.
    """
    if isinstance(argv, str):
        raise TypeError("commands are argv lists, never shell strings")
    argv = tuple(argv)
    env = {**os.environ, "LC_ALL": "C", "LANG": "C", **(env or {})}
    start = time.monotonic()
    try:
        completed = subprocess.run(
            argv,
            input=input_text,
            capture_output=True,
            text=True,
            errors="replace",
            timeout=timeout,
            env=env,
            check=False,
        )
    except FileNotFoundError:
        return CommandResult(argv, 127, stderr=f"{argv[0]}: command not found",
                             duration=time.monotonic() - start)
    except PermissionError as error:
        return CommandResult(argv, 126, stderr=str(error), duration=time.monotonic() - start)
    except subprocess.TimeoutExpired as expired:
        out = expired.stdout.decode(errors="replace") if isinstance(expired.stdout, bytes) else ""
        return CommandResult(argv, 124, stdout=out, stderr=f"timed out after {timeout:g} s",
                             duration=time.monotonic() - start, timed_out=True)
    return CommandResult(argv, completed.returncode, completed.stdout, completed.stderr,
                         duration=time.monotonic() - start)

"""Running a long command while the operator watches: its output line by line, as printed.

`Host.run` waits for a command to end and hands back all of its output: right for the short
questions the checks ask, wrong for `kubeadm init`, which prints for minutes and whose phases
the wizard shows as they happen. A StreamedCommand yields each line as the program writes it,
can be cancelled from another thread, and records what ran in `host.command_log` like
`Host.run` does, with argv and output masked first, because kubeadm prints the bootstrap
token and the certificate key.

Only a live host runs anything (with LC_ALL=C, found through PATH, never through a shell). A
demo host runs the replaying stand-in (assets/kubeadm-replay) when its state asks for it
(`kubeadm_fake: true` or `{scenario: init-timeout, delay: 0.5}`), so a workshop can watch a
whole init; every other host records the command as not run and yields nothing.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from wizard.host.commands import CommandResult
from wizard.kubeadm.secrets import mask_secrets
from wizard.resources import asset

if TYPE_CHECKING:
    from wizard.host.base import Host

FAKE_KUBEADM = asset("kubeadm-replay", "kubeadm")
"""The kubeadm stand-in a demo host may ask for: it replays real recorded runs."""

CANCEL_GRACE = 5.0
"""Seconds between SIGTERM and SIGKILL when a run is cancelled."""

Mask = Callable[[str], str]


@dataclass(frozen=True)
class StreamLine:
    """One output line: `text` as the program printed it, `masked` safe to show or save."""

    text: str
    masked: str


def mask_argv(argv: Sequence[str]) -> tuple[str, ...]:
    """argv with kubeadm secrets masked, looked for in the joined command line.

    `--certificate-key KEY` arrives as two words; only the joined text shows the key's context.
    """
    return tuple(shlex.split(mask_secrets(shlex.join(argv))))


class StreamedCommand:
    """One program run whose output is iterated line by line (stderr merged into stdout).

    Iterate once; afterwards `result` holds the recorded CommandResult. `cancel()` may be
    called from any thread, before or during the iteration.
    """

    def __init__(self, host: Host, argv: Sequence[str], *, env: Mapping[str, str] | None = None,
                 mask: Mask = mask_secrets) -> None:
        if isinstance(argv, str):
            raise TypeError("commands are argv lists, never shell strings")
        self.host = host
        # On a live host the program runs (and is recorded) inside the host's namespace.
        self.argv = tuple(host.in_netns(argv) if host.kind == "live" else argv)
        self.env = dict(env or {})
        self.result: CommandResult | None = None
        self._mask = mask
        self._lock = threading.Lock()
        self._process: subprocess.Popen[str] | None = None
        self._cancelled = False

    @property
    def cancelled(self) -> bool:
        return self._cancelled

    def cancel(self) -> None:
        """Stop the program: SIGTERM to its process group, SIGKILL if it is still there later."""
        with self._lock:
            self._cancelled = True
            process = self._process
        if process is not None and process.poll() is None:
            threading.Thread(target=_stop, args=(process,), daemon=True).start()

    def __iter__(self) -> Iterator[StreamLine]:
        started, clock = time.time(), time.monotonic()
        program = self._program()
        if isinstance(program, str):
            self._record(127, [], started, clock, ran=False, note=program)
            return
        argv, extra_env = program
        env = dict(os.environ, **self.env, **extra_env, LC_ALL="C", LANG="C")
        with self._lock:
            if self._cancelled:
                self._record(130, [], started, clock, ran=False, note="cancelled before it started")
                return
            try:
                process = subprocess.Popen(
                    argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                    stderr=subprocess.STDOUT, text=True, errors="replace", bufsize=1, env=env,
                    start_new_session=True)  # its own process group, so cancel() reaches children
            except OSError as error:
                process = None
                code, failure = ((127, f"{self.argv[0]}: command not found")
                                 if isinstance(error, FileNotFoundError) else (126, str(error)))
            self._process = process
        if process is None:
            self._record(code, [failure], started, clock)
            yield StreamLine(failure, failure)
            return
        masked: list[str] = []
        assert process.stdout is not None
        read_to_the_end = False
        try:
            for raw in process.stdout:
                text = raw.rstrip("\n")
                line = StreamLine(text, self._mask(text))
                masked.append(line.masked)
                yield line
            read_to_the_end = True
        finally:
            if not read_to_the_end and process.poll() is None and not self._cancelled:
                # The consumer stopped reading early: the program must not outlive the run.
                self.cancel()
            process.stdout.close()
            self._record(process.wait(), masked, started, clock)

    def _program(self) -> tuple[tuple[str, ...], dict[str, str]] | str:
        """What to execute on this host and with which extra environment, or why nothing runs."""
        if self.host.kind == "live":
            return self.argv, {}
        from wizard.host.simulated import SimulatedHost

        fake = self.host.state.get("kubeadm_fake") \
            if isinstance(self.host, SimulatedHost) else None
        if fake and isinstance(self.host, SimulatedHost) and self.argv[0] == "kubeadm":
            settings = fake if isinstance(fake, dict) else {}
            env = {"FAKE_KUBEADM_SCENARIO": str(settings.get("scenario", "")),
                   # The environment's pace wins: an instructor (or a test) can speed it up.
                   "FAKE_KUBEADM_DELAY": os.environ.get("FAKE_KUBEADM_DELAY",
                                                        str(settings.get("delay", 1.0))),
                   # The recording's machine is not this one: print this host's endpoint.
                   "FAKE_KUBEADM_ENDPOINT": self.host.api_server_endpoint()}
            return (sys.executable, str(FAKE_KUBEADM), *self.argv[1:]), env
        if self.host.kind == "demo":
            return f"not run: {self.host.label} has no {self.argv[0]} to run"
        return f"not run: {self.host.label} is not a running system"

    def _record(self, code: int, masked: list[str], started: float, clock: float, *,
                ran: bool = True, note: str = "") -> None:
        output = "\n".join(masked) + ("\n" if masked else "")
        self.result = CommandResult(mask_argv(self.argv), code, stdout=output,
                                    duration=time.monotonic() - clock, ran=ran, note=note,
                                    started=started)
        self.host.command_log.append(self.result)


def _stop(process: subprocess.Popen[str]) -> None:
    _signal_group(process, signal.SIGTERM)
    try:
        process.wait(timeout=CANCEL_GRACE)
    except subprocess.TimeoutExpired:
        _signal_group(process, signal.SIGKILL)


def _signal_group(process: subprocess.Popen[str], sig: int) -> None:
    with contextlib.suppress(ProcessLookupError):  # it ended on its own meanwhile
        os.killpg(process.pid, sig)

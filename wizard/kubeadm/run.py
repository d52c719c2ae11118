"""Running kubeadm init, join and reset while the operator watches, and reading the outcome.

A run streams kubeadm's output line by line (`wizard.host.stream`), with every line masked
before anyone sees it: the bootstrap token and the certificate key give access to the cluster.
A PhaseTracker turns kubeadm's `[phase]` prefixes into progress, and at the end `diagnose`
reads the whole output once more to say whether it worked, where it stopped, the likely cause
and the wizard screen that fixes it, and to extract the join commands kubeadm printed. Those
keep their real secrets, in memory only, because the operator needs them on the next node.
"""

from __future__ import annotations

import os
import re
import secrets
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from wizard.host.stream import StreamedCommand
from wizard.kubeadm.config import KubeadmConfigParams, build_documents, kubeadm_command, render_yaml
from wizard.kubeadm.diagnose import Advice, diagnose
from wizard.kubeadm.join_command import JoinCommand, find_join_commands
from wizard.kubeadm.phases import PhaseTracker, clean_line, phase_of
from wizard.kubeadm.plan import CONFIG_PATH, RESET_COMMAND
from wizard.kubeadm.secrets import mask_secrets
from wizard.steps.journal import Journal

if TYPE_CHECKING:
    from wizard.host.base import Host

RUNTIME_DIR = "/run/kubeadm-wizard"
"""Where a join's configuration with its secrets lives while kubeadm runs (tmpfs, root only)."""

TOKEN_LIFETIME = timedelta(hours=24)
"""kubeadm's default bootstrap-token TTL."""

CERTIFICATE_KEY_LIFETIME = timedelta(hours=2)
"""How long the certificates uploaded with --upload-certs stay in the kubeadm-certs Secret."""

_CERTIFICATE_KEY_ANNOUNCED = "Using certificate key:"
_HEX64_RE = re.compile(r"[0-9a-fA-F]{64}")


class SecretMasker:
    """Masks kubeadm's secrets in one run's output, line by line, in order.

    mask_secrets finds tokens anywhere and certificate keys after `--certificate-key`; this
    also catches the key that `[upload-certs] Using certificate key:` prints alone on the next
    line, and any value the caller already knows to be secret.
    """

    def __init__(self, known: Iterable[str] = ()) -> None:
        self._known = [value for value in known if value]
        self._key_follows = False

    def __call__(self, line: str) -> str:
        text = clean_line(line).strip()
        if self._key_follows and _HEX64_RE.fullmatch(text):
            self._known.append(text)
        self._key_follows = text.endswith(_CERTIFICATE_KEY_ANNOUNCED)
        masked = mask_secrets(line)
        for value in self._known:
            masked = masked.replace(value, "*" * len(value))
        return masked


@dataclass(frozen=True)
class RunProgress:
    """One output line as the screen shows it, and where the run stands."""

    line: str  # masked
    phase: str | None
    fraction: float | None  # None when the command has no phases to count (reset)
    elapsed: float


@dataclass
class RunResult:
    """How a kubeadm run ended, in the terms of the end panel."""

    command: str  # init, join or reset
    argv: tuple[str, ...]  # as recorded: masked
    ran: bool
    note: str
    returncode: int
    cancelled: bool
    succeeded: bool
    phases: list[str]
    failed_phase: str | None
    error: str | None  # masked
    advice: list[Advice]
    join_commands: list[JoinCommand]  # with their secrets: show them, never log or save them
    started: datetime
    finished: datetime
    output: list[str] = field(default_factory=list)  # masked

    @property
    def elapsed(self) -> timedelta:
        return self.finished - self.started

    @property
    def likely_cause(self) -> Advice | None:
        """The first piece of advice for a failed run: the problem, its screen, a command."""
        return self.advice[0] if self.advice and not self.succeeded else None

    @property
    def token_expires(self) -> datetime | None:
        """When the printed join commands stop working (kubeadm's default token TTL)."""
        return self.finished + TOKEN_LIFETIME if self.succeeded and self.join_commands else None

    @property
    def certificate_key_expires(self) -> datetime | None:
        """When the uploaded control-plane certificates are deleted (with --upload-certs)."""
        if self.succeeded and any(c.certificate_key for c in self.join_commands):
            return self.finished + CERTIFICATE_KEY_LIFETIME
        return None

    def summary(self) -> dict[str, object]:
        """The outcome without secrets, for the journal."""
        return {"command": self.command, "argv": list(self.argv), "ran": self.ran,
                "rc": self.returncode, "succeeded": self.succeeded,
                "cancelled": self.cancelled, "failed_phase": self.failed_phase,
                "error": self.error}


class KubeadmRun:
    """One kubeadm init, join or reset: `execute()` runs it, `cancel()` stops it from any thread."""

    def __init__(self, host: Host, argv: Sequence[str], *, control_plane: bool = False,
                 secrets: Iterable[str] = (), env: Mapping[str, str] | None = None) -> None:
        self.host = host
        self.command = argv[1]
        self._stream = StreamedCommand(host, argv, env=env, mask=SecretMasker(secrets))
        self._tracker = (PhaseTracker(self.command, control_plane)
                         if self.command in ("init", "join") else None)

    def cancel(self) -> None:
        self._stream.cancel()

    def execute(self, on_progress: Callable[[RunProgress], None] | None = None) -> RunResult:
        started, clock = datetime.now().astimezone(), time.monotonic()
        raw: list[str] = []
        masked: list[str] = []
        for line in self._stream:
            raw.append(line.text)
            masked.append(line.masked)
            if self._tracker is not None:
                phase, fraction = self._tracker.feed(line.text), self._tracker.fraction
            else:
                phase, fraction = phase_of(line.text), None
            if on_progress is not None:
                on_progress(RunProgress(line.masked, phase, fraction, time.monotonic() - clock))
        result = self._result("\n".join(raw), masked, started)
        if result.ran:
            Journal(self.host).record("kubeadm-run", **result.summary())
        return result

    def _result(self, text: str, masked: list[str], started: datetime) -> RunResult:
        recorded = self._stream.result
        assert recorded is not None  # the stream records every run, even one that did not start
        diagnosis = diagnose(text)
        shown = diagnosis.masked()  # error and advice may quote a token
        succeeded = recorded.ok and (diagnosis.succeeded or self.command == "reset")
        error = shown.error
        if not succeeded and error is None:
            error = recorded.note or _last_line(masked) or f"exit status {recorded.returncode}"
        return RunResult(
            command=self.command, argv=recorded.argv, ran=recorded.ran, note=recorded.note,
            returncode=recorded.returncode, cancelled=self._stream.cancelled,
            succeeded=succeeded, phases=diagnosis.phases,
            failed_phase=diagnosis.failed_phase, error=error, advice=shown.advice,
            join_commands=[JoinCommand(**c) for c in diagnosis.join_commands]
            if succeeded else [],
            started=started, finished=datetime.now().astimezone(), output=masked)


def _last_line(lines: list[str]) -> str:
    return next((line.strip() for line in reversed(lines) if line.strip()), "")


@contextmanager
def prepared_command(host: Host, params: KubeadmConfigParams, *,
                     runtime_dir: str = RUNTIME_DIR) -> Iterator[list[str]]:
    """The kubeadm argv for these params, with a configuration file kubeadm can read.

    Without secrets (every init the wizard plans: kubeadm makes its own token and key) that is
    CONFIG_PATH, written beforehand by the journaled `kubeadm-config` step. With secrets (a
    join) the full configuration goes to a fresh file in a root-only directory on tmpfs, mode
    0600, which is removed when the run ends, whatever happens: kubeadm refuses `--token` next
    to `--config`, and the journaled file must never hold a credential.
    """
    if params.token is None and params.certificate_key is None:
        yield kubeadm_command(params, str(host.path(CONFIG_PATH)))
        return
    private = f"{runtime_dir}/kubeadm-{params.role}-{secrets.token_hex(6)}.yaml"
    directory = host.path(runtime_dir)
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(directory, 0o700)
    content = render_yaml(build_documents(params, include_secrets=True))
    # Outside the journal on purpose: a backup of this file would keep the secrets on disk.
    host.write_file(private, content.encode("utf-8"), mode=0o600)
    try:
        yield kubeadm_command(params, str(host.path(private)))
    finally:
        host.remove_file(private)


def reset_command(cri_socket: str | None = None) -> list[str]:
    """`kubeadm reset --force`; the socket picks the runtime when a host has more than one."""
    return [*RESET_COMMAND, *(["--cri-socket", cri_socket] if cri_socket else [])]


def fresh_join_command(host: Host, *, env: Mapping[str, str] | None = None) -> JoinCommand | str:
    """A new 24-hour token as a join command (`kubeadm token create --print-join-command`).

    Streamed rather than `host.run`, so the command log keeps only the masked output. Returns
    the reason when kubeadm printed no join command.
    """
    stream = StreamedCommand(host, ["kubeadm", "token", "create", "--print-join-command"],
                             env=env)
    text = "\n".join(line.text for line in stream)
    commands = find_join_commands(text)
    if commands:
        return commands[0]
    result = stream.result
    assert result is not None
    return mask_secrets(result.note or _last_line(text.splitlines())
                        or f"kubeadm exited with status {result.returncode}")


def upload_certificates(host: Host) -> str | None:
    """Upload the control-plane certificates for two hours and return their key (`kubeadm
    init phase upload-certs --upload-certs`), which a joining control plane needs. Streamed
    like a run, so the command log keeps the key masked."""
    stream = StreamedCommand(host, ["kubeadm", "init", "phase", "upload-certs",
                                    "--upload-certs"], mask=SecretMasker())
    lines = [clean_line(line.text).strip() for line in stream]
    for announced, key in zip(lines, lines[1:], strict=False):
        if announced.endswith(_CERTIFICATE_KEY_ANNOUNCED) and _HEX64_RE.fullmatch(key):
            return key
    return None


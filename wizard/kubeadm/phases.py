"""The phases kubeadm names in its output, and a tracker that follows them line by line.

kubeadm starts each progress line with the phase that wrote it (``[certs] Generating ...``).
The wizard reads those prefixes twice: live, to move a progress bar while ``kubeadm init`` or
``kubeadm join`` runs, and afterwards (see ``diagnose``) to tell where a failed run stopped.
Lines reach us from pipes, terminals and pasted issue reports, so ``clean_line`` first removes
what is not kubeadm's text: colour codes, carriage returns and klog headers.
"""

from __future__ import annotations

import re

#: The prefix kubeadm puts on progress lines; group 1 is the phase (or sub-step) name.
PHASE_PREFIX_RE = re.compile(r"^\[([a-z0-9-]+)\] ")

#: ``init`` success banner (``master`` before 1.14) and both ``join`` banners (worker and
#: "... and a new control plane instance was created").
SUCCESS_RE = re.compile(
    r"Your Kubernetes (?:control-plane|master) has initialized successfully"
    r"|This node has joined the cluster"
)

#: ``error execution phase <phase>: ...``; phase names may hold ``/`` (``upload-config/kubelet``).
FAILED_PHASE_RE = re.compile(r"error execution phase ([a-z0-9][a-z0-9/-]*)")

#: The 1.2x kubelet-failure text (``wait-control-plane`` of init, ``kubelet-start`` of join),
#: which names the error on its next line (on the same one once Markdown joined them; group
#: 1). It goes to stdout while ``error execution phase`` goes to stderr, so a paste of stdout
#: (``| tee``, a CI log) has only this to show the failure.
FAILURE_TEMPLATE_RE = re.compile(r"^\s*Unfortunately, an error has occurred:\s*(.*)$")

# A ``--v=5`` stack trace names the phase's Go function (``phases/init.runWaitControlPlanePhase``)
# under the error it wraps; a paste cut before ``error execution phase`` has only that.
_STACK_FRAME_RE = re.compile(
    r"/cmd/phases/(?:init|join)\.run([A-Z][A-Za-z]*?)(?:Join)?(?:Phase)?\b"
)
_CAMEL_RE = re.compile(r"(?<!^)(?=[A-Z])")

#: A join command as kubeadm prints it, alone on its line (``kubeadm token create
#: --print-join-command`` prints nothing else); a typed one has a prompt before it.
PRINTED_JOIN_RE = re.compile(r"^\s*kubeadm\s+join\s+\S")

_ANSI_RE = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)")

# ``I0125 10:00:00.000000    1234 file.go:12] message``. Wrappers such as minikube print their
# own text in front of it, so it is searched for, not only matched at the start.
_KLOG_HEADER_RE = re.compile(r"[IWEF]\d{4} \d{2}:\d{2}:\d{2}\.\d+\s+\d+ [^\s\]]+\] ?")

# Tools that run kubeadm on other machines put a label before every line it prints: sealos 4
# "172.16.112.205:22: " (sealos#1355), sealos 3 "20:00:59 [INFO] [ssh.go:50] [172.16.50.39:22] "
# (sealos#415; its "[ssh][host]" lines are the commands it ran, and keep their label), Vagrant
# "==> master: " (kubevirt#43) and "    master-0: " for a provisioner's output, Terraform
# "module.x (remote-exec): " (tibordp/terraform-hcloud-dualstack-k8s#19). One space after the
# label goes with it.
_WRAPPER_RE = re.compile(
    r"(?:\d{1,3}(?:\.\d{1,3}){3}:\d+:"
    r"|\d{2}:\d{2}:\d{2} \[[A-Z]{4}\] \[[\w.]+:\d+\] \[[\w.:-]+\]"
    r"|(?:==> | {4})(?![Ee]rror:)[\w.-]+:"
    r"|\S+ \(remote-exec\):)(?: |$)"
)

#: Every prefix ``kubeadm init`` prints in 1.2x-1.3x, in the order a current version prints
#: them. ``kubelet-check``, ``control-plane-check`` (1.33+), ``api-check`` (1.30-1.32) and
#: ``apiclient`` (up to 1.29) are steps inside ``wait-control-plane``; ``kubelet`` is a step of
#: ``upload-config``; ``patches`` appears inside whichever phase applies patches.
INIT_PHASES: tuple[str, ...] = (
    "init",
    "preflight",
    "certs",
    "kubeconfig",
    "etcd",
    "control-plane",
    "kubelet-start",
    "patches",
    "wait-control-plane",
    "kubelet-check",
    "control-plane-check",
    "api-check",
    "apiclient",
    "upload-config",
    "kubelet",
    "upload-certs",
    "mark-control-plane",
    "bootstrap-token",
    "kubelet-finalize",
    "addons",
)

#: Every prefix ``kubeadm join`` prints, worker and control-plane joins together.
JOIN_PHASES: tuple[str, ...] = (
    "preflight",
    "download-certs",
    "certs",
    "kubeconfig",
    "control-plane",
    "check-etcd",
    "kubelet-start",
    "patches",
    "kubelet-check",
    "etcd",
    "control-plane-join",
    "mark-control-plane",
    "wait-control-plane",
    "control-plane-check",
)

#: Prefixes of steps inside a phase: a failure there is a failure of the phase around them.
SUB_STEPS = frozenset({"kubelet-check", "control-plane-check", "api-check", "apiclient",
                       "kubelet", "patches"})

# The steps that every run of a given kind prints, whatever the version. Progress counts how
# many of them were seen instead of where the latest one sits, because the order moved between
# releases (1.2x printed kubelet-start before control-plane, 1.28+ after etcd).
INIT_STEPS: tuple[str, ...] = (
    "preflight",
    "certs",
    "kubeconfig",
    "etcd",
    "control-plane",
    "kubelet-start",
    "wait-control-plane",
    "upload-config",
    "upload-certs",
    "mark-control-plane",
    "bootstrap-token",
    "kubelet-finalize",
    "addons",
)
JOIN_WORKER_STEPS: tuple[str, ...] = ("preflight", "kubelet-start")
JOIN_CONTROL_PLANE_STEPS: tuple[str, ...] = (
    "preflight",
    "certs",
    "kubeconfig",
    "control-plane",
    "kubelet-start",
    "etcd",
    "mark-control-plane",
)


def clean_line(line: str) -> str:
    """Return ``line`` without colour codes, carriage returns, a tool's label, a klog header
    or trailing blanks.

    Leading indentation is kept: kubeadm indents the lines that continue a message, and
    ``diagnose`` relies on that to collect them.
    """
    line = _ANSI_RE.sub("", line).replace("\r", "")
    label = _WRAPPER_RE.match(line)
    if label:
        line = line[label.end() :]
    klog = _KLOG_HEADER_RE.search(line)
    # A "[" before the header means it is quoted inside kubeadm's own text, as in
    # "[ERROR CRI]: ... output: E0502 08:12:08.411082 4213 remote_runtime.go:925] ...".
    if klog and "[" not in line[: klog.start()]:
        line = line[klog.end() :]
    return line.rstrip()


def phase_of(line: str) -> str | None:
    """Return the phase prefix of an output line (``"certs"``), or None if it has none."""
    match = PHASE_PREFIX_RE.match(clean_line(line).lstrip())
    return match.group(1) if match else None


def stack_phase(line: str) -> str | None:
    """Return the phase whose function a stack-trace line names, if it is a known phase."""
    match = _STACK_FRAME_RE.search(line)
    if not match:
        return None
    name = _CAMEL_RE.sub("-", match.group(1)).lower()
    return name if name in INIT_PHASES or name in JOIN_PHASES else None


def steps_for(command: str, control_plane: bool = False) -> tuple[str, ...]:
    """Return the steps a progress bar counts for ``kubeadm init`` or ``kubeadm join``."""
    if command == "init":
        return INIT_STEPS
    if command == "join":
        return JOIN_CONTROL_PLANE_STEPS if control_plane else JOIN_WORKER_STEPS
    raise ValueError(f"command must be 'init' or 'join', not {command!r}")


class PhaseTracker:
    """Follows kubeadm output one line at a time, for a live progress bar.

    Feed it every line of stdout and stderr as it arrives. It never looks back, so it costs
    the same on the thousandth line as on the first.
    """

    def __init__(self, command: str = "init", control_plane: bool = False) -> None:
        self._steps = steps_for(command, control_plane)
        self._seen: dict[str, None] = {}
        self._current: str | None = None
        self._succeeded = False
        self._failed_phase: str | None = None
        self._phase: str | None = None  # the latest phase that is not a step inside one
        self._printed_join = False

    def feed(self, line: str) -> str | None:
        """Take one output line; return the phase it belongs to, if it names one."""
        text = clean_line(line)
        if SUCCESS_RE.search(text):
            self._succeeded = True
        failure = FAILED_PHASE_RE.search(text)
        if failure:
            self._failed_phase = failure.group(1)
            self._succeeded = False
        elif FAILURE_TEMPLATE_RE.match(text) and self._phase is not None:
            self._failed_phase = self._phase
            self._succeeded = False
        elif self._failed_phase is None and (traced := stack_phase(text)):
            self._failed_phase = traced
            self._succeeded = False
        if PRINTED_JOIN_RE.match(text):
            self._printed_join = True
        phase = phase_of(text)
        if phase:
            self._current = phase
            self._seen.setdefault(phase, None)
            if phase not in SUB_STEPS:
                self._phase = phase
        return phase

    @property
    def current_phase(self) -> str | None:
        """The phase named by the latest prefixed line."""
        return self._current

    @property
    def phases_seen(self) -> list[str]:
        """Every phase prefix seen so far, once each, in the order first seen."""
        return list(self._seen)

    @property
    def fraction(self) -> float:
        """Progress from 0 to 1: the share of this command's steps seen, 1 once it succeeded."""
        if self.succeeded:
            return 1.0
        done = sum(1 for step in self._steps if step in self._seen)
        return done / len(self._steps)

    @property
    def succeeded(self) -> bool:
        """Whether the success banner was printed (and no failure came after it).

        Output with a join command and no phase at all is ``kubeadm token create
        --print-join-command``, which succeeded when it printed one.
        """
        printed_only = self._printed_join and not self._seen and self._failed_phase is None
        return self._succeeded or printed_only

    @property
    def failed_phase(self) -> str | None:
        """The phase from ``error execution phase <phase>``, once kubeadm printed it."""
        return self._failed_phase

    @property
    def finished(self) -> bool:
        """Whether kubeadm printed its success banner or its final error."""
        return self.succeeded or self._failed_phase is not None

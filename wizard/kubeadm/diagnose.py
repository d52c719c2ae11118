"""Reading the output of ``kubeadm init`` / ``kubeadm join`` after the fact.

Users paste this output from terminals, issue reports and chat, so it arrives with shell
prompts, the command they typed, klog lines, colour codes, CRLF line ends and tabs turned into
spaces. ``diagnose`` reads through that noise and says whether the run succeeded, where it
stopped, which preflight checks complained, which join commands it printed, the command the
user typed (reported apart from the printed ones), and what to do next: each piece of advice
names the wizard screen that fixes the problem and a command that shows it. The output keeps
tokens, because the operator needs them; ``Diagnosis.masked()`` is the form to log or save.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from wizard.kubeadm.join_command import (
    JoinCommand,
    JoinCommandData,
    find_join_commands,
    typed_command,
)
from wizard.kubeadm.phases import (
    FAILED_PHASE_RE,
    FAILURE_TEMPLATE_RE,
    SUB_STEPS,
    SUCCESS_RE,
    clean_line,
    phase_of,
    stack_phase,
)
from wizard.kubeadm.secrets import mask_secrets

Issue = dict[str, str]
Advice = dict[str, str]

# "\t[ERROR Swap]: message". Searched, not anchored: pastes indent it with tabs, spaces, or
# a stray backtick from Markdown.
_PREFLIGHT_RE = re.compile(r"\[(ERROR|WARNING) ([A-Za-z0-9_.-]+)\]:?\s*(.*)")
# Since 1.30 kubeadm prints every fatal error as "error: ...", phase or not.
_TOP_LEVEL_ERROR_RE = re.compile(r"^\s*error: (.+)")
_NUM_CPU_RE = re.compile(r"available CPUs (\d+) is less than")
_MEM_RE = re.compile(r"RAM \((\d+) MB\) is less than")
_PORT_CHECK_RE = re.compile(r"Port-(\d+)")
_FILE_EXISTING_RE = re.compile(r"FileExisting-(.+)")
_LEFTOVER_CHECK_RE = re.compile(
    r"FileAvailable--etc-kubernetes-.*|DirAvailable--(?:var-lib-etcd|etc-kubernetes-manifests)"
)

_CRI_UNIMPLEMENTED_RE = re.compile(
    r"unknown service runtime\.v1(?:alpha2)?\.RuntimeService|CRI v1 runtime API is not implemented"
)
_CRI_DOWN_RE = re.compile(
    r"container runtime is not running|failed to create new CRI runtime service"
    r"|Couldn't create the interface used for talking to the container runtime"
)
_MISSING_CGROUP_RE = re.compile(r"missing (?:required )?cgroups: ([a-z_]+)")
_CGROUP_V1_RE = re.compile(r"cgroups v1 support is (?:deprecated|in maintenance mode)")
_UNHEALTHY_RE = re.compile(
    r"timed out waiting for the condition|context deadline exceeded"
    r"|It seems like the kubelet isn't running or healthy|The kubelet is not healthy after"
    r"|Initial timeout of \d+s passed|\[(?:control-plane-check|api-check)\] .*not healthy after"
)
_CRICTL_ENDPOINT_RE = re.compile(r"crictl --runtime-endpoint (\S+) ps -a")
_IDENTITY_RE = re.compile(
    r"couldn't validate the identity of the API Server|\[discovery\] Failed to (?:connect|request)"
)
_BAD_TOKEN_RE = re.compile(
    r'token id "\w+" is invalid for this cluster or it has expired'
    r"|no JWS signed token|could not find a JWS signature"
)
_NETWORK_FAILURE_RE = re.compile(
    r"connection refused|i/o timeout|no route to host|network is unreachable"
    r"|Client\.Timeout exceeded|context deadline exceeded|request canceled while waiting"
)
_URL_ENDPOINT_RE = re.compile(r"(?:https://|dial tcp )(\[[0-9a-fA-F:.]+\]:\d+|[^/\"\s:\[]+:\d+)")
_UNRESOLVED_RE = re.compile(r"lookup ([A-Za-z0-9.-]+)(?: on \S+)?: no such host")
_DEPRECATED_API_RE = re.compile(r'uses a deprecated API spec: "([^"]+)"')
_REMOVED_API_RE = re.compile(
    r'uses an old API spec: "([^"]+)"|no kind "\w+" is registered for version "([^"]+)"'
)
_UNKNOWN_FIELD_RE = re.compile(r'unknown field "([^"]+)"')

# VirtualBox gives every VM this NAT address; a cluster advertised on it cannot be reached.
_VIRTUALBOX_NAT_IP = "10.0.2.15"


@dataclass
class Diagnosis:
    """What a kubeadm run did, in the shape the wizard shows and ``--json`` prints."""

    succeeded: bool = False
    phases: list[str] = field(default_factory=list)
    preflight_errors: list[Issue] = field(default_factory=list)
    preflight_warnings: list[Issue] = field(default_factory=list)
    failed_phase: str | None = None
    error: str | None = None
    join_commands: list[JoinCommandData] = field(default_factory=list)
    advice: list[Advice] = field(default_factory=list)
    command: str | None = None  # typed at a prompt, e.g. "kubeadm join 10.0.0.1:6443 ..."

    @property
    def recognised(self) -> bool:
        """Whether anything of a kubeadm run was found (else the text was something else)."""
        return bool(self.succeeded or self.phases or self.preflight_errors
                    or self.preflight_warnings or self.failed_phase or self.error
                    or self.join_commands or self.command)

    def to_json(self) -> dict[str, object]:
        """Return exactly the documented keys, as JSON-ready data."""
        return {
            "command": self.command,
            "succeeded": self.succeeded,
            "phases": list(self.phases),
            "preflight_errors": [dict(i) for i in self.preflight_errors],
            "preflight_warnings": [dict(i) for i in self.preflight_warnings],
            "failed_phase": self.failed_phase,
            "error": self.error,
            "join_commands": [dict(c) for c in self.join_commands],
            "advice": [dict(a) for a in self.advice],
        }

    def masked(self) -> Diagnosis:
        """Return a copy safe to log: token secrets and certificate keys are masked."""
        return Diagnosis(
            succeeded=self.succeeded,
            phases=list(self.phases),
            preflight_errors=[_mask_values(i) for i in self.preflight_errors],
            preflight_warnings=[_mask_values(i) for i in self.preflight_warnings],
            failed_phase=self.failed_phase,
            error=None if self.error is None else mask_secrets(self.error),
            join_commands=[JoinCommand(**c).masked().to_dict() for c in self.join_commands],
            advice=[_mask_values(a) for a in self.advice],
            command=None if self.command is None else mask_secrets(self.command),
        )


def diagnose(text: str) -> Diagnosis:
    """Read pasted ``kubeadm init`` or ``kubeadm join`` output (1.2x-1.3x) and explain it."""
    lines = [clean_line(line) for line in text.splitlines()]
    errors, warnings = _preflight_issues(lines)
    succeeded, failed_phase, error = _outcome(lines)
    phases = _phases(lines)
    join_commands = find_join_commands(text, printed_only=True)
    command = typed_command(text)
    if join_commands and not (phases or failed_phase or error):
        succeeded = True  # `kubeadm token create --print-join-command` prints only that
    # The join the user typed says where the node tried to connect, when the error does not.
    tried = find_join_commands(command or "") + join_commands
    return Diagnosis(
        succeeded=succeeded,
        phases=phases,
        preflight_errors=errors,
        preflight_warnings=warnings,
        failed_phase=failed_phase,
        error=error,
        join_commands=[c.to_dict() for c in join_commands],
        advice=_advise("\n".join(lines), errors, warnings, (failed_phase, error), tried, succeeded),
        command=command,
    )


def _phases(lines: list[str]) -> list[str]:
    """Every phase prefix in the output, once each, in the order first seen."""
    seen: dict[str, None] = {}
    for line in lines:
        phase = phase_of(line)
        if phase:
            seen.setdefault(phase, None)
    return list(seen)


def _preflight_issues(lines: list[str]) -> tuple[list[Issue], list[Issue]]:
    """Collect ``[ERROR X]`` and ``[WARNING X]`` lines as (errors, warnings)."""
    found: dict[str, list[Issue]] = {"ERROR": [], "WARNING": []}
    for line in lines:
        match = _PREFLIGHT_RE.search(line)
        if not match:
            continue
        level, check, message = match.groups()
        issue = {"check": check, "message": message.strip().strip("`").strip()}
        if issue not in found[level]:
            found[level].append(issue)
    return found["ERROR"], found["WARNING"]


def _outcome(lines: list[str]) -> tuple[bool, str | None, str | None]:
    """Return (succeeded, failed phase, error text); the last banner or error wins.

    Without an ``error execution phase`` line the failure is still told by kubeadm's
    "Unfortunately, an error has occurred:" text (the phase is the one it was in, not a step
    inside it such as ``kubelet-check``; the error is on the next line) or by the first
    ``--v=5`` stack frame that names a phase (the error is the line above it).
    """
    success_at = -1
    failure: tuple[int, re.Match[str]] | None = None
    inferred: tuple[int, str, str | None] | None = None
    phase = None
    for index, line in enumerate(lines):
        if SUCCESS_RE.search(line):
            success_at = index
        match = FAILED_PHASE_RE.search(line) or _TOP_LEVEL_ERROR_RE.match(line)
        traced = stack_phase(line)
        if match:
            failure = (index, match)
        elif (unfortunately := FAILURE_TEMPLATE_RE.match(line)) and phase is not None:
            following = (later.strip() for later in lines[index + 1 :])
            message = unfortunately.group(1).strip() or next((t for t in following if t), None)
            inferred = (index, phase, message)
        elif traced and inferred is None:
            above = lines[index - 1] if index else ""
            inferred = (index, traced, above.strip() if above[:1].strip() else None)
        step = phase_of(line)
        if step and step not in SUB_STEPS:
            phase = step
    if inferred and (failure is None or failure[0] < inferred[0]):
        index, failed, message = inferred
        return (True, None, None) if success_at > index else (False, failed, message)
    if failure is None or success_at > failure[0]:
        return success_at >= 0, None, None
    index, match = failure
    if match.re is _TOP_LEVEL_ERROR_RE:
        return False, None, match.group(1).strip()
    error = _error_text(lines, index, match.end())
    if error is None and not lines[index][match.end() :].strip():
        error = _bare_phase_error(lines, index, inferred, match.group(1))
    return False, match.group(1), error


def _bare_phase_error(
    lines: list[str], index: int, inferred: tuple[int, str, str | None] | None, phase: str
) -> str | None:
    """The error of a bare ``error execution phase X`` line, as ``--v=5`` prints it.

    That form prints the error first, then the phase line, each followed by its stack trace
    (a function line, then its indented file line). The line just above the phase line is
    therefore the error, unless it is the file line of an earlier trace; then the error is
    the one read from the kubelet text or the first stack frame.
    """
    above = lines[index - 1] if index else ""
    if above.strip() and not above[:1].isspace():
        return above.strip()
    return inferred[2] if inferred and inferred[1] == phase else None


def _error_text(lines: list[str], index: int, start: int) -> str | None:
    """The message after ``error execution phase X:``, with the indented list below it.

    Before 1.30 a preflight failure reads ``...: [preflight] Some fatal errors occurred:``
    and lists the errors on the indented lines that follow; they belong to the message.
    """
    message = lines[index][start:].lstrip(":").strip()
    parts = [message]
    if not message or message.endswith(":"):
        for line in lines[index + 1 :]:
            if not line[:1].isspace():
                break
            parts.append(line.strip())
    text = " ".join(part for part in parts if part).strip("`").strip()
    return text or None


def _advise(
    text: str,
    errors: list[Issue],
    warnings: list[Issue],
    failure: tuple[str | None, str | None],
    join_commands: list[JoinCommand],
    succeeded: bool,
) -> list[Advice]:
    """Turn what went wrong into advice: a problem, the screen that fixes it, a command.

    ``failure`` is the failed phase and the final error text, either of them None. After a
    successful run, retries that kubeadm logged on the way (a health check or a
    discovery attempt that later passed) are not problems, so only the host and config advice
    is given.
    """
    failed_phase, error = failure
    advice: list[Advice] = []
    swap_warnings = [w for w in warnings if w["check"] == "Swap"]
    for issue in errors + swap_warnings:
        advice += _check_advice(issue)
    advice += _port_advice(errors)
    advice += _runtime_advice(text)
    advice += _cgroup_advice(text)
    if not succeeded:
        advice += _health_advice(text, failed_phase)
        advice += _join_advice(text, join_commands)
        advice += _resolution_advice(error)
    advice += _config_advice(text)
    unique: list[Advice] = []
    for item in advice:
        if item not in unique:
            unique.append(item)
    return unique


def _item(problem: str, screen: str, command: str) -> Advice:
    return {"problem": problem, "screen": screen, "command": command}


# Advice that depends only on the name of the failed check.
_FIXED_CHECK_ADVICE: dict[str, Advice] = {
    "Swap": _item(
        "Swap is on; the kubelet will not start with swap unless it is configured for it, so "
        "turn swap off for good (kubeadm before 1.23 stops here; later ones only warn, and "
        "the kubelet still refuses).",
        "requirements",
        "swapon --show",
    ),
    "FileContent--proc-sys-net-ipv4-ip_forward": _item(
        "IPv4 forwarding is off.", "bridge", "sysctl net.ipv4.ip_forward"
    ),
    "FileContent--proc-sys-net-ipv6-conf-default-forwarding": _item(
        "IPv6 forwarding is off.", "bridge", "sysctl net.ipv6.conf.default.forwarding"
    ),
    "IsPrivilegedUser": _item("kubeadm must run as root.", "requirements", "sudo -i"),
}
_BRIDGE_ADVICE = _item(
    "Bridged traffic is not passed to iptables; load br_netfilter and set the bridge-nf-call "
    "sysctls.",
    "bridge",
    "lsmod | grep br_netfilter",
)
_RESET_ADVICE = _item(
    "Files from an earlier kubeadm run are still on this host; if it should start fresh, reset "
    "it first (reset leaves CNI config and iptables rules behind).",
    "init",
    "kubeadm reset",
)


def _check_advice(issue: Issue) -> list[Advice]:
    """Advice for one preflight check, by its name; [] for checks advised on elsewhere."""
    check, message = issue["check"], issue["message"]
    if check in _FIXED_CHECK_ADVICE:
        return [dict(_FIXED_CHECK_ADVICE[check])]
    if check.startswith("FileContent--proc-sys-net-bridge-"):
        return [dict(_BRIDGE_ADVICE)]
    if _LEFTOVER_CHECK_RE.fullmatch(check):
        return [dict(_RESET_ADVICE)]
    if check == "NumCPU":
        cpus = _NUM_CPU_RE.search(message)
        have = f" (this host has {cpus.group(1)})" if cpus else ""
        return [
            _item(f"A control-plane node needs at least 2 CPUs{have}.", "requirements", "nproc")
        ]
    if check == "Mem":
        ram = _MEM_RE.search(message)
        have = f" (this host has {ram.group(1)} MB)" if ram else ""
        problem = f"A control-plane node needs at least 1700 MB of RAM{have}."
        return [_item(problem, "requirements", "free -m")]
    binary = _FILE_EXISTING_RE.fullmatch(check)
    if binary:
        problem = f"{binary.group(1)} is not installed (or not in PATH), and kubeadm needs it."
        return [_item(problem, "requirements", "kubeadm-wizard check")]
    return []


def _port_advice(errors: list[Issue]) -> list[Advice]:
    """One piece of advice naming every port that preflight found in use."""
    ports = [m.group(1) for e in errors if (m := _PORT_CHECK_RE.fullmatch(e["check"]))]
    if not ports:
        return []
    if len(ports) == 1:
        named = f"Port {ports[0]} is"
    else:
        named = f"Ports {', '.join(ports[:-1])} and {ports[-1]} are"
    selector = " or ".join(f"sport = :{port}" for port in ports)
    return [
        _item(
            f"{named} already in use, by an earlier cluster or another program.",
            "requirements",
            f"ss -ltnp '( {selector} )'",
        )
    ]


def _runtime_advice(text: str) -> list[Advice]:
    """Advice when kubeadm could not use the container runtime (CRI)."""
    if _CRI_UNIMPLEMENTED_RE.search(text):
        return [
            _item(
                "The container runtime answers but does not serve the CRI API; containerd's "
                'packaged config.toml often disables it with disabled_plugins = ["cri"].',
                "runtime",
                "containerd config dump | grep -n disabled_plugins",
            )
        ]
    if _CRI_DOWN_RE.search(text):
        return [
            _item(
                "kubeadm could not talk to the container runtime; it must be installed, running "
                "and listening on the socket kubeadm uses.",
                "runtime",
                "systemctl status containerd",
            )
        ]
    return []


def _cgroup_advice(text: str) -> list[Advice]:
    """Advice for missing cgroup controllers and for cgroup v1 hosts."""
    advice = []
    for controller in dict.fromkeys(_MISSING_CGROUP_RE.findall(text)):
        if controller == "memory":
            problem = (
                "The memory cgroup controller is disabled; on a Raspberry Pi add "
                "'cgroup_enable=memory cgroup_memory=1' to the single line of "
                "/boot/firmware/cmdline.txt (/boot/cmdline.txt on older images) and reboot."
            )
        else:
            problem = f"The {controller} cgroup controller is missing from this kernel or boot."
        advice.append(_item(problem, "cgroups", "cat /proc/cgroups"))
    if _CGROUP_V1_RE.search(text):
        advice.append(
            _item(
                "This host uses cgroup v1, which kubelet 1.35 and later refuse by default; "
                "move it to cgroup v2.",
                "cgroups",
                "stat -fc %T /sys/fs/cgroup",
            )
        )
    return advice


def _health_advice(text: str, failed_phase: str | None) -> list[Advice]:
    """Advice when the kubelet or the control plane did not become healthy in time."""
    waited = failed_phase is not None and failed_phase.startswith("wait-control-plane")
    unhealthy = _UNHEALTHY_RE.search(text) and not _IDENTITY_RE.search(text)
    if not (waited or unhealthy):
        return []
    endpoint = _CRICTL_ENDPOINT_RE.search(text)
    crictl = f"crictl --runtime-endpoint {endpoint.group(1)}" if endpoint else "crictl"
    return [
        _item(
            "The kubelet or a control-plane component never became healthy; the usual cause is "
            "a cgroup-driver mismatch between the kubelet and the container runtime (both must "
            "use systemd).",
            "cgroups",
            "journalctl -xeu kubelet",
        ),
        _item(
            "A control-plane container may have crashed; list the Kubernetes containers and "
            "read the logs of the one that keeps exiting.",
            "runtime",
            f"{crictl} ps -a | grep kube | grep -v pause",
        ),
    ]


def _join_advice(text: str, join_commands: list[JoinCommand]) -> list[Advice]:
    """Advice when a join could not trust or reach the API server."""
    identity = _IDENTITY_RE.search(text)
    bad_token = _BAD_TOKEN_RE.search(text)
    if not (identity or bad_token):
        return []
    if bad_token:
        problem = "The bootstrap token is invalid or has expired (tokens last 24 hours)."
    else:
        problem = (
            "This node could not confirm the API server's identity with the token and CA hash "
            "it was given; use a fresh, complete join command."
        )
    advice = [_item(problem, "init", "kubeadm token create --print-join-command")]
    failure_line = _line_with(text, _IDENTITY_RE) if identity else ""
    if _NETWORK_FAILURE_RE.search(failure_line):
        advice.append(_network_item(_failed_endpoint(failure_line, join_commands)))
    return advice


def _network_item(endpoint: str | None) -> Advice:
    """Advice to check the route from this node to the API server."""
    where = f" at {endpoint}" if endpoint else ""
    problem = (
        f"This node could not reach the API server{where}; check the address, the route to it "
        "and that the control plane's firewall lets the port through."
    )
    if endpoint and endpoint.startswith(f"{_VIRTUALBOX_NAT_IP}:"):
        problem += (
            f" {_VIRTUALBOX_NAT_IP} is VirtualBox's NAT address: advertise the host-only one."
        )
    command = f"curl -k https://{endpoint}/livez" if endpoint else "ip route"
    return _item(problem, "network", command)


def _resolution_advice(error: str | None) -> list[Advice]:
    """Advice when the name kubeadm failed on (the API server's) does not resolve here.

    Only the final error counts: preflight's Hostname warning names the same lookup for the
    node's own name, which does not stop a run.
    """
    unresolved = _UNRESOLVED_RE.search(error or "")
    if not unresolved:
        return []
    name = unresolved.group(1)
    return [
        _item(
            f"This node cannot resolve {name}; add it to /etc/hosts or to the DNS this node "
            "uses, with the control plane's address.",
            "network",
            f"getent hosts {name}",
        )
    ]


def _failed_endpoint(failure_line: str, join_commands: list[JoinCommand]) -> str | None:
    """The host:port the join tried: from the error itself, else from the join command."""
    match = _URL_ENDPOINT_RE.search(failure_line)
    if match:
        return match.group(1)
    return join_commands[0].endpoint if join_commands else None


def _config_advice(text: str) -> list[Advice]:
    """Advice when the kubeadm config file is older than, or unknown to, this kubeadm."""
    advice = []
    migrate = "kubeadm config migrate --old-config kubeadm.yaml --new-config kubeadm-new.yaml"
    deprecated = _DEPRECATED_API_RE.search(text)
    if deprecated:
        advice.append(
            _item(
                f"The kubeadm config file uses the deprecated API version {deprecated.group(1)}; "
                "convert it while this kubeadm can still read it.",
                "init",
                migrate,
            )
        )
    removed = _REMOVED_API_RE.search(text)
    if removed:
        version = removed.group(1) or removed.group(2)
        advice.append(
            _item(
                f"The kubeadm config file uses the API version {version}, which this kubeadm no "
                "longer reads; convert it with the previous kubeadm release.",
                "init",
                migrate,
            )
        )
    unknown = _UNKNOWN_FIELD_RE.search(text)
    if unknown:
        advice.append(
            _item(
                f"The kubeadm config file has a field this kubeadm does not know: "
                f"{unknown.group(1)}; check its spelling and the apiVersion.",
                "init",
                "kubeadm config validate --config kubeadm.yaml",
            )
        )
    return advice


def _line_with(text: str, pattern: re.Pattern[str]) -> str:
    """The whole line of ``text`` where ``pattern`` first matches."""
    match = pattern.search(text)
    if not match:
        return ""
    start = text.rfind("\n", 0, match.start()) + 1
    end = text.find("\n", match.end())
    return text[start : end if end >= 0 else len(text)]


def _mask_values(item: dict[str, str]) -> dict[str, str]:
    return {key: mask_secrets(value) for key, value in item.items()}

"""Finding, checking and rebuilding ``kubeadm join`` commands.

Users reach the join screen with a command copied from the ``kubeadm init`` banner, from
``kubeadm token create --print-join-command`` or from a chat message. kubeadm prints it over
several lines (``\\`` + newline + tab), terminals turn the tab into spaces, and the copy often
drags a shell prompt or ``sudo`` along. This module reads all of those, and gives the join form
one validator per field so a typo is named before kubeadm fails with a less helpful message.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TypedDict

from wizard.kubeadm.phases import clean_line
from wizard.kubeadm.secrets import mask_certificate_key, mask_token

#: What ``kubeadm init --skip-token-print`` (and ``--skip-certificate-key-print``) prints.
WITHHELD = "<value withheld>"

#: What people put in place of a secret before they share a command: ``<redacted>``,
#: ``<value withheld>``, ``[REDACTED]``. The command is still a join command, with this as its
#: token.
PLACEHOLDER_RE = re.compile(r"<[A-Za-z][^<>\n]*>|\[[A-Za-z][A-Za-z ]*\]")

TOKEN_RE = re.compile(r"[a-z0-9]{6}\.[a-z0-9]{16}")
CA_CERT_HASH_RE = re.compile(r"sha256:[0-9a-fA-F]{64}")
CERTIFICATE_KEY_RE = re.compile(r"[0-9a-fA-F]{64}")

_FRESH_TOKEN = (
    "run `kubeadm token create --print-join-command` on the control plane for a fresh one"
)
_JOIN_RE = re.compile(r"\bkubeadm\s+join\b")
_KUBEADM_RE = re.compile(r"\bkubeadm\s+(?:(join)\b|[a-z])")
_CONTINUATION_RE = re.compile(r"\\\n")
_SPACE_SENTINEL = "\x00"
# What stands before a command the user typed, not one kubeadm printed: a shell prompt
# ("root@cp:~# ", "[root@m01 data]# ", "$ "), a shell trace ("+ "), sealos' "[ssh][host] "
# for a command it ran, or sudo at the start of the line; then perhaps a path ("./kubeadm").
# kubeadm prints its join commands with indentation only, and other wrappers put a label
# ending in a colon before them ("host: ", "(remote-exec): ").
_TYPED_PREFIX_RE = re.compile(
    r"(?:(?:^|\s)\S*[$#%]\s*|^\s*\++\s+|\[ssh\]\[[^\]]*\]\s*|^\s*)"
    r"(?:sudo\s+(?:-\S+\s+)*)?(?:\S*/)?$"
)
_SHELL_SEPARATOR_RE = re.compile(r"\s(?:&&|\|\||;|\|)\s|[;`]|\s[12]?>")
# A token as printed, or as ``mask_secrets`` left it: the command is still worth showing.
_TOKEN_OR_MASKED_RE = re.compile(r"[a-z0-9]{6}\.(?:[a-z0-9]{16}|\*{16})")
_HOSTNAME_RE = re.compile(
    r"(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?"
)
_BRACKETED_RE = re.compile(r"\[([^\]]*)\](?::(.*))?")
# kubeadm join flags that take a value, so the value is not mistaken for the endpoint.
_VALUE_FLAGS = frozenset(
    {
        "--token",
        "--discovery-token",
        "--tls-bootstrap-token",
        "--discovery-token-ca-cert-hash",
        "--certificate-key",
        "--config",
        "--cri-socket",
        "--node-name",
        "--apiserver-advertise-address",
        "--apiserver-bind-port",
        "--discovery-file",
        "--ignore-preflight-errors",
        "--patches",
        "--skip-phases",
        "--rootfs",
        "-v",
        "--v",
    }
)
_CONTROL_PLANE_FLAGS = frozenset({"--control-plane", "--experimental-control-plane"})
# Shell syntax ends the command; "kubeadm" starts the next one on the same line.
_STOP_TOKENS = frozenset({"&&", "||", ";", "|", "kubeadm"})


class JoinCommandData(TypedDict):
    """JoinCommand as plain data (JSON, the journal); ``JoinCommand(**data)`` rebuilds it."""

    control_plane: bool
    endpoint: str
    token: str
    ca_cert_hashes: list[str]
    certificate_key: str | None


@dataclass
class JoinCommand:
    """The parts of a ``kubeadm join`` command that the wizard shows, checks and re-runs."""

    control_plane: bool
    endpoint: str
    token: str
    ca_cert_hashes: list[str] = field(default_factory=list)
    certificate_key: str | None = None

    def to_dict(self) -> JoinCommandData:
        """Return the command as plain data, for JSON output and the journal."""
        return {
            "control_plane": self.control_plane,
            "endpoint": self.endpoint,
            "token": self.token,
            "ca_cert_hashes": list(self.ca_cert_hashes),
            "certificate_key": self.certificate_key,
        }

    def argv(self) -> list[str]:
        """Return the command as an argument list, ready for ``subprocess`` (no shell)."""
        args = ["kubeadm", "join", self.endpoint, "--token", self.token]
        for ca_hash in self.ca_cert_hashes:
            args += ["--discovery-token-ca-cert-hash", ca_hash]
        if self.control_plane:
            args.append("--control-plane")
        if self.certificate_key is not None:
            args += ["--certificate-key", self.certificate_key]
        return args

    def masked(self) -> JoinCommand:
        """Return a copy whose token secret and certificate key are masked, for logs."""
        key = self.certificate_key
        return JoinCommand(
            control_plane=self.control_plane,
            endpoint=self.endpoint,
            token=mask_token(self.token),
            ca_cert_hashes=list(self.ca_cert_hashes),
            certificate_key=None if key is None else mask_certificate_key(key),
        )


def find_join_commands(text: str, *, printed_only: bool = False) -> list[JoinCommand]:
    """Return every distinct ``kubeadm join`` command in ``text``, in order of appearance.

    Continuation lines are joined first; shell prompts, ``sudo``, quotes and trailing
    shell syntax around the command are ignored. Commands without a usable endpoint (a
    documentation example such as ``<control-plane-ip>:6443``) or without a token are skipped;
    a token replaced by a placeholder (``<redacted>``) still counts. With ``printed_only``,
    a command typed at a shell prompt is left out: only what kubeadm printed is returned.
    """
    found: list[JoinCommand] = []
    for line in _logical_lines(text):
        for match in _JOIN_RE.finditer(line):
            if printed_only and _is_typed(line, match.start()):
                continue
            command = _parse_args(_split_args(line[match.end() :]))
            if command is not None and command not in found:
                found.append(command)
    return found


def typed_command(text: str) -> str | None:
    """Return the last kubeadm command typed at a shell prompt in ``text``, on one line.

    A paste often starts with the command that produced it (``root@cp:~# kubeadm join ...``);
    that is what the user ran, not what kubeadm printed, so ``diagnose`` reports it apart.
    The prompt, ``sudo`` and anything after a shell separator are left out. kubeadm itself
    prints no line that starts with a kubeadm command other than ``kubeadm join``, so
    ``kubeadm init ...`` at the start of a line was typed even without a prompt.
    """
    typed = None
    for line in _logical_lines(text):
        for match in _KUBEADM_RE.finditer(line):
            other = match.group(1) is None and not line[: match.start()].strip()
            if other or _is_typed(line, match.start()):
                rest = line[match.start() :]
                cut = _SHELL_SEPARATOR_RE.search(rest)
                typed = " ".join(rest[: cut.start() if cut else len(rest)].split()).rstrip("\\ ")
    return typed


def _is_typed(line: str, start: int) -> bool:
    """Whether the kubeadm command at ``start`` of ``line`` follows a prompt, trace or sudo."""
    prefix = line[:start]
    return bool(prefix.strip()) and _TYPED_PREFIX_RE.search(prefix) is not None


def parse_pasted_join(text: str, control_plane: bool | None = None) -> JoinCommand | str:
    """Read the join command a user pasted; return it, or a sentence saying what is wrong.

    ``control_plane`` picks the worker (False) or control-plane (True) command when the user
    pasted the whole ``kubeadm init`` banner, which holds both.
    """
    commands = find_join_commands(text)
    if control_plane is not None:
        commands = [c for c in commands if c.control_plane == control_plane]
    if not commands:
        kind = {None: "", True: "control-plane ", False: "worker "}[control_plane]
        return (f"No {kind}`kubeadm join` command with an endpoint and a token is in the "
                "text" + (f": {reason}." if (reason := _why_unusable(text)) else "."))
    if len(commands) > 1:
        return (
            f"The text holds {len(commands)} different join commands; "
            "paste only the one meant for this node."
        )
    command = commands[0]
    problem = _first_problem(command)
    return command if problem is None else problem


def validate_token(value: str) -> str | None:
    """Check a bootstrap token (``abcdef.0123456789abcdef``); None if it is well formed."""
    value = value.strip()
    if not value:
        return "Enter the bootstrap token from the join command, e.g. abcdef.0123456789abcdef."
    if value == WITHHELD:
        return f"kubeadm withheld the token when it printed this command; {_FRESH_TOKEN}."
    if PLACEHOLDER_RE.fullmatch(value):
        return f"The token was left out ({value}) when this command was shared; {_FRESH_TOKEN}."
    if "*" in value:
        return f"This token was masked when it was saved; {_FRESH_TOKEN}."
    if TOKEN_RE.fullmatch(value):
        return None
    if TOKEN_RE.fullmatch(value.lower()):
        return "Bootstrap tokens are lower case; type the token exactly as kubeadm printed it."
    return (
        "A bootstrap token is 6 lower-case letters or digits, a dot, then 16 more "
        "(e.g. abcdef.0123456789abcdef)."
    )


def validate_ca_cert_hash(value: str) -> str | None:
    """Check a ``--discovery-token-ca-cert-hash`` value; None if it is well formed."""
    value = value.strip()
    if CA_CERT_HASH_RE.fullmatch(value):
        return None
    if not value:
        return "Enter the CA certificate hash: 'sha256:' followed by 64 hex digits."
    prefix, colon, digest = value.partition(":")
    if prefix != "sha256" or not colon:
        return "The CA certificate hash must start with 'sha256:', the only type kubeadm accepts."
    if not re.fullmatch(r"[0-9a-fA-F]*", digest):
        return "After 'sha256:' the CA certificate hash may hold only hex digits (0-9, a-f)."
    return f"After 'sha256:' the CA certificate hash needs 64 hex digits, not {len(digest)}."


def validate_certificate_key(value: str) -> str | None:
    """Check a ``--certificate-key`` value (64 hex digits); None if it is well formed."""
    value = value.strip()
    upload_again = "run `kubeadm init phase upload-certs --upload-certs` on a control-plane node"
    if not value:
        return "Enter the certificate key: the 64 hex digits after --certificate-key."
    if value == WITHHELD:
        return f"kubeadm withheld the certificate key when it printed this command; {upload_again}."
    if "*" in value:
        return f"This certificate key was masked when it was saved; {upload_again}."
    if not re.fullmatch(r"[0-9a-fA-F]*", value):
        return "The certificate key may hold only hex digits (0-9, a-f)."
    if not CERTIFICATE_KEY_RE.fullmatch(value):
        return f"The certificate key needs 64 hex digits, not {len(value)}."
    return None


def validate_endpoint(value: str) -> str | None:
    """Check an API server endpoint (``host:port``, IPv6 as ``[addr]:port``); None if valid."""
    value = value.strip()
    if not value:
        return "Enter the API server endpoint as host:port, e.g. 192.168.1.10:6443."
    if "://" in value:
        return "Leave out the scheme: the endpoint is host:port, e.g. 192.168.1.10:6443, not a URL."
    host, port, problem = _split_endpoint(value)
    if problem:
        return problem
    if port is None:
        return f"Add the API server port after a colon, e.g. {value}:6443."
    if not port.isdigit() or not 0 < int(port) < 65536:
        return f"The port must be a number from 1 to 65535, not {port!r}."
    return _host_problem(host)


def _split_endpoint(value: str) -> tuple[str, str | None, str | None]:
    """Split ``host:port`` / ``[v6]:port`` into (host, port or None, problem or None)."""
    if value.startswith("["):
        match = _BRACKETED_RE.fullmatch(value)
        if not match:
            return "", None, "Close the IPv6 address with ']' before the port: [fd00::10]:6443."
        host, port = match.groups()
        try:
            ipaddress.IPv6Address(host)
        except ValueError:
            return host, port, f"{host!r} in brackets is not a valid IPv6 address."
        return f"[{host}]", port, None
    if value.count(":") > 1:
        return value, None, "Put an IPv6 address in brackets before the port, e.g. [fd00::10]:6443."
    host, colon, port = value.partition(":")
    return host, port if colon else None, None


def _host_problem(host: str) -> str | None:
    """Say what is wrong with the host part of an endpoint, if anything."""
    if host.startswith("["):
        return None
    if re.fullmatch(r"[0-9.]+", host):
        try:
            ipaddress.IPv4Address(host)
        except ValueError:
            return f"{host!r} is not a valid IPv4 address."
        return None
    if _HOSTNAME_RE.fullmatch(host):
        return None
    return f"{host!r} is neither an IP address nor a valid host name."


def _first_problem(command: JoinCommand) -> str | None:
    """Return the first thing wrong with a parsed command, checking fields in form order."""
    if not command.ca_cert_hashes:
        return (
            "The command has no --discovery-token-ca-cert-hash, so this node could not check "
            "it joins the right cluster; copy the whole command."
        )
    checks = [validate_endpoint(command.endpoint), validate_token(command.token)]
    checks += [validate_ca_cert_hash(h) for h in command.ca_cert_hashes]
    if command.certificate_key is not None:
        checks.append(validate_certificate_key(command.certificate_key))
    return next((problem for problem in checks if problem), None)


def _logical_lines(text: str) -> list[str]:
    """Clean each line and join backslash-continued lines into one."""
    cleaned = "\n".join(clean_line(line) for line in text.splitlines())
    return _CONTINUATION_RE.sub(" ", cleaned).split("\n")


def _split_args(rest: str) -> list[str]:
    """Split what follows ``kubeadm join`` into words, keeping ``<value withheld>`` whole.

    Quotes, Markdown backticks and a dangling continuation backslash (on the last line of a
    paste) are not part of any value.
    """
    rest = PLACEHOLDER_RE.sub(lambda m: m.group().replace(" ", _SPACE_SENTINEL), rest)
    words = (w.strip("`'\"\\") for w in rest.split())
    return [w.replace(_SPACE_SENTINEL, " ") for w in words if w]


def _words(args: list[str]) -> Iterator[tuple[str | None, str]]:
    """(flag, value) for each flag after ``kubeadm join``, (None, word) for each other word,
    up to the end of the command (a shell separator or redirection)."""
    position = 0
    while position < len(args):
        word = args[position]
        position += 1
        if word in _STOP_TOKENS or word.startswith((">", "2>")):
            return
        name, equals, value = word.partition("=")
        if not name.startswith("-"):
            yield None, word
            continue
        if name in _VALUE_FLAGS and not equals:
            value = args[position] if position < len(args) else ""
            position += 1
        yield name, value


def _parse_args(args: list[str]) -> JoinCommand | None:
    """Build a JoinCommand from the words after ``kubeadm join``; None if it is not usable."""
    endpoint = token = key = None
    hashes: list[str] = []
    control_plane = False
    for name, value in _words(args):
        if name is None:
            if endpoint is None and validate_endpoint(value) is None:
                endpoint = value
        elif name == "--token" or (name == "--discovery-token" and token is None):
            token = value
        elif name == "--discovery-token-ca-cert-hash":
            hashes.append(value)
        elif name == "--certificate-key":
            key = value
        elif name in _CONTROL_PLANE_FLAGS:
            control_plane = True
    if endpoint is None or token is None:
        return None
    if not (_TOKEN_OR_MASKED_RE.fullmatch(token) or PLACEHOLDER_RE.fullmatch(token)):
        return None
    return JoinCommand(control_plane, endpoint, token, hashes, key)


def _why_unusable(text: str) -> str | None:
    """What keeps the first `kubeadm join` in the text from being a command: its endpoint
    or its token, in kubeadm's own terms (the fields of the join form say the same)."""
    for line in _logical_lines(text):
        for match in _JOIN_RE.finditer(line):
            endpoint, token = _endpoint_and_token_words(_split_args(line[match.end():]))
            if endpoint is None:
                return "the one there names no endpoint (HOST:PORT)"
            problem = validate_endpoint(endpoint)
            if problem:
                return f"its endpoint {endpoint!r}: {problem.rstrip('.')}"
            if token is None:
                return "the one there has no --token"
            return f"its token {token!r} is not of the form abcdef.0123456789abcdef"
    return None


def _endpoint_and_token_words(args: list[str]) -> tuple[str | None, str | None]:
    """The first word that is no flag nor a flag's value, and the --token's value."""
    words = list(_words(args))
    endpoint = next((value for name, value in words if name is None), None)
    token = next((value for name, value in words if name in ("--token", "--discovery-token")),
                 None)
    return endpoint, token

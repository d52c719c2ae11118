"""The join form: the values of a `kubeadm join` command, each checked as it is typed.

The operator copies the command from the control plane, often over several lines and with a
shell prompt; the paste box takes all of it (a one-line Input would keep only the first line)
and fills the fields. Every field says what is wrong with it in the validators' words, so a
typo is named here instead of by a failing join minutes later. The token and certificate key
stay in these widgets and in the JoinSecrets they produce: never in the wizard's choices.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.validation import ValidationResult, Validator
from textual.widgets import Input, Label, Static, TextArea

from wizard.kubeadm.join_command import (
    JoinCommand,
    find_join_commands,
    parse_pasted_join,
    validate_ca_cert_hash,
    validate_certificate_key,
    validate_endpoint,
    validate_token,
)
from wizard.model import JoinSecrets

FieldRule = Callable[[str], str | None]

FIELDS: tuple[tuple[str, str, FieldRule, bool], ...] = (
    ("endpoint", "API server endpoint (host:port)", validate_endpoint, False),
    ("token", "Bootstrap token", validate_token, True),
    ("ca-hash", "CA certificate hash (sha256:...)", validate_ca_cert_hash, False),
    ("cert-key", "Certificate key (control-plane join only)", validate_certificate_key, True),
)
"""Field id, label, validator from wizard.kubeadm.join_command, whether the value is a secret."""

OK_MARK = "✔ looks right"


class _Rule(Validator):
    """A join_command validator as a Textual Validator: its sentence becomes the failure."""

    def __init__(self, rule: FieldRule) -> None:
        super().__init__()
        self.rule = rule

    def validate(self, value: str) -> ValidationResult:
        problem = self.rule(value)
        return self.failure(problem) if problem else self.success()


class JoinForm(Vertical):
    """Endpoint, token, CA hash and certificate key, or the whole pasted command."""

    DEFAULT_CSS = """
    JoinForm { height: auto; }
    JoinForm TextArea { height: 4; }
    JoinForm .field-message { color: $text-muted; margin-bottom: 1; }
    JoinForm .field-message.-problem { color: $warning; }
    """

    @dataclass
    class Changed(Message):
        """A field changed; `endpoint` is what the choices may keep (it is not a secret)."""

        form: JoinForm
        endpoint: str

    def __init__(self, *, endpoint: str = "", control_plane: bool = False,
                 endpoint_rule: FieldRule = validate_endpoint, **kwargs) -> None:
        """`endpoint_rule` can know this host and its answers: an endpoint that is well formed
        but cannot be the control plane (this node's own address, ...) is refused with why."""
        super().__init__(**kwargs)
        self.control_plane = control_plane
        self._endpoint = endpoint
        self._rules = {key: endpoint_rule if key == "endpoint" else rule
                       for key, _, rule, _ in FIELDS}

    def compose(self) -> ComposeResult:
        yield Label("Paste a join command (it fills the fields):")
        yield TextArea(id="join-paste", soft_wrap=True, show_line_numbers=False)
        yield Static("", id="join-paste-message", classes="field-message", markup=False)
        for key, label, _, secret in FIELDS:
            rule = self._rules[key]
            value = self._endpoint if key == "endpoint" else ""
            yield Label(label)
            yield Input(value, id=f"join-{key}", password=secret, validators=[_Rule(rule)])
            yield Static(self._hint(key, rule, value), id=f"join-{key}-message",
                         classes="field-message", markup=False)

    # ------------------------------------------------------------------ values
    def value(self, key: str) -> str:
        return self.query_one(f"#join-{key}", Input).value.strip()

    @property
    def endpoint(self) -> str:
        return self.value("endpoint")

    def secrets(self) -> JoinSecrets:
        """The secrets to hand to the run (memory only)."""
        hashes = [self.value("ca-hash")] if self.value("ca-hash") else []
        return JoinSecrets(token=self.value("token"), certificate_key=self.value("cert-key"),
                           ca_cert_hashes=hashes)

    def problems(self) -> list[str]:
        """What stops a join with these values, one sentence each."""
        found = []
        for key, label, _, _ in FIELDS:
            if key == "cert-key" and not (self.control_plane and self.value(key)):
                continue  # without a key, the control-plane certificates are copied by hand
            problem = self._rules[key](self.value(key))
            if problem:
                found.append(f"{label}: {problem}")
        return found

    def set_control_plane(self, control_plane: bool) -> None:
        self.control_plane = control_plane
        self._show_hint("cert-key")

    def recheck_endpoint(self) -> None:
        """The endpoint rule learnt more (the host's addresses): its verdict may change."""
        endpoint = self.query_one("#join-endpoint", Input)
        if endpoint.value:  # an empty field stays unmarked until typed in, as Input leaves it
            endpoint.validate(endpoint.value)
        self._show_hint("endpoint")

    def fill(self, command: JoinCommand) -> None:
        """Put a parsed command's values into the fields."""
        values = {"endpoint": command.endpoint, "token": command.token,
                  "ca-hash": command.ca_cert_hashes[0] if command.ca_cert_hashes else "",
                  "cert-key": command.certificate_key or ""}
        for key, value in values.items():
            self.query_one(f"#join-{key}", Input).value = value

    # ---------------------------------------------------------------- events
    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        event.stop()
        text = event.text_area.text
        if not text.strip():
            return
        parsed = parse_pasted_join(text)
        if isinstance(parsed, str) and len(find_join_commands(text)) > 1:
            parsed = parse_pasted_join(text, control_plane=self.control_plane)
        message = self.query_one("#join-paste-message", Static)
        if isinstance(parsed, str):
            message.update(parsed)
            message.add_class("-problem")
            return
        self.fill(parsed)
        kind = "control-plane" if parsed.control_plane else "worker"
        message.update(f"Filled in from the pasted {kind} join command; the paste was cleared "
                       "so the token is not left on the screen.")
        message.remove_class("-problem")
        event.text_area.clear()

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        key = (event.input.id or "").removeprefix("join-")
        self._show_hint(key)
        self.post_message(self.Changed(self, self.endpoint))

    def _show_hint(self, key: str) -> None:
        hint = self._hint(key, self._rules[key], self.value(key))
        widget = self.query_one(f"#join-{key}-message", Static)
        widget.update(hint)
        widget.set_class(hint not in ("", OK_MARK), "-problem")

    def _hint(self, key: str, rule: FieldRule, value: str) -> str:
        if key == "cert-key" and not value:
            return ("Needed for a control-plane join with uploaded certificates."
                    if self.control_plane else "")
        return rule(value) or OK_MARK

"""The route helper: a route typed field by field, checked as it is typed, shown as steps.

Every field says under itself what is wrong with it (route_spec's sentences); the steps below
show the `ip route` command, the prediction of `ip route get`, and the diff of the file that
keeps the route across reboots. Reading the host (its routing table may be huge) and planning
happen in worker threads; the form only posts `Submitted(steps)` for the page to apply.
Typing only disables Apply: the checks wait until the input has been still for
`SETTLE_SECONDS`, so a burst of keys shows at once instead of queueing one validation each.

Over SSH, a change that moves the path back to the operator is submitted alone (`guard`
set); once the page has applied it, it calls `confirm_or_revert(guard)`, whose dialog posts
the persistence steps (kept) or the reverse change (not confirmed in time) as another
`Submitted`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from rich.console import Group
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Button, Input, Label, RadioButton, RadioSet, Select, Static, Switch

from screens.dialogs.ssh_revert import SshRevertDialog
from screens.widgets.step_view import render_step
from wizard.host.base import Host
from wizard.network.route_plan import PersistError, route_steps
from wizard.network.route_spec import (
    FIELDS,
    Problem,
    RouteContext,
    RouteRequest,
    Validation,
    example_gateway,
    validate,
)
from wizard.network.ssh_guard import REVERT_SECONDS, GuardedPlan, changes_ssh_path, guard_plan
from wizard.steps.step import Step

SETTLE_SECONDS = 0.15
"""How long the input must be still before it is checked (a typing burst is checked once)."""

TEXT_FIELDS = (("dst", "Destination: a prefix, an address or default", "10.96.0.0/12"),
               ("gateway", "Gateway (via)", "an address on a connected network"),
               ("metric", "Metric (lower wins)", "0; IPv6: 1024"),
               ("table", "Table", "main"))


@dataclass(frozen=True)
class _Check:
    """What the form asked a worker to check; results for an older question are dropped."""

    request: RouteRequest
    op: str
    persist: bool


class RouteForm(Vertical):
    """Destination, gateway, interface, metric, table; Add or Delete; keep across reboots."""

    DEFAULT_CSS = """
    RouteForm { height: auto; }
    RouteForm RadioSet { width: auto; }
    RouteForm .field-message { color: $text-muted; }
    RouteForm .field-message.-problem { color: $error; }
    RouteForm .field-message.-warning { color: $warning; }
    RouteForm #route-persist-row { height: auto; margin-top: 1; }
    RouteForm #route-ssh { color: $warning; }
    RouteForm #route-preview { margin: 1 0; }
    """

    @dataclass
    class Submitted(Message):
        """Apply these steps. With `guard`, ask `confirm_or_revert(guard)` once they ran."""

        form: RouteForm
        steps: list[Step]
        guard: GuardedPlan | None = None

    @dataclass
    class _ContextLoaded(Message):
        context: RouteContext | None
        error: str = ""

    @dataclass
    class _Checked(Message):
        check: _Check
        validation: Validation
        steps: list[Step]
        diffs: list[tuple[str, ...]]
        persist_error: str
        ssh_warning: str | None

    def __init__(self, host: Host, *, env: Mapping[str, str] | None = None,
                 **kwargs) -> None:
        super().__init__(**kwargs)
        self.host = host
        self.env = env
        self._host_facts: RouteContext | None = None
        self._latest: RouteForm._Checked | None = None
        self._settle_timer: Timer | None = None

    def compose(self) -> ComposeResult:
        with RadioSet(id="route-op"):
            yield RadioButton("Add", value=True, id="route-op-add")
            yield RadioButton("Delete", id="route-op-del")
        for key, label, placeholder in TEXT_FIELDS[:2]:
            yield from self._text_field(key, label, placeholder)
        yield Label("Interface (dev)")
        yield Select([], prompt="any: the one that reaches the gateway", id="route-dev")
        yield Static("", id="route-dev-message", classes="field-message", markup=False)
        for key, label, placeholder in TEXT_FIELDS[2:]:
            yield from self._text_field(key, label, placeholder)
        yield Static("", id="route-route-message", classes="field-message", markup=False)
        with Horizontal(id="route-persist-row"):
            yield Switch(id="route-persist")
            yield Label("Keep it across reboots (edit the network configuration)")
        yield Static("", id="route-persist-message", classes="field-message", markup=False)
        yield Static("", id="route-ssh", markup=False)
        yield Static("", id="route-preview")
        yield Button("Apply", id="route-apply", variant="warning", disabled=True)

    @staticmethod
    def _text_field(key: str, label: str, placeholder: str) -> ComposeResult:
        yield Label(label)
        yield Input(placeholder=placeholder, id=f"route-{key}")
        yield Static("", id=f"route-{key}-message", classes="field-message", markup=False)

    def on_mount(self) -> None:
        self.reload()

    # -------------------------------------------------------------------- state
    def request(self) -> RouteRequest:
        values = {key: self.query_one(f"#route-{key}", Input).value for key, *_ in TEXT_FIELDS}
        dev = self.query_one("#route-dev", Select).selection
        return RouteRequest(dev=str(dev) if dev else "", **values)

    @property
    def op(self) -> str:
        return "del" if self.query_one("#route-op-del", RadioButton).value else "add"

    def _current(self) -> _Check:
        return _Check(self.request(), self.op, self.query_one("#route-persist", Switch).value)

    # -------------------------------------------------------------------- host work
    def reload(self) -> None:
        """Read the host's links and routes again (after a change was applied)."""
        self._load_context()

    @work(thread=True, exclusive=True, group="route-context", exit_on_error=False)
    def _load_context(self) -> None:
        try:
            self.post_message(self._ContextLoaded(RouteContext.from_host(self.host)))
        except OSError as error:
            self.post_message(self._ContextLoaded(None, error.strerror or str(error)))

    @work(thread=True, exclusive=True, group="route-check", exit_on_error=False)
    def _check(self, check: _Check, context: RouteContext | None) -> None:
        validation = validate(check.request, context, check.op)
        steps: list[Step] = []
        persist_error, ssh_warning = "", None
        spec = validation.spec
        try:
            if spec is not None:
                try:
                    steps = route_steps(self.host, spec, check.op, check.persist, context)
                except PersistError as error:
                    persist_error = str(error)
                    steps = route_steps(self.host, spec, check.op, False, context)
                ssh_warning = changes_ssh_path(self.host, spec, check.op, env=self.env,
                                               context=context)
            diffs = [tuple(step.diffs(self.host)) for step in steps]
        except OSError as error:  # the host could not be read: say so instead of planning
            problem = Problem("route", f"{self.host.label} could not be read: "
                                       f"{error.strerror or error}")
            validation, steps, diffs = Validation((problem,), None), [], []
        self.post_message(self._Checked(check, validation, steps, diffs, persist_error,
                                        ssh_warning))

    # -------------------------------------------------------------------- events
    def on_route_form__context_loaded(self, message: _ContextLoaded) -> None:
        self._host_facts = message.context
        gateway = example_gateway(message.context)
        if gateway:
            self.query_one("#route-gateway", Input).placeholder = gateway
        links = [link.name for link in message.context.links] if message.context else []
        select = self.query_one("#route-dev", Select)
        chosen = select.selection
        select.set_options([(name, name) for name in links])
        if chosen in links:
            select.value = chosen
        if message.error:
            self._show("route", [message.error], "-problem")
        self._revalidate()

    @on(Input.Changed)
    @on(Select.Changed)
    @on(Switch.Changed)
    @on(RadioSet.Changed)
    def _changed(self, event: Message) -> None:
        event.stop()
        self.query_one("#route-apply", Button).disabled = True  # the plan shown is now stale
        if self._settle_timer is not None:
            self._settle_timer.stop()
        self._settle_timer = self.set_timer(SETTLE_SECONDS, self._revalidate)

    @property
    def validation_pending(self) -> bool:
        """Typed but not yet checked (tests wait for this as they wait for workers)."""
        return self._settle_timer is not None

    def _revalidate(self) -> None:
        """Syntax first (no host needed), then the host checks and the plan in a worker."""
        if self._settle_timer is not None:
            self._settle_timer.stop()
            self._settle_timer = None
        self.query_one("#route-apply", Button).disabled = True
        check = self._current()
        self._show_validation(validate(check.request, None, check.op))
        self._check(check, self._host_facts)

    def on_route_form__checked(self, message: _Checked) -> None:
        if message.check != self._current():
            return  # the operator has typed on since
        self._latest = message
        self._show_validation(message.validation)
        self._show("persist", [message.persist_error] if message.persist_error else [],
                   "-problem")
        self.query_one("#route-ssh", Static).update(message.ssh_warning or "")
        preview = self.query_one("#route-preview", Static)
        if message.steps:
            preview.update(Group(*(part for step, diffs in zip(message.steps, message.diffs,
                                                              strict=True)
                                   for part in (render_step(step, diffs), Text("")))))
        else:
            preview.update("")
        ready = bool(message.steps) and not message.persist_error
        self.query_one("#route-apply", Button).disabled = not ready

    def _show_validation(self, validation: Validation) -> None:
        for key in (*FIELDS, "route"):
            problems = [p for p in validation.problems if p.field == key]
            warning = all(p.warning for p in problems)
            self._show(key, [p.message for p in problems], "-warning" if warning else "-problem")

    def _show(self, key: str, messages: list[str], kind: str) -> None:
        widget = self.query_one(f"#route-{key}-message", Static)
        widget.update("\n".join(messages))
        widget.set_class(bool(messages) and kind == "-problem", "-problem")
        widget.set_class(bool(messages) and kind == "-warning", "-warning")

    @on(Button.Pressed, "#route-apply")
    def _apply(self, event: Button.Pressed) -> None:
        event.stop()
        latest = self._latest
        if latest is None or latest.check != self._current() or not latest.steps:
            return
        if latest.ssh_warning:
            guard = guard_plan(latest.steps, latest.ssh_warning)
            self.post_message(self.Submitted(self, list(guard.now), guard))
        else:
            self.post_message(self.Submitted(self, list(latest.steps)))

    def confirm_or_revert(self, guard: GuardedPlan, timeout: float = REVERT_SECONDS) -> None:
        """After `guard.now` ran: keep (post the persistence steps) or revert (post the reverse
        change); no answer within `timeout` seconds reverts."""

        def decided(keep: bool | None) -> None:
            steps = list(guard.on_keep if keep else guard.on_revert)
            if steps:
                self.post_message(self.Submitted(self, steps))

        self.app.push_screen(SshRevertDialog(guard.explanation, timeout), callback=decided)

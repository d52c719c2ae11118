"""The pod and Service ranges as fields, judged as they are typed, the overlap check beside them.

The ranges are chosen once, at `kubeadm init`, and are painful to change later; so they are
edited where the configuration is shown and each field says at once what kubeadm would refuse
(`config.range_problems`, the same sentences as the checks) and which of this host's networks
it would hide (`subnets.subnet_conflicts`, read in a worker: the routing table may be large).
Typing is judged once it settles, like the route form. Only ranges without a problem are posted
(`Changed`) for the page to put into the choices.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Input, Label, Static

from wizard.host.base import Host
from wizard.kubeadm.config import range_problems
from wizard.kubeadm.subnets import SubnetReport, subnet_conflicts

SETTLE_SECONDS = 0.15
FIELDS = (("pod", "podSubnet", "Pod network (podSubnet)"),
          ("service", "serviceSubnet", "Service network (serviceSubnet)"))


class SubnetFields(Vertical):
    DEFAULT_CSS = """
    SubnetFields { height: auto; margin-top: 1; }
    SubnetFields .field-message { color: $success; }
    SubnetFields .field-message.-problem { color: $error; }
    """

    @dataclass
    class Changed(Message):
        pod_subnet: str
        service_subnet: str

    @dataclass
    class _Overlaps(Message):
        ranges: tuple[str, str]
        report: SubnetReport

    def __init__(self, host: Host, pod_subnet: str, service_subnet: str, **kwargs) -> None:
        super().__init__(**kwargs)
        self.host = host
        self._initial = {"pod": pod_subnet, "service": service_subnet}
        self._timer: Timer | None = None

    def compose(self) -> ComposeResult:
        for key, _, label in FIELDS:
            yield Label(label)
            yield Input(self._initial[key], id=f"subnet-{key}")
            yield Static("", id=f"subnet-{key}-message", classes="field-message", markup=False)

    def on_mount(self) -> None:
        self._judge()

    @property
    def ranges(self) -> tuple[str, str]:
        return (self.query_one("#subnet-pod", Input).value.strip(),
                self.query_one("#subnet-service", Input).value.strip())

    @property
    def validation_pending(self) -> bool:
        """Typed but not yet judged (tests wait for this as they wait for workers)."""
        return self._timer is not None

    def set_ranges(self, pod_subnet: str, service_subnet: str) -> None:
        """The choices changed elsewhere (a CNI with its own pod range)."""
        self.query_one("#subnet-pod", Input).value = pod_subnet
        self.query_one("#subnet-service", Input).value = service_subnet

    @on(Input.Changed)
    def _changed(self, event: Input.Changed) -> None:
        event.stop()
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(SETTLE_SECONDS, self._judge)

    def _judge(self) -> None:
        self._timer = None
        pod, service = self.ranges
        problems = range_problems(pod or None, service)
        mine = {"pod": [p for p in problems if p.startswith("podSubnet")],
                "service": [p for p in problems if p.startswith("serviceSubnet")]}
        for key, _, _ in FIELDS:
            self._show(key, mine[key], problem=True)
        if problems:
            return
        for key, _, _ in FIELDS:
            self._show(key, ["checking it against this host's networks…"], problem=False)
        self.post_message(self.Changed(pod, service))
        self._overlaps((pod, service))

    @work(thread=True, exclusive=True, group="subnet-overlap", exit_on_error=False)
    def _overlaps(self, ranges: tuple[str, str]) -> None:
        self.post_message(self._Overlaps(ranges, subnet_conflicts(self.host, ranges)))

    def on_subnet_fields__overlaps(self, message: _Overlaps) -> None:
        message.stop()
        if message.ranges != self.ranges:
            return  # typed on since
        report = message.report
        for (key, label, _), value in zip(FIELDS, message.ranges, strict=True):
            if report.skipped:
                self._show(key, [f"overlap not checked: {report.skipped}"], problem=False)
                continue
            lines = []
            for part in (p.strip() for p in value.split(",") if p.strip()):
                conflicts = report.for_cidr(part)
                if conflicts:
                    free = report.suggestions.get(part)
                    lines.append(f"{label} {part} overlaps "
                                 + "; ".join(c.where for c in conflicts[:2])
                                 + (f"; {free} is free" if free else ""))
            self._show(key, lines or ["valid; overlaps none of this host's networks"],
                       problem=bool(lines))

    def _show(self, key: str, lines: list[str], *, problem: bool) -> None:
        widget = self.query_one(f"#subnet-{key}-message", Static)
        widget.update("\n".join(lines))
        widget.set_class(problem and bool(lines), "-problem")

"""One kubeadm init or join as the wizard runs it, from the operator's choices to the outcome.

The order is the point: write the journaled kubeadm configuration first, before a join probe
the route and TCP port of the API server (seconds, where kubeadm would retry for minutes),
then run kubeadm with the secrets in a private file that is removed afterwards, and after a
successful init copy admin.conf for the invoking user. The CLI's `kubeadm` command and
`cluster apply` (through it, on every node) run exactly this.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from wizard.kube.versions import Role
from wizard.kubeadm.diagnose import Advice
from wizard.kubeadm.endpoint_probe import probe_endpoint
from wizard.kubeadm.plan import (
    admin_kubeconfig_step,
    config_step,
    installed_tools,
    params_from_choices,
)
from wizard.kubeadm.run import KubeadmRun, RunProgress, RunResult, prepared_command
from wizard.model import JoinSecrets, WizardChoices
from wizard.steps.engine import apply_steps

if TYPE_CHECKING:
    from wizard.host.base import Host


@dataclass
class SessionOutcome:
    """How the session ended: kubeadm's result, or why kubeadm was not started."""

    result: RunResult | None
    refusal: str = ""
    notes: list[str] = field(default_factory=list)
    fix: Advice | None = None
    """Where the operator fixes a refusal (a screen and a command), as a failed run's advice."""

    @property
    def succeeded(self) -> bool:
        return self.result is not None and self.result.succeeded

    def summary(self) -> dict[str, object]:
        """The outcome without secrets (the run's output and errors are already masked)."""
        result = self.result
        return {"succeeded": self.succeeded, "refusal": self.refusal, "notes": self.notes,
                "run": result.summary() if result is not None else None,
                "phases": result.phases if result is not None else [],
                "advice": [advice["problem"] for advice in result.advice] if result else []}


def run_kubeadm(host: Host, choices: WizardChoices, action: Role, *,
                secrets: JoinSecrets | None = None,
                say: Callable[[str], None] = lambda line: None,
                on_progress: Callable[[RunProgress], None] | None = None,
                started: Callable[[KubeadmRun], None] = lambda run: None) -> SessionOutcome:
    """Run kubeadm `action` (init or join) on `host` for these choices and join secrets."""
    kubeadm = installed_tools(host)["kubeadm"].version
    params = params_from_choices(choices, kubeadm=kubeadm, secrets=secrets, action=action)
    for outcome in apply_steps(host, [config_step(params)]):
        say(f"{outcome.status}: {outcome.title}")
        if outcome.failed:
            return SessionOutcome(None, refusal="the kubeadm configuration could not be written",
                                  notes=outcome.messages)
    if action == "join" and params.join_endpoint:
        probe = probe_endpoint(host, params.join_endpoint)
        for line in (probe.route_text, probe.message):
            if line:
                say(line)
        if probe.ran and not probe.connected:
            problem = f"This node cannot reach the API server: {probe.message}"
            return SessionOutcome(None, refusal=problem, fix={
                "problem": problem, "screen": "network",
                "command": "ip route get <API server address>"})
    with prepared_command(host, params) as argv:
        run = KubeadmRun(host, argv, control_plane=params.control_plane_join,
                         secrets=(params.token or "", params.certificate_key or ""))
        started(run)
        result = run.execute(on_progress=on_progress)
    notes = after_init(host) if action == "init" and result.succeeded else []
    return SessionOutcome(result, notes=notes)


def after_init(host: Host) -> list[str]:
    """Copy admin.conf for the invoking user (a journaled step); say what happened."""
    step = admin_kubeconfig_step(host)
    if isinstance(step, str):
        return [f"admin.conf was not copied: {step}."]
    outcome = apply_steps(host, [step])[0]
    return [f"{outcome.status}: {step.title}", *outcome.messages]

"""Plain-text and JSON renderings of checks, plans and outcomes for the CLI."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from wizard.i18n import _

if TYPE_CHECKING:
    from wizard.checks.base import CheckResult
    from wizard.host.base import Host
    from wizard.kubeadm.diagnose import Diagnosis
    from wizard.model import WizardChoices
    from wizard.steps.engine import PlanEntry, StepOutcome

_MARK = {"pass": "ok  ", "warn": "WARN", "fail": "FAIL", "skip": "skip"}


def host_summary(host: Host, choices: WizardChoices) -> dict[str, Any]:
    from wizard.kube.versions import resolve_minor

    ident = host.identity
    return {"hostname": ident.hostname, "distro": ident.distro,
            "architecture": ident.userland_architecture, "kernel": ident.kernel_release,
            "board": ident.board_model, "target": host.label, "is_root": ident.is_root,
            "role": choices.role,
            "kubernetes_version": f"1.{resolve_minor(choices.kubernetes_version)}"}


def check_table(host: Host, choices: WizardChoices, results: Sequence[CheckResult]) -> str:
    summary = host_summary(host, choices)
    lines = [f"{summary['hostname']} — {summary['distro']} ({summary['architecture']}), "
             f"{summary['target']}; checking for a {choices.role} on Kubernetes "
             f"{summary['kubernetes_version']}", ""]
    group = None
    for result in results:
        if result.group != group:
            group = result.group
            lines.append(f"{group}:")
        detail = result.message or result.observed
        suffix = "  (fix available)" if result.fixable else ""
        lines.append(f"  {_MARK[result.status.value]}  {result.id:<48} {detail}{suffix}")
    counts = {s: sum(r.status.value == s for r in results) for s in _MARK}
    lines.append("")
    lines.append(", ".join(f"{n} {s}" for s, n in counts.items() if n))
    if any(r.fixable for r in results):
        lines.append("`kubeadm-wizard plan` shows the fixes; `kubeadm-wizard apply` applies them.")
    return "\n".join(lines)


def plan_text(entries: Sequence[PlanEntry]) -> str:
    if not entries:
        return "Nothing to do: no step is planned."
    lines = []
    for number, entry in enumerate(entries, 1):
        step = entry.step
        state = "  (already in place)" if entry.already_done else ""
        lines.append(f"{number}. {step.title}{state}")
        lines.append(f"   why: {_(step.why)}")
        for command in step.shell_commands:
            lines.append(f"   $ {command}")
        for diff in entry.diffs:
            lines.extend("   " + line for line in diff.rstrip("\n").splitlines())
        lines.append(f"   verify: {step.verify}")
        if step.reboot_required:
            lines.append("   takes full effect after a reboot")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def plan_json(entries: Sequence[PlanEntry]) -> list[dict[str, Any]]:
    return [{"id": e.step.id, "title": e.step.title, "why": _(e.step.why),
             "commands": list(e.step.shell_commands), "diffs": list(e.diffs),
             "verify": e.step.verify, "undo": e.step.undo,
             "reboot_required": e.step.reboot_required, "already_done": e.already_done,
             "fixes": e.step.fixes} for e in entries]


def diagnosis_text(diagnosis: Diagnosis) -> str:
    lines = ["kubeadm succeeded." if diagnosis.succeeded else "kubeadm did not succeed."]
    if diagnosis.command:
        lines.append(f"Command typed: {diagnosis.command}")
    if diagnosis.phases:
        lines.append("Phases seen: " + ", ".join(diagnosis.phases))
    for label, issues in (("error", diagnosis.preflight_errors),
                          ("warning", diagnosis.preflight_warnings)):
        for issue in issues:
            lines.append(f"Preflight {label} {issue['check']}: {issue['message']}")
    if diagnosis.failed_phase:
        lines.append(f"Failed in phase {diagnosis.failed_phase}: {diagnosis.error or ''}".rstrip())
    elif diagnosis.error:
        lines.append(f"Error: {diagnosis.error}")
    for command in diagnosis.join_commands:
        kind = "control-plane" if command["control_plane"] else "worker"
        lines.append(f"Join command ({kind}): endpoint {command['endpoint']}, token "
                     f"{command['token']}, CA hashes {', '.join(command['ca_cert_hashes'])}")
    for advice in diagnosis.advice:
        lines.append(f"Advice: {advice['problem']} -> screen {advice['screen']}; "
                     f"try: {advice['command']}")
    return "\n".join(lines)


def outcome_text(outcomes: Sequence[StepOutcome]) -> str:
    lines = []
    for outcome in outcomes:
        lines.append(f"{outcome.status:>9}  {outcome.title}")
        lines.extend(f"           {message}" for message in outcome.messages)
    return "\n".join(lines)

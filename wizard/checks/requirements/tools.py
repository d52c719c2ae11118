"""Leftovers of an earlier kubeadm run, required tools, and the kubelet service."""

from __future__ import annotations

import re
from collections.abc import Iterator

from wizard.checks.base import CheckContext, CheckResult, Status, check
from wizard.checks.requirements.common import SCREEN, _skip, _status
from wizard.facts.systemd import unit_state
from wizard.fixes.packages import install_tools_step, package_for
from wizard.i18n import N_
from wizard.kube.versions import KubeVersion, VersionError, required_tools, skew_problems
from wizard.steps.step import RunCommand, Step

CONTROL_PLANE_LEFTOVERS = tuple(f"/etc/kubernetes/manifests/{name}.yaml" for name in (
    "kube-apiserver", "kube-controller-manager", "kube-scheduler", "etcd"))
WORKER_LEFTOVERS = ("/etc/kubernetes/kubelet.conf", "/etc/kubernetes/bootstrap-kubelet.conf",
                    "/etc/kubernetes/pki/ca.crt")
ETCD_DATA = "/var/lib/etcd"
LEFTOVER_LESSON = (N_("kubeadm writes these files itself and will not overwrite an earlier "
                   "cluster's; `sudo kubeadm reset` removes them (and stops that cluster)."))


def _kubeadm_name(prefix: str, path: str) -> str:
    """kubeadm's check name for a path: every '/' becomes '-' (hence the double dash)."""
    return prefix + path.replace("/", "-")


@check(SCREEN, "tools")
def leftovers(ctx: CheckContext) -> Iterator[CheckResult]:
    """Files of an earlier cluster. The fix is `kubeadm reset`, never an automatic delete."""
    paths = CONTROL_PLANE_LEFTOVERS if ctx.control_plane else WORKER_LEFTOVERS
    for path in paths:
        present = ctx.host.exists(path)
        yield CheckResult(_kubeadm_name("FileAvailable-", path),
                          Status.FAIL if present else Status.PASS,
                          observed="exists" if present else "absent", expected="absent",
                          message=f"{path} already exists; run sudo kubeadm reset" if present
                          else "", lesson=LEFTOVER_LESSON)
    if ctx.control_plane:
        entries = ctx.host.listdir(ETCD_DATA)
        yield CheckResult(_kubeadm_name("DirAvailable-", ETCD_DATA),
                          Status.FAIL if entries else Status.PASS,
                          observed=f"contains {', '.join(entries)}" if entries
                          else "absent or empty", expected="absent or empty",
                          message=f"{ETCD_DATA} is not empty; run sudo kubeadm reset" if entries
                          else "", lesson=LEFTOVER_LESSON)


@check(SCREEN, "tools")
def file_existing(ctx: CheckContext) -> Iterator[CheckResult]:
    """FileExisting-<tool> for every tool this kubeadm version looks for, one install step."""
    tools = required_tools(ctx.minor, "init" if ctx.control_plane else "join")
    found = {tool: ctx.host.which(tool) for tool in tools}
    missing = [tool for tool, path in found.items() if path is None]
    step = install_tools_step(ctx.host, missing) if missing else None
    family = ctx.host.identity.distro_family
    lesson = N_("kubeadm looks for these programs before it starts (the list changes between "
                "minor releases); the kubelet and kube-proxy run them to mount volumes, enter "
                "namespaces and manage connections.")
    for tool, severity in tools.items():
        path = found[tool]
        yield CheckResult(
            f"FileExisting-{tool}", Status.PASS if path else _status(severity),
            observed=path or "not found in PATH",
            expected=f"{tool} in PATH (kubeadm: {severity} if missing)",
            message="" if path else (f"{tool} not found in system path; it is in "
                                     + (f"the {package_for(tool, family)} package" if family
                                        else f"Debian's {package_for(tool, 'debian')} package")),
            lesson=lesson, fixes=(step,) if step and not path else ())


@check(SCREEN, "tools")
def kubelet(ctx: CheckContext) -> list[CheckResult] | None:
    """Service-Kubelet and KubeletVersion, which kubeadm checks only once a kubelet is there."""
    if ctx.host.which("kubelet") is None:
        return None
    return [_kubelet_service(ctx), _kubelet_version(ctx)]


def _kubelet_service(ctx: CheckContext) -> CheckResult:
    lesson = (N_("kubeadm starts the kubelet, but only an enabled service comes back after a "
              "reboot; until init or join the kubelet restarts in a loop, which is expected."))
    state = unit_state(ctx.host, "kubelet.service")
    if state == "enabled":
        return CheckResult("Service-Kubelet", Status.PASS, observed="enabled",
                           expected="enabled", lesson=lesson)
    message = ("kubelet service does not exist" if state == "not-found" else
               "kubelet service is not enabled, please run 'systemctl enable kubelet.service'")
    return CheckResult("Service-Kubelet", Status.WARN, observed=state, expected="enabled",
                       message=message, lesson=lesson, fixes=_enable_kubelet(state))


def _enable_kubelet(state: str) -> tuple[Step, ...]:
    if state in ("not-found", "masked"):
        return ()
    return (Step(
        id="kubelet-enable",
        title="Enable the kubelet service",
        why=N_("An enabled kubelet starts at every boot, so the node rejoins after a reboot."),
        actions=(RunCommand(("systemctl", "enable", "kubelet.service"),
                            undo_argv=("systemctl", "disable", "kubelet.service"),
                            runtime_only=False),),
        verify="systemctl is-enabled kubelet  says enabled",
        undo="sudo systemctl disable kubelet.service",
        done_when=lambda h: unit_state(h, "kubelet.service") == "enabled",
        fixes="Service-Kubelet"),)


def _kubelet_version(ctx: CheckContext) -> CheckResult:
    lesson = (N_("kubeadm supports a kubelet up to three minor versions older than itself and "
              "never newer than the control plane; outside that the node misbehaves."))
    expected = f"v1.{ctx.minor - 3} to v1.{ctx.minor}"
    result = ctx.host.run(["kubelet", "--version"])
    match = re.search(r"v?\d+\.\d+(?:\.\d+)?", result.stdout)
    if not result.ok or match is None:
        reason = result.note or (result.stderr.strip() or "kubelet --version printed no version")
        return _skip("KubeletVersion", reason, lesson, expected)
    try:
        version = KubeVersion.parse(match.group(0))
    except VersionError as error:
        return _skip("KubeletVersion", str(error), lesson, expected)
    target = f"1.{ctx.minor}"
    problems = skew_problems(target, version, target)
    return CheckResult("KubeletVersion", Status.FAIL if problems else Status.PASS,
                       observed=f"kubelet {version}", expected=expected,
                       message=" ".join(problems), lesson=lesson)

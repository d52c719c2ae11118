"""Container runtime: is there one CRI runtime the kubelet can talk to, and is it the chosen one?

kubeadm's `CRI` check fails when the runtime does not answer on its socket; before that, kubeadm
refuses outright when it finds several CRI sockets and nobody said which one to use. The
operator picks the runtime (and so the criSocket) on this screen; this check says whether that
runtime is installed, running and answering, and what to do when it is not.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from wizard.checks.base import CheckContext, CheckResult, Status, check
from wizard.facts.kernel import init_system
from wizard.facts.runtime import (
    CRI_FOR_CHOICE,
    RuntimeFacts,
    RuntimeSurvey,
    containerd_config_fact,
    detect_runtimes,
    socket_path,
)
from wizard.fixes.runtime import (
    CRI_DOCKERD_RELEASES,
    containerd_config_step,
    containerd_upgrade_step,
    install_plan,
    restart_service_step,
    start_service_step,
)
from wizard.i18n import N_
from wizard.kube.versions import containerd_advice
from wizard.steps.step import Step

SCREEN = "runtime"
CRI_LESSON = (N_("The kubelet does not run containers itself: it asks a container runtime through "
              "the CRI, a gRPC API on a Unix socket. kubeadm's CRI check fails when nothing "
              "answers there, and kubeadm refuses to guess when it finds several runtimes."))
VERSION_LESSON = (N_("From 1.35 kubeadm warns (ContainerRuntimeVersion) when the runtime cannot "
                  "answer the RuntimeConfig call, through which the kubelet learns the runtime's "
                  "cgroup driver instead of trusting two files to agree."))
RUNTIME_CONFIG_SINCE = {"containerd": (2, 0), "cri-o": (1, 28)}
"""The first release of each runtime that answers the RuntimeConfig call (reference §3.3)."""


def answers_runtime_config(runtime: str, version: tuple[int, int] | None) -> bool | None:
    """Whether this runtime release tells the kubelet its cgroup driver; None when unknown."""
    since = RUNTIME_CONFIG_SINCE.get(runtime)
    return None if since is None or version is None else version >= since


def chosen_socket(ctx: CheckContext) -> str:
    """The criSocket the wizard writes: the operator's, else the chosen runtime's default."""
    return ctx.choices.cri_socket or CRI_FOR_CHOICE[ctx.choices.runtime].socket


def survey(ctx: CheckContext) -> RuntimeSurvey:
    """Every runtime, with the chosen one probed on the operator's criSocket if one was set."""
    spec = CRI_FOR_CHOICE[ctx.choices.runtime]
    sockets = {spec.key: ctx.choices.cri_socket} if ctx.choices.cri_socket else None
    return detect_runtimes(ctx.host, sockets)


def expected_cgroup_driver(ctx: CheckContext) -> str:
    """The kubelet's driver as the wizard configures it; cgroupfs when systemd is not pid 1."""
    return "cgroupfs" if init_system(ctx.host).is_systemd is False else ctx.choices.cgroup_driver


def describe(runtime: RuntimeFacts, image: bool = False) -> str:
    """"containerd 1.7.27 (running; accepts connections)" for the observed column.

    Of an `image` (a system that is not running, --root) only what its files say is true:
    installed, and whether its unit starts at boot.
    """
    version = f" {runtime.version}" if runtime.version else ""
    if image:
        boot = "enabled at boot" if runtime.service_active else "not enabled at boot"
        return f"{runtime.name}{version} (installed, {boot})"
    state = "running" if runtime.service_active else "stopped"
    if not runtime.spec.cri:
        return f"{runtime.name}{version} ({state}; not a CRI runtime)"
    return f"{runtime.name}{version} ({state}; {runtime.socket.detail})"


def _observed(found: RuntimeSurvey, image: bool) -> str:
    return ("; ".join(describe(r, image) for r in found.installed)
            or "no container runtime installed")


def _others(found: RuntimeSurvey, chosen: str) -> str:
    answering = [r.name for r in found.runtimes
                 if r.spec.cri and r.key != chosen and r.answering]
    return (f" {' and '.join(answering)} answers here: choose it on this screen instead."
            if answering else "")


@check(SCREEN, "runtime")
def cri(ctx: CheckContext) -> Iterator[CheckResult]:
    found = survey(ctx)
    yield _cri_result(ctx, found)
    yield _version_result(ctx, found)


def _cri_result(ctx: CheckContext, found: RuntimeSurvey) -> CheckResult:
    runtime = ctx.choices.runtime
    spec = CRI_FOR_CHOICE[runtime]
    facts = found.get(spec.key)
    url = chosen_socket(ctx)

    def result(status: Status, message: str, fixes: tuple[Step, ...] = ()) -> CheckResult:
        return CheckResult("CRI", status, observed=_observed(found, ctx.host.kind == "root"),
                           expected=f"{spec.name} answering on {url}", message=message,
                           lesson=CRI_LESSON, fixes=fixes)

    if runtime == "docker" and found.docker_without_adapter:
        return result(Status.FAIL, (
            "Docker Engine is installed but cri-dockerd is not: the kubelet cannot use Docker "
            f"without it since 1.24, when dockershim was removed. Install cri-dockerd from "
            f"{CRI_DOCKERD_RELEASES}, or choose containerd: Docker already runs it."))
    if not facts.installed:
        plan = install_plan(ctx.host, runtime, ctx.minor)
        if plan.step is None:
            return result(Status.FAIL, f"{spec.name} is not installed. " + " ".join(plan.advice)
                          + _others(found, spec.key))
        return result(Status.FAIL, f"{spec.name} is not installed." + _others(found, spec.key),
                      (plan.step,))
    if facts.socket.answers is True:
        return _answering(ctx, found, result)
    if facts.socket.answers is None and ctx.host.kind == "root":
        if facts.service_active:
            return result(Status.PASS, f"{spec.name} is installed and {spec.unit} starts at "
                                       "boot (not a running system: nothing to connect to)")
        return result(Status.FAIL, f"{spec.name} is installed but {spec.unit} does not start "
                                   "at boot", (start_service_step(spec),))
    if facts.socket.answers is None:
        return result(Status.WARN, f"cannot tell whether {facts.socket.path} answers: "
                                   f"{facts.socket.detail}")
    if facts.socket.exists:
        return result(Status.FAIL, f"{facts.socket.path}: {facts.socket.detail}",
                      (restart_service_step(spec),))
    if not facts.service_active:
        return result(Status.FAIL, f"{spec.name} is installed but not running, so "
                                   f"{socket_path(url)} does not exist." + _others(found, spec.key),
                      (start_service_step(spec),))
    return result(Status.FAIL, (
        f"{spec.unit} is running but {socket_path(url)} does not exist: its configuration puts "
        "the socket elsewhere (containerd: [grpc] address). Set criSocket to that path."))


def _answering(ctx: CheckContext, found: RuntimeSurvey,
               result: Callable[..., CheckResult]) -> CheckResult:
    spec = CRI_FOR_CHOICE[ctx.choices.runtime]
    facts = found.get(spec.key)
    if spec.key == "containerd":
        config = containerd_config_fact(ctx.host)
        if config.error:
            return result(Status.FAIL, f"containerd answers, but {config.error}")
        if config.summary and config.summary.cri_disabled:
            step = containerd_config_step(ctx.host, ctx.minor, expected_cgroup_driver(ctx))
            return result(Status.FAIL, (
                f"containerd answers on {facts.socket.path}, but {config.path} lists its CRI "
                "plugin in disabled_plugins (as Docker's containerd.io package does), so the "
                "kubelet gets no CRI and kubeadm's CRI check fails."), (step,) if step else ())
    if found.several and not ctx.choices.cri_socket:
        return result(Status.WARN, (
            f"kubeadm would stop with: {found.kubeadm_refusal()}. The wizard's configuration "
            f"names criSocket {chosen_socket(ctx)}; confirm the runtime on this screen."))
    return result(Status.PASS, describe(facts, ctx.host.kind == "root"))


def _version_result(ctx: CheckContext, found: RuntimeSurvey) -> CheckResult:
    runtime = ctx.choices.runtime
    facts = found.get(CRI_FOR_CHOICE[runtime].key)
    advice = containerd_advice(ctx.minor)

    def result(status: Status, message: str, fixes: tuple[Step, ...] = ()) -> CheckResult:
        return CheckResult("ContainerRuntimeVersion", status,
                           observed=describe(facts, ctx.host.kind == "root") if facts.installed
                           else "not installed",
                           expected="a runtime that answers RuntimeConfig (containerd 2.0+, "
                                    "CRI-O 1.28+)", message=message, lesson=VERSION_LESSON,
                           fixes=fixes)

    if facts.major_minor is None:
        return result(Status.SKIP, f"not checked: the {facts.name} version is unknown"
                                   + (f". {advice.summary}" if runtime == "containerd" else ""))
    answers = answers_runtime_config(runtime, facts.major_minor)
    if answers is None:
        return result(Status.SKIP, f"not checked: whether {facts.name} answers RuntimeConfig "
                                   "is not known to the wizard")
    if answers:
        return result(Status.PASS, f"{facts.name} {facts.version} answers RuntimeConfig")
    if ctx.minor < 35:
        return result(Status.PASS, f"{facts.name} {facts.version} works with 1.{ctx.minor}"
                      + (f"; {advice.summary}" if runtime == "containerd" else ""))
    detail = advice.summary if runtime == "containerd" else f"Install CRI-O 1.{ctx.minor}."
    upgrade = (containerd_upgrade_step(ctx.host, ctx.minor, facts.version or "")
               if runtime == "containerd" else None)
    return result(Status.WARN, f"{facts.name} {facts.version} cannot answer RuntimeConfig, which "
                               f"kubeadm 1.{ctx.minor} warns about. {detail}",
                  (upgrade,) if upgrade else ())

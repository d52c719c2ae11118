"""Cgroups: cgroup v2, systemd as pid 1, and one cgroup driver in the runtime and the kubelet.

The kubelet and the runtime both create cgroups for every pod. Where systemd runs the machine,
both must ask systemd to do it (the systemd driver); if one of them writes the cgroup tree
behind systemd's back (cgroupfs) there are two managers of one tree, and the classic result is
an init that succeeds and a control plane that crash-loops. kubeadm does not check this, so the
wizard shows every side of it in one table, each row with its fix.
"""

from __future__ import annotations

from dataclasses import dataclass

from wizard.checks.base import CheckContext, CheckResult, Status, check, worst
from wizard.checks.container_runtime import answers_runtime_config, expected_cgroup_driver
from wizard.facts.kernel import cgroup_mode, init_system
from wizard.facts.runtime import (
    CRI_FOR_CHOICE,
    DOCKER,
    containerd_config_fact,
    program_version,
    runtime_cgroup_driver,
    version_tuple,
)
from wizard.fixes.kernel_networking import unified_cgroup_step
from wizard.fixes.runtime import runtime_config_step
from wizard.i18n import N_
from wizard.kube.versions import cgroup_v1_is_error, pause_image
from wizard.steps.step import Step

SCREEN = "cgroups"
VERSION_LESSON = (N_("cgroup v2 is one unified tree with reliable memory accounting; v1 has been "
                  "in maintenance mode since Kubernetes 1.31, and from 1.35 the kubelet refuses to "
                  "start on it unless failCgroupV1: false."))
DRIVER_LESSON = (N_("On a systemd host systemd owns the cgroup tree. The kubelet and the container "
                 "runtime must both use the systemd driver (ask systemd) or both cgroupfs; two "
                 "managers of one tree become unstable under memory pressure."))
GRUB_ADVICE = ("add systemd.unified_cgroup_hierarchy=1 to GRUB_CMDLINE_LINUX in /etc/default/grub, "
               "run update-grub (grub2-mkconfig on RHEL-likes) and reboot")
FROM_CRI_MINOR = 31
"""KubeletCgroupDriverFromCRI is beta and on by default from 1.31 (GA in 1.34)."""


@dataclass(frozen=True)
class ConsistencyRow:
    """One row of the cgroup table: what is set, what it should be, and how to fix it."""

    item: str
    value: str
    expected: str
    source: str
    status: Status
    fix: str = ""
    """One line: what the fix step does, or what the operator has to do."""
    steps: tuple[Step, ...] = ()


def _row(item: str, value: str, expected: str, source: str, ok: bool | None,
         bad: Status, fix: str = "", steps: tuple[Step, ...] = ()) -> ConsistencyRow:
    status = Status.SKIP if ok is None else Status.PASS if ok else bad
    return ConsistencyRow(item, value, expected, source, status,
                          fix if status is not Status.PASS else "", steps if not ok else ())


# ----------------------------------------------------------------------------- rows
def version_row(ctx: CheckContext) -> ConsistencyRow:
    mode = cgroup_mode(ctx.host)
    if mode.version is None:
        return _row("cgroup version", "unknown", "v2", mode.evidence, None, Status.SKIP)
    value = f"v{mode.version}" + (" (hybrid)" if mode.hybrid else "")
    step = unified_cgroup_step(ctx.host) if mode.version == 1 else None
    refused = cgroup_v1_is_error(ctx.minor) and ctx.choices.fail_cgroup_v1 is not False
    bad = Status.FAIL if refused else Status.WARN
    return _row("cgroup version", value, "v2", mode.evidence, mode.version == 2, bad,
                step.title if step else GRUB_ADVICE, (step,) if step else ())


def init_row(ctx: CheckContext) -> ConsistencyRow:
    init = init_system(ctx.host)
    return _row("pid 1", init.name or "unknown", "systemd", init.evidence, init.is_systemd,
                Status.WARN, "without systemd both the runtime and the kubelet must use cgroupfs")


def _runtime_step(ctx: CheckContext) -> Step | None:
    return runtime_config_step(ctx.host, ctx.choices.runtime, ctx.minor,
                               expected_cgroup_driver(ctx))


def runtime_driver_row(ctx: CheckContext, step: Step | None) -> ConsistencyRow:
    init = init_system(ctx.host)
    fact = runtime_cgroup_driver(ctx.host, ctx.choices.runtime, systemd_init=init.is_systemd,
                                 cgroup_version=cgroup_mode(ctx.host).version)
    expected = expected_cgroup_driver(ctx)
    # Docker, not its cri-dockerd adapter, creates the containers' cgroups.
    runtime = ctx.choices.runtime
    name = DOCKER.name if runtime == "docker" else CRI_FOR_CHOICE[runtime].name
    value = fact.driver or "unreadable"
    source = f"{fact.source}: {fact.detail}" if fact.detail else fact.source
    fix = step.title if step else f"correct {fact.source} by hand: {fact.detail}"
    return _row(f"{name} driver", value, expected, source, fact.driver == expected,
                Status.FAIL, fix, (step,) if step else ())


def kubelet_driver_row(ctx: CheckContext) -> ConsistencyRow:
    """The KubeletConfiguration the wizard generates; the runtime's driver when the kubelet
    asks it (KubeletCgroupDriverFromCRI, with a runtime that answers RuntimeConfig)."""
    spec = CRI_FOR_CHOICE[ctx.choices.runtime]
    version = version_tuple(program_version(ctx.host, spec))
    from_cri = ctx.minor >= FROM_CRI_MINOR and answers_runtime_config(spec.key, version)
    expected = expected_cgroup_driver(ctx)
    source = "cgroupDriver in the KubeletConfiguration the wizard generates"
    if from_cri:
        source += f" (1.{ctx.minor} asks {spec.name} instead: KubeletCgroupDriverFromCRI)"
    return _row("kubelet driver", ctx.choices.cgroup_driver, expected, source,
                ctx.choices.cgroup_driver == expected, Status.FAIL,
                f"choose {expected} as the cgroup driver on the Init screen")


def containerd_rows(ctx: CheckContext, step: Step | None) -> list[ConsistencyRow]:
    """The CRI plugin and the sandbox image: the rest of containerd's config.toml that matters."""
    config = containerd_config_fact(ctx.host)
    image = pause_image(ctx.minor)
    if config.error:
        return [_row(item, "unreadable", expected, config.error, None, Status.SKIP)
                for item, expected in (("CRI plugin", "enabled"), ("sandbox image", image))]
    if config.summary is None:
        source = f"{config.path} is missing: containerd's built-in defaults"
        enabled, sandbox = True, None
    else:
        source = config.path
        enabled, sandbox = not config.summary.cri_disabled, config.summary.sandbox_image
    steps = (step,) if step else ()
    fix = step.title if step else ""
    return [
        _row("CRI plugin", "enabled" if enabled else "disabled", "enabled", source, enabled,
             Status.FAIL, fix, steps),
        _row("sandbox image", sandbox or "containerd's default", image, source,
             sandbox == image, Status.WARN, fix, steps),
    ]


def cgroup_table(ctx: CheckContext) -> list[ConsistencyRow]:
    """Every row of the consistency table, in the order the screen shows them."""
    step = _runtime_step(ctx)
    rows = [version_row(ctx), init_row(ctx), runtime_driver_row(ctx, step),
            kubelet_driver_row(ctx)]
    if ctx.choices.runtime == "containerd":
        rows += containerd_rows(ctx, step)
    return rows


# ---------------------------------------------------------------------------- checks
@check(SCREEN, "cgroups")
def cgroup_version(ctx: CheckContext) -> CheckResult:
    row = version_row(ctx)
    if row.status is Status.SKIP:
        message = f"not checked: {row.source}"
    elif row.status is Status.PASS:
        message = f"cgroup {row.value}"
    elif row.status is Status.FAIL:
        message = (f"cgroup v1: the kubelet 1.{ctx.minor} refuses to start on it unless "
                   f"failCgroupV1: false; {row.fix}")
    else:
        message = f"cgroup v1 is deprecated; {row.fix}"
    return CheckResult("CgroupVersion", row.status, observed=f"{row.value} ({row.source})",
                       expected="cgroup v2", message=message, lesson=VERSION_LESSON,
                       fixes=row.steps)


@check(SCREEN, "cgroups")
def cgroup_driver(ctx: CheckContext) -> CheckResult:
    rows = [r for r in cgroup_table(ctx) if r.item != "cgroup version"]
    status = worst(rows) or Status.SKIP
    steps: dict[str, Step] = {}
    for row in rows:
        steps.update((s.id, s) for s in row.steps)
    wrong = [r for r in rows if r.status in (Status.WARN, Status.FAIL)]
    observed = "; ".join(f"{r.item}: {r.value}" for r in rows)
    message = ("; ".join(f"{r.item} is {r.value}, expected {r.expected}" for r in wrong)
               or f"the runtime and the kubelet both use {expected_cgroup_driver(ctx)}")
    return CheckResult("RuntimeCgroupDriver", status, observed=observed,
                       expected=f"{expected_cgroup_driver(ctx)} in the runtime and the kubelet",
                       message=message, lesson=DRIVER_LESSON, fixes=tuple(steps.values()))

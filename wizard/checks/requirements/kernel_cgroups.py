"""The kernel version and the cgroups the kubelet enforces Pod limits through."""

from __future__ import annotations

from dataclasses import dataclass

from wizard.checks.base import CheckContext, CheckResult, Status, check
from wizard.checks.requirements.common import SCREEN, _skip, _status, _unreadable
from wizard.facts.kernel import cgroup_mode
from wizard.fixes.cmdline import (
    cgroup_memory_step,
    cmdline_path,
    has_param,
    memory_cgroup_at_boot,
)
from wizard.host.base import Host
from wizard.i18n import N_
from wizard.kube.versions import cgroup_v1_is_error, kernel_rule
from wizard.steps.step import Step


@check(SCREEN, "kernel and cgroups")
def kernel_version(ctx: CheckContext) -> CheckResult:
    lesson = (N_("Containers rely on kernel features (namespaces, cgroups, overlayfs, netfilter) "
              "that old kernels lack or get wrong, so kubeadm validates the kernel version."))
    rule = kernel_rule(ctx.minor)
    release = ctx.host.identity.kernel_release
    if not release:
        return _skip("SystemVerification-Kernel",
                     _unreadable(ctx.host, "/proc/sys/kernel/osrelease"), lesson, rule.summary)
    ok = rule.accepts(release)
    return CheckResult("SystemVerification-Kernel", Status.PASS if ok else _status(rule.severity),
                       observed=release, expected=rule.summary, lesson=lesson,
                       message="" if ok else f"kernel release {release} is unsupported: "
                                             f"{rule.summary}")


REQUIRED_CGROUPS = {1: ("cpu", "cpuacct", "cpuset", "devices", "freezer", "memory", "pids"),
                    2: ("cpu", "cpuset", "devices", "freezer", "memory", "pids")}
IMPLICIT_V2 = ("devices", "freezer")
"""On cgroup v2 these are not listed in cgroup.controllers: devices is enforced with BPF and
the freezer is built into every cgroup (system-validators assumes or probes them)."""
CGROUP_LESSON = (N_("The kubelet enforces Pod CPU, memory and process limits through cgroups; "
                 "without a controller those limits cannot be applied, so it refuses to run."))


@dataclass(frozen=True)
class Cgroups:
    """The cgroup hierarchy the host runs, and the controllers the kernel has enabled."""

    version: int
    controllers: frozenset[str]
    source: str

    @property
    def available(self) -> frozenset[str]:
        return self.controllers | frozenset(IMPLICIT_V2 if self.version == 2 else ())

    def missing(self) -> list[str]:
        return [c for c in REQUIRED_CGROUPS[self.version] if c not in self.available]

    def describe(self) -> str:
        implicit = f" (+ {', '.join(IMPLICIT_V2)}, built into v2)" if self.version == 2 else ""
        return f"cgroup v{self.version}: {' '.join(sorted(self.controllers))}{implicit}"


def read_cgroups(host: Host) -> Cgroups | str:
    """The host's cgroups, or the reason they could not be read.

    The version comes from `wizard.facts.kernel.cgroup_mode` (the one place that decides it);
    v1 controllers are the rows of /proc/cgroups whose `enabled` is 1.
    """
    mode = cgroup_mode(host)
    if mode.version is None:
        return _unreadable(host, "/proc/mounts")
    if mode.version == 2:
        path = "/sys/fs/cgroup/cgroup.controllers"
        text = host.read_optional(path)
        if text is None:
            return _unreadable(host, path)
        return Cgroups(2, frozenset(text.split()), path)
    text = host.read_optional("/proc/cgroups")
    if text is None:
        return _unreadable(host, "/proc/cgroups")
    enabled = frozenset(f[0] for line in text.splitlines()
                        if not line.startswith("#") and len(f := line.split()) >= 4 and f[3] == "1")
    return Cgroups(1, enabled, "/proc/cgroups")


@dataclass(frozen=True)
class MemoryCgroupFix:
    """How to get the memory controller: a step, a pending reboot, or advice only."""

    fixes: tuple[Step, ...]
    after_reboot: bool
    advice: str


def memory_cgroup_fix(host: Host) -> MemoryCgroupFix:
    """On a Pi, the cmdline.txt step (or "reboot" when it is already there); else advice."""
    path = cmdline_path(host)
    if path is None:
        return MemoryCgroupFix((), False, "add cgroup_enable=memory to the kernel command line "
                                          "(GRUB_CMDLINE_LINUX in /etc/default/grub) and reboot")
    if has_param(host.read_optional(path) or "", "cgroup_enable=memory"):
        return MemoryCgroupFix((), True, f"{path} already has cgroup_enable=memory: reboot "
                                         "needed for the kernel to pick it up")
    return MemoryCgroupFix((cgroup_memory_step(host, path),), False,
                           f"add cgroup_enable=memory to {path} and reboot")


@check(SCREEN, "kernel and cgroups")
def cgroup_controllers(ctx: CheckContext) -> CheckResult:
    cgroups = read_cgroups(ctx.host)
    if isinstance(cgroups, str):
        return _skip("SystemVerification-Cgroups", cgroups, CGROUP_LESSON)
    expected = "controllers " + " ".join(REQUIRED_CGROUPS[cgroups.version])
    observed = cgroups.describe()
    missing = cgroups.missing()
    if not missing:
        return CheckResult("SystemVerification-Cgroups", Status.PASS, observed=observed,
                           expected=expected, lesson=CGROUP_LESSON)
    fix = memory_cgroup_fix(ctx.host) if missing == ["memory"] else None
    return CheckResult("SystemVerification-Cgroups", Status.FAIL, observed=observed,
                       expected=expected, lesson=CGROUP_LESSON,
                       message=f"missing required cgroups: {' '.join(missing)}"
                               + (f"; {fix.advice}" if fix else ""),
                       fixes=fix.fixes if fix else (),
                       after_reboot=fix.after_reboot if fix else False)


def _allows_cgroup_v1(ctx: CheckContext) -> bool:
    """Whether the operator chose kubelet failCgroupV1: false."""
    return ctx.choices.fail_cgroup_v1 is False


@check(SCREEN, "kernel and cgroups")
def cgroup_v1(ctx: CheckContext) -> CheckResult:
    lesson = (N_("cgroup v1 is deprecated: from 1.35 the kubelet refuses to start on it unless "
              "failCgroupV1: false, and v2 gives more reliable memory accounting."))
    expected = "cgroup v2"
    cgroups = read_cgroups(ctx.host)
    if isinstance(cgroups, str):
        return _skip("SystemVerification-CgroupV1", cgroups, lesson, expected)
    if cgroups.version == 2:
        return CheckResult("SystemVerification-CgroupV1", Status.PASS, observed="cgroup v2",
                           expected=expected, lesson=lesson)
    switch = ("switch to cgroup v2 (systemd.unified_cgroup_hierarchy=1 on the kernel command "
              "line, or a newer distribution)")
    if cgroup_v1_is_error(ctx.minor) and not _allows_cgroup_v1(ctx):
        return CheckResult("SystemVerification-CgroupV1", Status.FAIL, observed="cgroup v1",
                           expected=expected, lesson=lesson,
                           message=f"the kubelet 1.{ctx.minor} refuses cgroup v1 unless "
                                   f"failCgroupV1: false; {switch}")
    message = (f"cgroup v1 is deprecated; {switch}" if not _allows_cgroup_v1(ctx) else
               "you chose failCgroupV1: false; kubeadm still reports SystemVerification, so "
               "run it with --ignore-preflight-errors=SystemVerification")
    return CheckResult("SystemVerification-CgroupV1", Status.WARN, observed="cgroup v1",
                       expected=expected, lesson=lesson, message=message)


@check(SCREEN, "kernel and cgroups")
def cgroup_memory(ctx: CheckContext) -> CheckResult:
    lesson = (N_("Pod memory limits and the kubelet's evictions work through the memory cgroup; "
              "Raspberry Pi kernels switch it off unless cmdline.txt has cgroup_enable=memory."))
    expected = "the memory cgroup controller enabled"
    cgroups = read_cgroups(ctx.host)
    if isinstance(cgroups, str):
        offline = _memory_cgroup_of_image(ctx.host, lesson, expected)
        return offline or _skip("CgroupMemory", cgroups, lesson, expected)
    if "memory" in cgroups.controllers:
        return CheckResult("CgroupMemory", Status.PASS, observed=f"memory in {cgroups.source}",
                           expected=expected, lesson=lesson)
    fix = memory_cgroup_fix(ctx.host)
    return CheckResult("CgroupMemory", Status.FAIL, observed=f"no memory in {cgroups.source}",
                       expected=expected, lesson=lesson, message=f"missing memory cgroup; "
                                                                 f"{fix.advice}",
                       fixes=fix.fixes, after_reboot=fix.after_reboot)


def _memory_cgroup_of_image(host: Host, lesson: str, expected: str) -> CheckResult | None:
    """For an image that is not running: a Raspberry Pi boot partition's cmdline.txt decides
    (its kernel turns the memory cgroup off unless the line turns it on), so the image can be
    fixed before it ever boots. None on other boards, whose kernel decides only when it runs."""
    path = cmdline_path(host)
    if host.kind != "root" or path is None:
        return None
    if memory_cgroup_at_boot(host.read_optional(path) or ""):
        return CheckResult("CgroupMemory", Status.PASS, expected=expected, lesson=lesson,
                           observed=f"{path} enables it at boot (cgroup_enable=memory)")
    step = cgroup_memory_step(host, path)
    return CheckResult("CgroupMemory", Status.FAIL, expected=expected, lesson=lesson,
                       observed=f"{path} leaves it off at boot (no cgroup_enable=memory)",
                       message=f"the memory cgroup will be off when this image boots; add "
                               f"cgroup_enable=memory to {path}",
                       fixes=(step,))

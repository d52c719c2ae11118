"""Bridge & iptables: the kernel modules and sysctls that let a node route pod traffic.

kubeadm checks only `net.ipv4.ip_forward` (and IPv6 forwarding on IPv6 clusters) today; until
1.29 it also checked `net.bridge.bridge-nf-call-iptables`, which needs br_netfilter. Bridge-based
CNIs such as Flannel still need that module even though kubeadm no longer asks, so those rows
follow the chosen CNI. Every row reports the value now and the value after a reboot, because a
node that passes today and loses the setting at its next boot fails much later and quietly.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from wizard.checks.base import CheckContext, CheckResult, Status, check
from wizard.facts.kernel import (
    boot_sysctl_program,
    iptables_fact,
    module_fact,
    sysctl_fact,
    sysctl_path,
)
from wizard.fixes.kernel_networking import kernel_modules_step, sysctl_step
from wizard.i18n import N_
from wizard.kube.versions import checks_bridge_sysctls
from wizard.kubeadm.cni import get_cni
from wizard.steps.step import Step

SCREEN = "bridge"
IPV4_FORWARD = "net.ipv4.ip_forward"
BRIDGE_KEYS = ("net.bridge.bridge-nf-call-iptables", "net.bridge.bridge-nf-call-ip6tables")
IPV6_FORWARD = ("net.ipv6.conf.all.forwarding", "net.ipv6.conf.default.forwarding")
"""`all` switches forwarding on for every interface; `default` is the one kubeadm checks."""
KUBEADM_IPV6_KEY = "net.ipv6.conf.default.forwarding"

KERNEL_DEFAULTS = {IPV4_FORWARD: "0", BRIDGE_KEYS[0]: "1", BRIDGE_KEYS[1]: "1",
                   IPV6_FORWARD[0]: "0", IPV6_FORWARD[1]: "0"}
"""The value when no file sets a key: forwarding is off; br_netfilter starts with 1."""

BRIDGE_LESSON = (N_("Pods on one node hang off a Linux bridge, and traffic switched by a bridge "
                 "bypasses iptables unless br_netfilter passes it through; kube-proxy's Service "
                 "rules are iptables rules, so without it a pod cannot reach a Service whose "
                 "backend sits on the same bridge. kubeadm checked bridge-nf-call-iptables until "
                 "1.29 and stopped in 1.30 (network plugins are responsible now), but "
                 "bridge-based CNIs such as Flannel still need it."))
FORWARD_LESSON = (N_("A node routes packets between pods, other nodes and the outside; the kernel "
                  "forwards nothing until ip_forward is 1, so kubeadm refuses to continue."))
MODULE_LESSONS = {
    # The bridge lesson again, whole, so that the catalog translates it as one text.
    "br_netfilter": N_("Pods on one node hang off a Linux bridge, and traffic switched by a "
                       "bridge bypasses iptables unless br_netfilter passes it through; "
                       "kube-proxy's Service rules are iptables rules, so without it a pod cannot "
                       "reach a Service whose backend sits on the same bridge. The module also "
                       "creates the net.bridge sysctls, which do not exist until it is loaded."),
    "overlay": (N_("Container images are layers stacked with the overlay file system; containerd's "
                "and CRI-O's default snapshotter mount every container's root with it.")),
}
IPTABLES_LESSON = (N_("The iptables command drives one of two kernel backends, legacy xtables or "
                   "nf_tables. kube-proxy and CNI plugins pick the one that already holds rules; "
                   "rules split across both make packets pass two rule sets and drops hard to "
                   "explain."))


def kubeadm_file_check_id(key: str) -> str:
    """FileContent--proc-sys-net-ipv4-ip_forward, as kubeadm names its check of a sysctl."""
    return "FileContent-" + sysctl_path(key).replace("/", "-")


@dataclass(frozen=True)
class KernelRow:
    """One row of the Bridge & iptables table: a module or sysctl, now and after a reboot."""

    name: str
    wanted: str
    """"loaded", "1", or "" when this cluster does not need it."""
    now: str
    boot: str
    source: str
    """The file that decides the boot value (the one applied last), or how it was found."""
    status: Status


def needs_br_netfilter(ctx: CheckContext) -> bool:
    """kubeadm up to 1.29 checks the bridge sysctls; after that only a bridging CNI needs them."""
    return checks_bridge_sysctls(ctx.minor) or get_cni(ctx.choices.cni).needs_br_netfilter


def wanted_modules(ctx: CheckContext) -> list[str]:
    return (["br_netfilter"] if needs_br_netfilter(ctx) else []) + ["overlay"]


def wanted_sysctls(ctx: CheckContext) -> dict[str, str]:
    wanted = {IPV4_FORWARD: "1"}
    if needs_br_netfilter(ctx):
        wanted.update(dict.fromkeys(BRIDGE_KEYS, "1"))
    if ctx.choices.uses_ipv6:
        wanted.update(dict.fromkeys(IPV6_FORWARD, "1"))
    return wanted


def _shown_sysctls(ctx: CheckContext) -> list[str]:
    return [IPV4_FORWARD, *BRIDGE_KEYS, *(IPV6_FORWARD if ctx.choices.uses_ipv6 else ())]


def _why_not_needed(ctx: CheckContext) -> str:
    cni = get_cni(ctx.choices.cni)
    return (f"kubeadm stopped checking the bridge sysctls in 1.30 and {cni.name} does not put "
            "pods on a Linux bridge, so this cluster does not need it")


# ---------------------------------------------------------------------------- modules
def module_rows(ctx: CheckContext) -> list[KernelRow]:
    wanted = wanted_modules(ctx)
    rows = []
    for name in ("br_netfilter", "overlay"):
        fact = module_fact(ctx.host, name)
        needed = name in wanted
        now = {True: "loaded", False: "not loaded", None: "unknown"}[fact.loaded]
        # A root directory has no "now": what it will load at boot is all there is.
        holds_now = fact.at_boot if fact.loaded is None else fact.loaded
        if holds_now and fact.at_boot:
            status = Status.PASS
        elif not needed:
            status = Status.PASS if fact.loaded else Status.SKIP
        elif name == "br_netfilter" and checks_bridge_sysctls(ctx.minor) and not holds_now:
            status = Status.FAIL
        else:
            status = Status.WARN
        rows.append(KernelRow(name, "loaded" if needed else "", now,
                              "loaded" if fact.at_boot else "not loaded",
                              fact.boot_text, status))
    return rows


@check(SCREEN, "kernel modules")
def modules(ctx: CheckContext) -> Iterator[CheckResult]:
    step = kernel_modules_step(ctx.host, wanted_modules(ctx))
    for row in module_rows(ctx):
        observed = f"now: {row.now}; at boot: {row.boot} ({row.source})"
        if row.status is Status.SKIP:
            message = f"not loaded; {_why_not_needed(ctx)}"
        elif row.status is Status.PASS:
            when = "now and at boot" if row.now == "loaded" else "at boot"
            message = f"loaded {when} ({row.source})" if row.wanted else (
                f"loaded, though {_why_not_needed(ctx)}")
        elif row.now == "unknown":  # a system that is not running has only its boot
            message = "not loaded at boot: no modules-load.d file names it"
        elif row.now != "not loaded":
            message = f"{row.now} now, but nothing loads it at boot"
        else:
            message = f"{row.name} is not loaded"
            if row.name == "br_netfilter":
                message += ("; " + (f"kubeadm 1.{ctx.minor} fails its bridge-nf-call-iptables "
                                    "check without it" if checks_bridge_sysctls(ctx.minor) else
                                    f"kubeadm stopped checking in 1.30, but "
                                    f"{get_cni(ctx.choices.cni).name} bridges pods and needs it"))
        yield CheckResult(f"Module-{row.name}", row.status, observed=observed,
                          expected="loaded now and at boot" if row.wanted else "not needed",
                          message=message, lesson=MODULE_LESSONS[row.name],
                          fixes=(step,) if step and row.status in (Status.WARN, Status.FAIL)
                          else ())


# ---------------------------------------------------------------------------- sysctls
def _boot_value(ctx: CheckContext, key: str) -> tuple[str, str]:
    """(value after a reboot, what decides it)."""
    fact = sysctl_fact(ctx.host, key)
    if fact.winner is not None:
        return fact.winner.value, fact.winner.describe()
    if key in BRIDGE_KEYS:
        if not module_fact(ctx.host, "br_netfilter").at_boot:
            return "missing", "br_netfilter is not loaded at boot"
        return KERNEL_DEFAULTS[key], "no file sets it: br_netfilter's default"
    return KERNEL_DEFAULTS[key], "no file sets it: kernel default"


def _decided_by(program: str, source: str) -> str:
    """'systemd-sysctl: /etc/sysctl.d/k8s.conf:3' when a file decides, else the reason."""
    return f"{program}: {source}" if source.startswith("/") else source


def sysctl_rows(ctx: CheckContext) -> list[KernelRow]:
    wanted = wanted_sysctls(ctx)
    rows = []
    for key in _shown_sysctls(ctx):
        running = sysctl_fact(ctx.host, key).running
        boot, source = _boot_value(ctx, key)
        if running is None:
            now = "unknown" if not ctx.host.changes_running_kernel else "missing"
        else:
            now = running
        rows.append(KernelRow(key, wanted.get(key, ""), now, boot, source,
                              _sysctl_status(ctx, key, wanted.get(key), now, boot)))
    return rows


def _severity(ctx: CheckContext, key: str) -> Status:
    """Fail where kubeadm's preflight fails; warn where only the CNI needs the value."""
    if key in (IPV4_FORWARD, *IPV6_FORWARD):
        return Status.FAIL
    kubeadm_checks = checks_bridge_sysctls(ctx.minor) and (
        key == BRIDGE_KEYS[0] or ctx.choices.uses_ipv6)
    return Status.FAIL if kubeadm_checks else Status.WARN


def _sysctl_status(ctx: CheckContext, key: str, wanted: str | None, now: str,
                   boot: str) -> Status:
    if wanted is None:
        return Status.PASS if now == "1" else Status.SKIP
    now_ok = now == wanted or now == "unknown"
    if now_ok and boot == wanted:
        return Status.PASS
    if not now_ok or now == "unknown":
        return _severity(ctx, key)
    return Status.WARN  # right now, lost at the next reboot


def _sysctl_message(ctx: CheckContext, row: KernelRow) -> str:
    path = sysctl_path(row.name)
    if row.status is Status.SKIP:
        return f"{row.name} is {row.now}; {_why_not_needed(ctx)}"
    if not row.wanted:
        return f"{row.name} = {row.now}, though {_why_not_needed(ctx)}"
    program = boot_sysctl_program(ctx.host)
    if row.status is Status.PASS:
        return f"{row.wanted} now and after a reboot ({_decided_by(program, row.source)})"
    if row.now == "missing":
        text = f"{path} does not exist"
    elif row.now not in (row.wanted, "unknown"):
        text = f"{path} contents are not set to {row.wanted}"
    elif row.now == "unknown":  # a system that is not running has only its boot
        text = f"{row.boot} at boot ({_decided_by(program, row.source)})"
    else:
        text = f"{row.now} now, but {row.boot} after a reboot ({_decided_by(program, row.source)})"
    if row.name in BRIDGE_KEYS and not checks_bridge_sysctls(ctx.minor):
        text += (f"; kubeadm stopped checking it in 1.30, but {get_cni(ctx.choices.cni).name} "
                 "bridges pods and needs it")
    return text


@check(SCREEN, "sysctls")
def sysctls(ctx: CheckContext) -> Iterator[CheckResult]:
    rows = [r for r in sysctl_rows(ctx) if r.name != IPV6_FORWARD[0]]
    ids = [kubeadm_file_check_id(r.name) for r in rows if r.wanted]
    step = sysctl_step(ctx.host, wanted_sysctls(ctx), ", ".join(ids), KERNEL_DEFAULTS)
    program = boot_sysctl_program(ctx.host)
    for row in rows:
        lesson = BRIDGE_LESSON if row.name in BRIDGE_KEYS else FORWARD_LESSON
        fixes: tuple[Step, ...] = (step,) if step and row.status in (Status.WARN,
                                                                       Status.FAIL) else ()
        yield CheckResult(kubeadm_file_check_id(row.name), row.status,
                          observed=f"now: {row.now}; after a reboot: {row.boot} "
                                   f"({_decided_by(program, row.source)})",
                          expected=f"{row.wanted} now and at boot" if row.wanted else
                          "not needed", message=_sysctl_message(ctx, row), lesson=lesson,
                          fixes=fixes)
    if not ctx.choices.uses_ipv6:
        yield CheckResult(kubeadm_file_check_id(KUBEADM_IPV6_KEY), Status.SKIP,
                          expected="1 when an address or CIDR is IPv6",
                          message="not checked: no IPv6 address or CIDR; kubeadm checks IPv6 "
                                  "forwarding only when one is IPv6",
                          lesson=FORWARD_LESSON)


def bridge_table(ctx: CheckContext) -> list[KernelRow]:
    """Everything the Bridge & iptables screen tabulates: modules, then sysctls."""
    return module_rows(ctx) + sysctl_rows(ctx)


# ---------------------------------------------------------------------------- iptables
@check(SCREEN, "iptables")
def iptables_backend(ctx: CheckContext) -> CheckResult:
    fact = iptables_fact(ctx.host)
    if fact.backend is None:
        return CheckResult("IptablesBackend", Status.SKIP, lesson=IPTABLES_LESSON,
                           expected="rules in one backend only",
                           message=f"not checked: {fact.note}; kube-proxy's image brings its "
                                   "own iptables and picks the backend that holds rules")
    counts = (f"legacy rules: {'?' if fact.legacy_rules is None else fact.legacy_rules}, "
              f"nf_tables rules: {'?' if fact.nft_rules is None else fact.nft_rules}")
    observed = f"iptables v{fact.version} ({fact.backend}); {counts}"
    if fact.rules_in_both:
        return CheckResult(
            "IptablesBackend", Status.WARN, observed=observed, lesson=IPTABLES_LESSON,
            expected="rules in one backend only",
            message=(f"rules exist in both backends ({counts}); the host uses {fact.backend}. "
                     "Move the host firewall to one backend (nf_tables on current distros: "
                     "update-alternatives --set iptables /usr/sbin/iptables-nft) and flush the "
                     "other (iptables-legacy -F) before kube-proxy starts"))
    return CheckResult("IptablesBackend", Status.PASS, observed=observed, lesson=IPTABLES_LESSON,
                       expected="rules in one backend only",
                       message=f"iptables uses the {fact.backend} backend")

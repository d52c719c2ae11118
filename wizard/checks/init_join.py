"""Init / Join: the packages and their versions, the kubeadm configuration, the cluster ranges.

These are the last things between a prepared host and a working `kubeadm init` or `join`:
the three packages at the chosen minor and within kubeadm's version-skew rules, a
configuration kubeadm accepts, pod and Service ranges that do not swallow a network the host
already uses, a pod network that agrees with the pod range, and, before a join, an API server
this node can actually reach.
"""

from __future__ import annotations

from wizard.checks.base import CheckContext, CheckResult, Status, check
from wizard.i18n import N_
from wizard.kube.versions import KubeVersion, skew_problems
from wizard.kubeadm.cni import cni_subnet_warning, get_cni
from wizard.kubeadm.config import subnet_problems, validate
from wizard.kubeadm.endpoint_probe import probe_endpoint
from wizard.kubeadm.plan import (
    Installed,
    config_preview,
    config_step,
    installed_tools,
    kubeadm_action,
    package_steps,
    params_from_choices,
)
from wizard.kubeadm.subnets import SubnetReport, subnet_conflicts
from wizard.model import JoinSecrets

SCREEN = "init"

# Stand-ins of the right shape for the join form's values, which are held by the screen and
# never reach the choices: the configuration check judges everything else.
_FORM_SUPPLIED = JoinSecrets(token="abcdef.0123456789abcdef", certificate_key="0" * 64,
                             ca_cert_hashes=["sha256:" + "0" * 64])


# ------------------------------------------------------------------ packages and config
@check(SCREEN, "packages")
def packages_and_config(ctx: CheckContext) -> list[CheckResult]:
    """KubeadmPackages, VersionSkew and KubeadmConfig, which share one look at the packages."""
    tools = installed_tools(ctx.host)
    return [_packages(ctx, tools), _skew(ctx, tools), _config(ctx, tools["kubeadm"].version)]


def _describe(tool: Installed) -> str:
    if not tool.present:
        return f"{tool.name} not installed"
    return f"{tool.name} {tool.version}" if tool.version else f"{tool.name} (version not reported)"


def _packages(ctx: CheckContext, tools: dict[str, Installed]) -> CheckResult:
    lesson = (N_("kubeadm sets the node up and the kubelet runs everything on it; both come from "
              "the pkgs.k8s.io repository of one minor release, so they match each other."))
    minor = ctx.minor
    expected = f"kubeadm, kubelet and kubectl 1.{minor}"
    observed = ", ".join(_describe(tool) for tool in tools.values())
    missing = [name for name, tool in tools.items() if not tool.present]
    other = [name for name, tool in tools.items()
             if tool.version is not None and tool.version.minor != minor]
    if not missing and not other:
        return CheckResult("KubeadmPackages", Status.PASS, observed=observed, expected=expected,
                           lesson=lesson)
    steps = package_steps(ctx.host, minor, reinstall=bool(other))
    fixes = tuple(steps) if isinstance(steps, list) else ()
    needed = [name for name in missing + other if name != "kubectl"]
    parts = []
    if missing:
        parts.append(f"{', '.join(missing)} not installed")
    if other:
        parts.append(f"{', '.join(other)} not at 1.{minor}")
    message = "; ".join(parts) + (f" ({steps})" if isinstance(steps, str) else "")
    if not needed:
        message += "; kubectl is only needed to use the cluster from this machine"
    return CheckResult("KubeadmPackages", Status.FAIL if needed else Status.WARN,
                       observed=observed, expected=expected, message=message, lesson=lesson,
                       fixes=fixes)


def _skew(ctx: CheckContext, tools: dict[str, Installed]) -> CheckResult:
    lesson = (N_("kubeadm deploys its own minor release or the one before; the kubelet may be up "
              "to three minors older than kubeadm but never newer than the control plane; "
              "kubectl works one minor either side of the API server."))
    kubeadm, kubelet, kubectl = (tools[name].version for name in ("kubeadm", "kubelet", "kubectl"))
    if kubeadm is None or kubelet is None:
        return CheckResult("VersionSkew", Status.SKIP, lesson=lesson,
                           message="not checked: kubeadm and the kubelet must be installed and "
                                   "report their versions")
    if kubeadm_action(ctx.choices) == "init":
        target = KubeVersion.parse(params_from_choices(ctx.choices, kubeadm=kubeadm)
                                   .kubernetes_version or f"1.{ctx.minor}")
        expected = f"the control plane at {target}"
    else:
        target, expected = kubeadm, "a cluster at kubeadm's version (the join cannot know it)"
    problems = skew_problems(kubeadm, kubelet, target)
    kubectl_far = kubectl is not None and abs(kubectl.minor - target.minor) > 1
    if kubectl_far:
        problems.append(f"kubectl {kubectl} is more than one minor release from the control "
                        f"plane ({target}); kubectl supports one minor of skew either way.")
    observed = f"kubeadm {kubeadm}, kubelet {kubelet}" + (f", kubectl {kubectl}" if kubectl else "")
    status = Status.PASS if not problems else (
        Status.WARN if kubectl_far and len(problems) == 1 else Status.FAIL)
    return CheckResult("VersionSkew", status, observed=observed, expected=expected,
                       message=" ".join(problems), lesson=lesson)


def _config(ctx: CheckContext, kubeadm: KubeVersion | None) -> CheckResult:
    lesson = (N_("kubeadm reads every choice from one configuration file, in the API version it "
              "understands: v1beta4 from kubeadm 1.31, v1beta3 before (and rejected from 1.37)."))
    action = kubeadm_action(ctx.choices)
    params = params_from_choices(ctx.choices, kubeadm=kubeadm,
                                 secrets=_FORM_SUPPLIED if action == "join" else None)
    problems = validate(params)
    if problems:
        return CheckResult("KubeadmConfig", Status.FAIL, expected="a configuration kubeadm accepts",
                           message="; ".join(problems), lesson=lesson)
    preview = config_preview(ctx.host, params)
    observed = f"{preview.api_version} for kubeadm {action}"
    if action == "join":
        return CheckResult("KubeadmConfig", Status.PASS, observed=observed, lesson=lesson,
                           message="the join form supplies the token, CA hash and certificate "
                                   "key; the file is written when the join runs")
    if preview.existing is not None and not preview.diff:
        return CheckResult("KubeadmConfig", Status.PASS, observed=f"{observed}, {preview.path}",
                           lesson=lesson)
    state = "differs from the choices" if preview.existing is not None else "is not written yet"
    return CheckResult("KubeadmConfig", Status.WARN, observed=observed,
                       expected=f"{preview.path} as generated", lesson=lesson,
                       message=f"{preview.path} {state}", fixes=(config_step(params),))


# ---------------------------------------------------------------------- cluster ranges
@check(SCREEN, "cluster ranges")
def cluster_ranges(ctx: CheckContext) -> list[CheckResult] | None:
    """PodSubnetOverlap, ServiceSubnetOverlap and CniSubnet, chosen at init for the cluster."""
    if kubeadm_action(ctx.choices) != "init":
        return None
    choices = ctx.choices
    report = subnet_conflicts(ctx.host, [choices.pod_subnet, choices.service_subnet])
    return [_overlap("PodSubnetOverlap", "podSubnet", choices.pod_subnet, report),
            _overlap("ServiceSubnetOverlap", "serviceSubnet", choices.service_subnet, report),
            _cni(ctx)]


def _overlap(check_id: str, label: str, value: str, report: SubnetReport) -> CheckResult:
    lesson = (N_("Pod and Service addresses exist only inside the cluster: traffic to them is "
              "captured on every node, so a range that overlaps a real network makes those "
              "hosts unreachable from Pods."))
    expected = "no overlap with this host's addresses and routes"
    invalid = subnet_problems(label, value)
    if invalid:  # the same sentence as the config check's: an error here too
        return CheckResult(check_id, Status.FAIL, observed=value or "(not set)",
                           expected="a valid CIDR", message="; ".join(invalid), lesson=lesson)
    if report.skipped:
        return CheckResult(check_id, Status.SKIP, expected=expected, lesson=lesson,
                           message=f"not checked: {report.skipped}")
    parts = [part.strip() for part in value.split(",") if part.strip()]
    messages = []
    for part in parts:
        conflicts = report.for_cidr(part)
        if not conflicts:
            continue
        where = "; ".join(c.where for c in conflicts[:2]) + (
            f" and {len(conflicts) - 2} more" if len(conflicts) > 2 else "")
        suggestion = report.suggestions.get(part)
        messages.append(f"{label} {part} overlaps {where}"
                        + (f"; {suggestion} is free" if suggestion else ""))
    return CheckResult(check_id, Status.FAIL if messages else Status.PASS,
                       observed=value or "(not set)", expected=expected,
                       message="; ".join(messages), lesson=lesson)


def _cni(ctx: CheckContext) -> CheckResult:
    cni = get_cni(ctx.choices.cni)
    pod_subnet = ctx.choices.pod_subnet or None
    invalid = subnet_problems("podSubnet", pod_subnet) if pod_subnet else []
    warning = "; ".join(invalid) or cni_subnet_warning(cni, pod_subnet)
    return CheckResult(
        "CniSubnet", Status.FAIL if invalid else Status.WARN if warning else Status.PASS,
        observed=f"{cni.name} {cni.version}, podSubnet {pod_subnet or '(not set)'}",
        expected=f"a podSubnet {cni.name} uses as it is installed",
        message=warning or "", lesson=(
            N_("The pod network hands out Pod addresses; when its range disagrees with kubeadm's "
            "podSubnet, nodes stay NotReady or Pods get addresses no route leads to.")))


# --------------------------------------------------------------------------------- join
@check(SCREEN, "join")
def join_endpoint(ctx: CheckContext) -> CheckResult | None:
    if kubeadm_action(ctx.choices) != "join" or not ctx.choices.join_endpoint:
        return None
    lesson = (N_("kubeadm join first downloads the cluster-info ConfigMap from this endpoint; a "
              "wrong address, a missing route or a firewall shows here in seconds instead of "
              "after minutes of retries."))
    probe = probe_endpoint(ctx.host, ctx.choices.join_endpoint)
    if not probe.ran:
        return CheckResult("JoinEndpoint", Status.SKIP, observed=ctx.choices.join_endpoint,
                           message=f"not checked: {probe.message}", lesson=lesson)
    return CheckResult("JoinEndpoint", Status.PASS if probe.connected else Status.FAIL,
                       observed="; ".join(filter(None, (probe.route_text, probe.message))),
                       expected="a route to the API server and an open TCP port",
                       message="" if probe.connected else probe.message, lesson=lesson)

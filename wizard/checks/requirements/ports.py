"""Ports kubeadm's components listen on, and the firewall that must let them through."""

from __future__ import annotations

from collections.abc import Iterator

from wizard.checks.base import CheckContext, CheckResult, Status, check
from wizard.checks.requirements.common import SCREEN, _skip
from wizard.facts.systemd import unit_active
from wizard.host.ports import ListeningPort
from wizard.i18n import N_

CONTROL_PLANE_PORTS = {6443: "kube-apiserver", 10250: "kubelet",
                       10257: "kube-controller-manager", 10259: "kube-scheduler",
                       2379: "etcd (clients)", 2380: "etcd (peers)"}
WORKER_PORTS = {10250: "kubelet"}
NODEPORT_RANGE = (30000, 32767)
KUBERNETES_PROCESSES = {"kube-apiserver", "kube-controller-manager", "kube-scheduler", "etcd",
                        "kubelet", "kube-proxy"}
PORTS_LESSON = (N_("Each control-plane component and the kubelet listen on a fixed port; if "
                "another program holds it, the component cannot start and init or join times out."))


def _holders(listeners: list[ListeningPort]) -> str:
    """Who holds the port(s), each process once, for a person to go and stop."""
    seen = dict.fromkeys(listener.describe() for listener in listeners)
    text = "; ".join(seen)
    if any(listener.process in KUBERNETES_PROCESSES for listener in listeners):
        text += " (an earlier cluster still runs here: sudo kubeadm reset stops it)"
    return text


@check(SCREEN, "ports")
def ports(ctx: CheckContext) -> Iterator[CheckResult]:
    """One result per port kubeadm checks; no fix ever kills the process holding one."""
    wanted = CONTROL_PLANE_PORTS if ctx.control_plane else WORKER_PORTS
    listening = ctx.host.listening_ports()
    for port, user in wanted.items():
        check_id, expected = f"Port-{port}", f"port {port} free for {user}"
        if listening is None:
            yield _skip(check_id, "a root directory has no running system listening on ports",
                        PORTS_LESSON, expected)
            continue
        held = [lp for lp in listening if lp.port == port]
        yield CheckResult(check_id, Status.FAIL if held else Status.PASS,
                          observed=_holders(held) if held else "free", expected=expected,
                          message=f"Port {port} is in use: {_holders(held)}" if held else "",
                          lesson=PORTS_LESSON)
    if not ctx.control_plane:
        yield _nodeport_range(listening)


def _nodeport_range(listening: list[ListeningPort] | None) -> CheckResult:
    low, high = NODEPORT_RANGE
    check_id, expected = f"Port-{low}-{high}", f"ports {low}-{high} free for NodePort Services"
    lesson = (N_("kube-proxy opens NodePort Services on every node in this range; a program that "
              "already listens on one of these ports breaks the Service that gets it."))
    if listening is None:
        return _skip(check_id, "a root directory has no running system listening on ports",
                     lesson, expected)
    held = [lp for lp in listening if low <= lp.port <= high]
    return CheckResult(check_id, Status.WARN if held else Status.PASS,
                       observed=_holders(held) if held else "free", expected=expected,
                       message=f"ports in the NodePort range are in use: {_holders(held)}"
                       if held else "", lesson=lesson)


FIREWALLD_PORTS = {True: "6443/tcp 2379-2380/tcp 10250/tcp 10257/tcp 10259/tcp",
                   False: "10250/tcp 30000-32767/tcp"}


@check(SCREEN, "ports")
def firewalld(ctx: CheckContext) -> CheckResult:
    lesson = (N_("Nodes reach each other's API server, kubelet and NodePorts over these ports; an "
              "active firewall drops that traffic unless the ports are opened."))
    ports_needed = FIREWALLD_PORTS[ctx.control_plane]
    expected = f"firewalld inactive, or {ports_needed} open"
    if not unit_active(ctx.host, "firewalld.service"):
        return CheckResult("Firewalld", Status.PASS, observed="firewalld not active",
                           expected=expected, lesson=lesson)
    commands = "; ".join(f"sudo firewall-cmd --permanent --add-port={p}"
                         for p in ports_needed.split())
    return CheckResult("Firewalld", Status.WARN, observed="firewalld active", expected=expected,
                       lesson=lesson,
                       message=f"firewalld is active, please ensure ports {ports_needed} are "
                               f"open: {commands}; sudo firewall-cmd --reload")

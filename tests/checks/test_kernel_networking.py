"""Bridge & iptables checks on the demo hosts and fixture roots, and their fixes applied."""

from __future__ import annotations

from pathlib import Path

import pytest

import wizard.checks.kernel_networking as kn
from wizard.checks.base import CheckContext, Status
from wizard.checks.runner import run_checks
from wizard.facts.kernel import sysctl_fact
from wizard.fixes.kernel_networking import sysctl_step, sysctl_writes
from wizard.host.base import Host
from wizard.host.simulated import SimulatedHost
from wizard.model import WizardChoices
from wizard.steps.engine import apply_steps
from wizard.steps.step import FileWrite, RunCommand

FORWARD_ID = "FileContent--proc-sys-net-ipv4-ip_forward"
BRIDGE_ID = "FileContent--proc-sys-net-bridge-bridge-nf-call-iptables"
BRIDGE6_ID = "FileContent--proc-sys-net-bridge-bridge-nf-call-ip6tables"
IPV6_ID = "FileContent--proc-sys-net-ipv6-conf-default-forwarding"


def bridge_results(host: Host, **choices):
    return {r.id: r for r in run_checks(host, WizardChoices(**choices), screens=["bridge"])}


def demo(name: str, tmp_path: Path) -> SimulatedHost:
    return SimulatedHost(name, scratch=tmp_path / name)


def test_the_ready_host_passes_every_bridge_check(tmp_path):
    results = bridge_results(demo("ready", tmp_path), kubernetes_version="1.36")
    assert {i: r.status for i, r in results.items()} == {
        "Module-br_netfilter": Status.PASS, "Module-overlay": Status.PASS,
        FORWARD_ID: Status.PASS, BRIDGE_ID: Status.PASS, BRIDGE6_ID: Status.PASS,
        IPV6_ID: Status.SKIP, "IptablesBackend": Status.PASS}
    assert results[FORWARD_ID].observed == (
        "now: 1; after a reboot: 1 (systemd-sysctl: /etc/sysctl.d/k8s.conf:3)")
    assert results["IptablesBackend"].message == "iptables uses the nf_tables backend"


def test_ubuntu_vagrant_needs_modules_and_forwarding(tmp_path):
    results = bridge_results(demo("ubuntu-vagrant", tmp_path))
    forward = results[FORWARD_ID]
    assert forward.status is Status.FAIL  # kubeadm's own error
    assert forward.message == "/proc/sys/net/ipv4/ip_forward contents are not set to 1"
    bridge = results[BRIDGE_ID]
    assert bridge.status is Status.WARN  # kubeadm stopped checking in 1.30; Flannel needs it
    assert "kubeadm stopped checking it in 1.30" in bridge.message
    assert "/proc/sys/net/bridge/bridge-nf-call-iptables does not exist" in bridge.message
    assert results["Module-overlay"].message == "loaded now, but nothing loads it at boot"
    assert {s.id for r in results.values() for s in r.fixes} == {"kernel-modules",
                                                                  "sysctl-kubernetes"}


def test_applying_the_fixes_makes_every_row_pass_now_and_at_boot(tmp_path):
    host = demo("ubuntu-vagrant", tmp_path)
    results = run_checks(host, WizardChoices(), screens=["bridge"])
    steps = list({s.id: s for r in results for s in r.fixes}.values())
    assert [s.id for s in steps] == ["kernel-modules", "sysctl-kubernetes"]
    [modprobe] = [a for a in steps[0].actions if isinstance(a, RunCommand)]
    assert modprobe.argv == ("modprobe", "-a", "br_netfilter")  # overlay is loaded already
    outcomes = apply_steps(host, steps)
    assert [o.status for o in outcomes] == ["applied", "applied"]
    assert host.read_optional("/etc/modules-load.d/k8s.conf").splitlines()[1:] == [
        "br_netfilter", "overlay"]
    assert "net.ipv4.ip_forward = 1" in host.read_optional("/etc/sysctl.d/k8s.conf")
    after = bridge_results(host)
    assert {r.status for i, r in after.items() if i not in (IPV6_ID, "IptablesBackend")} == {
        Status.PASS}
    assert all(s.is_done(host) for s in steps)


def test_a_cni_without_a_bridge_does_not_need_br_netfilter(tmp_path):
    results = bridge_results(demo("rpi4-bookworm", tmp_path), cni="calico")
    assert results["Module-br_netfilter"].status is Status.SKIP
    assert results[BRIDGE_ID].status is Status.SKIP
    assert "Calico does not put pods on a Linux bridge" in results[BRIDGE_ID].message
    step = results["Module-overlay"].fixes[0]
    assert step.fixes == "Module-overlay"
    assert next(a.content for a in step.actions if isinstance(a, FileWrite)).endswith("\noverlay\n")


def test_dual_stack_needs_ipv6_forwarding(tmp_path):
    host = demo("ubuntu-vagrant", tmp_path)
    results = bridge_results(host, dual_stack=True)
    assert results[IPV6_ID].status is Status.FAIL
    sysctl = next(s for s in results[IPV6_ID].fixes if s.id == "sysctl-kubernetes")
    text = next(a.content for a in sysctl.actions if isinstance(a, FileWrite))
    assert "net.ipv6.conf.all.forwarding = 1\nnet.ipv6.conf.default.forwarding = 1\n" in text


@pytest.mark.parametrize("choice", [{"pod_subnet": "10.244.0.0/16,fd00:10:244::/56"},
                                    {"service_subnet": "fd00:10:96::/112"},
                                    {"advertise_address": "fd00::10"}])
def test_an_ipv6_address_or_cidr_needs_ipv6_forwarding_without_the_flag(tmp_path, choice):
    """kubeadm adds its IPv6 forwarding check for any IPv6 advertise address or CIDR,
    whatever the wizard's dual-stack answer says."""
    results = bridge_results(demo("ubuntu-vagrant", tmp_path), **choice)
    assert results[IPV6_ID].status is Status.FAIL
    assert bridge_results(demo("ubuntu-vagrant", tmp_path))[IPV6_ID].status is Status.SKIP


# -------------------------------------------------------- which file wins at boot
FORWARD_ON = {"net.ipv4.ip_forward": "1"}


def root(tmp_path: Path, files: dict[str, str]) -> Host:
    for relative, text in files.items():
        path = tmp_path / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return Host(tmp_path)


def boot_after(host: Host, writes: dict[str, str]) -> str:
    for path, text in writes.items():
        host.write_file(path, text.encode())
    return sysctl_fact(host, "net.ipv4.ip_forward").boot


def test_k8s_conf_already_sorts_after_numbered_files(tmp_path):
    host = root(tmp_path, {"etc/sysctl.d/99-no-forward.conf": "net.ipv4.ip_forward = 0\n"})
    writes = sysctl_writes(host, FORWARD_ON)
    assert list(writes) == ["/etc/sysctl.d/k8s.conf"]
    assert boot_after(host, writes) == "1"


def test_a_later_sorting_file_gets_a_later_name(tmp_path):
    host = root(tmp_path, {"etc/sysctl.d/local.conf": "net.ipv4.ip_forward = 0\n"})
    step = sysctl_step(host, FORWARD_ON, FORWARD_ID)
    assert [a.path for a in step.actions if isinstance(a, FileWrite)] == [
        "/etc/sysctl.d/zz-kubernetes.conf"]
    assert "zz-kubernetes.conf is used rather than k8s.conf" in step.why
    assert boot_after(host, sysctl_writes(host, FORWARD_ON)) == "1"


def test_sysctl_conf_wins_last_so_its_line_is_disabled(tmp_path):
    conf = "# local settings\nnet.ipv4.ip_forward=0\nvm.swappiness = 10\n"
    host = root(tmp_path, {"etc/sysctl.conf": conf,
                           "etc/sysctl.d/k8s.conf": "net.ipv4.ip_forward = 0   \n"})
    writes = sysctl_writes(host, FORWARD_ON)
    assert writes["/etc/sysctl.d/k8s.conf"] == "net.ipv4.ip_forward = 1\n"
    assert writes["/etc/sysctl.conf"].splitlines() == [
        "# local settings",
        "# disabled by kubeadm-wizard (Kubernetes needs net.ipv4.ip_forward = 1): "
        "net.ipv4.ip_forward=0",
        "vm.swappiness = 10"]
    assert boot_after(host, writes) == "1"


def test_a_vendor_file_is_shadowed_from_etc_not_edited(tmp_path):
    host = root(tmp_path, {"usr/lib/sysctl.d/zzz-vendor.conf": "net.ipv4.ip_forward = 0\n"})
    writes = sysctl_writes(host, FORWARD_ON)
    assert sorted(writes) == ["/etc/sysctl.d/k8s.conf", "/etc/sysctl.d/zzz-vendor.conf"]
    assert boot_after(host, writes) == "1"


def test_under_root_the_running_kernel_is_left_alone(tmp_path):
    host = root(tmp_path, {"etc/hostname": "x\n"})
    step = sysctl_step(host, FORWARD_ON, FORWARD_ID)
    # No `sysctl -w`: there is no running kernel; the file carries the value to its next boot.
    assert [type(a).__name__ for a in step.actions] == ["FileWrite"]
    assert apply_steps(host, [step])[0].status == "applied"
    assert step.is_done(host)


# ---------------------------------------------------------------------------- iptables
def test_rules_in_both_backends_warn(tmp_path):
    host = demo("ready", tmp_path)
    for program, stdout in (("iptables-legacy-save", "*filter\n-A INPUT -j DROP\nCOMMIT\n"),
                            ("iptables-nft-save", "*nat\n-A POSTROUTING -j MASQUERADE\n")):
        stub = host.path(f"/usr/sbin/{program}")
        stub.write_text("#!/bin/sh\n")
        stub.chmod(0o755)
        host.state["commands"].append({"argv": [program], "stdout": stdout})
    result = kn.iptables_backend(CheckContext(host, WizardChoices()))
    assert result.status is Status.WARN
    assert "legacy rules: 1, nf_tables rules: 1" in result.message


@pytest.mark.parametrize("demo_name, rows", [
    ("ready", [("br_netfilter", "loaded", "loaded"), ("overlay", "loaded", "loaded"),
               ("net.ipv4.ip_forward", "1", "1"),
               ("net.bridge.bridge-nf-call-iptables", "1", "1"),
               ("net.bridge.bridge-nf-call-ip6tables", "1", "1")]),
    ("rpi4-bookworm", [("br_netfilter", "not loaded", "not loaded"),
                       ("overlay", "not loaded", "not loaded"),
                       ("net.ipv4.ip_forward", "0", "0"),
                       ("net.bridge.bridge-nf-call-iptables", "missing", "missing"),
                       ("net.bridge.bridge-nf-call-ip6tables", "missing", "missing")]),
])
def test_bridge_table_rows(tmp_path, demo_name, rows):
    table = kn.bridge_table(CheckContext(demo(demo_name, tmp_path), WizardChoices()))
    assert [(r.name, r.now, r.boot) for r in table] == rows

"""Node identity: root, hostname, product UUID, machine id, MAC address, DNS resolver.

Two nodes that share one of these collide in the cluster in ways kubeadm does not
report, hence the wizard's own checks next to kubeadm's.
"""

from __future__ import annotations

import re

from wizard.checks.base import CheckContext, CheckResult, Status, check
from wizard.checks.requirements.common import SCREEN, _skip, _unreadable
from wizard.facts.resolv import nameservers
from wizard.fixes.hostname import (
    HOSTS,
    hostname_problem,
    hosts_addresses,
    hosts_entry_step,
    in_hosts_file,
    set_hostname_step,
    suggest_hostname,
)
from wizard.host.base import Host
from wizard.i18n import N_

PRIVILEGED_LESSON = (N_("kubeadm writes /etc/kubernetes, starts the kubelet and changes kernel "
                     "settings, so it refuses to run without root."))


@check(SCREEN, "identity")
def is_privileged_user(ctx: CheckContext) -> CheckResult:
    if ctx.host.kind == "root":
        return _skip("IsPrivilegedUser", "kubeadm runs on that system once it has booted",
                     PRIVILEGED_LESSON, "root (uid 0)")
    root = ctx.host.identity.is_root
    return CheckResult(
        "IsPrivilegedUser", Status.PASS if root else Status.FAIL,
        observed="running as root" if root else "not running as root",
        expected="root (uid 0)",
        message="" if root else "user is not running as root: run the wizard and kubeadm with sudo",
        lesson=PRIVILEGED_LESSON)


def _node_name(ctx: CheckContext) -> tuple[str, bool]:
    """The name the node registers under, and whether it is the host name."""
    chosen = ctx.choices.node_name.strip()
    return (chosen, False) if chosen else (ctx.host.identity.hostname, True)


@check(SCREEN, "identity")
def hostname(ctx: CheckContext) -> CheckResult:
    lesson = (N_("The node registers under this name, which must be a valid DNS-1123 name, "
              "unique in the cluster and resolvable so the control plane can reach it."))
    name, is_hostname = _node_name(ctx)
    expected = "a lower-case DNS-1123 name found in /etc/hosts"
    subject = "host name" if is_hostname else "chosen node name"
    problem = hostname_problem(name)
    if problem is not None:
        suggestion = suggest_hostname(name)
        fixes = (set_hostname_step(ctx.host, name, suggestion),) if is_hostname else ()
        return CheckResult("Hostname", Status.FAIL, observed=name, expected=expected,
                           message=f"the {subject} {name!r} is not a valid node name: {problem}; "
                                   f"for example {suggestion!r} is", lesson=lesson, fixes=fixes)
    if name in ("localhost", "localhost.localdomain"):
        return CheckResult("Hostname", Status.WARN, observed=name, expected=expected,
                           lesson=lesson,
                           message="every node named localhost would register as the same "
                                   "node; give this machine its own name")
    hosts = ctx.host.read_optional(HOSTS)
    if hosts is not None and in_hosts_file(hosts, name):
        address = hosts_addresses(hosts, name)[0]
        message = ""
        chosen = ctx.choices.advertise_address
        if (address.startswith("127.") or address == "::1") and chosen:
            message = (f"{name} maps to {address}, a loopback address (the Debian/Ubuntu "
                       "convention); it does not decide the node IP here: the wizard's kubeadm "
                       f"configuration sets node-ip to {chosen}, the chosen advertise address")
        elif address.startswith("127.") or address == "::1":
            message = (f"{name} maps to {address}, a loopback address (the Debian/Ubuntu "
                       "convention): other nodes cannot use it, so the kubelet takes its node "
                       "IP from the default route instead; where that is a NAT adapter, choose "
                       "the advertise address on the Network screen")
        return CheckResult("Hostname", Status.PASS, observed=f"{name} ({address} in /etc/hosts)",
                           expected=expected, lesson=lesson, message=message)
    return CheckResult("Hostname", Status.WARN, observed=f"{name} (not in /etc/hosts)",
                       expected=expected, lesson=lesson,
                       message=f"{name} is not in /etc/hosts, so kubeadm will ask DNS (which the "
                               "wizard does not do); map it locally to be sure it resolves",
                       fixes=(hosts_entry_step(ctx.host, name),))


PRODUCT_UUID = "/sys/class/dmi/id/product_uuid"
BAD_PRODUCT_UUIDS = {
    "00000000-0000-0000-0000-000000000000": "all zero",
    "ffffffff-ffff-ffff-ffff-ffffffffffff": "all ff",
    # The placeholder that boards with an unfilled SMBIOS table ("To be filled by O.E.M.") report.
    "03000200-0400-0500-0006-000700080009": "the placeholder of unconfigured firmware",
}


@check(SCREEN, "identity")
def product_uuid(ctx: CheckContext) -> CheckResult:
    lesson = (N_("Kubernetes tells nodes apart by product_uuid (and machine-id); virtual machines "
              "cloned from one image can share it, which confuses the kubelet and some CNIs."))
    host = ctx.host
    expected = "a value unique to this machine (compare across nodes)"
    value = (host.read_optional(PRODUCT_UUID) or "").strip().lower()
    if not value:
        if not host.is_dir("/sys/class/dmi/id"):
            reason = ("this machine has no DMI table (normal on boards like the Raspberry Pi; "
                      "machine-id identifies the node)" if host.kind != "root"
                      else _unreadable(host, PRODUCT_UUID))
            return _skip("ProductUUID", reason, lesson, expected)
        if not host.identity.is_root:
            return _skip("ProductUUID", f"only root can read {PRODUCT_UUID}", lesson, expected)
        return CheckResult("ProductUUID", Status.WARN, observed="missing", expected=expected,
                           message="the firmware reports no product_uuid", lesson=lesson)
    bad = BAD_PRODUCT_UUIDS.get(value)
    return CheckResult(
        "ProductUUID", Status.WARN if bad else Status.PASS, observed=value, expected=expected,
        message=f"product_uuid is {bad}: every machine with this firmware reports it" if bad
        else "", lesson=lesson)


MACHINE_ID = "/etc/machine-id"
UNSET_MACHINE_IDS = {"": "empty", "uninitialized": "not initialized yet"}
"""Values of an image that was never booted: systemd writes a fresh id at first boot."""
BAD_MACHINE_IDS = {"0" * 32: "all zero", "f" * 32: "all f"}


@check(SCREEN, "identity")
def machine_id(ctx: CheckContext) -> CheckResult:
    lesson = (N_("The kubelet reports /etc/machine-id as the node's machine ID; machines cloned "
              "from one booted image share it until it is regenerated."))
    expected = "32 hex digits unique to this machine (compare across nodes)"
    text = ctx.host.read_optional(MACHINE_ID)
    if text is None:
        return _skip("MachineID", _unreadable(ctx.host, MACHINE_ID), lesson, expected)
    value = text.strip()
    regenerate = ("regenerate it: sudo rm /etc/machine-id && sudo systemd-machine-id-setup")
    if value in UNSET_MACHINE_IDS:
        if ctx.host.kind == "root":
            return CheckResult("MachineID", Status.PASS, observed=UNSET_MACHINE_IDS[value],
                               expected=expected, lesson=lesson,
                               message="systemd writes a fresh machine-id on this system's "
                                       "first boot")
        return CheckResult("MachineID", Status.WARN, observed=UNSET_MACHINE_IDS[value],
                           expected=expected, lesson=lesson,
                           message=f"machine-id is {UNSET_MACHINE_IDS[value]}; {regenerate}")
    problem = BAD_MACHINE_IDS.get(value) or (
        None if re.fullmatch(r"[0-9a-f]{32}", value) else "not 32 lower-case hex digits")
    return CheckResult("MachineID", Status.WARN if problem else Status.PASS, observed=value,
                       expected=expected, lesson=lesson,
                       message=f"machine-id is {problem}; {regenerate}" if problem else "")


BAD_MACS = {"00:00:00:00:00:00": "all zero", "ff:ff:ff:ff:ff:ff": "the broadcast address"}


def _physical_macs(host: Host) -> dict[str, str]:
    """MAC address of each interface backed by a device (not lo, bridges, veths, tunnels)."""
    macs = {}
    for name in host.listdir("/sys/class/net"):
        if host.exists(f"/sys/class/net/{name}/device"):
            macs[name] = (host.read_optional(f"/sys/class/net/{name}/address") or "").strip()
    return macs


@check(SCREEN, "identity")
def mac_address(ctx: CheckContext) -> CheckResult:
    lesson = (N_("Pod networks and DHCP tell nodes apart by MAC address; cloned virtual machines "
              "can come up with the same one."))
    expected = "a MAC unique to this machine on each interface (compare across nodes)"
    macs = _physical_macs(ctx.host)
    if not macs:
        return _skip("MACAddress", _unreadable(ctx.host, "/sys/class/net") if
                     ctx.host.kind == "root" else "no network interface backed by a device",
                     lesson, expected)
    problems = [f"{name}: {BAD_MACS.get(mac.lower(), 'missing')}" for name, mac in macs.items()
                if not mac or mac.lower() in BAD_MACS]
    return CheckResult("MACAddress", Status.WARN if problems else Status.PASS,
                       observed="; ".join(f"{name} {mac or '-'}" for name, mac in macs.items()),
                       expected=expected, lesson=lesson,
                       message=("bad MAC address: " + ", ".join(problems)) if problems else "")


STUB_RESOLVER = "127.0.0.53"
RESOLVED_UPSTREAM = "/run/systemd/resolve/resolv.conf"


@check(SCREEN, "identity")
def dns_resolver(ctx: CheckContext) -> CheckResult:
    lesson = (N_("CoreDNS forwards to the nameservers in the kubelet's resolvConf; a loopback "
              "address such as systemd-resolved's 127.0.0.53 points back into the CoreDNS Pod "
              "itself, which loops, so the kubelet must read /run/systemd/resolve/resolv.conf."))
    expected = "no loopback nameserver in /etc/resolv.conf, or resolvConf pointing past it"
    text = ctx.host.read_optional("/etc/resolv.conf")
    if text is None:
        return _skip("DNSResolver", _unreadable(ctx.host, "/etc/resolv.conf"), lesson, expected)
    servers = nameservers(text)
    loopback = [s for s in servers if s.startswith("127.") or s == "::1"]
    observed = "nameserver " + ", ".join(servers) if servers else "no nameserver"
    if not loopback:
        return CheckResult("DNSResolver", Status.PASS, observed=observed, expected=expected,
                           lesson=lesson)
    if STUB_RESOLVER in loopback:
        upstream = nameservers(ctx.host.read_optional(RESOLVED_UPSTREAM) or "")
        if upstream:
            observed += f" (systemd-resolved stub; upstream {', '.join(upstream)})"
        message = ("/etc/resolv.conf points at the systemd-resolved stub 127.0.0.53. kubeadm "
                   f"sets the kubelet's resolvConf to {RESOLVED_UPSTREAM} when systemd-resolved "
                   "is running at init; keep it so (or set resolvConf to that file), otherwise "
                   "CoreDNS loops")
    else:
        message = (f"/etc/resolv.conf names the local resolver {', '.join(loopback)}; give the "
                   "kubelet a resolvConf with the real upstream servers, otherwise CoreDNS loops")
    return CheckResult("DNSResolver", Status.WARN, observed=observed, expected=expected,
                       message=message, lesson=lesson)

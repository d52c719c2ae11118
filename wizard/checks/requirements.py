"""Requirements: kubeadm's preflight checks, run before kubeadm ever runs, plus the traps it misses.

Where kubeadm has the check, the id is kubeadm's printed name (so a result matches
`--ignore-preflight-errors`) and the severity is kubeadm's for the chosen version. The wizard's
own checks (SwapOnBoot, CgroupMemory, Arch64, ProductUUID, MachineID, MACAddress, DNSResolver)
catch what makes the kubelet or the cluster fail later. Every file is read through the host,
so the same checks run on this machine, a mounted image (--root) and a demo host; a file that
cannot be read gives `skip` with the reason.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from wizard.checks.base import CheckContext, CheckResult, Status, check
from wizard.facts.kernel import cgroup_mode
from wizard.facts.resolv import nameservers
from wizard.facts.systemd import unit_active, unit_state
from wizard.fixes.cmdline import cgroup_memory_step, cmdline_path, has_param
from wizard.fixes.hostname import (
    HOSTS,
    hostname_problem,
    hosts_addresses,
    hosts_entry_step,
    in_hosts_file,
    set_hostname_step,
    suggest_hostname,
)
from wizard.fixes.packages import install_tools_step, package_for
from wizard.fixes.swap import active_swaps, boot_swap_sources, boot_swap_steps, swap_off_now_step
from wizard.host.base import Host
from wizard.host.ports import ListeningPort
from wizard.kube.versions import (
    KubeVersion,
    Severity,
    VersionError,
    cgroup_v1_is_error,
    kernel_rule,
    required_tools,
    skew_problems,
)
from wizard.steps.step import RunCommand, Step

SCREEN = "requirements"
MIN_CPUS = 2
MIN_MEMORY_MIB = 1700


def _status(severity: Severity) -> Status:
    """kubeadm's error stops init/join (fail); its warning does not (warn)."""
    return Status.FAIL if severity == "error" else Status.WARN


def _unreadable(host: Host, path: str) -> str:
    """The skip reason for a file that is not there, saying why when that is expected."""
    if host.kind == "root" and path.startswith(("/proc/", "/sys/")):
        return f"{path} is missing: a root directory has no running kernel to fill /proc and /sys"
    return f"{path} is missing or unreadable"


def _skip(check_id: str, reason: str, lesson: str, expected: str = "") -> CheckResult:
    return CheckResult(check_id, Status.SKIP, expected=expected, message=f"not checked: {reason}",
                       lesson=lesson)


# ------------------------------------------------------------------------------ hardware
def _count_cpu_list(text: str) -> int:
    """CPUs in a kernel CPU list such as "0-3,6" (the format of .../cpu/online)."""
    count = 0
    for part in text.strip().split(","):
        first, _, last = part.partition("-")
        if first.strip().isdigit():
            count += int(last) - int(first) + 1 if last.strip().isdigit() else 1
    return count


@check(SCREEN, "hardware")
def num_cpu(ctx: CheckContext) -> CheckResult | None:
    if not ctx.control_plane:
        return None
    lesson = ("The API server, etcd, the scheduler and the controller manager share the control "
              "plane's CPUs; kubeadm requires at least two so they do not starve each other.")
    online = ctx.host.read_optional("/sys/devices/system/cpu/online")
    if online is not None:
        count, source = _count_cpu_list(online), "/sys/devices/system/cpu/online"
    else:
        cpuinfo = ctx.host.read_optional("/proc/cpuinfo")
        if cpuinfo is None:
            return _skip("NumCPU", _unreadable(ctx.host, "/proc/cpuinfo"), lesson,
                         f">= {MIN_CPUS} CPUs")
        count = sum(1 for line in cpuinfo.splitlines() if line.startswith("processor"))
        source = "/proc/cpuinfo"
    ok = count >= MIN_CPUS
    return CheckResult(
        "NumCPU", Status.PASS if ok else Status.FAIL,
        observed=f"{count} CPU(s) ({source})", expected=f">= {MIN_CPUS} CPUs on a control plane",
        message="" if ok else (f"the number of available CPUs {count} is less than the required "
                               f"{MIN_CPUS}; use this machine as a worker or a bigger one"),
        lesson=lesson)


@check(SCREEN, "hardware")
def memory(ctx: CheckContext) -> CheckResult | None:
    if not ctx.control_plane:
        return None
    lesson = ("The control-plane components and etcd need about 1.7 GiB between them; with less, "
              "the kernel's out-of-memory killer ends them under load.")
    expected = f">= {MIN_MEMORY_MIB} MiB on a control plane"
    meminfo = ctx.host.read_optional("/proc/meminfo")
    match = re.search(r"^MemTotal:\s+(\d+)\s*kB", meminfo or "", re.MULTILINE)
    if match is None:
        return _skip("Mem", _unreadable(ctx.host, "/proc/meminfo"), lesson, expected)
    mib = int(match.group(1)) // 1024
    ok = mib >= MIN_MEMORY_MIB
    return CheckResult(
        "Mem", Status.PASS if ok else Status.FAIL,
        observed=f"{mib} MiB (MemTotal)", expected=expected,
        message="" if ok else (f"the system RAM ({mib} MB) is less than the minimum "
                               f"{MIN_MEMORY_MIB} MB; use this machine as a worker"),
        lesson=lesson)


def _keeps_swap(ctx: CheckContext) -> bool:
    """Whether the operator chose to keep swap (kubelet failSwapOn: false)."""
    return ctx.choices.fail_swap_on is False


SWAP_LESSON = ("The kubelet refuses to start while swap is on unless its configuration says "
               "failSwapOn: false, because Pod memory limits assume pages stay in RAM.")


@check(SCREEN, "hardware")
def swap(ctx: CheckContext) -> CheckResult:
    areas = active_swaps(ctx.host)
    expected = "no active swap (/proc/swaps has only its header)"
    if areas is None:
        return _skip("Swap", _unreadable(ctx.host, "/proc/swaps"), SWAP_LESSON, expected)
    if not areas:
        return CheckResult("Swap", Status.PASS, observed="no swap in use", expected=expected,
                           lesson=SWAP_LESSON)
    observed = "; ".join(area.describe() for area in areas)
    if _keeps_swap(ctx):
        return CheckResult(
            "Swap", Status.WARN, observed=observed, expected=expected, lesson=SWAP_LESSON,
            message="swap is on and you chose to keep it: kubeadm warns, and the kubelet starts "
                    "only because its configuration gets failSwapOn: false")
    # The boot sources first: dphys-swapfile and swap units turn off their own swap, then
    # swapoff -a catches whatever remains.
    steps = (*boot_swap_steps(boot_swap_sources(ctx.host)), swap_off_now_step())
    return CheckResult(
        "Swap", Status.FAIL, observed=observed, expected=expected, lesson=SWAP_LESSON,
        message="swap is on. kubeadm only warns (since 1.23), but the kubelet will not start "
                "with swap unless failSwapOn: false; turn swap off now and at boot",
        fixes=steps)


@check(SCREEN, "hardware")
def swap_on_boot(ctx: CheckContext) -> CheckResult:
    lesson = ("swapoff lasts until the next reboot; if /etc/fstab, a swap unit, dphys-swapfile "
              "or zram turns swap back on, the kubelet stops starting after a reboot.")
    sources = boot_swap_sources(ctx.host)
    expected = "nothing turns swap on at boot"
    if not sources:
        return CheckResult("SwapOnBoot", Status.PASS, observed="no swap configured for boot",
                           expected=expected, lesson=lesson)
    observed = "; ".join(source.source for source in sources)
    if _keeps_swap(ctx):
        return CheckResult("SwapOnBoot", Status.PASS, observed=observed, expected=expected,
                           message="swap stays on at boot, as you chose", lesson=lesson)
    return CheckResult("SwapOnBoot", Status.FAIL, observed=observed, expected=expected,
                       message="swap will be turned on again at the next boot",
                       lesson=lesson, fixes=boot_swap_steps(sources))


KUBERNETES_ARCHES = {"x86_64": "amd64", "aarch64": "arm64", "ppc64le": "ppc64le",
                     "s390x": "s390x"}
"""The architectures pkgs.k8s.io and registry.k8s.io build for (32-bit ARM ended with 1.27)."""


@check(SCREEN, "hardware")
def arch64(ctx: CheckContext) -> CheckResult:
    lesson = ("Kubernetes has published no 32-bit ARM binaries, images or packages since 1.27; "
              "a Raspberry Pi needs the 64-bit OS, not just a 64-bit kernel.")
    identity = ctx.host.identity
    userland, kernel = identity.userland_architecture, identity.kernel_architecture
    expected = "a 64-bit userland: " + ", ".join(KUBERNETES_ARCHES)
    if not userland:
        return _skip("Arch64", "no ELF program (/usr/bin/env, /bin/sh) to read the architecture "
                     "from", lesson, expected)
    observed = f"userland {userland}" + (f", kernel {kernel}" if kernel else "")
    if userland in KUBERNETES_ARCHES:
        return CheckResult("Arch64", Status.PASS, observed=observed, expected=expected,
                           lesson=lesson)
    mixed = " (a 64-bit kernel does not help: the programs are 32-bit)" if kernel in (
        KUBERNETES_ARCHES) else ""
    return CheckResult("Arch64", Status.FAIL, observed=observed, expected=expected, lesson=lesson,
                       message=f"Kubernetes 1.{ctx.minor} has no {userland} builds{mixed}; "
                               "install a 64-bit OS (Raspberry Pi OS 64-bit, arm64)")


# ------------------------------------------------------------------------------ identity
PRIVILEGED_LESSON = ("kubeadm writes /etc/kubernetes, starts the kubelet and changes kernel "
                     "settings, so it refuses to run without root.")


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
    lesson = ("The node registers under this name, which must be a valid DNS-1123 name, "
              "unique in the cluster and resolvable so the control plane can reach it.")
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
        if address.startswith("127.") or address == "::1":
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
    lesson = ("Kubernetes tells nodes apart by product_uuid (and machine-id); virtual machines "
              "cloned from one image can share it, which confuses the kubelet and some CNIs.")
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
    lesson = ("The kubelet reports /etc/machine-id as the node's machine ID; machines cloned "
              "from one booted image share it until it is regenerated.")
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
    lesson = ("Pod networks and DHCP tell nodes apart by MAC address; cloned virtual machines "
              "can come up with the same one.")
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
    lesson = ("CoreDNS forwards to the nameservers in the kubelet's resolvConf; a loopback "
              "address such as systemd-resolved's 127.0.0.53 points back into the CoreDNS Pod "
              "itself, which loops, so the kubelet must read /run/systemd/resolve/resolv.conf.")
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


# --------------------------------------------------------------------------------- ports
CONTROL_PLANE_PORTS = {6443: "kube-apiserver", 10250: "kubelet",
                       10257: "kube-controller-manager", 10259: "kube-scheduler",
                       2379: "etcd (clients)", 2380: "etcd (peers)"}
WORKER_PORTS = {10250: "kubelet"}
NODEPORT_RANGE = (30000, 32767)
KUBERNETES_PROCESSES = {"kube-apiserver", "kube-controller-manager", "kube-scheduler", "etcd",
                        "kubelet", "kube-proxy"}
PORTS_LESSON = ("Each control-plane component and the kubelet listen on a fixed port; if another "
                "program holds it, the component cannot start and init or join times out.")


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
    lesson = ("kube-proxy opens NodePort Services on every node in this range; a program that "
              "already listens on one of these ports breaks the Service that gets it.")
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
    lesson = ("Nodes reach each other's API server, kubelet and NodePorts over these ports; an "
              "active firewall drops that traffic unless the ports are opened.")
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


# ---------------------------------------------------------------------------------- tools
CONTROL_PLANE_LEFTOVERS = tuple(f"/etc/kubernetes/manifests/{name}.yaml" for name in (
    "kube-apiserver", "kube-controller-manager", "kube-scheduler", "etcd"))
WORKER_LEFTOVERS = ("/etc/kubernetes/kubelet.conf", "/etc/kubernetes/bootstrap-kubelet.conf",
                    "/etc/kubernetes/pki/ca.crt")
ETCD_DATA = "/var/lib/etcd"
LEFTOVER_LESSON = ("kubeadm writes these files itself and will not overwrite an earlier "
                   "cluster's; `sudo kubeadm reset` removes them (and stops that cluster).")


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
    lesson = (f"kubeadm 1.{ctx.minor} looks for these programs before it starts; the kubelet "
              "and kube-proxy run them to mount volumes, enter namespaces and manage connections.")
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
    lesson = ("kubeadm starts the kubelet, but only an enabled service comes back after a "
              "reboot; until init or join the kubelet restarts in a loop, which is expected.")
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
        why="An enabled kubelet starts at every boot, so the node rejoins after a reboot.",
        actions=(RunCommand(("systemctl", "enable", "kubelet.service"),
                            undo_argv=("systemctl", "disable", "kubelet.service"),
                            runtime_only=False),),
        verify="systemctl is-enabled kubelet  says enabled",
        undo="sudo systemctl disable kubelet.service",
        done_when=lambda h: unit_state(h, "kubelet.service") == "enabled",
        fixes="Service-Kubelet"),)


def _kubelet_version(ctx: CheckContext) -> CheckResult:
    lesson = ("kubeadm supports a kubelet up to three minor versions older than itself and "
              "never newer than the control plane; outside that the node misbehaves.")
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


# ---------------------------------------------------------------------- kernel and cgroups
@check(SCREEN, "kernel and cgroups")
def kernel_version(ctx: CheckContext) -> CheckResult:
    lesson = ("Containers rely on kernel features (namespaces, cgroups, overlayfs, netfilter) "
              "that old kernels lack or get wrong, so kubeadm validates the kernel version.")
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
CGROUP_LESSON = ("The kubelet enforces Pod CPU, memory and process limits through cgroups; "
                 "without a controller those limits cannot be applied, so it refuses to run.")


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
    lesson = ("cgroup v1 is deprecated: from 1.35 the kubelet refuses to start on it unless "
              "failCgroupV1: false, and v2 gives more reliable memory accounting.")
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
    lesson = ("Pod memory limits and the kubelet's evictions work through the memory cgroup; "
              "Raspberry Pi kernels switch it off unless cmdline.txt has cgroup_enable=memory.")
    expected = "the memory cgroup controller enabled"
    cgroups = read_cgroups(ctx.host)
    if isinstance(cgroups, str):
        return _skip("CgroupMemory", cgroups, lesson, expected)
    if "memory" in cgroups.controllers:
        return CheckResult("CgroupMemory", Status.PASS, observed=f"memory in {cgroups.source}",
                           expected=expected, lesson=lesson)
    fix = memory_cgroup_fix(ctx.host)
    return CheckResult("CgroupMemory", Status.FAIL, observed=f"no memory in {cgroups.source}",
                       expected=expected, lesson=lesson, message=f"missing memory cgroup; "
                                                                 f"{fix.advice}",
                       fixes=fix.fixes, after_reboot=fix.after_reboot)

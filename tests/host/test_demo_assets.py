"""The shipped workshop demos: realistic trees that load, describe themselves and can be fixed.

Each demo under assets/demos/ is a root tree plus host.yaml. These tests pin what the workshop
relies on: who each host is, that every file the checks read is there, that the recorded network
state has the shape `ip -j` prints, that the tree survives a copy (relative symlinks, no empty
directories git would drop), and that the emulated fixes act on the scratch copy only.
"""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path

import pytest
import yaml

from wizard.host.simulated import SimulatedHost
from wizard.resources import asset, demo_names

DEMOS = ("rpi4-bookworm", "ubuntu-vagrant", "ready")

IDENTITY = {
    "rpi4-bookworm": dict(hostname="raspberrypi", distro="Debian GNU/Linux 12 (bookworm)",
                          distro_id="debian", kernel_architecture="aarch64",
                          userland_architecture="aarch64",
                          board_model="Raspberry Pi 4 Model B Rev 1.4", is_raspberry_pi=True,
                          kernel_prefix="6.6."),
    "ubuntu-vagrant": dict(hostname="k8s-cp-1", distro="Ubuntu 24.04.3 LTS", distro_id="ubuntu",
                           kernel_architecture="x86_64", userland_architecture="x86_64",
                           board_model="", is_raspberry_pi=False, kernel_prefix="6.8.0-"),
    "ready": dict(hostname="cp-ready", distro="Debian GNU/Linux 12 (bookworm)",
                  distro_id="debian", kernel_architecture="x86_64",
                  userland_architecture="x86_64", board_model="", is_raspberry_pi=False,
                  kernel_prefix="6.1.0-"),
}

# Every file a check reads, on every demo.
COMMON_FILES = (
    "/etc/hostname", "/etc/hosts", "/etc/os-release", "/etc/fstab", "/etc/resolv.conf",
    "/etc/machine-id", "/etc/sysctl.conf", "/usr/lib/sysctl.d/50-pid-max.conf",
    "/etc/modules-load.d/modules.conf", "/proc/cpuinfo", "/proc/meminfo", "/proc/swaps",
    "/proc/modules", "/proc/cmdline", "/proc/cgroups", "/proc/mounts",
    "/proc/sys/kernel/osrelease", "/proc/sys/kernel/hostname", "/proc/sys/net/ipv4/ip_forward",
    "/proc/sys/net/ipv6/conf/default/forwarding", "/sys/fs/cgroup/cgroup.controllers",
    "/sys/fs/cgroup/cgroup.subtree_control", "/sys/devices/system/cpu/online",
    "/usr/bin/env", "/bin/sh",
)
DEMO_FILES = {
    "rpi4-bookworm": ("/proc/device-tree/model", "/boot/firmware/cmdline.txt",
                      "/boot/firmware/config.txt", "/etc/dphys-swapfile",
                      "/etc/NetworkManager/system-connections/preconfigured.nmconnection",
                      "/sys/class/net/eth0/address", "/sys/class/net/wlan0/address"),
    "ubuntu-vagrant": ("/sys/class/dmi/id/product_uuid", "/etc/containerd/config.toml",
                       "/etc/netplan/50-cloud-init.yaml", "/etc/netplan/50-vagrant.yaml",
                       "/usr/lib/sysctl.d/50-default.conf", "/run/containerd/containerd.sock",
                       "/sys/class/net/enp0s3/address", "/sys/class/net/enp0s8/address"),
    "ready": ("/sys/class/dmi/id/product_uuid", "/etc/containerd/config.toml",
              "/run/containerd/containerd.sock", "/etc/sysctl.d/k8s.conf",
              "/etc/modules-load.d/k8s.conf", "/proc/sys/net/bridge/bridge-nf-call-iptables",
              "/proc/sys/net/bridge/bridge-nf-call-ip6tables", "/etc/network/interfaces",
              "/sys/class/net/eth0/address"),
}

REQUIRED_TOOLS = ("mount", "cp", "losetup", "nsenter", "ip", "tc", "touch", "sh", "env")
TOOLS = {
    # Raspberry Pi OS Lite ships neither iptables nor ebtables, and no container runtime.
    "rpi4-bookworm": dict(present=("dphys-swapfile",),
                          absent=("iptables", "ebtables", "containerd", "ctr", "crictl",
                                  "kubeadm", "kubelet", "conntrack")),
    "ubuntu-vagrant": dict(present=("iptables", "ip6tables", "containerd", "ctr", "runc",
                                    "ethtool"),
                           absent=("kubeadm", "kubelet", "crictl", "conntrack", "ebtables")),
    "ready": dict(present=("iptables", "ip6tables", "ebtables", "conntrack", "crictl",
                           "ethtool", "socat", "containerd", "ctr", "runc", "kubeadm",
                           "kubelet", "kubectl"),
                  absent=("firewalld", "firewall-cmd")),
}

# Keys iproute2 prints in `ip -j route show` objects and `ip -j rule show` objects.
ROUTE_KEYS = {"type", "dst", "gateway", "via", "dev", "protocol", "scope", "prefsrc", "metric",
              "table", "flags", "pref", "expires", "nexthops", "nhid", "src", "from", "tos",
              "dsfield", "encap", "metrics", "mtu", "cache", "rt_offload", "weight"}
RULE_KEYS = {"priority", "src", "srclen", "dst", "dstlen", "table", "fwmark", "fwmask",
             "iif", "oif", "tos", "dsfield", "not", "l3mdev", "uidrange", "goto", "action",
             "nat", "flags", "suppress_prefixlength", "suppress_ifgroup", "realms", "protocol",
             "ipproto", "sport", "dport", "tun_id"}
CONTROL_PLANE_PORTS = {6443, 2379, 2380, 10250, 10257, 10259}


@pytest.fixture(params=DEMOS)
def name(request) -> str:
    return request.param


@pytest.fixture(params=demo_names())
def any_demo(request) -> str:
    """Every shipped demo, the fault scenarios included: what holds for any scenario tree."""
    return request.param


@pytest.fixture
def host(name, tmp_path) -> SimulatedHost:
    return SimulatedHost(name, scratch=tmp_path / "scratch")


def _source(name: str) -> Path:
    return asset("demos", name)


def _recorded(name: str) -> dict:
    return yaml.safe_load((_source(name) / "host.yaml").read_text(encoding="utf-8"))


# ----------------------------------------------------------------------------- loading

def test_all_three_demos_are_shipped():
    assert set(DEMOS) <= set(demo_names())


def test_demo_loads_and_identity(name, host):
    expected = IDENTITY[name]
    identity = host.identity
    assert identity.hostname == expected["hostname"]
    assert identity.distro == expected["distro"]
    assert identity.distro_id == expected["distro_id"]
    assert identity.distro_family == "debian"
    assert identity.kernel_architecture == expected["kernel_architecture"]
    assert identity.userland_architecture == expected["userland_architecture"]
    assert identity.board_model == expected["board_model"]
    assert identity.is_raspberry_pi is expected["is_raspberry_pi"]
    assert identity.kernel_release.startswith(expected["kernel_prefix"])
    assert identity.is_root and not host.read_only
    assert host.read_text("/proc/sys/kernel/hostname").strip() == expected["hostname"]
    recorded = _recorded(name)
    assert recorded["description"].strip()
    uname = next(c for c in recorded["commands"] if c["argv"] == ["uname", "-r"])
    assert uname["stdout"].strip() == identity.kernel_release


def test_description_is_one_paragraph(name):
    description = _recorded(name)["description"]
    assert "\n\n" not in description.strip() and len(description) > 200


def test_required_files_exist(name, host):
    for path in COMMON_FILES + DEMO_FILES[name]:
        assert host.exists(path), f"{name}: {path} is missing"


def test_userland_binaries_carry_a_real_elf_header(name, host):
    for path in ("/usr/bin/env", "/bin/sh"):
        header = host.read_bytes_optional(path, limit=64)
        assert header is not None and len(header) == 64 and header[:4] == b"\x7fELF"
        assert header[4] == 2 and header[5] == 1  # ELF64, little-endian
        machine = int.from_bytes(header[18:20], "little")
        assert machine == {"aarch64": 183, "x86_64": 62}[IDENTITY[name]["kernel_architecture"]]


def test_tools_on_path(name, host):
    for tool in REQUIRED_TOOLS + TOOLS[name]["present"]:
        found = host.which(tool)
        assert found, f"{name}: {tool} should be on PATH"
        assert os.access(host.path(found), os.X_OK)
    for tool in TOOLS[name]["absent"]:
        assert host.which(tool) is None, f"{name}: {tool} should not be installed"


# ------------------------------------------------------------------------- /proc, /sys

def _mem_total_kib(host) -> int:
    line = next(x for x in host.read_text("/proc/meminfo").splitlines()
                if x.startswith("MemTotal:"))
    return int(line.split()[1])


def _cpus_online(host) -> int:
    total = 0
    for part in host.read_text("/sys/devices/system/cpu/online").strip().split(","):
        low, _, high = part.partition("-")
        total += int(high or low) - int(low) + 1
    return total


@pytest.mark.parametrize("demo, cpus, mem_kib", [
    ("rpi4-bookworm", 4, 3884140), ("ubuntu-vagrant", 2, 2014000), ("ready", 4, 8139308)])
def test_cpus_and_memory(demo, cpus, mem_kib, tmp_path):
    host = SimulatedHost(demo, scratch=tmp_path / "scratch")
    assert _cpus_online(host) == cpus
    assert host.read_text("/proc/cpuinfo").count("processor\t:") == cpus
    assert _mem_total_kib(host) == mem_kib
    assert mem_kib // 1024 >= 1700  # kubeadm's Mem check for a control plane


def test_proc_files_are_well_formed(name, host):
    swaps = host.read_text("/proc/swaps").splitlines()
    assert swaps[0].split() == ["Filename", "Type", "Size", "Used", "Priority"]
    for line in host.read_text("/proc/modules").splitlines():
        fields = line.split()
        assert len(fields) >= 6 and fields[4] == "Live" and fields[1].isdigit(), line
    cgroups = host.read_text("/proc/cgroups").splitlines()
    assert cgroups[0].startswith("#subsys_name")
    mounts = [line.split() for line in host.read_text("/proc/mounts").splitlines()]
    assert all(len(m) == 6 for m in mounts)
    cgroup2 = [m for m in mounts if m[1] == "/sys/fs/cgroup"]
    assert cgroup2 and cgroup2[0][2] == "cgroup2"
    root = [m for m in mounts if m[1] == "/"]
    assert root and root[0][2] == "ext4"
    assert len(host.read_text("/etc/machine-id").strip()) == 32
    int(host.read_text("/etc/machine-id").strip(), 16)


def test_swap_state(name, host):
    entries = host.read_text("/proc/swaps").splitlines()[1:]
    fstab_swap = [line for line in host.read_text("/etc/fstab").splitlines()
                  if line.split() and not line.lstrip().startswith("#")
                  and len(line.split()) > 2 and line.split()[2] == "swap"]
    if name == "rpi4-bookworm":
        assert [e.split()[0] for e in entries] == ["/var/swap"]
        assert entries[0].split()[1:3] == ["file", "102396"]
        assert not fstab_swap  # dphys-swapfile, not fstab
        assert "CONF_SWAPSIZE=100" in host.read_text("/etc/dphys-swapfile")
    elif name == "ubuntu-vagrant":
        assert [e.split()[0] for e in entries] == ["/swap.img"]
        assert [line.split() for line in fstab_swap] == [["/swap.img", "none", "swap", "sw",
                                                          "0", "0"]]
    else:
        assert entries == [] and not fstab_swap


def test_cgroups(name, host):
    controllers = host.read_text("/sys/fs/cgroup/cgroup.controllers").split()
    if name == "rpi4-bookworm":
        assert "memory" not in controllers
        assert {"cpuset", "cpu", "pids"} <= set(controllers)
        assert "cgroup_disable=memory" in host.read_text("/proc/cmdline").split()
        memory = [line.split() for line in host.read_text("/proc/cgroups").splitlines()
                  if line.startswith("memory")]
        assert memory[0][3] == "0"
    elif name == "ready":
        assert controllers == ["cpuset", "cpu", "io", "memory", "hugetlb", "pids", "rdma",
                               "misc"]
    else:
        assert {"cpuset", "cpu", "memory", "pids"} <= set(controllers)


def test_raspberry_pi_boot_files(tmp_path):
    host = SimulatedHost("rpi4-bookworm", scratch=tmp_path / "scratch")
    cmdline = host.read_text("/boot/firmware/cmdline.txt")
    assert cmdline.endswith("\n") and cmdline.count("\n") == 1  # one line, as the firmware wants
    assert "cgroup_enable=memory" not in cmdline and "root=PARTUUID=" in cmdline
    raw_model = host.read_bytes_optional("/proc/device-tree/model")
    assert raw_model == b"Raspberry Pi 4 Model B Rev 1.4\x00"
    assert not host.exists("/sys/class/dmi/id/product_uuid")
    assert host.is_dir("/sys/class/net/wlan0/wireless")
    assert host.is_dir("/sys/class/net/eth0/device")
    assert host.read_text("/proc/sys/net/ipv4/ip_forward").strip() == "0"
    assert "br_netfilter" not in host.read_text("/proc/modules")
    assert not host.exists("/proc/sys/net/bridge/bridge-nf-call-iptables")
    assert host.run(["systemctl", "is-enabled", "dphys-swapfile"]).returncode == 0
    assert host.run(["systemctl", "is-active", "dphys-swapfile"]).returncode == 0
    assert host.run(["containerd", "--version"]).returncode == 127
    assert host.run(["dpkg", "--print-architecture"]).stdout == "arm64\n"


def test_ubuntu_vagrant_runtime_and_dns(tmp_path):
    import tomlkit

    host = SimulatedHost("ubuntu-vagrant", scratch=tmp_path / "scratch")
    config = tomlkit.parse(host.read_text("/etc/containerd/config.toml")).unwrap()
    assert config["version"] == 2
    cri = config["plugins"]["io.containerd.grpc.v1.cri"]
    assert cri["containerd"]["runtimes"]["runc"]["options"]["SystemdCgroup"] is False
    assert cri["sandbox_image"].startswith("registry.k8s.io/pause:")
    assert host.run(["containerd", "--version"]).stdout.split()[2].startswith("1.7.")
    assert host.run(["systemctl", "is-active", "containerd"]).returncode == 0
    assert "nameserver 127.0.0.53" in host.read_text("/etc/resolv.conf")
    assert "nameserver 10.0.2.3" in host.read_text("/run/systemd/resolve/resolv.conf")
    assert host.read_text("/proc/sys/net/ipv4/ip_forward").strip() == "0"
    assert "enp0s8" in host.read_text("/etc/netplan/50-vagrant.yaml")
    ports = {(p.port, p.address) for p in host.listening_ports()}
    assert (22, "0.0.0.0") in ports and (53, "127.0.0.53") in ports


def test_ready_host_is_prepared(tmp_path):
    import tomlkit

    from wizard.kube.versions import pause_image

    host = SimulatedHost("ready", scratch=tmp_path / "scratch")
    config = tomlkit.parse(host.read_text("/etc/containerd/config.toml")).unwrap()
    assert config["version"] == 3
    runtime = config["plugins"]["io.containerd.cri.v1.runtime"]
    assert runtime["containerd"]["runtimes"]["runc"]["options"]["SystemdCgroup"] is True
    images = config["plugins"]["io.containerd.cri.v1.images"]
    assert images["pinned_images"]["sandbox"] == pause_image(36)
    assert config["grpc"]["address"] == "/run/containerd/containerd.sock"
    assert host.exists("/var/run/containerd/containerd.sock")  # /var/run -> /run
    modules = {line.split()[0] for line in host.read_text("/proc/modules").splitlines()}
    assert {"overlay", "br_netfilter"} <= modules
    assert host.read_text("/etc/modules-load.d/k8s.conf").split() == ["overlay", "br_netfilter"]
    persisted = {k.strip(): v.strip() for k, _, v in (
        line.partition("=") for line in host.read_text("/etc/sysctl.d/k8s.conf").splitlines())}
    for key in ("net.ipv4.ip_forward", "net.bridge.bridge-nf-call-iptables",
                "net.bridge.bridge-nf-call-ip6tables"):
        assert persisted[key] == "1"
        assert host.read_text("/proc/sys/" + key.replace(".", "/")).strip() == "1"
    assert host.run(["kubeadm", "version", "-o", "short"]).stdout == "v1.36.1\n"
    assert host.run(["kubelet", "--version"]).stdout == "Kubernetes v1.36.1\n"
    assert host.run(["iptables", "--version"]).stdout == "iptables v1.8.9 (nf_tables)\n"
    assert host.run(["containerd", "--version"]).stdout.split()[2].startswith("v2.")
    assert host.run(["systemctl", "is-enabled", "kubelet"]).returncode == 0
    assert host.run(["systemctl", "is-active", "containerd"]).returncode == 0
    assert host.run(["systemctl", "is-active", "firewalld"]).returncode != 0
    assert not {p.port for p in host.listening_ports()} & CONTROL_PLANE_PORTS
    resolv = host.read_text("/etc/resolv.conf")
    assert "nameserver 192.0.2.53" in resolv and "127.0.0.53" not in resolv


def test_product_uuids_and_machine_ids_are_unique_except_for_the_cloned_pair():
    machine_ids: dict[str, list[str]] = {}
    uuids: dict[str, list[str]] = {}
    for demo in demo_names():
        root = _source(demo) / "root"
        machine_ids.setdefault((root / "etc/machine-id").read_text().strip(), []).append(demo)
        uuid_file = root / "sys/class/dmi/id/product_uuid"
        if uuid_file.exists():
            uuids.setdefault(uuid_file.read_text().strip(), []).append(demo)
    for seen in (machine_ids, uuids):
        shared = [demos for demos in seen.values() if len(demos) > 1]
        assert shared == [["cloned-vm-a", "cloned-vm-b"]]


# ----------------------------------------------------------------------------- network

def test_network_has_iproute2_shape(any_demo):
    network = _recorded(any_demo)["network"]
    link_names = {link["name"] for link in network["links"]}
    for link in network["links"]:
        assert set(link) <= {"index", "name", "kind", "mac", "mtu", "state", "master"}
        assert link["state"] in ("UP", "DOWN", "UNKNOWN")
    for address in network["addresses"]:
        assert set(address) <= {"dev", "family", "address", "prefixlen", "scope"}
        assert address["dev"] in link_names and address["family"] in (4, 6)
        assert address["scope"] in ("global", "link", "host")
    for route in network["routes"]:
        assert set(route) <= ROUTE_KEYS, route
        assert isinstance(route["dst"], str) and isinstance(route["flags"], list)
        assert route.get("dev") in link_names
        assert route.get("table", "main") in ("main", "local") or route["table"].isdigit()
        assert isinstance(route.get("metric", 0), int)
    rules = network["rules"]
    for rule in rules:
        assert set(rule) <= RULE_KEYS, rule
    assert {(r["priority"], r["table"]) for r in rules} >= {
        (0, "local"), (32766, "main"), (32767, "default")}


def test_local_table_matches_addresses(any_demo):
    """The kernel adds a local route for every address: the recorded tables agree."""
    network = _recorded(any_demo)["network"]
    local = {(r["dst"], r["dev"]) for r in network["routes"]
             if r.get("table") == "local" and r.get("type") == "local"}
    for address in network["addresses"]:
        assert (address["address"], address["dev"]) in local, address
    main_devs = {r["dev"] for r in network["routes"] if r.get("table") is None}
    assert {a["dev"] for a in network["addresses"] if a["scope"] == "global"} <= main_devs


@pytest.mark.parametrize("demo, default_devs, node_network", [
    ("rpi4-bookworm", [("eth0", 100), ("wlan0", 600)], "192.168.0.0/24"),
    ("ubuntu-vagrant", [("enp0s3", 100)], "192.168.56.0/24"),
    ("ready", [("eth0", None)], "192.0.2.0/24"),
])
def test_default_routes(demo, default_devs, node_network):
    routes = _recorded(demo)["network"]["routes"]
    defaults = sorted((r["dev"], r.get("metric")) for r in routes
                      if r["dst"] == "default" and "table" not in r)
    assert defaults == default_devs
    assert any(r["dst"] == node_network and r.get("protocol") == "kernel" for r in routes)


def test_only_documentation_and_private_addresses(any_demo):
    network = _recorded(any_demo)["network"]
    values = [a["address"] for a in network["addresses"]]
    values += [r["gateway"] for r in network["routes"] if "gateway" in r]
    for value in values:
        address = ipaddress.ip_address(value)
        assert address.is_private or address.is_link_local or address.is_loopback, value
    for resolv in ("/etc/resolv.conf",):
        for line in (_source(any_demo) / "root" / resolv.lstrip("/")).read_text().splitlines():
            if line.startswith("nameserver"):
                assert ipaddress.ip_address(line.split()[1]).is_private


def test_sysfs_matches_links(any_demo, tmp_path):
    host = SimulatedHost(any_demo, scratch=tmp_path / "scratch")
    for link in _recorded(any_demo)["network"]["links"]:
        sys_dir = f"/sys/class/net/{link['name']}"
        assert host.read_text(f"{sys_dir}/address").strip() == link["mac"]
        if link["kind"] in ("physical", "wireless"):
            assert host.is_dir(f"{sys_dir}/device")
        assert host.is_dir(f"{sys_dir}/wireless") is (link["kind"] == "wireless")


# --------------------------------------------------------------------------- the tree

def test_symlinks_are_relative_and_stay_inside(any_demo):
    root = (_source(any_demo) / "root").resolve()
    links = 0
    for directory, dirnames, filenames in os.walk(root):
        for entry in dirnames + filenames:
            path = Path(directory, entry)
            if not path.is_symlink():
                continue
            links += 1
            target = os.readlink(path)
            assert not os.path.isabs(target), f"{path} -> {target} is absolute"
            resolved = Path(os.path.normpath(Path(directory) / target))
            assert resolved == root or root in resolved.parents, f"{path} -> {target} escapes"
            assert path.exists(), f"{path} -> {target} dangles"
    assert links > 0


def test_tree_is_small_and_git_friendly(any_demo):
    root = _source(any_demo) / "root"
    total = 0
    for directory, dirnames, filenames in os.walk(root):
        assert dirnames or filenames, f"{directory} is empty; git would drop it"
        for entry in filenames:
            path = Path(directory, entry)
            if not path.is_symlink():
                size = path.stat().st_size
                assert size < 16 * 1024, path
                total += size
    assert total < 256 * 1024


def test_executable_stubs_have_mode_755(any_demo):
    root = _source(any_demo) / "root"
    for sub in ("usr/bin", "usr/sbin", "usr/local/bin", "usr/local/sbin"):
        directory = root / sub
        if not directory.is_dir():
            continue
        for path in directory.iterdir():
            if path.is_symlink():
                continue
            assert path.stat().st_mode & 0o777 == 0o755, path


# -------------------------------------------------------------------------- emulations

def test_emulated_fixes_change_the_scratch_copy_only(name, host):
    source_root = _source(name) / "root"
    original = {p: (source_root / p.lstrip("/")).read_text() for p in
                ("/proc/swaps", "/proc/sys/net/ipv4/ip_forward", "/proc/modules")}

    assert host.change(["swapoff", "-a"]).returncode == 0
    assert host.read_text("/proc/swaps").splitlines() == [original["/proc/swaps"].splitlines()[0]]

    assert host.change(["sysctl", "-w", "net.ipv4.ip_forward=1"]).returncode == 0
    assert host.read_text("/proc/sys/net/ipv4/ip_forward") == "1\n"

    assert host.change(["modprobe", "br_netfilter"]).returncode == 0
    for sysctl in ("bridge-nf-call-iptables", "bridge-nf-call-ip6tables"):
        assert host.read_text(f"/proc/sys/net/bridge/{sysctl}").strip() == "1"
    modules = [line.split()[0] for line in host.read_text("/proc/modules").splitlines()]
    assert modules.count("br_netfilter") == 1

    # The shipped demo is untouched.
    for path, text in original.items():
        assert (source_root / path.lstrip("/")).read_text() == text
    assert not (source_root / "proc/sys/net/bridge").exists() or name == "ready"

    # Loading again keeps the changes; reset=True restores the demo as shipped.
    again = SimulatedHost(name, scratch=host.scratch)
    assert again.read_text("/proc/sys/net/ipv4/ip_forward") == "1\n"
    fresh = SimulatedHost(name, scratch=host.scratch, reset=True)
    for path, text in original.items():
        assert fresh.read_text(path) == text
    assert fresh.exists("/proc/sys/net/bridge/bridge-nf-call-iptables") is (name == "ready")


def test_service_changes_persist_until_reset(tmp_path):
    scratch = tmp_path / "scratch"
    host = SimulatedHost("rpi4-bookworm", scratch=scratch)
    assert host.change(["dphys-swapfile", "swapoff"]).returncode == 0
    assert host.read_text("/proc/swaps").splitlines()[1:] == []
    assert host.change(["systemctl", "disable", "--now", "dphys-swapfile"]).returncode == 0
    assert SimulatedHost("rpi4-bookworm", scratch=scratch).run(
        ["systemctl", "is-active", "dphys-swapfile"]).returncode != 0
    fresh = SimulatedHost("rpi4-bookworm", scratch=scratch, reset=True)
    assert fresh.run(["systemctl", "is-enabled", "dphys-swapfile"]).returncode == 0
    assert fresh.read_text("/proc/swaps").splitlines()[1].startswith("/var/swap")


def test_installing_a_runtime_puts_it_on_path(tmp_path):
    host = SimulatedHost("rpi4-bookworm", scratch=tmp_path / "scratch")
    assert host.which("containerd") is None and host.which("iptables") is None
    host.change(["apt-get", "install", "-y", "containerd", "iptables"])
    assert host.which("containerd") and host.which("iptables")
    assert not (_source("rpi4-bookworm") / "root/usr/bin/containerd").exists()


def test_many_lookups_on_a_demo_answer_as_one_lookup_each(any_demo, tmp_path):
    """route_get_many shares one resolver; it must answer exactly as route_get alone."""
    network = SimulatedHost(any_demo, scratch=tmp_path / "scratch").network
    own = [address.address for address in network.addresses()][:4]
    addresses = [*own, "192.0.2.77", "10.96.0.1", "8.8.8.8", "127.0.0.1", "fd00::5", "::1"]
    for source in (None, *own[:1]):
        asked = [dst for dst in addresses if source is None or (":" in dst) == (":" in source)]
        assert network.route_get_many(asked, source) == [network.route_get(dst, source)
                                                         for dst in asked]

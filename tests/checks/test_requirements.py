"""The Requirements checks on fixture roots: pass, fail and skip, per role and version."""

from __future__ import annotations

import time

import pytest

from wizard.checks.base import Status
from wizard.host.base import Host
from wizard.host.commands import CommandResult
from wizard.host.ports import ListeningPort
from wizard.steps import apply_steps

SWAPS_HEADER = "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n"
SWAP_FILE_ON = SWAPS_HEADER + "/var/swap                               file\t\t102396\t\t0\t\t-2\n"
PI_MODEL = b"Raspberry Pi 4 Model B Rev 1.4\x00"
NOT_RUNNING = {"proc/mounts": None, "sys/fs/cgroup/cgroup.controllers": None}
PI_CMDLINE = "console=serial0,115200 console=tty1 root=PARTUUID=1234-02 rootwait\n"


def done(result: CommandResult | str, returncode: int = 0) -> CommandResult:
    """A recorded answer for a running fixture root."""
    return CommandResult((), returncode, result) if isinstance(result, str) else result


# --------------------------------------------------------------------------- healthy host
@pytest.mark.parametrize("role", ["control-plane", "worker"])
@pytest.mark.parametrize("version", ["1.30", "1.33", "1.36"])
def test_a_healthy_root_has_no_fail_and_no_warn(make_root, requirements, role, version):
    results = requirements(make_root(), role=role, kubernetes_version=version)
    bad = {i: (r.status, r.message) for i, r in results.items()
           if r.status in (Status.FAIL, Status.WARN)}
    assert bad == {}
    # Under --root there is no running system to ask about the user or ports.
    assert results["IsPrivilegedUser"].status is Status.SKIP
    assert results["Port-10250"].status is Status.SKIP


def test_every_result_explains_itself(make_root, requirements):
    host = make_root({"proc/swaps": SWAP_FILE_ON, "etc/hostname": "Bad_Name\n"})
    for result in requirements(host).values():
        assert result.lesson, result.id
        assert result.expected, result.id
        assert result.group in ("hardware", "identity", "ports", "kernel and cgroups", "tools")
        if result.status is Status.SKIP:
            assert result.message.startswith("not checked: "), result.id
        else:
            assert result.observed, result.id
        if result.status is Status.FAIL:
            assert result.message, result.id


def test_an_empty_root_skips_with_reasons_and_never_crashes(make_root, requirements):
    results = requirements(make_root(healthy=False, arch=None))
    for check_id in ("NumCPU", "Mem", "Swap", "SystemVerification-Kernel",
                     "SystemVerification-Cgroups", "SystemVerification-CgroupV1", "CgroupMemory",
                     "Arch64", "MachineID", "DNSResolver", "ProductUUID", "MACAddress"):
        assert results[check_id].status is Status.SKIP, check_id
    assert "no running kernel" in results["Mem"].message
    assert results["FileExisting-mount"].status is Status.FAIL


def test_role_decides_which_checks_apply(make_root, requirements):
    worker = requirements(make_root(), role="worker")
    control_plane = requirements(make_root(), role="control-plane")
    assert "NumCPU" not in worker and "Mem" not in worker and "Port-6443" not in worker
    assert "FileAvailable--etc-kubernetes-kubelet.conf" in worker
    assert "Port-30000-32767" in worker
    assert {"NumCPU", "Mem", "Port-6443", "Port-2379", "Port-2380", "Port-10257", "Port-10259",
            "DirAvailable--var-lib-etcd"} <= set(control_plane)
    assert "Port-30000-32767" not in control_plane


# -------------------------------------------------------------------------------- hardware
def test_num_cpu_reads_the_online_list(make_root, requirements):
    result = requirements(make_root({"sys/devices/system/cpu/online": "0\n"}))["NumCPU"]
    assert result.status is Status.FAIL
    assert result.observed.startswith("1 CPU")
    result = requirements(make_root({"sys/devices/system/cpu/online": "0-1,4-5\n"}))["NumCPU"]
    assert result.status is Status.PASS and result.observed.startswith("4 CPU")


def test_num_cpu_falls_back_to_cpuinfo_then_skips(make_root, requirements):
    cpuinfo = "processor\t: 0\nmodel name\t: x\n\nprocessor\t: 1\nmodel name\t: x\n"
    host = make_root({"sys/devices/system/cpu/online": None, "proc/cpuinfo": cpuinfo})
    assert requirements(host)["NumCPU"].status is Status.PASS
    host = make_root({"sys/devices/system/cpu/online": None, "proc/cpuinfo": None})
    assert requirements(host)["NumCPU"].status is Status.SKIP


@pytest.mark.parametrize(("kib", "status"), [(948_000, Status.FAIL), (1_740_800, Status.PASS),
                                             (1_739_776, Status.FAIL)])
def test_mem_uses_kubeadms_1700_mib(make_root, requirements, kib, status):
    host = make_root({"proc/meminfo": f"MemTotal:       {kib} kB\n"})
    assert requirements(host)["Mem"].status is status


def test_mem_skips_without_meminfo(make_root, requirements):
    assert requirements(make_root({"proc/meminfo": None}))["Mem"].status is Status.SKIP


def test_swap_on_fails_with_the_kubelet_explained(make_root, requirements):
    result = requirements(make_root({"proc/swaps": SWAP_FILE_ON}))["Swap"]
    assert result.status is Status.FAIL
    assert "/var/swap (file, 99 MiB)" in result.observed
    assert "failSwapOn" in result.message and "kubelet" in result.lesson
    assert [s.id for s in result.fixes] == ["swap-off-now"]


def test_swap_kept_by_choice_is_kubeadms_warning(make_root, requirements):
    host = make_root({"proc/swaps": SWAP_FILE_ON, "etc/fstab": "/swapfile none swap sw 0 0\n"})
    results = requirements(host, fail_swap_on=False)
    assert results["Swap"].status is Status.WARN
    assert results["Swap"].fixes == ()
    assert results["SwapOnBoot"].status is Status.PASS


def test_swap_on_boot_reads_fstab(make_root, requirements):
    fstab = ("UUID=0a1b / ext4 defaults 0 1\n"
             "# /old-swap none swap sw 0 0\n"
             "/dev/sdb2 none swap noauto 0 0\n"
             "/swapfile none swap sw 0 0\n")
    result = requirements(make_root({"etc/fstab": fstab}))["SwapOnBoot"]
    assert result.status is Status.FAIL
    assert result.observed == "/etc/fstab: /swapfile none swap sw 0 0"
    assert [s.id for s in result.fixes] == ["swap-fstab"]


def test_swap_on_boot_finds_dphys_swapfile_by_its_wants_link(make_root, requirements):
    host = make_root({"lib/systemd/system/dphys-swapfile.service": "[Unit]\n"})
    link = host.path("/etc/systemd/system/multi-user.target.wants/dphys-swapfile.service")
    link.parent.mkdir(parents=True)
    link.symlink_to("/lib/systemd/system/dphys-swapfile.service")  # dangling under the root
    result = requirements(host)["SwapOnBoot"]
    assert result.status is Status.FAIL
    assert "dphys-swapfile" in result.observed
    step = result.fixes[0]
    assert step.id == "swap-dphys-swapfile"
    assert [a.argv for a in step.actions] == [("dphys-swapfile", "swapoff"),
                                              ("systemctl", "disable", "--now",
                                               "dphys-swapfile")]
    assert all(a.undo_argv for a in step.actions)


def test_swap_on_boot_asks_systemd_on_a_running_host(make_root, requirements):
    enabled = {("systemctl", "is-enabled", "dphys-swapfile.service"): done("enabled\n")}
    host = make_root(running=True, commands=enabled)
    assert requirements(host)["SwapOnBoot"].status is Status.FAIL
    disabled = {("systemctl", "is-enabled", "dphys-swapfile.service"): done("disabled\n", 1)}
    host = make_root(running=True, commands=disabled)
    assert requirements(host)["SwapOnBoot"].status is Status.PASS


def test_swap_on_boot_finds_an_enabled_swap_unit(make_root, requirements):
    # A real enable: [Install] and a link in swap.target.wants (systemctl --root reads both).
    host = make_root({"etc/systemd/system/swapfile.swap":
                      "[Swap]\nWhat=/swapfile\n[Install]\nWantedBy=swap.target\n"})
    wants = host.path("/etc/systemd/system/swap.target.wants")
    wants.mkdir(parents=True)
    (wants / "swapfile.swap").symlink_to("/etc/systemd/system/swapfile.swap")
    result = requirements(host)["SwapOnBoot"]
    assert result.observed == "systemd unit swapfile.swap"
    assert result.fixes[0].actions[0].argv == ("systemctl", "disable", "--now", "swapfile.swap")


def test_swap_on_boot_masks_zram_generator_devices(make_root, requirements):
    conf = "[zram0]\nzram-size = ram / 2\n\n[zram1]\nmount-point = /var/compressed\n"
    result = requirements(make_root({"etc/systemd/zram-generator.conf": conf}))["SwapOnBoot"]
    assert result.status is Status.FAIL
    assert [s.id for s in result.fixes] == ["swap-zram-zram0"]
    stop, mask = result.fixes[0].actions
    assert stop.argv == ("systemctl", "stop", "dev-zram0.swap")
    assert stop.undo_argv == ("systemctl", "start", "dev-zram0.swap")
    assert mask.argv == ("systemctl", "mask", "dev-zram0.swap")
    assert mask.undo_argv == ("systemctl", "unmask", "dev-zram0.swap")


def test_a_masked_zram_unit_no_longer_counts(make_root, requirements):
    host = make_root({"etc/systemd/zram-generator.conf": "[zram0]\n"})
    host.path("/etc/systemd/system").mkdir(parents=True)
    host.path("/etc/systemd/system/dev-zram0.swap").symlink_to("/dev/null")
    assert requirements(host)["SwapOnBoot"].status is Status.PASS


def test_swap_on_boot_reads_rpi_swap_with_drop_ins(make_root, requirements):
    host = make_root({"etc/rpi/swap.conf": "[Main]\n#Mechanism=auto\n"})
    result = requirements(host)["SwapOnBoot"]
    assert result.observed == "rpi-swap (Mechanism=auto)"
    assert result.fixes[0].reboot_required
    host = make_root({"etc/rpi/swap.conf.d/50-local.conf": "[Main]\nMechanism=none\n"})
    assert requirements(host)["SwapOnBoot"].status is Status.PASS


def test_arch64_fails_on_32_bit_arm_userland(make_root, requirements):
    result = requirements(make_root(arch="armv7l"))["Arch64"]
    assert result.status is Status.FAIL
    assert "armv7l" in result.observed and "64-bit OS" in result.message
    assert requirements(make_root(arch="aarch64"))["Arch64"].status is Status.PASS


def test_arch64_skips_without_a_program_to_read(make_root, requirements):
    assert requirements(make_root(arch=None))["Arch64"].status is Status.SKIP


# -------------------------------------------------------------------------------- identity
def test_is_privileged_user_on_a_running_host(make_root, requirements):
    assert requirements(make_root(running=True))["IsPrivilegedUser"].status is Status.PASS
    result = requirements(make_root(running=True, is_root=False))["IsPrivilegedUser"]
    assert result.status is Status.FAIL and "sudo" in result.message


def test_invalid_hostname_fails_with_a_suggested_rename(make_root, requirements):
    result = requirements(make_root({"etc/hostname": "Pi_Node 1\n"}))["Hostname"]
    assert result.status is Status.FAIL
    assert "'pi-node-1'" in result.message
    step = result.fixes[0]
    assert step.id == "hostname-set"
    assert step.actions[-1].argv == ("hostnamectl", "set-hostname", "pi-node-1")


def test_an_invalid_chosen_node_name_fails_without_renaming_the_host(make_root, requirements):
    result = requirements(make_root(), node_name="Node.1")["Hostname"]
    assert result.status is Status.FAIL
    assert "chosen node name" in result.message and result.fixes == ()


def test_hostname_not_in_hosts_warns_and_offers_an_entry(make_root, requirements):
    result = requirements(make_root({"etc/hosts": "127.0.0.1 localhost\n"}))["Hostname"]
    assert result.status is Status.WARN
    assert result.fixes[0].id == "hostname-hosts"
    assert requirements(make_root({"etc/hosts": None}))["Hostname"].status is Status.WARN


def test_hostname_localhost_warns(make_root, requirements):
    result = requirements(make_root({"etc/hostname": "localhost\n"}))["Hostname"]
    assert result.status is Status.WARN and result.fixes == ()


@pytest.mark.parametrize(("value", "status"), [
    ("4c4c4544-0042-3510-8052-b4c04f4e3232", Status.PASS),
    ("00000000-0000-0000-0000-000000000000", Status.WARN),
    ("03000200-0400-0500-0006-000700080009", Status.WARN),
])
def test_product_uuid(make_root, requirements, value, status):
    host = make_root({"sys/class/dmi/id/product_uuid": value + "\n"})
    result = requirements(host)["ProductUUID"]
    assert result.status is status and result.observed == value


def test_product_uuid_skips_without_dmi(make_root, requirements):
    host = make_root({"sys/class/dmi/id/product_uuid": None}, running=True)
    result = requirements(host)["ProductUUID"]
    assert result.status is Status.SKIP and "no DMI table" in result.message
    host = make_root({"sys/class/dmi/id/product_uuid": None}, running=True)
    host.path("/sys/class/dmi/id").mkdir(parents=True)
    assert requirements(host)["ProductUUID"].status is Status.WARN


@pytest.mark.parametrize(("value", "running", "status"), [
    ("3d1219c7c4c5404aaa1f6d2a48adfda4", False, Status.PASS),
    ("uninitialized", True, Status.WARN),
    ("", True, Status.WARN),
    ("uninitialized", False, Status.PASS),  # an image: systemd writes one at first boot
    ("0" * 32, False, Status.WARN),
    ("not-an-id", False, Status.WARN),
])
def test_machine_id(make_root, requirements, value, running, status):
    host = make_root({"etc/machine-id": value + "\n"}, running=running)
    assert requirements(host)["MachineID"].status is status


def test_machine_id_skips_when_missing(make_root, requirements):
    assert requirements(make_root({"etc/machine-id": None}))["MachineID"].status is Status.SKIP


def test_mac_address_shows_device_interfaces_only(make_root, requirements):
    result = requirements(make_root({"sys/class/net/br0/address": "02:42:00:00:00:01\n"}))
    assert result["MACAddress"].observed == "eth0 dc:a6:32:01:02:03"
    host = make_root({"sys/class/net/eth0/address": "00:00:00:00:00:00\n"})
    result = requirements(host)["MACAddress"]
    assert result.status is Status.WARN and "eth0: all zero" in result.message


def test_mac_address_skips_without_interfaces(make_root, requirements):
    host = make_root(healthy=False)
    assert requirements(host)["MACAddress"].status is Status.SKIP


def test_dns_resolver_warns_on_the_systemd_resolved_stub(make_root, requirements):
    host = make_root({"etc/resolv.conf": "nameserver 127.0.0.53\noptions edns0 trust-ad\n",
                      "run/systemd/resolve/resolv.conf": "nameserver 10.0.2.3\n"})
    result = requirements(host)["DNSResolver"]
    assert result.status is Status.WARN
    assert "upstream 10.0.2.3" in result.observed
    assert "/run/systemd/resolve/resolv.conf" in result.message
    assert "loop" in result.lesson


def test_dns_resolver_warns_on_any_loopback_resolver(make_root, requirements):
    host = make_root({"etc/resolv.conf": "nameserver 127.0.0.1\n"})
    assert requirements(host)["DNSResolver"].status is Status.WARN


# ----------------------------------------------------------------------------------- ports
def test_a_port_in_use_names_its_process_and_has_no_fix(make_root, requirements):
    listening = [ListeningPort(6443, "0.0.0.0", 812, "haproxy"),
                 ListeningPort(6443, "::", 812, "haproxy"),
                 ListeningPort(2379, "127.0.0.1", 900, "etcd")]
    results = requirements(make_root(running=True, listening=listening))
    api = results["Port-6443"]
    assert api.status is Status.FAIL
    assert "haproxy (pid 812)" in api.message and api.fixes == ()
    assert "kubeadm reset" in results["Port-2379"].message
    assert results["Port-10250"].status is Status.PASS


def test_a_worker_checks_the_kubelet_port_and_the_nodeport_range(make_root, requirements):
    listening = [ListeningPort(31000, "0.0.0.0", 77, "node-exporter")]
    results = requirements(make_root(running=True, listening=listening), role="worker")
    assert results["Port-10250"].status is Status.PASS
    assert results["Port-30000-32767"].status is Status.WARN
    assert "node-exporter" in results["Port-30000-32767"].message


def test_firewalld_active_warns_with_the_ports_to_open(make_root, requirements):
    commands = {("systemctl", "is-active", "firewalld.service"): done("active\n")}
    result = requirements(make_root(running=True, commands=commands), role="worker")["Firewalld"]
    assert result.status is Status.WARN
    assert "30000-32767/tcp" in result.message


def test_firewalld_enabled_on_an_image_warns(make_root, requirements):
    host = make_root({"etc/systemd/system/multi-user.target.wants/firewalld.service": ""})
    assert requirements(host)["Firewalld"].status is Status.WARN


# ----------------------------------------------------------------------------------- tools
def test_leftovers_of_an_earlier_cluster_point_to_kubeadm_reset(make_root, requirements):
    host = make_root({"etc/kubernetes/manifests/etcd.yaml": "kind: Pod\n",
                      "var/lib/etcd/member/snap/db": "x"})
    results = requirements(host)
    result = results["FileAvailable--etc-kubernetes-manifests-etcd.yaml"]
    assert result.status is Status.FAIL and "kubeadm reset" in result.message
    assert result.fixes == ()
    assert results["DirAvailable--var-lib-etcd"].status is Status.FAIL
    assert results["FileAvailable--etc-kubernetes-manifests-kube-apiserver.yaml"].status is (
        Status.PASS)


def test_an_empty_etcd_directory_is_fine(make_root, requirements):
    host = make_root()
    host.path("/var/lib/etcd").mkdir(parents=True)
    assert requirements(host)["DirAvailable--var-lib-etcd"].status is Status.PASS


def test_worker_leftovers(make_root, requirements):
    host = make_root({"etc/kubernetes/kubelet.conf": "apiVersion: v1\n"})
    results = requirements(host, role="worker")
    assert results["FileAvailable--etc-kubernetes-kubelet.conf"].status is Status.FAIL
    assert results["FileAvailable--etc-kubernetes-bootstrap-kubelet.conf"].status is Status.PASS


@pytest.mark.parametrize(("version", "role", "expected"), [
    ("1.30", "control-plane", {"crictl": Status.FAIL, "conntrack": Status.FAIL,
                               "socat": Status.WARN, "nsenter": Status.FAIL}),
    ("1.31", "worker", {"crictl": Status.WARN, "conntrack": Status.FAIL}),
    ("1.32", "control-plane", {"conntrack": None, "ip": Status.FAIL, "tc": Status.WARN}),
    ("1.36", "worker", {"losetup": Status.FAIL, "cp": Status.FAIL, "crictl": None,
                        "iptables": None}),
])
def test_file_existing_follows_the_kubeadm_version(make_root, requirements, version, role,
                                                   expected):
    results = requirements(make_root(tools=()), kubernetes_version=version, role=role)
    for tool, status in expected.items():
        result = results.get(f"FileExisting-{tool}")
        assert (result.status if result else None) is status, tool


def test_missing_tools_share_one_install_step(make_root, requirements):
    results = requirements(make_root(tools=("mount",)), kubernetes_version="1.30")
    step = results["FileExisting-nsenter"].fixes[0]
    assert step.id == "install-tools"
    assert results["FileExisting-conntrack"].fixes == (step,)
    argv = step.actions[0].argv
    assert argv[:3] == ("apt-get", "install", "-y")
    assert {"conntrack", "cri-tools", "util-linux", "iproute2", "coreutils"} <= set(argv)
    assert step.actions[0].runtime_only is False
    assert "pkgs.k8s.io" in step.why
    assert results["FileExisting-mount"].fixes == ()


def test_install_step_uses_dnf_and_rhel_names(make_root, requirements):
    host = make_root({"etc/os-release": 'ID="rocky"\nID_LIKE="rhel centos fedora"\n'},
                     tools=())
    argv = requirements(host, kubernetes_version="1.33")["FileExisting-losetup"].fixes[0] \
        .actions[0].argv
    assert argv == ("dnf", "install", "-y", "coreutils", "util-linux")


def test_no_install_step_for_an_unknown_distribution(make_root, requirements):
    host = make_root({"etc/os-release": "ID=alpine\n"}, tools=())
    result = requirements(host)["FileExisting-losetup"]
    assert result.status is Status.FAIL and result.fixes == ()
    assert "mount package" in result.message


def test_kubelet_checks_only_when_a_kubelet_is_installed(make_root, requirements):
    results = requirements(make_root())
    assert "Service-Kubelet" not in results and "KubeletVersion" not in results


def test_kubelet_service_and_version_on_a_running_host(make_root, requirements):
    commands = {("systemctl", "is-enabled", "kubelet.service"): done("disabled\n", 1),
                ("kubelet", "--version"): done("Kubernetes v1.36.1\n")}
    host = make_root(running=True, commands=commands, extra_tools=("kubelet",))
    results = requirements(host, kubernetes_version="1.36")
    service = results["Service-Kubelet"]
    assert service.status is Status.WARN and "systemctl enable kubelet" in service.message
    assert service.fixes[0].id == "kubelet-enable"
    assert results["KubeletVersion"].status is Status.PASS
    assert results["KubeletVersion"].observed == "kubelet v1.36.1"


def test_a_kubelet_too_old_for_kubeadm_fails(make_root, requirements):
    commands = {("systemctl", "is-enabled", "kubelet.service"): done("enabled\n"),
                ("kubelet", "--version"): done("Kubernetes v1.31.4\n")}
    host = make_root(running=True, commands=commands, extra_tools=("kubelet",))
    results = requirements(host, kubernetes_version="1.36")
    assert results["Service-Kubelet"].status is Status.PASS
    assert results["KubeletVersion"].status is Status.FAIL
    assert "three minor versions" in results["KubeletVersion"].message


def test_kubelet_on_an_image_reads_the_unit_files(make_root, requirements):
    host = make_root({"lib/systemd/system/kubelet.service":
                      "[Unit]\n[Install]\nWantedBy=multi-user.target\n"},
                     extra_tools=("kubelet",))
    results = requirements(host)
    assert results["Service-Kubelet"].status is Status.WARN
    assert results["Service-Kubelet"].observed == "disabled"
    assert results["KubeletVersion"].status is Status.SKIP


# ----------------------------------------------------------------------- kernel and cgroups
@pytest.mark.parametrize(("version", "release", "status"), [
    ("1.31", "3.10.0-1160.el7.x86_64", Status.PASS),
    ("1.33", "4.14.98-v7+", Status.FAIL),
    ("1.33", "4.19.0-27-amd64", Status.PASS),
    ("1.36", "4.19.0-27-amd64", Status.WARN),
    ("1.36", "5.10.0-30-amd64", Status.PASS),
    ("1.36", "6.12.25+rpt-rpi-v8", Status.PASS),
])
def test_kernel_rule_follows_system_validators(make_root, requirements, version, release,
                                               status):
    host = make_root({"proc/sys/kernel/osrelease": release + "\n"})
    result = requirements(host, kubernetes_version=version)["SystemVerification-Kernel"]
    assert result.status is status and result.observed == release


def test_kernel_skips_on_an_image(make_root, requirements):
    host = make_root({"proc/sys/kernel/osrelease": None})
    assert requirements(host)["SystemVerification-Kernel"].status is Status.SKIP


def test_cgroup_v2_missing_memory_fails_both_cgroup_checks(make_root, requirements):
    host = make_root({"sys/fs/cgroup/cgroup.controllers": "cpuset cpu io pids\n"})
    results = requirements(host)
    assert results["SystemVerification-Cgroups"].status is Status.FAIL
    assert "missing required cgroups: memory" in results["SystemVerification-Cgroups"].message
    assert results["CgroupMemory"].status is Status.FAIL
    assert results["CgroupMemory"].fixes == ()  # not a Pi: advice for GRUB only
    assert "GRUB" in results["CgroupMemory"].message


def test_cgroup_v1_reads_proc_cgroups(make_root, requirements):
    cgroups = ("#subsys_name\thierarchy\tnum_cgroups\tenabled\n"
               "cpuset\t2\t1\t1\ncpu\t3\t1\t1\ncpuacct\t3\t1\t1\ndevices\t4\t1\t1\n"
               "freezer\t5\t1\t1\nmemory\t0\t1\t0\npids\t6\t1\t1\n")
    host = make_root({"proc/mounts": "tmpfs /sys/fs/cgroup tmpfs ro 0 0\n"
                                     "cgroup2 /sys/fs/cgroup/unified cgroup2 rw 0 0\n",
                      "proc/cgroups": cgroups})
    results = requirements(host, kubernetes_version="1.34")
    assert results["SystemVerification-Cgroups"].message.startswith(
        "missing required cgroups: memory")
    assert results["CgroupMemory"].observed == "no memory in /proc/cgroups"
    assert results["SystemVerification-CgroupV1"].status is Status.WARN


@pytest.mark.parametrize(("version", "fail_cgroup_v1", "status"), [
    ("1.34", None, Status.WARN),
    ("1.35", None, Status.FAIL),
    ("1.36", False, Status.WARN),
])
def test_cgroup_v1_is_an_error_from_kubelet_1_35(make_root, requirements, version,
                                                 fail_cgroup_v1, status):
    host = make_root({"proc/mounts": "cgroup /sys/fs/cgroup/memory cgroup rw 0 0\n",
                      "proc/cgroups": "memory\t0\t1\t1\n"})
    choices = {} if fail_cgroup_v1 is None else {"fail_cgroup_v1": fail_cgroup_v1}
    result = requirements(host, kubernetes_version=version, **choices)
    assert result["SystemVerification-CgroupV1"].status is status


def test_cgroups_skip_without_proc_mounts(make_root, requirements):
    results = requirements(make_root({"proc/mounts": None,
                                      "sys/fs/cgroup/cgroup.controllers": None}))
    for check_id in ("SystemVerification-Cgroups", "SystemVerification-CgroupV1",
                     "CgroupMemory"):
        assert results[check_id].status is Status.SKIP


@pytest.mark.parametrize("path", ["boot/firmware/cmdline.txt", "boot/cmdline.txt"])
def test_pi_without_memory_cgroup_gets_the_cmdline_fix(make_root, requirements, path):
    host = make_root({"sys/fs/cgroup/cgroup.controllers": "cpuset cpu io pids\n",
                      "proc/device-tree/model": PI_MODEL, path: PI_CMDLINE}, arch="aarch64")
    result = requirements(host)["CgroupMemory"]
    assert result.status is Status.FAIL and not result.after_reboot
    step = result.fixes[0]
    assert step.id == "cgroup-memory-cmdline" and step.reboot_required
    assert step.actions[0].path == "/" + path


def test_bookworm_prefers_boot_firmware(make_root, requirements):
    host = make_root({"sys/fs/cgroup/cgroup.controllers": "cpuset cpu io pids\n",
                      "boot/cmdline.txt": "# moved to /boot/firmware/cmdline.txt\n",
                      "boot/firmware/cmdline.txt": PI_CMDLINE})
    step = requirements(host)["CgroupMemory"].fixes[0]
    assert step.actions[0].path == "/boot/firmware/cmdline.txt"


def test_cmdline_already_fixed_means_reboot_needed(make_root, requirements):
    host = make_root({"sys/fs/cgroup/cgroup.controllers": "cpuset cpu io pids\n",
                      "boot/firmware/cmdline.txt": PI_CMDLINE.strip()
                      + " cgroup_enable=memory\n"})
    results = requirements(host)
    for check_id in ("CgroupMemory", "SystemVerification-Cgroups"):
        assert results[check_id].status is Status.FAIL
        assert results[check_id].after_reboot
        assert "reboot" in results[check_id].message
        assert results[check_id].fixes == ()


# ----------------------------------------------------------------------------- demo hosts
def _demo(name, tmp_path):
    from wizard.host.simulated import SimulatedHost

    return SimulatedHost(name, scratch=tmp_path / "demo")


def test_rpi4_bookworm_demo(tmp_path, requirements):
    results = requirements(_demo("rpi4-bookworm", tmp_path))
    for check_id in ("Swap", "SwapOnBoot", "CgroupMemory"):
        assert results[check_id].status is Status.FAIL, check_id
    assert results["Arch64"].status is Status.PASS


def test_ubuntu_vagrant_demo(tmp_path, requirements):
    results = requirements(_demo("ubuntu-vagrant", tmp_path))
    assert results["Swap"].status is Status.FAIL
    assert results["DNSResolver"].status is Status.WARN


@pytest.mark.parametrize("role", ["control-plane", "worker"])
def test_ready_demo_has_no_fail_and_no_warn(tmp_path, requirements, role):
    results = requirements(_demo("ready", tmp_path), role=role)
    bad = {i: r.message for i, r in results.items() if r.status in (Status.FAIL, Status.WARN)}
    assert bad == {}


@pytest.mark.parametrize("name", ["rpi4-bookworm", "ubuntu-vagrant", "ready"])
def test_a_check_run_on_a_demo_is_fast(tmp_path, requirements, name):
    host = _demo(name, tmp_path)
    requirements(host)  # warm the imports
    start = time.perf_counter()
    requirements(host)
    assert time.perf_counter() - start < 0.5


def test_checks_on_this_machine_never_raise():
    from wizard.checks.runner import run_checks

    for result in run_checks(Host("/"), screens=["requirements"]):
        assert result.status in Status


def test_a_hostname_on_loopback_is_reported_with_its_address(tmp_path):
    from wizard.checks.base import CheckContext
    from wizard.checks.requirements.identity import hostname
    from wizard.host.simulated import SimulatedHost
    from wizard.model import WizardChoices

    host = SimulatedHost("ubuntu-vagrant", scratch=tmp_path / "demo")
    result = hostname(CheckContext(host, WizardChoices()))
    assert result.observed == "k8s-cp-1 (127.0.1.1 in /etc/hosts)"
    assert "127.0.1.1, a loopback address" in result.message
    assert "choose the advertise address on the Network screen" in result.message
    chosen = hostname(CheckContext(host, WizardChoices(advertise_address="192.168.56.10")))
    assert "127.0.1.1, a loopback address" in chosen.message
    assert "sets node-ip to 192.168.56.10, the chosen advertise address" in chosen.message
    assert "Network screen" not in chosen.message


def test_the_ubuntu_vagrant_description_matches_what_the_hostname_check_reports(tmp_path):
    """The demo's description promises the Hostname check points out 127.0.1.1 (issue 10 §7)."""
    import yaml

    from wizard.checks.base import CheckContext
    from wizard.checks.requirements.identity import hostname
    from wizard.host.simulated import SimulatedHost
    from wizard.model import WizardChoices
    from wizard.resources import asset

    description = " ".join(yaml.safe_load(
        asset("demos", "ubuntu-vagrant", "host.yaml").read_text())["description"].split())
    assert "maps k8s-cp-1 to 127.0.1.1" in description
    assert "which the Hostname check points out" in description
    host = SimulatedHost("ubuntu-vagrant", scratch=tmp_path / "demo")
    result = hostname(CheckContext(host, WizardChoices()))
    assert result.observed == "k8s-cp-1 (127.0.1.1 in /etc/hosts)"
    assert "default route" in result.message and "NAT adapter" in result.message


# ------------------------------------------ the memory cgroup of an image not yet booted
NOT_RUNNING = {"proc/mounts": None, "sys/fs/cgroup/cgroup.controllers": None}
PI_CMDLINE = "console=serial0,115200 root=PARTUUID=1234-02 rootfstype=ext4 rootwait\n"


@pytest.mark.parametrize(("cmdline", "status"), [
    (PI_CMDLINE, Status.FAIL),
    (PI_CMDLINE.rstrip() + " cgroup_enable=memory\n", Status.PASS),
    (PI_CMDLINE.rstrip() + " cgroup_enable=memory cgroup_disable=memory\n", Status.FAIL),
    (PI_CMDLINE + "cgroup_enable=memory\n", Status.FAIL),  # the firmware reads line one only
])
def test_an_image_s_memory_cgroup_is_decided_by_its_cmdline_txt(make_root, requirements,
                                                                cmdline, status):
    # Neither a Raspberry Pi's firmware nor its kernel can run here, so a fixture tree it is;
    # the rule (off unless the first line enables it, the last word wins) is the kernel's.
    host = make_root({**NOT_RUNNING, "boot/firmware/cmdline.txt": cmdline})
    result = requirements(host)["CgroupMemory"]
    assert result.status is status
    assert "at boot" in result.observed and "running" not in result.observed
    assert bool(result.fixes) is (status is Status.FAIL)


def test_the_offline_fix_makes_the_image_pass(make_root, requirements):
    host = make_root({**NOT_RUNNING, "boot/firmware/cmdline.txt": PI_CMDLINE})
    apply_steps(host, requirements(host)["CgroupMemory"].fixes)
    assert requirements(host)["CgroupMemory"].status is Status.PASS
    assert host.read_text("/boot/firmware/cmdline.txt") == (
        PI_CMDLINE.rstrip() + " cgroup_enable=memory cgroup_memory=1\n")


def test_an_image_without_a_pi_boot_partition_is_still_not_checked(make_root, requirements):
    assert requirements(make_root(NOT_RUNNING))["CgroupMemory"].status is Status.SKIP

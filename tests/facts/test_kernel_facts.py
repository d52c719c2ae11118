"""Kernel facts on fixture roots: sysctl --system order, modules now and at boot, cgroups, pid 1."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from wizard.facts.kernel import (
    SYSCTL_DIRS,
    cgroup_mode,
    config_files,
    init_system,
    iptables_fact,
    module_fact,
    sysctl_assignments,
    sysctl_fact,
)
from wizard.host.base import Host
from wizard.host.simulated import SimulatedHost

FORWARD = "net.ipv4.ip_forward"


def tree(root: Path, files: dict[str, str]) -> Host:
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return Host(root)


# ---------------------------------------------------------------------------- sysctls
def test_files_apply_by_name_across_directories_and_sysctl_conf_last(tmp_path):
    host = tree(tmp_path, {
        "usr/lib/sysctl.d/50-default.conf": "net.ipv4.ip_forward = 0\n",
        "run/sysctl.d/60-run.conf": "net.ipv4.ip_forward=0\n",
        "etc/sysctl.d/k8s.conf": "# kubernetes\nnet.ipv4.ip_forward = 1\n",
        "etc/sysctl.conf": "# nothing here\n",
    })
    fact = sysctl_fact(host, FORWARD)
    assert [(a.path, a.line, a.value) for a in fact.assignments] == [
        ("/usr/lib/sysctl.d/50-default.conf", 1, "0"),
        ("/run/sysctl.d/60-run.conf", 1, "0"),
        ("/etc/sysctl.d/k8s.conf", 2, "1"),
    ]
    assert fact.boot == "1"
    assert fact.winner.describe() == "/etc/sysctl.d/k8s.conf:2"
    assert fact.running is None  # a root directory has no running kernel

    tree(tmp_path, {"etc/sysctl.conf": "net.ipv4.ip_forward=0\n"})
    assert sysctl_fact(host, FORWARD).winner.path == "/etc/sysctl.conf"


def test_an_earlier_directory_hides_a_file_of_the_same_name(tmp_path):
    host = tree(tmp_path, {
        "usr/lib/sysctl.d/k8s.conf": "net.ipv4.ip_forward = 0\n",
        "run/sysctl.d/k8s.conf": "net.ipv4.ip_forward = 0\n",
        "etc/sysctl.d/k8s.conf": "net.ipv4.ip_forward = 1\n",
        "usr/lib/sysctl.d/README": "net.ipv4.ip_forward = 0\n",
    })
    assert config_files(host, SYSCTL_DIRS) == ["/etc/sysctl.d/k8s.conf"]
    assert [a.path for a in sysctl_fact(host, FORWARD).assignments] == ["/etc/sysctl.d/k8s.conf"]


def test_links_are_followed_inside_the_root_and_dev_null_masks(tmp_path):
    host = tree(tmp_path, {
        "etc/sysctl.conf": "net.ipv4.ip_forward=1\n",
        "usr/lib/sysctl.d/50-pid-max.conf": "net.ipv4.ip_forward = 0\n",
    })
    (tmp_path / "etc/sysctl.d").mkdir()
    os.symlink("../sysctl.conf", tmp_path / "etc/sysctl.d/99-sysctl.conf")
    os.symlink("/dev/null", tmp_path / "etc/sysctl.d/50-pid-max.conf")
    fact = sysctl_fact(host, FORWARD)
    # Debian's 99-sysctl.conf is /etc/sysctl.conf (the file to edit); the vendor file is masked.
    assert [(a.path, a.value) for a in fact.assignments] == [("/etc/sysctl.conf", "1"),
                                                             ("/etc/sysctl.conf", "1")]


def test_slash_keys_ignore_prefix_and_globs_match(tmp_path):
    host = tree(tmp_path, {
        "usr/lib/sysctl.d/10-ipv6.conf": "net.ipv6.conf.*.forwarding = 0\n",
        "etc/sysctl.d/20-ipv6.conf": "-net/ipv6/conf/default/forwarding=1\n; comment = 0\n",
    })
    values = [a.value for a in sysctl_assignments(host, "net.ipv6.conf.default.forwarding")]
    assert values == ["0", "1"]
    assert [a.value for a in sysctl_assignments(host, "net.ipv6.conf.all.forwarding")] == ["0"]


def test_overrides_show_where_a_new_file_would_sort(tmp_path):
    host = tree(tmp_path, {"etc/sysctl.d/local.conf": "net.ipv4.ip_forward = 0\n"})
    mine = {"/etc/sysctl.d/k8s.conf": "net.ipv4.ip_forward = 1\n"}
    assert sysctl_assignments(host, FORWARD, mine)[-1].path == "/etc/sysctl.d/local.conf"
    later = {"/etc/sysctl.d/zz-kubernetes.conf": "net.ipv4.ip_forward = 1\n"}
    assert sysctl_assignments(host, FORWARD, later)[-1].value == "1"


def test_running_value_comes_from_proc_sys(tmp_path):
    host = tree(tmp_path, {"proc/sys/net/ipv4/ip_forward": "1\n"})
    assert sysctl_fact(host, FORWARD).running == "1"


# ---------------------------------------------------------------------------- modules
def test_module_loaded_now_and_at_boot(tmp_path):
    host = tree(tmp_path, {
        "proc/modules": "br_netfilter 32768 0 - Live 0x0\nbridge 311296 1 br_netfilter, Live 0x0\n",
        "etc/modules-load.d/k8s.conf": "# k8s\noverlay\n",
        "usr/lib/modules-load.d/other.conf": "br-netfilter\n",
    })
    bridge = module_fact(host, "br_netfilter")
    assert (bridge.loaded, bridge.evidence) == (True, "/proc/modules")
    assert bridge.boot_file == "/usr/lib/modules-load.d/other.conf"
    overlay = module_fact(host, "overlay")
    assert overlay.loaded is False
    assert overlay.boot_file == "/etc/modules-load.d/k8s.conf" and overlay.at_boot


def test_built_in_modules_count_as_loaded_and_at_boot(tmp_path):
    host = tree(tmp_path, {
        "proc/sys/kernel/osrelease": "6.6.31+rpt-rpi-v8\n",
        "proc/modules": "",
        "proc/filesystems": "nodev\tsysfs\nnodev\toverlay\n",
        "lib/modules/6.6.31+rpt-rpi-v8/modules.builtin": "kernel/net/bridge/br_netfilter.ko\n",
    })
    bridge = module_fact(host, "br_netfilter")
    assert bridge.built_in and bridge.at_boot and bridge.loaded
    assert bridge.boot_text == "built into the kernel"
    overlay = module_fact(host, "overlay")
    assert (overlay.loaded, overlay.evidence) == (True, "/proc/filesystems lists overlay")
    assert not overlay.at_boot


def test_a_root_directory_cannot_say_what_is_loaded(tmp_path):
    fact = module_fact(tree(tmp_path, {"etc/hostname": "x\n"}), "overlay")
    assert fact.loaded is None
    assert "no running kernel" in fact.evidence


# ---------------------------------------------------------------------------- cgroups
@pytest.mark.parametrize("mounts, version, hybrid", [
    ("cgroup2 /sys/fs/cgroup cgroup2 rw 0 0\n", 2, False),
    ("tmpfs /sys/fs/cgroup tmpfs rw 0 0\ncgroup /sys/fs/cgroup/memory cgroup rw,memory 0 0\n",
     1, False),
    ("tmpfs /sys/fs/cgroup tmpfs rw 0 0\ncgroup2 /sys/fs/cgroup/unified cgroup2 rw 0 0\n"
     "cgroup /sys/fs/cgroup/pids cgroup rw,pids 0 0\n", 1, True),
])
def test_cgroup_mode_from_proc_mounts(tmp_path, mounts, version, hybrid):
    mode = cgroup_mode(tree(tmp_path, {"proc/mounts": mounts}))
    assert (mode.version, mode.hybrid) == (version, hybrid)


def test_cgroup_mode_without_proc_mounts(tmp_path):
    assert cgroup_mode(tree(tmp_path, {"etc/hostname": "x\n"})).version is None
    host = tree(tmp_path, {"sys/fs/cgroup/cgroup.controllers": "cpu memory pids\n"})
    assert cgroup_mode(host).version == 2


def test_init_system(tmp_path):
    host = tree(tmp_path, {"usr/lib/systemd/systemd": ""})
    assert init_system(host).is_systemd is True  # installed, on a root directory
    tree(tmp_path, {"proc/1/comm": "openrc-init\n"})
    assert (init_system(host).name, init_system(host).is_systemd) == ("openrc-init", False)


# ---------------------------------------------------------------------------- iptables
def test_iptables_backend_and_rules_in_both(tmp_path):
    host = SimulatedHost("ready", scratch=tmp_path / "ready")
    assert iptables_fact(host).backend == "nf_tables"
    for program, stdout in (("iptables-legacy-save", "*filter\n-A INPUT -j DROP\nCOMMIT\n"),
                            ("iptables-nft-save", "*nat\n-A KUBE-SERVICES -j RETURN\n"
                                                  "-A POSTROUTING -j MASQUERADE\nCOMMIT\n")):
        stub = host.path(f"/usr/sbin/{program}")
        stub.write_text("#!/bin/sh\n")
        stub.chmod(0o755)
        host.state["commands"].append({"argv": [program], "stdout": stdout})
    fact = iptables_fact(host)
    assert (fact.legacy_rules, fact.nft_rules, fact.rules_in_both) == (1, 2, True)


def test_iptables_without_a_running_system(tmp_path):
    host = tree(tmp_path, {"usr/sbin/iptables": ""})
    (tmp_path / "usr/sbin/iptables").chmod(0o755)
    fact = iptables_fact(host)
    assert fact.backend is None and "not a running system" in fact.note

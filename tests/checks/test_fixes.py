"""The fix steps: pure text edits that keep every other byte, and applying them for real."""

from __future__ import annotations

import pytest

from wizard.checks.base import Status
from wizard.checks.runner import default_fixes, run_checks
from wizard.fixes.cmdline import MEMORY_PARAMS, add_params, has_param
from wizard.fixes.hostname import (
    hostname_problem,
    hosts_with_name,
    in_hosts_file,
    suggest_hostname,
)
from wizard.fixes.packages import package_for
from wizard.fixes.swap import FSTAB_MARKER, comment_out_swap, fstab_swap_lines
from wizard.host.base import Host
from wizard.model import WizardChoices
from wizard.steps import apply_steps

SWAPS_HEADER = "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n"
FSTAB = ("# /etc/fstab: static file system information.\n"
         "proc            /proc           proc    defaults          0       0\n"
         "PARTUUID=1234-01  /boot/firmware  vfat    defaults          0       2\n"
         "PARTUUID=1234-02  /               ext4    defaults,noatime  0       1\n"
         "/var/swap\tnone\tswap\tsw\t0\t0\n"
         "#/old none swap sw 0 0\n"
         "  UUID=77 none swap defaults,pri=5 0 0   \n")
PI_CMDLINE = "console=serial0,115200 console=tty1 root=PARTUUID=1234-02 rootfstype=ext4 rootwait\n"


def _uncomment(edited: str) -> str:
    """Undo comment_out_swap by hand: drop marker lines and the '# ' prefix after them."""
    lines = edited.splitlines(keepends=True)
    out, strip_next = [], False
    for line in lines:
        if line.rstrip("\r\n") == FSTAB_MARKER:
            strip_next = True
            continue
        out.append(line[2:] if strip_next else line)
        strip_next = False
    return "".join(out)


# ------------------------------------------------------------------------------ fstab edit
@pytest.mark.parametrize("text", [
    FSTAB,
    FSTAB.rstrip("\n"),                       # no final newline
    FSTAB.replace("\n", "\r\n"),              # CRLF
    "/swapfile none swap sw 0 0",             # a single swap line, no newline
    "",
])
def test_comment_out_swap_keeps_every_other_byte_and_is_idempotent(text):
    edited = comment_out_swap(text)
    assert _uncomment(edited) == text
    assert comment_out_swap(edited) == edited
    assert fstab_swap_lines(edited) == []


def test_comment_out_swap_marks_only_boot_swap_lines():
    edited = comment_out_swap(FSTAB + "/dev/sdb2 none swap noauto 0 0\n")
    assert f"{FSTAB_MARKER}\n# /var/swap\tnone\tswap\tsw\t0\t0\n" in edited
    assert f"{FSTAB_MARKER}\n#   UUID=77 none swap defaults,pri=5 0 0   \n" in edited
    assert edited.count(FSTAB_MARKER) == 2
    assert "\n#/old none swap sw 0 0\n" in edited
    assert "\n/dev/sdb2 none swap noauto 0 0\n" in edited
    assert "PARTUUID=1234-02  /               ext4    defaults,noatime  0       1\n" in edited


# ---------------------------------------------------------------------------- cmdline edit
@pytest.mark.parametrize(("text", "expected"), [
    (PI_CMDLINE, PI_CMDLINE.rstrip("\n") + " cgroup_enable=memory cgroup_memory=1\n"),
    (PI_CMDLINE.rstrip("\n"), PI_CMDLINE.rstrip("\n") + " cgroup_enable=memory cgroup_memory=1"),
    ("root=/dev/mmcblk0p2 rootwait  \r\n", "root=/dev/mmcblk0p2 rootwait cgroup_enable=memory "
                                           "cgroup_memory=1  \r\n"),
    ("a cgroup_memory=1\n", "a cgroup_memory=1 cgroup_enable=memory\n"),
    ("", "cgroup_enable=memory cgroup_memory=1"),
    ("a\n\n# notes the firmware ignores\n",
     "a cgroup_enable=memory cgroup_memory=1\n\n# notes the firmware ignores\n"),
])
def test_add_params_appends_to_the_one_line(text, expected):
    edited = add_params(text, MEMORY_PARAMS)
    assert edited == expected
    assert edited.count("\n") == text.count("\n")
    assert add_params(edited, MEMORY_PARAMS) == edited
    assert has_param(edited, "cgroup_enable=memory")


def test_has_param_matches_whole_words_on_the_first_line():
    assert not has_param("cgroup_enable=memoryx\n", "cgroup_enable=memory")
    assert not has_param("a\ncgroup_enable=memory\n", "cgroup_enable=memory")


# ------------------------------------------------------------------------ hostname helpers
@pytest.mark.parametrize(("name", "problem"), [
    ("node-1", None), ("pi.example.com", None), ("Node1", "upper-case"), ("node_1", "a-z"),
    ("-node", "a-z"), ("node.", "a-z"), ("", "empty"), ("a" * 254, "253"),
])
def test_hostname_problem(name, problem):
    found = hostname_problem(name)
    assert (found is None) if problem is None else (problem in found)


@pytest.mark.parametrize(("name", "suggestion"), [
    ("Pi_Node 1", "pi-node-1"), ("RASPBERRYPI", "raspberrypi"), ("-a__b-.x.", "a-b.x"),
    ("__", "node"), ("web..01", "web.01"),
])
def test_suggest_hostname_is_valid(name, suggestion):
    assert suggest_hostname(name) == suggestion
    assert hostname_problem(suggestion) is None


def test_hosts_with_name_replaces_the_127_0_1_1_line_only():
    hosts = "127.0.0.1\tlocalhost\n127.0.1.1\told-name old\n::1 localhost ip6-localhost\n"
    edited = hosts_with_name(hosts, "node-1")
    assert edited == "127.0.0.1\tlocalhost\n127.0.1.1\tnode-1\n::1 localhost ip6-localhost\n"
    assert hosts_with_name(edited, "node-1") == edited
    assert in_hosts_file(edited, "NODE-1")


@pytest.mark.parametrize(("hosts", "expected"), [
    ("127.0.0.1 localhost", "127.0.0.1 localhost\n127.0.1.1\tnode-1\n"),
    ("", "127.0.1.1\tnode-1\n"),
    ("# 127.0.1.1 commented\n", "# 127.0.1.1 commented\n127.0.1.1\tnode-1\n"),
])
def test_hosts_with_name_appends_when_there_is_no_entry(hosts, expected):
    assert hosts_with_name(hosts, "node-1") == expected


def test_package_names_per_family():
    assert package_for("losetup", "debian") == "mount"
    assert package_for("losetup", "rhel") == "util-linux"
    assert package_for("nsenter", "debian") == "util-linux"
    assert package_for("crictl", "rhel") == "cri-tools"
    assert package_for("conntrack", "rhel") == "conntrack-tools"


# ------------------------------------------------------------------- applying on a root
def _results(host, **choices):
    return {r.id: r for r in run_checks(host, WizardChoices(**choices), screens=["requirements"])}


def _apply_default_fixes(host, **choices):
    steps = default_fixes(run_checks(host, WizardChoices(**choices), screens=["requirements"]))
    return steps, apply_steps(host, steps)


def test_fixes_on_a_pi_image_persist_and_say_what_needs_a_reboot(make_root):
    host = make_root({"proc/swaps": SWAPS_HEADER + "/var/swap file 102396 0 -2\n",
                      "etc/fstab": FSTAB,
                      "proc/device-tree/model": b"Raspberry Pi 4 Model B Rev 1.4\x00",
                      "sys/fs/cgroup/cgroup.controllers": "cpuset cpu io pids\n",
                      "boot/firmware/cmdline.txt": PI_CMDLINE,
                      "etc/hostname": "RaspberryPi\n"}, arch="aarch64")
    steps, outcomes = _apply_default_fixes(host)
    assert [s.id for s in steps] == ["swap-fstab", "swap-off-now", "hostname-set",
                                     "cgroup-memory-cmdline"]
    assert not any(o.failed for o in outcomes)
    # Runtime-only commands wait for that system's boot; the files are written now.
    statuses = {o.step_id: o.status for o in outcomes}
    assert statuses == {"swap-fstab": "applied", "swap-off-now": "deferred",
                        "hostname-set": "deferred", "cgroup-memory-cmdline": "applied"}
    assert _uncomment(host.read_text("/etc/fstab")) == FSTAB
    assert host.read_text("/boot/firmware/cmdline.txt") == (
        PI_CMDLINE.rstrip("\n") + " cgroup_enable=memory cgroup_memory=1\n")
    assert host.read_text("/etc/hostname") == "raspberrypi\n"
    assert "127.0.1.1\traspberrypi\n" in host.read_text("/etc/hosts")

    after = _results(Host(host.root))  # a fresh Host: identity is read once per Host
    assert after["SwapOnBoot"].status is Status.PASS
    assert after["Hostname"].status is Status.PASS
    assert after["CgroupMemory"].after_reboot
    assert after["CgroupMemory"].fixes == ()


def test_a_second_apply_changes_nothing(make_root):
    host = make_root({"etc/fstab": FSTAB,
                      "sys/fs/cgroup/cgroup.controllers": "cpuset cpu io pids\n",
                      "boot/cmdline.txt": PI_CMDLINE,
                      "etc/hosts": "127.0.0.1 localhost\n"})
    steps, _ = _apply_default_fixes(host)
    assert {"swap-fstab", "cgroup-memory-cmdline", "hostname-hosts"} <= {s.id for s in steps}
    before = {path: host.read_text(path) for path in ("/etc/fstab", "/boot/cmdline.txt",
                                                      "/etc/hosts")}
    again = apply_steps(host, steps)
    assert {o.status for o in again} == {"unchanged"}
    assert {path: host.read_text(path) for path in before} == before


def test_installing_tools_is_left_for_the_booted_system(make_root):
    host = make_root(tools=("mount",))
    steps, outcomes = _apply_default_fixes(host)
    assert [s.id for s in steps] == ["install-tools"]
    assert outcomes[0].status == "deferred"
    assert "once it has booted" in outcomes[0].messages[0]


# ------------------------------------------------------------------------------ demo hosts
def _demo(name, tmp_path):
    from wizard.host.simulated import SimulatedHost

    return SimulatedHost(name, scratch=tmp_path / "demo")


def test_rpi4_bookworm_after_the_default_fixes(tmp_path):
    host = _demo("rpi4-bookworm", tmp_path)
    steps, outcomes = _apply_default_fixes(host)
    assert not any(o.failed for o in outcomes), [o.messages for o in outcomes]
    after = _results(host)
    assert after["Swap"].status is Status.PASS
    assert after["SwapOnBoot"].status is Status.PASS
    assert after["CgroupMemory"].after_reboot
    assert {o.status for o in apply_steps(host, steps)} == {"unchanged"}


def test_ubuntu_vagrant_after_the_default_fixes(tmp_path):
    host = _demo("ubuntu-vagrant", tmp_path)
    _, outcomes = _apply_default_fixes(host)
    assert not any(o.failed for o in outcomes), [o.messages for o in outcomes]
    after = _results(host)
    assert after["Swap"].status is Status.PASS
    assert after["SwapOnBoot"].status is Status.PASS

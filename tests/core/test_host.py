"""The host object on fixture roots: rooted paths, identity, commands, and the root guard."""

from __future__ import annotations

import struct

import pytest

from wizard.host.base import Host, HostPathError
from wizard.host.identity import elf_architecture, parse_os_release


def elf_header(machine: int) -> bytes:
    header = bytearray(64)
    header[:4] = b"\x7fELF"
    header[4] = 2
    header[5] = 1
    struct.pack_into("<H", header, 18, machine)
    return bytes(header)


@pytest.fixture
def root(tmp_path):
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc/hostname").write_text("pi-node-1\n")
    (tmp_path / "etc/os-release").write_text(
        'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\nVERSION_ID="12"\n')
    (tmp_path / "proc/device-tree").mkdir(parents=True)
    (tmp_path / "proc/device-tree/model").write_bytes(b"Raspberry Pi 4 Model B Rev 1.4\x00")
    (tmp_path / "usr/bin").mkdir(parents=True)
    (tmp_path / "usr/bin/env").write_bytes(elf_header(183))
    (tmp_path / "usr/bin/env").chmod(0o755)
    return tmp_path


def test_identity_comes_from_the_root(root):
    host = Host(root)
    ident = host.identity
    assert ident.hostname == "pi-node-1"
    assert ident.distro == "Debian GNU/Linux 12 (bookworm)"
    assert ident.distro_family == "debian"
    assert ident.board_model == "Raspberry Pi 4 Model B Rev 1.4"
    assert ident.is_raspberry_pi
    assert ident.userland_architecture == "aarch64"
    assert host.kind == "root"
    assert host.label == f"root {root}"


def test_paths_cannot_leave_the_root(root):
    host = Host(root)
    assert host.path("/etc/hostname") == root / "etc/hostname"
    with pytest.raises(HostPathError):
        host.path("/etc/../../outside")


def test_missing_files_are_none_not_errors(root):
    host = Host(root)
    assert host.read_optional("/proc/meminfo") is None
    assert host.listdir("/nowhere") == []


def test_which_finds_executables_under_the_root_only(root):
    host = Host(root)
    assert host.which("env") == "/usr/bin/env"
    assert host.which("python3") is None


def test_commands_are_not_run_on_another_root(root):
    host = Host(root)
    result = host.run(["uname", "-m"])
    assert not result.ran and "not a running system" in result.note
    change = host.change(["swapoff", "-a"])
    assert not change.ran and "boots" in change.note
    assert [r.argv for r in host.command_log] == [("uname", "-m"), ("swapoff", "-a")]


def test_live_commands_run_with_c_locale_and_are_recorded():
    host = Host("/")
    result = host.run(["sh", "-c", "echo $LC_ALL"])
    assert result.ok and result.stdout.strip() == "C"
    assert host.command_log[-1] is result
    missing = host.run(["no-such-program-kw"])
    assert missing.returncode == 127 and not missing.ok


def test_commands_must_be_argv_lists():
    with pytest.raises(TypeError):
        Host("/").run("echo hi")  # type: ignore[arg-type]


def test_timeouts_do_not_hang():
    result = Host("/").run(["sleep", "5"], timeout=0.2)
    assert result.timed_out and not result.ok


def test_os_release_quoting_and_elf_detection():
    assert parse_os_release("NAME='Raspbian GNU/Linux'\nID_LIKE=debian\n# c\n") == {
        "NAME": "Raspbian GNU/Linux", "ID_LIKE": "debian"}
    assert elf_architecture(elf_header(62)) == "x86_64"
    assert elf_architecture(elf_header(40)) == "armv7l"
    assert elf_architecture(b"#!/bin/sh\n" + bytes(60)) == ""


def test_absolute_symlinks_stay_inside_another_root(root):
    (root / "run/systemd/resolve").mkdir(parents=True)
    (root / "run/systemd/resolve/stub-resolv.conf").write_text("nameserver 127.0.0.53\n")
    (root / "etc/resolv.conf").symlink_to("/run/systemd/resolve/stub-resolv.conf")
    (root / "etc/alt").symlink_to("../../../../run/systemd")
    host = Host(root)
    assert host.read_text("/etc/resolv.conf") == "nameserver 127.0.0.53\n"
    assert host.path("/etc/alt/resolve") == root / "run/systemd/resolve"


def test_identity_is_read_again_after_a_change(root):
    host = Host(root)
    assert host.identity.hostname == "pi-node-1"
    (root / "etc/hostname").write_text("pi-node-2\n")
    host.forget_cached_facts()
    assert host.identity.hostname == "pi-node-2"


def test_unit_commands_under_a_root_go_to_systemctl_root_when_the_unit_is_there(tmp_path):
    from wizard.host.base import Host

    (tmp_path / "lib/systemd/system").mkdir(parents=True)
    (tmp_path / "lib/systemd/system/ifup@.service").write_text("[Unit]\n")
    (tmp_path / "lib/systemd/system/dphys-swapfile.service").write_text("[Unit]\n")
    host = Host(tmp_path)
    root = f"--root={host.root}"
    assert host._offline_systemctl(["systemctl", "disable", "--now", "dphys-swapfile"]) == [
        "systemctl", root, "disable", "dphys-swapfile"]
    assert host._offline_systemctl(["systemctl", "enable", "ifup@eth0.service"]) == [
        "systemctl", root, "enable", "ifup@eth0.service"]
    # Not installed yet (a package step waits for boot): the enable waits too.
    assert host._offline_systemctl(["systemctl", "enable", "--now", "containerd"]) is None
    assert host._offline_systemctl(["systemctl", "restart", "dphys-swapfile"]) is None
    assert Host("/")._offline_systemctl(["systemctl", "disable", "x"]) is None

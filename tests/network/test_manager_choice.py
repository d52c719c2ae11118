"""Which program's file receives a persistent route: only one that is enabled at boot, the
.network file networkd's own [Match] rules pick, and only files ifupdown really reads.

Fixture trees for the rules; tests/real/test_network_managers.py asks networkd, ifquery and
systemctl --root themselves on a debootstrapped Debian root.
"""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest

from wizard.host.base import Host
from wizard.host.network import Link
from wizard.network.managers.base import PersistError
from wizard.network.managers.choose import manager_for
from wizard.network.managers.ifupdown import Ifupdown, interfaces_files
from wizard.network.managers.network_manager import NetworkManager
from wizard.network.managers.networkd import Networkd
from wizard.network.managers.networkd_match import link_matches, match_section
from wizard.network.route_plan import route_steps
from wizard.network.route_spec import RouteSpec
from wizard.steps import apply_steps, undo_all

SPEC = RouteSpec("10.62.0.0/16", 4, None, dev="eth0", out_dev="eth0")
ETH0 = Link(index=2, name="eth0", kind="physical", mac="52:54:00:12:34:56")
UNITS = "/usr/lib/systemd/system"


def tree(tmp_path: Path, files: dict[str, str], enabled: tuple[str, ...] = ()) -> Host:
    """Files under a root, and `enabled` units linked into multi-user.target.wants the way
    `systemctl enable` links them (a unit file without a link is disabled)."""
    root = tmp_path / "root"
    for path, text in files.items():
        real = root / path.lstrip("/")
        real.parent.mkdir(parents=True, exist_ok=True)
        real.write_text(textwrap.dedent(text).lstrip("\n"))
    wants = root / "etc/systemd/system/multi-user.target.wants"
    wants.mkdir(parents=True, exist_ok=True)
    for unit in enabled:
        os.symlink(f"{UNITS}/{unit}", wants / unit)
    return Host(root, state_dir="/var/lib/kubeadm-wizard")


UNIT_FILES = {f"{UNITS}/{unit}": "[Service]\n" for unit in (
    "NetworkManager.service", "systemd-networkd.service", "networking.service")}
NETWORK_FILE = {"/etc/systemd/network/10-eth0.network": "[Match]\nName=eth0\n"}
KEYFILE = {"/etc/NetworkManager/system-connections/lan.nmconnection":
           "[connection]\nid=lan\ntype=ethernet\ninterface-name=eth0\n\n[ipv4]\nmethod=auto\n"}


# ---------------------------------------------------------------- enabled at boot
def test_a_network_file_is_not_used_when_networkd_is_disabled(tmp_path):
    host = tree(tmp_path, {**UNIT_FILES, **NETWORK_FILE, **KEYFILE},
                enabled=("NetworkManager.service",))
    assert isinstance(manager_for(host, "eth0", 4, ETH0), NetworkManager)


def test_networkmanager_enabled_without_a_profile_is_an_error_that_says_what_to_type(tmp_path):
    host = tree(tmp_path, {**UNIT_FILES, **NETWORK_FILE}, enabled=("NetworkManager.service",))
    with pytest.raises(PersistError, match=r"NetworkManager brings eth0 up at boot but keeps "
                                           r"no profile.*nmcli connection modify"):
        manager_for(host, "eth0", 4, ETH0)


def test_networkd_is_used_when_it_is_the_one_enabled(tmp_path):
    host = tree(tmp_path, {**UNIT_FILES, **NETWORK_FILE, **KEYFILE},
                enabled=("systemd-networkd.service",))
    found = manager_for(host, "eth0", 4, ETH0)
    assert isinstance(found, Networkd) and found.path == "/etc/systemd/network/10-eth0.network"


def test_ifupdown_is_passed_over_when_networking_service_is_disabled(tmp_path):
    host = tree(tmp_path, {**UNIT_FILES, **KEYFILE,
                           "/etc/network/interfaces": "auto eth0\niface eth0 inet dhcp\n"},
                enabled=("NetworkManager.service",))
    assert isinstance(manager_for(host, "eth0", 4, ETH0), NetworkManager)


def test_a_unit_that_is_not_installed_does_not_rule_its_files_out(tmp_path):
    host = tree(tmp_path, NETWORK_FILE)  # no unit files at all: a minimal tree or a demo
    assert isinstance(manager_for(host, "eth0", 4, ETH0), Networkd)


# ------------------------------------------------------------ networkd's [Match]
@pytest.mark.parametrize(("match", "expected"), [
    ("Type=ether", True),
    ("Type=wlan", False),
    ("Type=!wlan", True),
    ("Name=en* eth*\nType=ether", True),
    ("Name=!eth0", False),
    ("Name=eth* !eth0", False),
    ("Name=!lo !wl*", True),
    ("Name=wl*\nName=eth0", True),   # repeated keys accumulate
    ("Name=eth0\nName=\nName=wl*", False),  # an empty assignment resets the list
    ("MACAddress=52:54:00:12:34:56", True),
    ("MACAddress=52:54:00:aa:bb:cc", False),
    ("Kind=veth", False),            # a physical NIC has no netlink kind
    ("Kind=!veth", True),
    ("", True),                      # an empty [Match] matches every link
])
def test_match_rules_are_networkds(tmp_path, match, expected):
    host = tree(tmp_path, {})
    assert link_matches(host, match_section(f"[Match]\n{match}\n"), "eth0", ETH0) is expected


def test_a_type_ether_file_gets_the_route(tmp_path):
    host = tree(tmp_path, {"/etc/systemd/network/10-wifi.network": "[Match]\nType=wlan\n",
                           "/etc/systemd/network/20-wired.network": "[Match]\nType=ether\n"})
    found = manager_for(host, "eth0", 4, ETH0)
    assert isinstance(found, Networkd) and found.path.endswith("20-wired.network")


def test_a_key_the_wizard_cannot_evaluate_is_named_rather_than_guessed(tmp_path):
    host = tree(tmp_path, {"/etc/systemd/network/10-pci.network":
                           "[Match]\nPath=pci-0000:00:1f.6\n",
                           "/etc/systemd/network/20-eth0.network": "[Match]\nName=eth0\n"})
    with pytest.raises(PersistError, match=r"10-pci.network to eth0 only if "
                                           r"Path=pci-0000:00:1f.6 holds"):
        manager_for(host, "eth0", 4, ETH0)


def test_a_drop_in_can_narrow_the_match(tmp_path):
    host = tree(tmp_path, {"/usr/lib/systemd/network/80-all.network": "[Match]\nName=*\n",
                           "/etc/systemd/network/80-all.network.d/only-wifi.conf":
                           "[Match]\nType=wlan\n"})
    assert manager_for(host, "eth0", 4, ETH0) is None


# -------------------------------------------------------------------- ifupdown
IFUPDOWN = {
    "/etc/network/interfaces": "source-directory interfaces.d\nsource sub/*.cfg\n",
    "/etc/network/interfaces.d/00-old.cfg": "iface eth0 inet static\n  address 192.0.2.1/24\n",
    "/etc/network/interfaces.d/eth1": "iface eth1 inet dhcp\n",
    "/etc/network/sub/a.cfg": "source ../nested/b\n",
    "/etc/network/nested/b": "iface eth2 inet dhcp\n",
}


def test_ifupdown_reads_only_what_ifupdown_reads(tmp_path):
    host = tree(tmp_path, IFUPDOWN)
    assert interfaces_files(host) == [
        "/etc/network/interfaces", "/etc/network/interfaces.d/eth1", "/etc/network/sub/a.cfg",
        "/etc/network/nested/b"]
    assert manager_for(host, "eth0") is None  # only the stale 00-old.cfg names it
    found = manager_for(host, "eth2")
    assert isinstance(found, Ifupdown) and found.path == "/etc/network/nested/b"


def test_a_loop_of_sources_is_read_once(tmp_path):
    host = tree(tmp_path, {"/etc/network/interfaces": "source interfaces\niface eth0 inet dhcp\n"})
    assert interfaces_files(host) == ["/etc/network/interfaces"]


# ------------------------------------------------------- no empty folder left behind
def test_deleting_the_route_removes_the_drop_in_folder_the_wizard_made(tmp_path):
    host = tree(tmp_path, {"/usr/lib/systemd/network/80-ethernet.network":
                           "[Match]\nType=ether\n\n[Network]\nDHCP=yes\n"})
    drop_in_dir = host.path("/etc/systemd/network/80-ethernet.network.d")
    apply_steps(host, [route_steps(host, SPEC, "add", persist=True)[-1]])
    assert drop_in_dir.is_dir()
    apply_steps(host, [route_steps(host, SPEC, "del", persist=True)[-1]])
    assert not drop_in_dir.exists()
    assert host.path("/etc/systemd/network").is_dir() is False
    undo_all(host)
    assert not drop_in_dir.exists()


def test_a_folder_the_operator_made_stays(tmp_path):
    host = tree(tmp_path, {"/usr/lib/systemd/network/80-ethernet.network": "[Match]\nName=eth0\n",
                           "/etc/systemd/network/80-ethernet.network.d/README": "mine\n"})
    (host.path("/etc/systemd/network/80-ethernet.network.d/README")).unlink()
    apply_steps(host, [route_steps(host, SPEC, "add", persist=True)[-1]])
    apply_steps(host, [route_steps(host, SPEC, "del", persist=True)[-1]])
    assert host.path("/etc/systemd/network/80-ethernet.network.d").is_dir()

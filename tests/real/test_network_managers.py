"""A persistent route goes where the network manager really reads it, asked of the programs
themselves on a debootstrapped Debian root: systemd-networkd started in a network namespace
(which .network file it applies to each link, and the routes it then installs), ifquery in
the root (which stanza ifupdown reads), netplan's own generator, systemctl --root (which
manager is enabled at boot), and nmcli --offline (the keyfile NetworkManager itself writes
for the same change).
"""

from __future__ import annotations

import os
import shlex
import subprocess
from collections.abc import Iterator
from itertools import count
from pathlib import Path

import pytest
from real_programs import chroot, networkd_verdicts, systemctl_root

from wizard.host.base import Host
from wizard.host.network import LiveNetwork
from wizard.network.managers.base import PersistError, ini_values
from wizard.network.managers.choose import manager_for
from wizard.network.managers.network_manager import NetworkManager
from wizard.network.managers.networkd import DROP_IN_NAME, Networkd
from wizard.network.managers.networkd_match import network_files
from wizard.network.route_plan import route_steps
from wizard.network.route_spec import RouteContext, RouteSpec
from wizard.steps import apply_steps

_NAMES = count()


@pytest.fixture
def namespace() -> Iterator[str]:
    """A network namespace of this test's own, deleted afterwards."""
    name = f"kwr-{os.getpid()}-{next(_NAMES)}"
    subprocess.run(["ip", "netns", "add", name], check=True)
    try:
        yield name
    finally:
        subprocess.run(["ip", "netns", "delete", name], capture_output=True)


def _ip(netns: str, *args: str) -> None:
    subprocess.run(["ip", "-n", netns, *args], check=True, capture_output=True)


def _write(root: Path, path: str, text: str) -> None:
    real = root / path.lstrip("/")
    real.parent.mkdir(parents=True, exist_ok=True)
    real.write_text(text)


def _persist(host: Host, spec: RouteSpec, op: str = "add",
             context: RouteContext | None = None) -> None:
    apply_steps(host, [route_steps(host, spec, op, persist=True, context=context)[-1]])


NETWORK_FILES = {
    "/etc/systemd/network/10-wifi.network": "[Match]\nType=wlan\n\n[Network]\nDHCP=yes\n",
    "/etc/systemd/network/20-not-veth.network": "[Match]\nName=eth* p*\nKind=!veth\n",
    "/etc/systemd/network/30-eth7.network":
        "[Match]\nName=eth7\nType=ether\n\n[Network]\nAddress=192.0.2.7/24\n",
    # Kind= (netlink's) rather than Type=bridge: Type comes from udev's DEVTYPE, and a
    # namespace has no udev, so networkd would see the bridge as "ether" here.
    "/etc/systemd/network/40-bridge.network": "[Match]\nKind=bridge\n",
    "/usr/lib/systemd/network/90-rest.network":
        "[Match]\nName=p*\n\n[Network]\nAddress=198.51.100.7/24\n",
    "/etc/systemd/network/90-rest.network.d/narrow.conf": "[Match]\nMACAddress=02:00:00:00:07:07\n",
}


def test_the_wizard_picks_the_file_networkd_applies_and_networkd_installs_its_route(
        debian_root, namespace):
    _ip(namespace, "link", "add", "eth7", "type", "veth", "peer", "name", "p7")
    _ip(namespace, "link", "set", "p7", "address", "02:00:00:00:07:07")
    _ip(namespace, "link", "add", "br7", "type", "bridge")
    for path, text in NETWORK_FILES.items():
        _write(debian_root, path, text)
    systemctl_root(debian_root, "enable", "systemd-networkd.service")
    systemctl_root(debian_root, "disable", "NetworkManager.service")
    host = Host(debian_root)
    links = {link.name: link for link in LiveNetwork(Host("/"), namespace).links()}

    picked = {}
    for name in ("eth7", "p7", "br7"):
        found = manager_for(host, name, 4, links[name])
        assert isinstance(found, Networkd)
        base = found.path.removesuffix(f".d/{DROP_IN_NAME}").rsplit("/", 1)[1]
        picked[name] = network_files(host)[base]
    context = RouteContext(links=tuple(links.values()))
    _persist(host, RouteSpec("10.62.0.0/16", 4, "192.0.2.254", out_dev="eth7"), context=context)
    _persist(host, RouteSpec("10.63.0.0/16", 4, None, dev="p7", out_dev="p7"), context=context)

    applied, routes = networkd_verdicts(debian_root, namespace, ["eth7", "p7", "br7"])
    assert picked == applied == {
        "eth7": "/etc/systemd/network/30-eth7.network",
        "p7": "/usr/lib/systemd/network/90-rest.network",
        "br7": "/etc/systemd/network/40-bridge.network"}
    installed = {(r["dst"], r.get("gateway"), r["dev"]) for r in routes}
    assert ("10.62.0.0/16", "192.0.2.254", "eth7") in installed
    assert ("10.63.0.0/16", None, "p7") in installed


def test_no_network_file_is_written_while_networkmanager_is_what_runs(debian_root):
    assert systemctl_root(debian_root, "is-enabled", "NetworkManager.service") == "enabled"
    assert systemctl_root(debian_root, "is-enabled", "systemd-networkd.service") == "disabled"
    _write(debian_root, "/etc/systemd/network/10-eth0.network", "[Match]\nName=eth0\n")
    host = Host(debian_root)
    with pytest.raises(PersistError, match="NetworkManager brings eth0 up at boot"):
        route_steps(host, RouteSpec("10.60.0.0/16", 4, "192.0.2.254", out_dev="eth0"),
                    "add", persist=True)
    _write(debian_root, "/etc/NetworkManager/system-connections/lan.nmconnection",
           "[connection]\nid=lan\ntype=ethernet\ninterface-name=eth0\n")
    assert manager_for(host, "eth0").kind == "NetworkManager"


IFUPDOWN = {
    "/etc/network/interfaces": "auto lo\niface lo inet loopback\n\n"
                               "source-directory interfaces.d\nsource sub/*.cfg\n",
    "/etc/network/interfaces.d/00-old.cfg": "iface eth0 inet static\n  address 192.0.2.1/24\n",
    "/etc/network/interfaces.d/eth1": "iface eth1 inet static\n  address 192.0.2.2/24\n",
    "/etc/network/sub/a.cfg": "source ../nested/b\n",
    "/etc/network/nested/b": "iface eth2 inet static\n  address 192.0.2.3/24\n",
}


def test_ifupdown_routes_go_into_the_stanzas_ifquery_reads(debian_root):
    for path, text in IFUPDOWN.items():
        _write(debian_root, path, text)
    host = Host(debian_root)
    for dev in ("eth1", "eth2"):
        _persist(host, RouteSpec("10.60.0.0/16", 4, "192.0.2.254", out_dev=dev))
        shown = chroot(debian_root, "ifquery", dev)
        assert shown.returncode == 0
        assert f"up: ip route add 10.60.0.0/16 via 192.0.2.254 dev {dev}" in shown.stdout
    assert chroot(debian_root, "ifquery", "eth0").returncode != 0  # 00-old.cfg is not read
    with pytest.raises(PersistError):  # and so it does not get the route either
        route_steps(host, RouteSpec("10.60.0.0/16", 4, "192.0.2.254", out_dev="eth0"),
                    "add", persist=True)
    assert "10.60.0.0" not in (debian_root / "etc/network/interfaces.d/00-old.cfg").read_text()


def _netplan_generate(root: Path) -> str:
    """The .network file netplan's generator makes for eth0 at boot (in a private /run)."""
    script = (f"mount -t tmpfs tmpfs {root}/run && chroot {root} netplan generate && "
              f"cat {root}/run/systemd/network/10-netplan-eth0.network")
    done = subprocess.run(["unshare", "-m", "--propagation", "private", "sh", "-c", script],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_netplan_generates_the_route_and_drops_it_after_the_delete(debian_root):
    _write(debian_root, "/etc/netplan/01-lan.yaml",
           "network:\n  version: 2\n  ethernets:\n    eth0:\n      dhcp4: true\n")
    (debian_root / "etc/netplan/01-lan.yaml").chmod(0o600)
    host = Host(debian_root)
    spec = RouteSpec("10.60.0.0/16", 4, "192.0.2.254", out_dev="eth0")
    _persist(host, spec)
    assert "[Route]\nDestination=10.60.0.0/16\nGateway=192.0.2.254\n" in _netplan_generate(
        debian_root)
    _persist(host, spec, "del")
    assert "10.60.0.0/16" not in _netplan_generate(debian_root)


KEYFILE = ("[connection]\nid=lan\nuuid=8f1a1a34-5a2b-4c1e-9a38-0f6e3c7d1a11\ntype=ethernet\n"
           "interface-name=eth0\n\n[ipv4]\nmethod=auto\nroute1=10.50.0.0/16,192.0.2.1\n\n"
           "[ipv6]\nmethod=auto\n")
NM_SPECS = {
    "gateway and metric": RouteSpec("10.60.0.0/16", 4, "192.0.2.254", out_dev="eth0", metric=50),
    "another table": RouteSpec("10.61.0.0/16", 4, "192.0.2.254", out_dev="eth0", table="52"),
    "on the link": RouteSpec("10.62.0.0/16", 4, None, dev="eth0", out_dev="eth0"),
    "IPv6": RouteSpec("fd60::/64", 6, "fd00::fe", out_dev="eth0"),
}


def _nmcli_offline(root: Path, keyfile: str, command: str) -> str:
    """The keyfile after the nmcli command the wizard shows, run by the root's own nmcli in
    --offline mode (keyfile in, keyfile out; no daemon, nothing on disk changes)."""
    words = shlex.split(command.split("   #", 1)[0])
    assert words[:4] == ["sudo", "nmcli", "connection", "modify"]
    argv = ["nmcli", "--offline", "connection", "modify", *words[5:]]  # no profile name offline
    done = chroot(root, *argv, input=keyfile)
    assert done.returncode == 0, done.stderr
    return done.stdout


def _routes(keyfile: str, family: int) -> dict[str, str]:
    values = ini_values(keyfile, "ipv4" if family == 4 else "ipv6")
    return {key: value for key, value in values.items() if key.startswith("route")}


@pytest.mark.parametrize("case", NM_SPECS, ids=list(NM_SPECS))
def test_networkmanager_keyfile_edits_are_what_nmcli_writes(pristine_root, case):
    spec = NM_SPECS[case]
    manager = NetworkManager("/etc/NetworkManager/system-connections/lan.nmconnection", "eth0",
                             connection="lan")
    added = manager.edit(KEYFILE, spec, "add")
    def count(keyfile: str) -> int:
        return sum("_" not in key for key in _routes(keyfile, spec.family))
    assert count(added) == count(KEYFILE) + 1
    [add_command] = manager.commands(spec, "add")
    assert _routes(added, spec.family) == _routes(
        _nmcli_offline(pristine_root, KEYFILE, add_command), spec.family)
    [del_command] = manager.commands(spec, "del")
    assert _routes(manager.edit(added, spec, "del"), spec.family) == _routes(
        _nmcli_offline(pristine_root, added, del_command), spec.family) == _routes(
        KEYFILE, spec.family)

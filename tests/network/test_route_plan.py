"""Route steps: the live change with its predicted lookup, and the persistent edit for every
network manager, on fixture roots and on the demo hosts. Add then delete gives the file back
byte for byte."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
import yaml

from wizard.host.base import Host
from wizard.host.simulated import SimulatedHost
from wizard.network.managers.base import PersistError
from wizard.network.managers.choose import manager_for
from wizard.network.managers.dhcpcd import Dhcpcd
from wizard.network.managers.ifupdown import Ifupdown
from wizard.network.managers.netplan import Netplan
from wizard.network.managers.network_manager import NetworkManager
from wizard.network.managers.networkd import Networkd
from wizard.network.route_plan import predict, route_steps
from wizard.network.route_spec import RouteContext, RouteRequest, RouteSpec, validate
from wizard.steps import apply_steps
from wizard.steps.step import FileRemove, FileWrite, RouteChange, RunCommand

NETPLAN_GENERATOR = "/usr/lib/systemd/system-generators/netplan"


def root(tmp_path: Path, files: dict[str, str]) -> Host:
    """A tree with these files; netplan YAML comes with netplan's generator, as netplan.io
    installs it (without it nothing reads the YAML)."""
    if any("/netplan/" in path for path in files):
        files = {NETPLAN_GENERATOR: "", **files}
    for path, text in files.items():
        real = tmp_path / "root" / path.lstrip("/")
        real.parent.mkdir(parents=True, exist_ok=True)
        real.write_text(textwrap.dedent(text).lstrip("\n"))
    (tmp_path / "root").mkdir(exist_ok=True)
    return Host(tmp_path / "root", state_dir="/var/lib/kubeadm-wizard")


SPEC = RouteSpec("10.60.0.0/16", 4, "192.0.2.254", out_dev="eth0", metric=50)
SPEC_TABLE = RouteSpec("10.61.0.0/16", 4, "192.0.2.254", out_dev="eth0", table="52")
SPEC_V6 = RouteSpec("fd60::/64", 6, "fd00::fe", out_dev="eth0")
SPEC_DEV_ONLY = RouteSpec("10.62.0.0/16", 4, None, dev="eth0", out_dev="eth0")


def persist_file(host: Host, spec: RouteSpec, op: str) -> FileWrite:
    steps = route_steps(host, spec, op, persist=True)
    return next(a for a in steps[-1].actions if isinstance(a, FileWrite))


def round_trip(host: Host, spec: RouteSpec) -> tuple[str, str]:
    """Apply the add, then the delete; returns (text after add, text after delete)."""
    added = persist_file(host, spec, "add")
    apply_steps(host, [route_steps(host, spec, "add", persist=True)[-1]])
    after_add = host.read_text(added.path)
    apply_steps(host, [route_steps(host, spec, "del", persist=True)[-1]])
    return after_add, host.read_text(added.path)


# ------------------------------------------------------------------------- netplan
NETPLAN_FOUR_SPACES = """
    # written by the installer; keep this comment
    network:
        version: 2
        ethernets:
            eth0:   # the uplink
                dhcp4: true
                nameservers:
                    addresses: [192.0.2.53]
            eth1:
                dhcp4: false
"""


def test_netplan_adds_a_routes_block_in_the_files_own_indentation(tmp_path):
    host = root(tmp_path, {"/etc/netplan/01-netcfg.yaml": NETPLAN_FOUR_SPACES})
    original = host.read_text("/etc/netplan/01-netcfg.yaml")
    manager = manager_for(host, "eth0")
    assert isinstance(manager, Netplan) and (manager.section, manager.key) == ("ethernets", "eth0")
    write = persist_file(host, SPEC, "add")
    assert [line for line in write.diff(host).splitlines() if line.startswith("+ ")] == [
        "+            routes:",
        "+                - to: 10.60.0.0/16",
        "+                  via: 192.0.2.254",
        "+                  metric: 50",
    ]
    after_add, after_del = round_trip(host, SPEC)
    assert "# written by the installer; keep this comment" in after_add
    assert yaml.safe_load(after_add)["network"]["ethernets"]["eth0"]["routes"] == [
        {"to": "10.60.0.0/16", "via": "192.0.2.254", "metric": 50}]
    assert after_del == original


def test_netplan_appends_to_existing_routes_and_deletes_only_its_own(tmp_path):
    text = """
        network:
          version: 2
          ethernets:
            eth0:
              addresses:
                - 192.0.2.10/24
              routes:
                - to: default
                  via: 192.0.2.1
              # a comment after the routes
    """
    host = root(tmp_path, {"/etc/netplan/50-static.yaml": text})
    original = host.read_text("/etc/netplan/50-static.yaml")
    after_add, after_del = round_trip(host, SPEC_V6)
    assert yaml.safe_load(after_add)["network"]["ethernets"]["eth0"]["routes"] == [
        {"to": "default", "via": "192.0.2.1"}, {"to": "fd60::/64", "via": "fd00::fe"}]
    assert '        - to: "fd60::/64"\n          via: "fd00::fe"\n' in after_add
    assert after_del == original
    deleted = persist_file(host, RouteSpec("default", 4, "192.0.2.1", out_dev="eth0"), "del")
    assert "routes" not in yaml.safe_load(deleted.content)["network"]["ethernets"]["eth0"]


def test_netplan_finds_interfaces_by_set_name_and_match_and_the_last_file(tmp_path):
    host = root(tmp_path, {
        "/etc/netplan/10-a.yaml": "network:\n  ethernets:\n    uplink:\n      match:\n"
                                  "        name: en*\n      dhcp4: true\n",
        "/etc/netplan/20-b.yaml": "network:\n  ethernets:\n    nic:\n      match:\n"
                                  "        macaddress: 52:54:00:aa:bb:cc\n"
                                  "      set-name: lan0\n",
    })
    assert (manager_for(host, "enp1s0").path, manager_for(host, "enp1s0").key) == (
        "/etc/netplan/10-a.yaml", "uplink")
    assert manager_for(host, "lan0").key == "nic"
    assert manager_for(host, "wlan0") is None


def test_netplan_in_flow_style_is_refused_with_a_reason(tmp_path):
    host = root(tmp_path, {"/etc/netplan/1.yaml": "network:\n  ethernets:\n"
                                                  "    eth0: {dhcp4: true}\n"})
    with pytest.raises(PersistError, match="flow style; add the route there by hand"):
        persist_file(host, SPEC, "add")


def test_netplan_on_the_vagrant_demo(tmp_path):
    host = SimulatedHost("ubuntu-vagrant", scratch=tmp_path / "demo")
    cloud_init = host.read_text("/etc/netplan/50-cloud-init.yaml")
    spec = validate(RouteRequest("10.70.0.0/16", "10.0.2.2", metric="5"),
                    RouteContext.from_host(host)).spec
    write = persist_file(host, spec, "add")
    assert write.path == "/etc/netplan/50-cloud-init.yaml"
    assert write.diff(host).splitlines()[-5:] == [
        "+            routes:", "+                - to: 10.70.0.0/16",
        "+                  via: 10.0.2.2", "+                  metric: 5", "     version: 2"]
    after_add, after_del = round_trip(host, spec)
    assert after_add.startswith("# This file is generated from information provided by")
    assert after_del == cloud_init


# ------------------------------------------------------------------ NetworkManager
def test_networkmanager_keyfiles_on_the_pi_demo(tmp_path):
    host = SimulatedHost("rpi4-bookworm", scratch=tmp_path / "demo")
    wired = "/etc/NetworkManager/system-connections/Wired connection 1.nmconnection"
    original = host.read_text(wired)
    context = RouteContext.from_host(host)
    spec = validate(RouteRequest("10.60.0.0/16", "192.168.0.254", "eth0", "50", "52"),
                    context).spec
    [live, keep] = route_steps(host, spec, "add", persist=True, context=context)
    assert isinstance(live.actions[0], RouteChange)
    assert keep.actions[0].path == wired
    assert keep.actions[1] == RunCommand(("nmcli", "connection", "reload"),
                                         undo_argv=("nmcli", "connection", "reload"))
    assert keep.shell_commands == (
        "sudo nmcli connection modify 'Wired connection 1' +ipv4.routes "
        "'10.60.0.0/16 192.168.0.254 50 table=52'   # the same change as the diff",)
    assert "[ipv4]\nmethod=auto\nroute1=10.60.0.0/16,192.168.0.254,50\n" \
           "route1_options=table=52\n\n[ipv6]" in keep.actions[0].content
    after_add, after_del = round_trip(host, spec)
    assert after_del == original
    # wlan0's profile names no interface: it is found by its type (wifi)
    wlan = manager_for(host, "wlan0", 4, context.link("wlan0"))
    assert isinstance(wlan, NetworkManager) and wlan.connection == "preconfigured"


def test_networkmanager_numbers_after_existing_routes_and_writes_ipv6(tmp_path):
    host = root(tmp_path, {"/etc/NetworkManager/system-connections/lan.nmconnection": """
        [connection]
        id=lan
        type=ethernet
        interface-name=eth0

        [ipv4]
        method=manual
        address1=192.0.2.10/24
        route1=10.9.0.0/16,192.0.2.1
        routes2=10.8.0.0/16,192.0.2.1

        [ipv6]
        method=auto
    """})
    assert NetworkManager.value(SPEC_DEV_ONLY) == "10.62.0.0/16"
    assert NetworkManager.value(RouteSpec("10.62.0.0/16", 4, metric=7)) == "10.62.0.0/16,0.0.0.0,7"
    write = persist_file(host, SPEC, "add")
    assert "routes2=10.8.0.0/16,192.0.2.1\nroute3=10.60.0.0/16,192.0.2.254,50\n" in write.content
    v6 = persist_file(host, SPEC_V6, "add")
    assert v6.content.endswith("[ipv6]\nmethod=auto\nroute1=fd60::/64,fd00::fe\n")
    original = host.read_text("/etc/NetworkManager/system-connections/lan.nmconnection")
    assert round_trip(host, SPEC)[1] == original


def test_two_wifi_profiles_without_an_interface_are_ambiguous(tmp_path):
    profile = "[connection]\nid={}\ntype=wifi\n[ipv4]\nmethod=auto\n"
    host = root(tmp_path, {f"/etc/NetworkManager/system-connections/{n}.nmconnection":
                           profile.format(n) for n in ("home", "work")})
    with pytest.raises(PersistError, match=r"several NetworkManager connections could bring up "
                                           r"wlan0 \('home', 'work'\)"):
        manager_for(host, "wlan0")


# ---------------------------------------------------------------- systemd-networkd
def test_networkd_appends_a_route_section(tmp_path):
    host = root(tmp_path, {"/etc/systemd/network/10-uplink.network": """
        [Match]
        Name=eth* en*

        [Network]
        DHCP=yes
    """})
    original = host.read_text("/etc/systemd/network/10-uplink.network")
    assert isinstance(manager_for(host, "eth0"), Networkd)
    write = persist_file(host, SPEC_TABLE, "add")
    assert write.content == original + ("\n[Route]\nDestination=10.61.0.0/16\n"
                                        "Gateway=192.0.2.254\nTable=52\n")
    assert round_trip(host, SPEC_TABLE)[1] == original
    assert manager_for(host, "wlan0") is None


def test_networkd_file_from_a_package_gets_a_drop_in(tmp_path):
    host = root(tmp_path, {"/usr/lib/systemd/network/80-ethernet.network":
                           "[Match]\nType=ether\nName=eth0\n\n[Network]\nDHCP=yes\n"})
    write = persist_file(host, SPEC_DEV_ONLY, "add")
    assert write.path == "/etc/systemd/network/80-ethernet.network.d/50-kubeadm-wizard-routes.conf"
    assert write.content == "[Route]\nDestination=10.62.0.0/16\n"
    apply_steps(host, [route_steps(host, SPEC_DEV_ONLY, "add", persist=True)[-1]])
    [remove] = route_steps(host, SPEC_DEV_ONLY, "del", persist=True)[-1].actions
    assert remove == FileRemove(write.path)  # the drop-in held only this route


# ------------------------------------------------------------------------ ifupdown
def test_ifupdown_on_the_ready_demo(tmp_path):
    host = SimulatedHost("ready", scratch=tmp_path / "demo")
    original = host.read_text("/etc/network/interfaces")
    spec = validate(RouteRequest("10.60.0.0/16", "192.0.2.254", metric="7"),
                    RouteContext.from_host(host)).spec
    assert isinstance(manager_for(host, "eth0"), Ifupdown)
    write = persist_file(host, spec, "add")
    assert write.content == original + (
        "\tup ip route add 10.60.0.0/16 via 192.0.2.254 dev eth0 metric 7\n"
        "\tdown ip route del 10.60.0.0/16 via 192.0.2.254 dev eth0 metric 7\n")
    assert round_trip(host, spec)[1] == original


def test_ifupdown_prefers_the_stanza_of_the_family_in_sourced_files(tmp_path):
    host = root(tmp_path, {
        "/etc/network/interfaces": "source /etc/network/interfaces.d/*\n\nauto lo\n"
                                   "iface lo inet loopback\n",
        "/etc/network/interfaces.d/eth0": "auto eth0\niface eth0 inet dhcp\n\n"
                                          "iface eth0 inet6 static\n    address fd00::10/64\n"
                                          "\n# trailing comment\n",
        "/etc/network/interfaces.d/wlan0": "iface wlan0 inet manual\n",
    })
    v6 = persist_file(host, SPEC_V6, "add")
    assert v6.path == "/etc/network/interfaces.d/eth0"
    assert "    address fd00::10/64\n    up ip route add fd60::/64 via fd00::fe dev eth0\n" \
           "    down ip route del fd60::/64 via fd00::fe dev eth0\n\n# trailing" in v6.content
    v4 = persist_file(host, SPEC, "add")
    assert v4.content.startswith("auto eth0\niface eth0 inet dhcp\n    up ip route add")
    assert manager_for(host, "wlan0") is None  # "manual": something else configures it


# -------------------------------------------------------------------------- dhcpcd
def test_dhcpcd_gets_an_exit_hook(tmp_path):
    host = root(tmp_path, {
        "/etc/dhcpcd.conf": "hostname\nclientid\npersistent\ndenyinterfaces veth*\n",
        "/etc/systemd/system/multi-user.target.wants/dhcpcd.service": "[Unit]\n",
        "/etc/dhcpcd.exit-hook": "# local additions\n",
    })
    assert isinstance(manager_for(host, "eth0"), Dhcpcd)
    assert manager_for(host, "veth1") is None
    write = persist_file(host, SPEC, "add")
    assert write.path == "/etc/dhcpcd.exit-hook"
    assert write.content == (
        "# local additions\n"
        "# kubeadm-wizard route 10.60.0.0/16 via 192.0.2.254 dev eth0 metric 50\n"
        'if [ "$interface" = eth0 ] && $if_up; then ip route replace 10.60.0.0/16 via '
        "192.0.2.254 dev eth0 metric 50; fi\n"
        'if [ "$interface" = eth0 ] && $if_down; then ip route del 10.60.0.0/16 via '
        "192.0.2.254 dev eth0 metric 50 2>/dev/null; fi\n")
    assert round_trip(host, SPEC)[1] == "# local additions\n"


def test_a_hook_the_add_created_is_removed_by_the_delete(tmp_path):
    host = root(tmp_path, {
        "/etc/dhcpcd.conf": "hostname\n",
        "/etc/systemd/system/multi-user.target.wants/dhcpcd.service": "[Unit]\n",
    })
    apply_steps(host, [route_steps(host, SPEC, "add", persist=True)[-1]])
    assert host.exists("/etc/dhcpcd.exit-hook")
    apply_steps(host, [route_steps(host, SPEC, "del", persist=True)[-1]])
    assert not host.exists("/etc/dhcpcd.exit-hook")


# ----------------------------------------------------------------------- no manager
def test_nothing_to_persist_into_is_said(tmp_path):
    host = root(tmp_path, {"/etc/hostname": "bare\n"})
    with pytest.raises(PersistError, match="Nothing on root .* configures eth0 from a file"):
        route_steps(host, SPEC, "add", persist=True)
    with pytest.raises(PersistError, match="Name the interface"):
        route_steps(host, RouteSpec("10.60.0.0/16", 4, "192.0.2.254"), "add", persist=True)
    with pytest.raises(PersistError, match="has no route to 10.60.0.0/16 under eth0"):
        persist_file(root(tmp_path / "np", {"/etc/netplan/a.yaml":
                                            "network:\n  ethernets:\n    eth0:\n"
                                            "      dhcp4: true\n"}), SPEC, "del")


# --------------------------------------------------------------------- live steps
def test_live_step_predicts_the_lookup_on_a_demo(tmp_path):
    host = SimulatedHost("ubuntu-vagrant", scratch=tmp_path / "demo")
    context = RouteContext.from_host(host)
    spec = validate(RouteRequest("192.168.57.0/24", "192.168.56.1"), context).spec
    [step] = route_steps(host, spec, "add", context=context)
    assert step.shell_commands == ("sudo ip route add 192.168.57.0/24 via 192.168.56.1 "
                                   "dev enp0s8",)
    assert step.why == (
        "Today `ip route get 192.168.57.1` answers: 192.168.57.1 via 10.0.2.2 dev enp0s3 src "
        "10.0.2.15. After the change: 192.168.57.1 via 192.168.56.1 dev enp0s8 src "
        "192.168.56.10.")
    assert step.verify == ("ip route get 192.168.57.1 answers: 192.168.57.1 via 192.168.56.1 "
                           "dev enp0s8 src 192.168.56.10")
    assert not step.is_done(host)
    apply_steps(host, [step])
    assert step.is_done(host)


def test_a_route_nothing_would_use_is_flagged(tmp_path):
    host = SimulatedHost("ubuntu-vagrant", scratch=tmp_path / "demo")
    context = RouteContext.from_host(host)
    spec = validate(RouteRequest("10.70.0.0/16", "192.168.56.1", table="52"), context).spec
    [step] = route_steps(host, spec, "add", context=context)
    assert step.why.endswith("Nothing would use the new route yet: no policy rule sends packets "
                             "to table 52 yet (ip rule add ... lookup 52).")
    assert step.verify == "ip route show 10.70.0.0/16 table 52 lists it"
    backup = validate(RouteRequest("default", "192.168.56.1", metric="500"), context).spec
    prediction = predict(context, backup, "add")
    assert (prediction.probe, prediction.decides) == ("198.51.100.1", False)
    assert prediction.after["gateway"] == "10.0.2.2"  # the metric 100 default still wins


def test_on_a_root_image_the_live_change_waits_for_boot(tmp_path):
    host = root(tmp_path, {"/etc/network/interfaces": "iface eth0 inet dhcp\n"})
    [live, keep] = route_steps(host, SPEC, "add", persist=True)
    assert live.why.startswith("Packets for 10.60.0.0/16 get this route; the host is not running")
    outcomes = apply_steps(host, [live, keep])
    assert [o.status for o in outcomes] == ["deferred", "applied"]
    assert "up ip route add 10.60.0.0/16" in host.read_text("/etc/network/interfaces")


def test_cli_on_a_root_image_writes_the_config_and_defers_the_route(tmp_path, capsys):
    from wizard.cli import main

    host = root(tmp_path, {"/etc/network/interfaces": "auto eth0\niface eth0 inet dhcp\n"})
    assert main(["route", "add", "10.60.0.0/16", "via", "192.0.2.254", "--root",
                 str(host.root), "--persist"]) == 2
    assert "--persist: Name the interface (dev)" in capsys.readouterr().err
    assert main(["route", "add", "10.60.0.0/16", "via", "192.0.2.254", "dev", "eth0",
                 "--root", str(host.root), "--persist"]) == 0
    out = capsys.readouterr().out
    assert "deferred  Add the route 10.60.0.0/16 via 192.0.2.254 dev eth0" in out
    assert "own lookup" not in out  # nothing to verify on a system that is not running
    assert host.read_text("/etc/network/interfaces").endswith(
        "up ip route add 10.60.0.0/16 via 192.0.2.254 dev eth0\n"
        "    down ip route del 10.60.0.0/16 via 192.0.2.254 dev eth0\n")


def test_netplan_outside_etc_is_not_edited(tmp_path):
    host = root(tmp_path, {"/run/netplan/90-generated.yaml":
                           "network:\n  ethernets:\n    eth0:\n      dhcp4: true\n"})
    with pytest.raises(PersistError, match=r"eth0 is defined in /run/netplan/90-generated.yaml, "
                                           r"which the wizard does not edit"):
        persist_file(host, SPEC, "add")

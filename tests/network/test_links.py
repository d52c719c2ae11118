"""Links and addresses read over our own netlink equal what pyroute2 (the reader they
replace, still a dependency) reports, on a namespace with a bridge and its port, a veth
pair, several addresses and scopes and, where the kernel has them, a VLAN, a VXLAN and a
macvlan. Needs root."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from wizard.host.base import Host
from wizard.host.network import LiveNetwork
from wizard.network.rtnetlink.links import dump_links_and_addresses

SETUP = """link set lo up
link add v0 type veth peer name v1
link add br0 type bridge
link set v1 master br0
link set v0 up
link set br0 up
link set v0 mtu 9000
addr add 10.1.0.1/24 dev v0
addr add 10.1.0.9/24 dev v0
addr add 192.168.5.1/24 dev br0
addr add fd01::1/64 dev v0
addr add 172.16.0.1/16 dev br0 scope link
"""
OPTIONAL = ("vx0 type vxlan id 5 dstport 4789", "m0 link v0 type macvlan",
            "link v0 name v0.10 type vlan id 10")


@pytest.fixture(scope="module")
def namespace():
    if os.geteuid() != 0 or shutil.which("ip") is None:
        pytest.skip("needs root and iproute2 to create a network namespace")
    name = f"kwt-links-{os.getpid()}"
    if subprocess.run(["ip", "netns", "add", name], capture_output=True).returncode:
        pytest.skip("cannot create network namespaces here")
    try:
        subprocess.run(["ip", "-n", name, "-batch", "-"], input=SETUP, text=True, check=True,
                       capture_output=True)
        for spec in OPTIONAL:  # where the kernel has the module
            subprocess.run(["ip", "-n", name, "link", "add", *spec.split()], capture_output=True)
        yield name
    finally:
        subprocess.run(["ip", "netns", "delete", name], capture_output=True)


def pyroute2_view(name: str):
    from pyroute2 import IPRoute

    with IPRoute(netns=name, flags=0) as ipr:
        links = [(link["index"], link.get("ifname"),
                  (link.get("IFLA_LINKINFO") or {}).get("IFLA_INFO_KIND")
                  if link.get("IFLA_LINKINFO") else None, bool(link["flags"] & 0x8),
                  link.get("IFLA_ADDRESS") or "", link.get("IFLA_MTU") or 0,
                  link.get("IFLA_OPERSTATE") or "UNKNOWN", link.get("IFLA_MASTER") or 0)
                 for link in ipr.get_links()]
        addresses = [(a["index"], a["family"], a.get("IFA_ADDRESS"), a["prefixlen"], a["scope"])
                     for a in ipr.get_addr()]
    return links, addresses


def test_links_and_addresses_equal_pyroute2(namespace):
    links, addresses = dump_links_and_addresses(namespace)
    ours = ([(link.index, link.name, link.kind, link.loopback, link.mac, link.mtu, link.state,
              link.master) for link in links],
            [(a.index, a.family, a.address, a.prefixlen, a.scope) for a in addresses])
    assert ours == pyroute2_view(namespace)
    assert {link.kind for link in links} >= {"veth", "bridge"}
    assert any(link.master for link in links)


def test_the_host_view_names_masters_and_scopes(namespace):
    links = {link.name: link for link in LiveNetwork(Host("/"), namespace).links()}
    assert links["v1"].master == "br0"
    assert links["v0"].mtu == 9000
    assert [a.cidr for a in links["v0"].addresses if a.family == 4] == ["10.1.0.1/24",
                                                                        "10.1.0.9/24"]
    assert sorted((a.cidr, a.scope) for a in links["br0"].addresses if a.family == 4) == [
        ("172.16.0.1/16", "link"), ("192.168.5.1/24", "global")]

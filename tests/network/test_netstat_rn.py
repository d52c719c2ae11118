"""The netstat view against net-tools' own `netstat -rn` in a namespace the test built.

The seed teaches `netstat -rn`; a learner puts the wizard's view beside it, so the rows,
their order, flags and columns must be what the real program prints. IPv6 compares every
column but Ref (the kernel's reference count, which netlink does not carry).
net-tools is installed by tests/run.sh.
"""

from __future__ import annotations

import subprocess
import sys
import time

from wizard.network.rtnetlink.decode import dump_routes
from wizard.network.rtnetlink.netstat_format import netstat_rn6_text, netstat_rn_text

_REF = 4  # the Ref column of `netstat -rn -A inet6`


def real_netstat(namespace: str, *options: str) -> str:
    return subprocess.run(["ip", "netns", "exec", namespace, "netstat", "-rn", *options],
                          check=True, capture_output=True, text=True).stdout.rstrip("\n")


def ipv6_cells(text: str) -> list[list[str]]:
    return [[cell for i, cell in enumerate(line.split()) if i != _REF]
            for line in text.splitlines()[2:]]


def test_ipv4_is_netstat_rn_character_for_character(scenario):
    # Every route type, multipath, an IPv6 next hop, metrics (MSS, window, rtt), policy tables.
    assert netstat_rn_text(dump_routes(scenario.name)) == real_netstat(scenario.name)


def test_ipv6_is_netstat_rn_inet6_row_for_row(scenario):
    ours = netstat_rn6_text(dump_routes(scenario.name))
    real = real_netstat(scenario.name, "-A", "inet6")
    assert ours.splitlines()[:2] == real.splitlines()[:2]
    assert ipv6_cells(ours) == ipv6_cells(real)


_SEND_ROUTER_ADVERTISEMENT = r"""
import socket, struct, sys
dev = sys.argv[1]
s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_HOPS, 255)
s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, dev.encode())
ra = struct.pack("!BBHBBHII", 134, 0, 0, 64, 0, 1800, 0, 0)
prefix = struct.pack("!BBBBIII16s", 3, 4, 64, 0xC0, 3600, 1800, 0,
                     socket.inet_pton(socket.AF_INET6, "fd77::"))
s.sendto(ra + prefix, ("ff02::1", 0, 0, socket.if_nametoindex(dev)))
"""


def test_routes_learnt_from_a_router_advertisement_carry_its_flags(netns):
    """A real RA, sent inside the namespace from one end of a veth pair to the other: the
    default router and the on-link prefix it announces get D, A and e; a route added by hand
    with `proto ra` gets none of them."""
    netns.ip("link", "add", "ra0", "type", "veth", "peer", "name", "ra1")
    for link in ("ra0", "ra1"):
        netns.ip("link", "set", link, "up")
    netns.ip("-6", "route", "add", "fd99::/64", "dev", "ra0", "proto", "ra")
    deadline = time.monotonic() + 10
    while "default" not in netns.ip("-6", "route").stdout:
        assert time.monotonic() < deadline, "the kernel took no route from the advertisement"
        subprocess.run(["ip", "netns", "exec", netns.name, sys.executable, "-c",
                        _SEND_ROUTER_ADVERTISEMENT, "ra1"], check=True, capture_output=True)
        time.sleep(0.3)
    ours = ipv6_cells(netstat_rn6_text(dump_routes(netns.name)))
    assert ours == ipv6_cells(real_netstat(netns.name, "-A", "inet6"))
    flags = {(row[0], row[-1]): row[2] for row in ours}
    assert flags[("::/0", "ra0")] == "UGDAe"
    assert flags[("fd77::/64", "ra0")] == "UAe"
    assert flags[("fd99::/64", "ra0")] == "U"



def test_routes_netstat_prints_what_netstat_prints(scenario, capsys):
    from wizard.cli import main

    assert main(["routes", "--netstat", "--netns", scenario.name]) == 0
    assert capsys.readouterr().out.rstrip("\n") == real_netstat(scenario.name)
    assert main(["routes", "--netstat", "-6", "--netns", scenario.name]) == 0
    assert ipv6_cells(capsys.readouterr().out) == ipv6_cells(
        real_netstat(scenario.name, "-A", "inet6"))
    assert main(["routes", "--netstat", "--json", "--netns", scenario.name]) == 2
    assert "--netstat" in capsys.readouterr().err

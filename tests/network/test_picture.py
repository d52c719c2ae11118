"""The picture of the network on the demo hosts: adapters, addresses, gateways, the default
route, why the advertise address matters, the last lookup's path, and 80 columns."""

from __future__ import annotations

import pytest

from wizard.checks.network import advertise_facts
from wizard.host.network import Address, Link
from wizard.host.simulated import SimulatedHost
from wizard.network.lookup import lookup
from wizard.network.picture import build_picture, render
from wizard.network.rtnetlink.route_table import RouteTable


def demo(name: str, tmp_path):
    network = SimulatedHost(name, scratch=tmp_path / name).network
    links, routes = network.links(), network.routes()
    addresses = {link.name: [a.cidr for a in link.addresses] for link in links}
    return network, advertise_facts(links, routes), routes, addresses


def drawn(picture, width: int = 80) -> list[str]:
    return [line.text for line in render(picture, width)]


def line_with(lines: list[str], *words: str) -> str:
    found = [line for line in lines if all(word in line for word in words)]
    assert found, f"no line with {words} in:\n" + "\n".join(lines)
    return found[0]


def test_the_pi_shows_both_adapters_on_one_lan_and_the_default_it_follows(tmp_path):
    _network, facts, routes, _ = demo("rpi4-bookworm", tmp_path)
    lines = drawn(build_picture("pi", facts, routes))
    assert "192.168.0.23 ◀ advertised" not in "\n".join(lines)  # the marker follows the CIDR
    assert line_with(lines, "eth0", "192.168.0.23/24 ◀ advertised")
    wlan = line_with(lines, "wlan0", "192.168.0.24/24")
    assert "◀" not in wlan
    assert len([line for line in lines if "network 192.168.0.0/24" in line]) == 2
    assert line_with(lines, "the same LAN as wlan0")
    assert line_with(lines, "the same LAN as eth0")
    kubeadms = line_with(lines, "gateway 192.168.0.1", "★ default, metric 100")
    assert "kubeadm follows it" in kubeadms
    spare = line_with(lines, "gateway 192.168.0.1", "default, metric 600")
    assert "★" not in spare
    # the gateway of the preferred default hangs under eth0's branch, the spare under wlan0's
    assert lines.index(kubeadms) < lines.index(wlan) < lines.index(spare)


def test_the_vagrant_vm_shows_the_nat_address_every_vm_has_and_where_nodes_meet(tmp_path):
    _network, facts, routes, _ = demo("ubuntu-vagrant", tmp_path)
    lines = drawn(build_picture("vm", facts, routes))
    text = "\n".join(lines)
    assert line_with(lines, "enp0s3", "10.0.2.15/24 ◀ advertised")
    assert line_with(lines, "gateway 10.0.2.2", "★ default")
    assert "every VM has 10.0.2.15 here" in text
    assert "advertised, it cuts this node off" in text
    assert line_with(lines, "enp0s8", "192.168.56.10/24")
    assert "the nodes meet here, at 192.168.56.10" in text
    chosen = "\n".join(drawn(build_picture("vm", facts, routes, chosen="192.168.56.10")))
    assert "192.168.56.10/24 ◀ advertised (your choice)" in chosen
    assert "10.0.2.15/24 (kubeadm's default)" in chosen
    assert "cuts this node off" not in chosen


@pytest.mark.parametrize("name", ["rpi4-bookworm", "ubuntu-vagrant"])
def test_a_lookup_marks_rule_table_route_and_next_hop(tmp_path, name):
    network, facts, routes, addresses = demo(name, tmp_path)
    answer = lookup(routes, network.rules(), "8.8.8.8", addresses=addresses)
    before = drawn(build_picture("h", facts, routes))
    lines = drawn(build_picture("h", facts, routes, answer=answer, dst="8.8.8.8"))
    assert not any("━▶" in line for line in before if not line.startswith("★"))
    marked = [line for line in lines if "━▶" in line and not line.startswith("★")]
    dev, gateway = answer["dev"], answer["gateway"]
    assert len(marked) == 3  # the adapter, its network, the gateway
    assert dev in marked[0] and "network" in marked[1] and f"gateway {gateway}" in marked[2]
    path = " ".join(line.strip() for line in lines if "packet to" in line or line.startswith(" "))
    assert "packet to 8.8.8.8" in path
    assert "rule 32766: from all lookup main" in path and "table main" in path
    assert f"route default via {gateway} dev {dev}" in path
    assert f"out {dev}" in path and f"next hop {gateway}" in path
    spans = [span for line in render(build_picture("h", facts, routes, answer=answer,
                                                   dst="8.8.8.8")) for span in line.spans]
    assert any(span.style == "path" for span in spans)


def test_a_lookup_on_the_lan_marks_the_network_not_a_gateway(tmp_path):
    network, facts, routes, addresses = demo("ubuntu-vagrant", tmp_path)
    answer = lookup(routes, network.rules(), "192.168.56.11", addresses=addresses)
    lines = drawn(build_picture("vm", facts, routes, answer=answer, dst="192.168.56.11"))
    marked = [line for line in lines if "━▶" in line and not line.startswith("★")]
    assert len(marked) == 2 and "enp0s8" in marked[0] and "192.168.56.0/24" in marked[1]
    assert any("next hop on-link" in line for line in lines)


def test_a_route_through_a_gateway_hangs_under_its_network(tmp_path):
    network, facts, _routes, _ = demo("ubuntu-vagrant", tmp_path)
    network.add_route({"dst": "10.10.0.0/16", "gateway": "192.168.56.1", "dev": "enp0s8"})
    lines = drawn(build_picture("vm", facts, network.routes()))
    hop = line_with(lines, "gateway 192.168.56.1", "10.10.0.0/16")
    assert lines.index(hop) > lines.index(line_with(lines, "network 192.168.56.0/24"))


@pytest.mark.parametrize("name", ["rpi4-bookworm", "ubuntu-vagrant", "ready"])
@pytest.mark.parametrize("width", [80, 50])
def test_no_line_is_wider_than_asked(tmp_path, name, width):
    network, facts, routes, addresses = demo(name, tmp_path)
    answer = lookup(routes, network.rules(), "8.8.8.8", addresses=addresses)
    for line in render(build_picture("a-rather-long-host-label", facts, routes, answer=answer,
                                     dst="8.8.8.8"), width):
        assert len(line.text) <= width, line.text
        assert all(0 <= span.start <= span.end <= len(line.text) for span in line.spans)


def synthetic():
    links = [Link(1, "lo", "loopback", addresses=(Address("lo", 4, "127.0.0.1", 8, "host"),)),
             Link(2, "eth0", "physical", state="UP",
                  addresses=(Address("eth0", 4, "10.1.0.5", 24),)),
             Link(3, "docker0", "bridge", state="DOWN",
                  addresses=(Address("docker0", 4, "172.17.0.1", 16),))]
    routes = RouteTable.from_iproute_json([
        {"dst": "default", "gateway": "10.1.0.1", "dev": "eth0", "metric": 100},
        {"dst": "default", "table": "100", "nexthops": [
            {"gateway": "10.1.0.2", "dev": "eth0"}, {"gateway": "10.1.0.3", "dev": "eth0"}]},
        {"dst": "10.1.0.0/24", "dev": "eth0", "scope": "link", "prefsrc": "10.1.0.5"},
        {"dst": "172.17.0.0/16", "dev": "docker0", "scope": "link", "prefsrc": "172.17.0.1"},
        {"type": "unreachable", "dst": "192.0.2.0/24"},
        {"type": "local", "dst": "10.1.0.5", "dev": "eth0", "table": "local", "scope": "host",
         "prefsrc": "10.1.0.5"},
    ])
    rules = [{"priority": 0, "src": "all", "table": "local"},
             {"priority": 100, "src": "10.1.0.5", "table": "100"},
             {"priority": 32766, "src": "all", "table": "main"}]
    addresses = {link.name: [a.cidr for a in link.addresses] for link in links}
    return advertise_facts(links, routes), routes, rules, addresses


def test_another_table_a_multipath_route_and_a_container_bridge():
    facts, routes, rules, addresses = synthetic()
    answer = lookup(routes, rules, "8.8.8.8", "10.1.0.5", addresses=addresses)
    lines = drawn(build_picture("box", facts, routes, answer=answer, dst="8.8.8.8"))
    assert line_with(lines, "gateway 10.1.0.2", "default (table 100)").lstrip("│ ").startswith(
        "├━▶")  # the path the replay took: the first usable next hop
    assert line_with(lines, "gateway 10.1.0.3", "default (table 100)")
    assert "━▶" not in line_with(lines, "gateway 10.1.0.1")
    assert line_with(lines, "rule 100: from 10.1.0.5 lookup 100", "table 100")
    assert line_with(lines, "no other node is on it")
    assert not any("reach this host at 172.17.0.1" in line for line in lines)


def test_a_refused_and_a_local_lookup_say_so():
    facts, routes, rules, addresses = synthetic()
    refused = lookup(routes, rules, "192.0.2.7", addresses=addresses)
    lines = drawn(build_picture("box", facts, routes, answer=refused, dst="192.0.2.7"))
    assert line_with(lines, "packet to 192.0.2.7:", refused["error"])
    assert not any("━▶" in line for line in lines if not line.startswith("★"))
    local = lookup(routes, rules, "10.1.0.5", addresses=addresses)
    lines = drawn(build_picture("box", facts, routes, answer=local, dst="10.1.0.5"))
    assert any("delivered to this host" in line for line in lines)
    assert not any("━▶" in line for line in lines if not line.startswith("★"))


def test_a_full_table_is_still_a_picture_and_a_lookup_still_lights_its_path():
    """A router's table (here 30,000 routes through one gateway and 40 on-link ones) must not
    become 30,000 words of picture: it drew every destination, 590 MB at 100k in the TUI."""
    links = [Link(2, "eth0", "physical", state="UP",
                  addresses=(Address("eth0", 4, "10.1.0.5", 24),))]
    table = [{"dst": "default", "gateway": "10.1.0.1", "dev": "eth0", "metric": 100},
             {"dst": "10.1.0.0/24", "dev": "eth0", "scope": "link", "prefsrc": "10.1.0.5"}]
    table += [{"dst": f"{20 + n // 65536}.{n // 256 % 256}.{n % 256}.0/24",
               "gateway": "10.1.0.1", "dev": "eth0"} for n in range(30_000)]
    table += [{"dst": f"198.18.{n}.0/24", "dev": "eth0", "scope": "link"} for n in range(40)]
    routes = RouteTable.from_iproute_json(table)
    facts = advertise_facts(links, routes)
    rules = [{"priority": 32766, "src": "all", "table": "main"}]
    answer = lookup(routes, rules, "20.0.7.9", addresses={"eth0": ["10.1.0.5/24"]})
    lines = drawn(build_picture("router", facts, routes, answer=answer, dst="20.0.7.9"))
    assert len(lines) < 40
    gateway = line_with(lines, "gateway 10.1.0.1", "default")
    assert "━▶" in gateway  # the looked-up packet's next hop is still marked
    assert line_with(lines, "and 29,9") and line_with(lines, "on-link: 34 more destinations")

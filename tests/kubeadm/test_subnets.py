"""Pod and Service ranges against a host's addresses and routes, and the free block suggested."""

from __future__ import annotations

from pathlib import Path

from wizard.host.base import Host
from wizard.host.network import Address, NetworkView
from wizard.kubeadm.subnets import subnet_conflicts
from wizard.network.rtnetlink.route_table import RouteTable


class Network(NetworkView):
    """A host's network as data: routes given as `ip -j route show` dicts."""

    def __init__(self, addresses=(), routes=()) -> None:
        self._addresses, self._routes = list(addresses), list(routes)

    def addresses(self):
        return self._addresses

    def routes(self):
        return RouteTable.from_iproute_json(self._routes)


def host_with(tmp_path: Path, network) -> Host:
    host = Host(tmp_path)
    host.__dict__["network"] = network  # what the cached property would have found
    return host


HOME = Network(
    addresses=[Address("lo", 4, "127.0.0.1", 8, "host"), Address("eth0", 4, "192.168.1.20", 24),
               Address("docker0", 4, "172.17.0.1", 16), Address("cni0", 4, "10.244.0.1", 24)],
    routes=[{"dst": "default", "gateway": "192.168.1.1", "dev": "eth0"},
            {"dst": "192.168.1.0/24", "dev": "eth0", "scope": "link"},
            {"dst": "10.0.0.0/8", "dev": "wg0"},
            {"dst": "10.244.1.0/24", "dev": "flannel.1", "gateway": "10.244.1.0"},
            {"type": "broadcast", "dst": "192.168.1.255", "dev": "eth0", "table": "local"},
            {"type": "multicast", "dst": "ff00::/8", "dev": "eth0", "table": "local"}])


def test_a_vpn_route_over_the_pod_range_is_found_and_a_free_block_suggested(tmp_path):
    report = subnet_conflicts(host_with(tmp_path, HOME), ["10.244.0.0/16", "10.96.0.0/12"])

    assert report.skipped == ""
    assert [c.where for c in report.for_cidr("10.244.0.0/16")] == ["route 10.0.0.0/8 dev wg0"]
    assert [c.network for c in report.for_cidr("10.96.0.0/12")] == ["10.0.0.0/8"]
    # 10/8 is taken and docker0 holds 172.17/16: the nearest free /16 is 172.16.0.0/16.
    assert report.suggestions["10.244.0.0/16"] == "172.16.0.0/16"
    # No private /12 is free here: 10/8 is routed, docker0 sits in 172.16/12, 192.168/16 is
    # smaller than a /12.
    assert "10.96.0.0/12" not in report.suggestions


def test_cluster_links_default_routes_and_broadcasts_are_not_conflicts(tmp_path):
    quiet = Network(addresses=HOME.addresses()[:2] + HOME.addresses()[3:],
                    routes=[r for r in HOME._routes if r.get("dev") != "wg0"])
    report = subnet_conflicts(host_with(tmp_path, quiet), ["10.244.0.0/16"])

    assert report.conflicts == {} and report.suggestions == {}


def test_the_lan_and_calicos_default_collide(tmp_path):
    report = subnet_conflicts(host_with(tmp_path, HOME), ["192.168.0.0/16"])

    assert [c.where for c in report.for_cidr("192.168.0.0/16")] == [
        "address 192.168.1.20/24 on eth0", "route 192.168.1.0/24 dev eth0"]
    # 10/8 is routed through wg0 and docker0 holds 172.17/16.
    assert report.suggestions["192.168.0.0/16"] == "172.16.0.0/16"


def test_dual_stack_pairs_and_custom_tables_are_understood(tmp_path):
    network = Network(routes=[{"dst": "fd00:10:244::/48", "dev": "tun0"},
                              {"dst": "10.250.0.0/16", "dev": "eth1", "table": "100"}])
    report = subnet_conflicts(host_with(tmp_path, network),
                              ["10.244.0.0/16,fd00:10:244::/56", "10.96.0.0/12"])

    assert report.for_cidr("10.244.0.0/16") == []
    assert [c.where for c in report.for_cidr("fd00:10:244::/56")] == [
        "route fd00:10:244::/48 dev tun0"]
    # The /56s after it are inside the routed /48 up to its end; the next one is free.
    assert report.suggestions["fd00:10:244::/56"] == "fd00:10:245::/56"
    table = subnet_conflicts(host_with(tmp_path, network), ["10.250.0.0/24"])
    assert table.for_cidr("10.250.0.0/24")[0].where == "route 10.250.0.0/16 dev eth1 (table 100)"


def test_without_a_network_to_read_the_check_is_skipped_with_the_reason(tmp_path):
    image = Host(tmp_path)  # a mounted image: no running network
    assert "has no running network" in subnet_conflicts(image, ["10.244.0.0/16"]).skipped

    class Broken(Network):
        def routes(self):
            raise PermissionError(13, "Permission denied")

    report = subnet_conflicts(host_with(tmp_path, Broken()), ["10.244.0.0/16"])
    assert "could not be read (Permission denied)" in report.skipped

"""CIDR overlap: every local address and route (every table) a range collides with, named,
and the nearest free private block of the same size."""

from __future__ import annotations

import ipaddress

import pytest

from wizard.host.base import Host
from wizard.host.simulated import SimulatedHost
from wizard.network.overlap import (
    NetworkUnavailable,
    UsedNetwork,
    find_overlaps,
    free_block_near,
    overlaps,
    suggest_free_block,
)


def explained(found) -> list[str]:
    return [overlap.explanation for overlap in found]


def test_vagrant_pod_range_over_the_nat_network(tmp_path):
    host = SimulatedHost("ubuntu-vagrant", scratch=tmp_path / "demo")
    found = find_overlaps(["10.0.0.0/8"], host)
    assert explained(found) == [
        "10.0.0.0/8 overlaps 10.0.2.0/24: address 10.0.2.15/24 on enp0s3",
        "10.0.0.0/8 overlaps 10.0.2.0/24: route 10.0.2.0/24 dev enp0s3",
        "10.0.0.0/8 overlaps 10.0.2.2/32: route 10.0.2.2 dev enp0s3",
        "10.0.0.0/8 overlaps 10.0.2.3/32: route 10.0.2.3 dev enp0s3",
        "10.0.0.0/8 overlaps 10.0.2.15/32: route local 10.0.2.15 dev enp0s3 (table local)",
        "10.0.0.0/8 overlaps 10.0.2.255/32: route broadcast 10.0.2.255 dev enp0s3 (table local)",
    ]
    # 10/8 is the only private /8, and 10.0.2.0/24 is in it: no block of that size is free
    assert free_block_near("10.0.0.0/8", host) is None
    assert free_block_near("10.0.0.0/16", host) == "10.1.0.0/16"
    # the default route via 10.0.2.2 covers every range and is never reported
    assert all(o.used.network.prefixlen for o in find_overlaps(["8.8.0.0/16"], host))
    assert find_overlaps(["10.244.0.0/16", "10.96.0.0/12"], host) == []


def test_calico_default_on_the_pi_home_lan(tmp_path):
    host = SimulatedHost("rpi4-bookworm", scratch=tmp_path / "demo")
    found = find_overlaps(["192.168.0.0/16"], host)
    assert {o.used.where for o in found if o.used.network.prefixlen == 24} == {
        "address 192.168.0.23/24 on eth0", "address 192.168.0.24/24 on wlan0",
        "route 192.168.0.0/24 dev eth0", "route 192.168.0.0/24 dev wlan0"}
    assert free_block_near("192.168.0.0/16", host) == "10.0.0.0/16"  # wrapped round


def test_ranges_given_together_are_checked_against_each_other(tmp_path):
    host = SimulatedHost("ready", scratch=tmp_path / "demo")
    assert explained(find_overlaps(["10.96.0.0/12", "10.100.0.0/16,fd00::/108"], host)) == [
        "10.96.0.0/12 overlaps 10.100.0.0/16: the range 10.100.0.0/16, also given"]
    assert free_block_near("10.100.0.0/16", host, avoid=["10.96.0.0/12"]) == "10.112.0.0/16"


def test_every_table_of_a_real_namespace(scenario, tmp_path):
    host = Host("/", netns=scenario.name, state_dir=str(tmp_path))
    found = find_overlaps(["100.64.0.0/10", "fd7a:115c:a1e0::/48", "10.0.0.0/8"], host)
    wheres = {o.used.where for o in found}
    assert "route 100.64.0.0/10 dev v0 (table 52)" in wheres
    assert "route fd7a:115c:a1e0::/48 dev v0 (table 52)" in wheres
    assert "route throw 10.0.0.0/8 (table 52)" in wheres
    assert "route 10.4.0.0/16 via 10.1.0.3 dev v0 (table 1000)" in wheres
    assert "address 10.2.1.1/24 on br0" in wheres
    assert "route unreachable 10.8.0.0/16" in wheres
    kernel = scenario.ip_json("route", "show", "table", "all", "root", "10.0.0.0/8")
    kernel += scenario.ip_json("route", "show", "table", "all", "match", "10.0.0.0/8")
    kernel = [r for r in kernel if r["dst"] != "default"]
    ours = [o for o in found if o.cidr == "10.0.0.0/8" and o.used.kind == "route"]
    assert len(ours) == len({(r["dst"], r.get("table"), r.get("type"), r.get("gateway"),
                              r.get("metric"), r.get("dev")) for r in kernel})
    assert not any(o.used.network.prefixlen == 0 for o in found)


def test_a_root_image_has_no_network_to_compare(tmp_path):
    with pytest.raises(NetworkUnavailable, match="has no running network"):
        find_overlaps(["10.244.0.0/16"], Host(tmp_path))


@pytest.mark.parametrize("cidr, used, expected", [
    ("10.244.0.0/16", ["10.0.0.0/8"], "172.16.0.0/16"),
    ("10.244.0.0/16", ["10.244.0.0/16", "10.245.0.0/16"], "10.246.0.0/16"),
    ("10.244.0.0/16", [], "10.244.0.0/16"),  # free already: at the requested one
    ("192.168.255.0/24", ["192.168.255.0/24"], "10.0.0.0/24"),  # wraps to the first block
    ("172.31.0.0/16", ["172.16.0.0/12", "192.168.0.0/16"], "10.0.0.0/16"),
    ("10.96.0.0/12", ["10.96.0.0/20", "10.100.0.0/24"], "10.112.0.0/12"),
    ("8.8.8.0/24", [], "10.0.0.0/24"),  # not private: the first private block after it
    ("10.0.0.0/7", [], None),  # bigger than any private block
    ("10.0.0.0/8", ["10.0.2.0/24"], None),
    ("fd00::/64", ["fd00::/16", "fd01::/64"], "fd01:0:0:1::/64"),
    ("fd12:3456::/48", [], "fd12:3456::/48"),
    ("2001:db8::/64", [], "fd00::/64"),
])
def test_suggest_free_block(cidr, used, expected):
    assert suggest_free_block(cidr, used) == expected


def test_suggest_free_block_skips_a_crowded_block_in_a_few_steps():
    used = [f"10.{n}.0.0/16" for n in range(256)]  # all of 10/8, one /16 at a time
    assert suggest_free_block("10.7.0.0/24", used) == "172.16.0.0/24"
    assert suggest_free_block("fd00::/64", ["fd00::/9"]) == "fd80::/64"


def test_pure_overlaps_with_mixed_families():
    used = [UsedNetwork(ipaddress.ip_network("fd00::/64"), "address", "address fd00::1/64 on x"),
            UsedNetwork(ipaddress.ip_network("10.1.0.0/16"), "route", "route 10.1.0.0/16")]
    assert explained(overlaps(["10.0.0.0/8,fd00::/48", "not-a-cidr"], used)) == [
        "10.0.0.0/8 overlaps 10.1.0.0/16: route 10.1.0.0/16",
        "fd00::/48 overlaps fd00::/64: address fd00::1/64 on x"]

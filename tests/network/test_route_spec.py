"""Route requests checked field by field: one clear sentence per problem, as the kernel judges."""

from __future__ import annotations

import pytest

from wizard.host.network import Address, Link
from wizard.host.simulated import SimulatedHost
from wizard.network.route_spec import (
    RouteContext,
    RouteRequest,
    RouteSpec,
    validate,
)
from wizard.network.rtnetlink.route_table import RouteTable


def _link(index: int, name: str, state: str, *cidrs: str) -> Link:
    addresses = tuple(Address(name, 6 if ":" in c else 4, c.split("/")[0], int(c.split("/")[1]))
                      for c in cidrs)
    return Link(index, name, "veth", state=state, addresses=addresses)


@pytest.fixture
def context() -> RouteContext:
    """v0 (10.1.0.1/24, fd01::1/64), br0 (10.2.0.1/24), d0 down, and a few routes."""
    links = (_link(1, "lo", "UNKNOWN", "127.0.0.1/8"),
             _link(2, "v0", "UP", "10.1.0.1/24", "fd01::1/64"),
             _link(3, "br0", "UP", "10.2.0.1/24"),
             _link(4, "d0", "DOWN"))
    routes = RouteTable.from_iproute_json([
        {"dst": "default", "gateway": "10.1.0.254", "dev": "v0", "flags": []},
        {"dst": "10.1.0.0/24", "dev": "v0", "protocol": "kernel", "scope": "link", "flags": []},
        {"dst": "10.2.0.0/24", "dev": "br0", "protocol": "kernel", "scope": "link", "flags": []},
        {"dst": "10.12.0.0/16", "dev": "br0", "scope": "link", "flags": []},
        {"dst": "10.60.0.0/16", "gateway": "10.1.0.9", "dev": "v0", "metric": 20, "flags": []},
        {"dst": "10.70.0.0/16", "gateway": "10.2.0.9", "dev": "br0", "table": "52",
         "flags": []},
        {"dst": "fd01::/64", "dev": "v0", "protocol": "kernel", "metric": 256, "flags": [],
         "pref": "medium"},
    ])
    return RouteContext(links, routes, ())


def messages(request: RouteRequest, context: RouteContext | None = None, op: str = "add"
             ) -> dict[str, list[str]]:
    verdict = validate(request, context, op)
    found: dict[str, list[str]] = {}
    for problem in verdict.problems:
        found.setdefault(problem.field, []).append(problem.message)
    return found


@pytest.mark.parametrize("dst, expected", [
    ("", "Give the destination: a prefix such as 10.96.0.0/12, a single address, or default."),
    ("10.1.2.300/24", "'10.1.2.300/24' is not an IPv4 or IPv6 address or prefix."),
    ("kube-pods", "'kube-pods' is not an IPv4 or IPv6 address or prefix."),
    ("10.1.2.3/16", "10.1.2.3/16 has host bits set: the network it lies in is 10.1.0.0/16."),
    ("fd00::1/64", "fd00::1/64 has host bits set: the network it lies in is fd00::/64."),
    ("10.1.0.0/33", "'33' is not a prefix length: IPv4 allows 0 to 32."),
])
def test_destination_messages(dst, expected):
    assert messages(RouteRequest(dst, dev="eth0"))["dst"] == [expected]


@pytest.mark.parametrize("request_, field, expected", [
    (RouteRequest("10.60.0.0/16", gateway="10.1.0"), "gateway",
     "'10.1.0' is not an IP address."),
    (RouteRequest("fd00::/64", gateway="10.1.0.1"), "gateway",
     "The gateway 10.1.0.1 is IPv4 but the destination fd00::/64 is IPv6: both must be the same "
     "family."),
    (RouteRequest("10.60.0.0/16", gateway="0.0.0.0"), "gateway",
     "0.0.0.0 cannot be a gateway: it must be the unicast address of a neighbour."),
    (RouteRequest("10.60.0.0/16", dev="eth0", metric="4294967296"), "metric",
     "'4294967296' is not a metric: use a whole number from 0 to 4294967295 (the lowest wins)."),
    (RouteRequest("10.60.0.0/16", dev="eth0", metric="-1"), "metric",
     "'-1' is not a metric: use a whole number from 0 to 4294967295 (the lowest wins)."),
    (RouteRequest("10.60.0.0/16", dev="eth0", table="tailscale-ish"), "table",
     "'tailscale-ish' is not a routing table: use a number from 1 to 4294967295 or a name from "
     "rt_tables (main, local, default, ...)."),
    (RouteRequest("10.60.0.0/16", dev="eth0", table="0"), "table",
     "'0' is not a routing table: use a number from 1 to 4294967295 or a name from rt_tables "
     "(main, local, default, ...)."),
    (RouteRequest("10.60.0.0/16"), "route",
     "Give a gateway (via) or an interface (dev): the kernel must know where to send the "
     "packets."),
])
def test_syntax_messages_need_no_host(request_, field, expected):
    verdict = validate(request_)
    assert verdict.spec is None
    assert verdict.messages(field) == [expected]


def test_a_good_request_without_host_becomes_a_spec_in_iproute2_spelling():
    verdict = validate(RouteRequest(" 10.60.0.7 ", "10.1.0.254", "eth0", "0", "main"))
    assert verdict.problems == ()
    spec = verdict.spec
    assert (spec.dst, spec.prefix, spec.family) == ("10.60.0.7", "10.60.0.7/32", 4)
    # main and an IPv4 metric 0 are what `ip -j route show` leaves out
    assert spec.route_fields() == {"dst": "10.60.0.7", "gateway": "10.1.0.254", "dev": "eth0"}
    assert spec.change("add").shell_text == "ip route add 10.60.0.7 via 10.1.0.254 dev eth0"
    default6 = validate(RouteRequest("default", "fd01::fe", "v0", table="52")).spec
    assert (default6.dst, default6.prefix, default6.effective_metric) == ("default", "::/0", 1024)
    assert default6.describe() == "default via fd01::fe dev v0 table 52"


def test_host_checks(context):
    assert messages(RouteRequest("10.60.0.0/16", dev="eth9"), context)["dev"] == [
        "There is no interface named 'eth9' here (there are: br0, d0, lo, v0)."]
    assert messages(RouteRequest("10.80.0.0/16", "10.9.0.1"), context)["gateway"] == [
        "10.9.0.1 is not on any connected network (this host has: 127.0.0.0/8 on lo, "
        "10.1.0.0/24 on v0, 10.2.0.0/24 on br0); the kernel would answer 'Nexthop has invalid "
        "gateway'."]
    assert messages(RouteRequest("10.80.0.0/16", "10.2.0.254", "v0"), context)["gateway"] == [
        "10.2.0.254 is reached through br0, not v0: the kernel would refuse this route."]
    assert messages(RouteRequest("10.60.0.0/16", "10.1.0.8", metric="20"), context)["route"] == [
        "Table main already has 10.60.0.0/16 with metric 20 (via 10.1.0.9 dev v0): choose "
        "another metric, or delete that route first."]
    assert messages(RouteRequest("fd05::/64", "fe80::1"), context)["gateway"] == [
        "A link-local gateway (fe80::1) is only meaningful on one link: choose the interface "
        "(dev)."]


def test_a_gateway_behind_a_link_scope_route_is_connected(context):
    """10.12.0.0/16 dev br0 (no address there) makes 10.12.3.4 a valid next hop on br0."""
    verdict = validate(RouteRequest("10.80.0.0/16", "10.12.3.4"), context)
    assert verdict.problems == () and verdict.spec.out_dev == "br0"


def test_warnings_leave_the_route_valid(context):
    down = validate(RouteRequest("10.80.0.0/16", dev="d0"), context)
    assert [p.message for p in down.warnings] == [
        "d0 is down (DOWN): the route carries nothing until the link is up, and the kernel "
        "refuses it while the link is switched off."]
    assert down.spec is not None and down.spec.out_dev == "d0"
    own = validate(RouteRequest("10.80.0.0/16", "10.1.0.1"), context)
    assert own.warnings and "this host's own address (on v0)" in own.warnings[0].message
    assert own.spec is not None


def test_same_prefix_other_metric_or_table_is_no_duplicate(context):
    assert validate(RouteRequest("10.60.0.0/16", "10.1.0.8", metric="30"), context).spec
    assert validate(RouteRequest("10.60.0.0/16", "10.1.0.8", metric="20", table="52"),
                    context).spec
    # the duplicate in table 52 is found there
    assert "Table 52 already has" in messages(
        RouteRequest("10.70.0.0/16", "10.2.0.8", table="52"), context)["route"][0]


def test_delete_finds_the_route_and_spells_it_as_it_was_added(context):
    verdict = validate(RouteRequest("10.60.0.0/16"), context, "del")
    assert verdict.problems == ()
    assert verdict.spec.describe() == "10.60.0.0/16 via 10.1.0.9 dev v0 metric 20"
    assert messages(RouteRequest("10.61.0.0/16"), context, "del")["route"] == [
        "There is no route 10.61.0.0/16 in table main to delete."]
    assert messages(RouteRequest("10.60.0.0/16", "10.1.0.7"), context, "del")["route"] == [
        "There is no route 10.60.0.0/16 via 10.1.0.7 in table main to delete."]
    # IPv6: the kernel's default metric 1024 stays implicit
    assert validate(RouteRequest("fd01::/64"), context, "del").spec.describe() == (
        "fd01::/64 dev v0 metric 256")


@pytest.mark.parametrize("words, expected", [
    (["10.60.0.0/16", "via", "10.1.0.1", "dev", "v0", "metric", "5", "table", "52"],
     RouteRequest("10.60.0.0/16", "10.1.0.1", "v0", "5", "52")),
    (["default", "dev", "wg0", "priority", "7"], RouteRequest("default", dev="wg0", metric="7")),
])
def test_words_as_ip_route_takes_them(words, expected):
    assert RouteRequest.from_words(words) == expected


@pytest.mark.parametrize("words, message", [
    ([], "give the destination prefix first, e.g. 10.96.0.0/12"),
    (["10.60.0.0/16", "gw", "10.1.0.1"], "unexpected word 'gw': expected via, dev, metric or "
                                         "table"),
    (["10.60.0.0/16", "via"], "'via' needs a value"),
    (["10.60.0.0/16", "dev", "a", "dev", "b"], "'dev' is given twice"),
])
def test_bad_words(words, message):
    with pytest.raises(ValueError, match="^" + message.replace("(", r"\(").replace(")", r"\)")
                       .replace(".", r"\.") + "$"):
        RouteRequest.from_words(words)


def test_context_from_a_demo_host(tmp_path):
    host = SimulatedHost("ubuntu-vagrant", scratch=tmp_path / "demo")
    context = RouteContext.from_host(host)
    assert [link.name for link in context.links] == ["lo", "enp0s3", "enp0s8"]
    verdict = validate(RouteRequest("192.168.57.0/24", "192.168.56.1"), context)
    assert verdict.spec == RouteSpec("192.168.57.0/24", 4, "192.168.56.1", out_dev="enp0s8")

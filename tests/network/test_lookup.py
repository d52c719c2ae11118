"""The simulated route lookup against the kernel's own answer (``ip -j route get``).

Normalisations, each because the simulation knowingly cannot or does not say more:

* only the keys that describe the decision are compared (type, dst, from, gateway,
  dev, table, prefsrc, error; metric for IPv6). ``flags``, ``uid`` and ``cache`` are
  per-lookup kernel bookkeeping.
* multipath: the kernel picks one path by a flow hash; the simulation lists every
  usable path. The kernel's gateway and dev must be one of them, and the source is
  compared only when all paths leave through the same interface.
* a refused lookup is compared by its error text (``RTNETLINK answers: ...``).
"""

from __future__ import annotations

import json
import random
import socket
from typing import TYPE_CHECKING, Any

import pytest

from wizard.network.lookup import Resolver, kubeadm_advertise_address, lookup
from wizard.network.policy_rules import describe_rule
from wizard.network.route_words import describe_route_get
from wizard.network.rtnetlink.decode import dump_addresses, dump_routes
from wizard.network.rtnetlink.iproute_format import to_iproute_json
from wizard.network.rtnetlink.route_get import kernel_route_get
from wizard.network.rtnetlink.route_table import RouteTable
from wizard.network.rtnetlink.rules import dump_rules

if TYPE_CHECKING:
    from conftest import Netns

DECISION_KEYS = ("type", "dst", "from", "gateway", "via", "dev", "table", "prefsrc", "error")


def _decision(answer: dict[str, Any], family: int) -> dict[str, Any]:
    keys = DECISION_KEYS + (("metric",) if family == socket.AF_INET6 else ())
    if "error" in answer:
        return {"error": answer["error"]}
    return {key: answer[key] for key in keys if key in answer}


def assert_same_decision(ours: dict[str, Any], kernel: dict[str, Any], family: int) -> None:
    """Kernel and simulation agree; on failure the message shows the simulation's trace."""
    expected, actual = _decision(kernel, family), _decision(ours, family)
    hops = ours.get("nexthops")
    if hops and "error" not in expected:
        kernel_gateway = expected.get("gateway") or expected.get("via", {}).get("host")
        assert (kernel_gateway, expected.get("dev")) in [
            (hop["gateway"], hop["dev"]) for hop in hops
        ]
        several_devs = len({hop["dev"] for hop in hops}) > 1
        for key in ("gateway", "via", "dev", *(("prefsrc",) if several_devs else ())):
            expected.pop(key, None)
            actual.pop(key, None)
    assert actual == expected, "\n".join(ours.get("trace", []))


def _assert_highlight_is_consistent(answer: dict[str, Any], routes: RouteTable,
                                    rules: list[dict[str, Any]]) -> None:
    """The row and rule a UI would highlight really are the ones that decided."""
    if answer["rule"] is not None:
        assert answer["rule"] in rules
    if answer["route_index"] is None:
        return
    route = routes.route_by_index(answer["route_index"])
    assert route == answer["route"]
    covering = routes.filter(match=answer["dst"], table=route.table)
    assert covering.position_of(route.index) is not None


@pytest.mark.parametrize("family", [socket.AF_INET, socket.AF_INET6], ids=["ipv4", "ipv6"])
def test_lookup_decides_like_the_kernel(scenario: Netns, family: int) -> None:
    routes, rules = dump_routes(scenario.name), dump_rules(scenario.name)
    resolver = Resolver(routes, rules, dump_addresses(scenario.name))
    for dst, src in scenario.random_queries(family, 250):
        ours = resolver.lookup(dst, src)
        assert_same_decision(ours, scenario.route_get(dst, src), family)
        _assert_highlight_is_consistent(ours, routes, rules)


@pytest.mark.parametrize("mark", [0x10, 0x110, 0x11])
def test_firewall_marks_select_rules_like_the_kernel(scenario: Netns, mark: int) -> None:
    """The scenario's ``fwmark 0x10/0xff`` rule: 0x10 and 0x110 match it, 0x11 does not."""
    resolver = Resolver(dump_routes(scenario.name), dump_rules(scenario.name),
                        dump_addresses(scenario.name))
    for dst, src in scenario.random_queries(socket.AF_INET, 30):
        kernel = scenario.route_get(dst, src, mark=mark)
        kernel.pop("mark", None)
        assert_same_decision(resolver.lookup(dst, src, mark=mark), kernel, socket.AF_INET)


def test_one_resolver_asked_from_mixed_sources_marks_and_uids_answers_like_the_kernel(
        scenario: Netns) -> None:
    """The resolver sorts its rules once per (source, mark, uid): asked in a shuffled mix
    of them, each answer must still be the kernel's for that very flow (the scenario's
    rules select on from, not from, fwmark and uidrange)."""
    resolver = Resolver(dump_routes(scenario.name), dump_rules(scenario.name),
                        dump_addresses(scenario.name))
    rng = random.Random(13)
    flows = [(dst, src, mark, uid)
             for dst, src in scenario.random_queries(socket.AF_INET, 40)
             for mark, uid in ((0, 0), (0x10, 0), (0x11, 150), (0x110, 0), (0, 150), (0, 300))]
    rng.shuffle(flows)
    for dst, src, mark, uid in flows[:400]:
        kernel = scenario.route_get(dst, src, mark=mark, uid=uid)
        for key in ("mark", "uid"):
            kernel.pop(key, None)
        assert_same_decision(resolver.lookup(dst, src, mark=mark, uid=uid), kernel,
                             socket.AF_INET)


def test_the_trace_is_worded_when_read_and_names_what_decided(
        scenario: Netns, monkeypatch: pytest.MonkeyPatch) -> None:
    """``trace`` is put into words only when read (a lookup that nobody explains does not
    pay for it), once, and then says the same as a fresh resolver's trace read at once:
    the rule and the route that decided are the last ones it names."""
    routes, rules = dump_routes(scenario.name), dump_rules(scenario.name)
    addresses = dump_addresses(scenario.name)
    resolver = Resolver(routes, rules, addresses)
    worded: list[tuple[object, ...]] = []
    replay = Resolver._traced

    def counted(self: Resolver, *question: Any) -> list[str]:
        if self is resolver:
            worded.append(question)
        return replay(self, *question)

    monkeypatch.setattr(Resolver, "_traced", counted)
    questions = [(family, dst, src, mark) for family in (socket.AF_INET, socket.AF_INET6)
                 for dst, src in scenario.random_queries(family, 60) for mark in (0, 0x10)]
    answers = [resolver.lookup(dst, src, mark=mark) for _family, dst, src, mark in questions]
    assert worded == []
    for answer, (family, dst, src, mark) in zip(answers, questions, strict=True):
        lines = list(answer["trace"])
        assert lines and answer["trace"] == lines and lines == answer["trace"]
        assert json.loads(json.dumps(lines)) == list(answer["trace"])
        assert lines == Resolver(routes, rules, addresses).lookup(dst, src, mark=mark)["trace"]
        if answer["rule"] is not None:
            passed = [line for line in lines if line.startswith("rule ")]
            assert passed[-1] == "rule " + describe_rule(answer["rule"], family)
        route = answer["route"]
        if route is not None:
            candidates = [line for line in lines if line.startswith("  /")]
            assert candidates[-1].startswith(f"  /{route.dst_len}: ")
            assert route.dst in candidates[-1]
    assert len(worded) == len(answers)  # each trace worded once, however often read


@pytest.mark.parametrize("family", [socket.AF_INET, socket.AF_INET6], ids=["ipv4", "ipv6"])
def test_lookup_on_iproute_dicts_equals_lookup_on_the_dump(scenario: Netns, family: int) -> None:
    """A simulated host is described with ``ip -j`` dicts; it must decide the same way.

    Plain rule dicts carry no family, so each family gets its own ``ip rule`` output.
    """
    option = "-6" if family == socket.AF_INET6 else "-4"
    addresses = dump_addresses(scenario.name)
    from_dump = Resolver(dump_routes(scenario.name), dump_rules(scenario.name, family), addresses)
    from_dicts = Resolver(
        scenario.ip_json("route", "show", "table", "all"),
        scenario.ip_json(option, "rule", "show"),
        addresses,
    )
    for dst, src in scenario.random_queries(family, 150):
        ours, theirs = from_dicts.lookup(dst, src), from_dump.lookup(dst, src)
        assert _decision(ours, family) == _decision(theirs, family)
        assert ours["route_index"] == theirs["route_index"]
        if ours["route"] is not None:
            assert to_iproute_json(ours["route"]) == to_iproute_json(theirs["route"])


@pytest.mark.parametrize("family", [socket.AF_INET, socket.AF_INET6], ids=["ipv4", "ipv6"])
def test_without_rules_the_default_rules_apply(netns: Netns, family: int) -> None:
    """No ``ip rule`` changes in this namespace: rules=None must mean the kernel's
    defaults (local, main, default), including the throw in main that ends the walk."""
    netns.add_links()
    netns.add_routes(skip_table="1000")
    routes, addresses = dump_routes(netns.name), dump_addresses(netns.name)
    for dst, src in netns.random_queries(family, 120):
        ours = lookup(routes, None, dst, src, addresses=addresses)
        assert_same_decision(ours, netns.route_get(dst, src), family)


def test_kubeadm_address_follows_the_main_default_route(netns: Netns) -> None:
    netns.add_links()
    netns.batch(["addr add 10.1.0.7/24 dev v0", "route add default via 10.1.0.254",
                 "route add default via 10.2.0.254 metric 50", "-6 route add default via fd02::fe"])
    routes, addresses = dump_routes(netns.name), dump_addresses(netns.name)
    first_default = netns.ip_json("route", "show", "default")[0]
    first_address = netns.ip_json("-4", "addr", "show", "dev", first_default["dev"])[0]
    assert kubeadm_advertise_address(routes, addresses) == first_address["addr_info"][0]["local"]
    global_v6 = [a["local"] for a in netns.ip_json("-6", "addr", "show", "dev", "br0")[0][
        "addr_info"] if a["scope"] == "global"]
    assert kubeadm_advertise_address(routes, addresses, socket.AF_INET6) == global_v6[0]

    netns.ip("route", "replace", "default", "via", "10.1.0.254", "src", "10.1.0.7")
    routes = dump_routes(netns.name)
    assert kubeadm_advertise_address(routes, addresses) == "10.1.0.7"


def test_kubeadm_address_needs_a_default_route() -> None:
    routes = [{"dst": "192.0.2.0/24", "dev": "eth0", "protocol": "kernel", "scope": "link",
               "prefsrc": "192.0.2.10", "flags": []}]
    assert kubeadm_advertise_address(routes, {"eth0": ["192.0.2.10/24"]}) is None


@pytest.mark.parametrize("family", [socket.AF_INET, socket.AF_INET6], ids=["ipv4", "ipv6"])
def test_a_refused_source_is_named_as_the_cause_like_the_kernel_path(
        scenario: Netns, family: int) -> None:
    """The kernel answers a refused source with a blackhole's or a missing route's errno;
    the live path tells them apart by asking again without the source, the simulation by
    its model of ip_route_output_key_hash_rcu(). Both must name the same cause."""
    routes, rules = dump_routes(scenario.name), dump_rules(scenario.name)
    resolver = Resolver(routes, rules, dump_addresses(scenario.name))
    sourced = [(dst, src) for dst, src in scenario.random_queries(family, 250) if src]
    for dst, src in sourced:
        kernel = kernel_route_get(dst, src, netns=scenario.name)
        assert resolver.lookup(dst, src).get("cause") == kernel.get("cause"), (dst, src, kernel)


def test_the_source_is_named_only_where_it_made_the_lookup_fail(netns: Netns) -> None:
    netns.add_links()
    netns.batch(["addr add 10.1.0.7/24 dev v0", "route add default via 10.1.0.254",
                 "route add blackhole 198.51.100.0/24"])
    cases = {("10.1.0.20", "127.0.0.1"): "source", ("10.1.0.20", "10.9.9.9"): "source",
             ("10.1.0.20", "224.0.0.1"): "source", ("198.51.100.1", "10.1.0.7"): None,
             ("198.51.100.1", None): None}
    routes, addresses = dump_routes(netns.name), dump_addresses(netns.name)
    for (dst, src), cause in cases.items():
        kernel = kernel_route_get(dst, src, netns=netns.name)
        assert kernel["error"] == netns.route_get(dst, src)["error"], (dst, src)
        assert kernel.get("cause") == cause, (dst, src, kernel)
        assert lookup(routes, None, dst, src, addresses=addresses).get("cause") == cause
        worded = describe_route_get(kernel)
        assert ("blackhole" in worded) == (cause is None), worded

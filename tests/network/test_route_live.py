"""The route helper against a real kernel: a network namespace with veth pairs.

Validation reads the namespace's live links and routes, the steps go through netlink, the
verification asks the kernel, and the CLI does the same from the command line.
"""

from __future__ import annotations

import os
import sys

import pytest

import wizard.cli
from wizard.host.base import Host
from wizard.network.route_plan import route_steps, verify_route
from wizard.network.route_spec import RouteContext, RouteRequest, RouteSpec, validate
from wizard.steps import apply_steps


@pytest.fixture
def lab(netns):
    """v0 (10.50.0.1/24, fd50::1/64) up with its peer; a0 switched off."""
    netns.batch(["link add v0 type veth peer name v1", "link set v0 up", "link set v1 up",
                 "addr add 10.50.0.1/24 dev v0", "addr add fd50::1/64 dev v0",
                 "link add a0 type veth peer name a1"])
    return netns


@pytest.fixture
def host(lab, tmp_path) -> Host:
    return Host("/", netns=lab.name, state_dir=str(tmp_path / "state"))


def test_validation_reads_the_live_namespace(lab, host):
    context = RouteContext.from_host(host)
    unknown = validate(RouteRequest("10.60.0.0/16", dev="eth0"), context)
    assert unknown.messages("dev") == [
        "There is no interface named 'eth0' here (there are: a0, a1, lo, v0, v1)."]
    off = validate(RouteRequest("10.60.0.0/16", dev="a0"), context)
    assert off.warnings[0].message.startswith("a0 is down (DOWN)")
    far = validate(RouteRequest("10.60.0.0/16", "10.99.0.1"), context)
    assert far.messages("gateway")[0].startswith("10.99.0.1 is not on any connected network "
                                                 "(this host has: ")
    # and the kernel agrees with each verdict
    assert "Nexthop has invalid gateway" in lab.ip("route", "add", "10.60.0.0/16", "via",
                                                   "10.99.0.1", check=False).stderr
    assert lab.ip("route", "add", "10.60.0.0/16", "dev", "a0", check=False).returncode != 0


def test_add_verify_and_delete_through_netlink(lab, host):
    context = RouteContext.from_host(host)
    spec = validate(RouteRequest("10.60.0.0/16", "10.50.0.254", metric="50"), context).spec
    assert spec.out_dev == "v0"
    steps = route_steps(host, spec, "add", context=context)
    assert steps[0].verify == ("ip route get 10.60.0.1 answers: 10.60.0.1 via 10.50.0.254 "
                               "dev v0 src 10.50.0.1")
    assert verify_route(host, spec) == "10.60.0.0/16 via 10.50.0.254 dev v0 metric 50 is not " \
                                       "in table main."
    [outcome] = apply_steps(host, steps)
    assert outcome.status == "applied", outcome.messages
    assert lab.ip_json("route", "show", "10.60.0.0/16") == [
        {"dst": "10.60.0.0/16", "gateway": "10.50.0.254", "dev": "v0", "metric": 50,
         "flags": []}]
    assert verify_route(host, spec) is None
    assert lab.route_get("10.60.0.1")["gateway"] == "10.50.0.254"
    # now it is a duplicate, and deleting it is what validation accepts
    again = RouteContext.from_host(host)
    assert validate(RouteRequest("10.60.0.0/16", "10.50.0.7", metric="50"), again).messages(
        "route")[0].startswith("Table main already has 10.60.0.0/16 with metric 50")
    removal = validate(RouteRequest("10.60.0.0/16"), again, "del").spec
    assert verify_route(host, removal, "del") == ("10.60.0.0/16 via 10.50.0.254 dev v0 metric "
                                                  "50 is still in table main.")
    [outcome] = apply_steps(host, route_steps(host, removal, "del"))
    assert outcome.status == "applied", outcome.messages
    assert lab.ip_json("route", "show", "10.60.0.0/16") == []
    assert verify_route(host, removal, "del") is None


def test_ipv6_and_a_custom_table(lab, host):
    context = RouteContext.from_host(host)
    spec = validate(RouteRequest("fd60::/64", "fd50::fe", table="52"), context).spec
    [step] = route_steps(host, spec, "add", context=context)
    assert "no policy rule sends packets to table 52" in step.why
    assert apply_steps(host, [step])[0].status == "applied"
    assert lab.ip_json("-6", "route", "show", "table", "52") == [
        {"dst": "fd60::/64", "gateway": "fd50::fe", "dev": "v0", "metric": 1024, "flags": [],
         "pref": "medium"}]
    assert verify_route(host, spec) is None


# --------------------------------------------------------------------------- CLI
@pytest.fixture
def cli(host, monkeypatch, capsys):
    """`kubeadm-wizard ...` in this process, journaling into the test's state dir."""
    monkeypatch.setattr(wizard.cli, "make_host", lambda args: host)
    monkeypatch.delenv("SSH_CONNECTION", raising=False)

    def run(*args: str) -> tuple[int, str, str]:
        code = wizard.cli.main(list(args))
        out = capsys.readouterr()
        return code, out.out, out.err

    return run


def test_cli_route_add_dry_run_and_del(lab, cli):
    code, out, _ = cli("route", "add", "10.61.0.0/16", "via", "10.50.0.254", "--netns", lab.name,
                       "--dry-run")
    assert code == 0 and "$ sudo ip route add 10.61.0.0/16 via 10.50.0.254 dev v0" in out
    assert out.rstrip().endswith("Dry run: nothing was changed.")
    assert lab.ip_json("route", "show", "10.61.0.0/16") == []

    code, out, _ = cli("route", "add", "10.61.0.0/16", "via", "10.50.0.254", "--netns", lab.name)
    assert code == 0, out
    assert "verify: the host's own lookup agrees." in out
    assert lab.ip_json("route", "show", "10.61.0.0/16")[0]["gateway"] == "10.50.0.254"

    code, out, _ = cli("route", "del", "10.61.0.0/16", "--netns", lab.name)
    assert code == 0, out
    assert "ran ip route del 10.61.0.0/16 via 10.50.0.254 dev v0" in out
    assert lab.ip_json("route", "show", "10.61.0.0/16") == []


def test_cli_usage_errors_are_one_line(lab, cli):
    code, _, err = cli("route", "add", "10.61.0.0/16", "via", "10.99.0.1", "--netns", lab.name)
    assert code == 2 and len(err.splitlines()) == 1
    assert "10.99.0.1 is not on any connected network" in err
    code, _, err = cli("route", "del", "10.62.0.0/16", "--netns", lab.name)
    assert (code, err.strip()) == (2, "kubeadm-wizard: error: There is no route 10.62.0.0/16 in "
                                      "table main to delete.")


def test_cli_reverts_an_unconfirmed_change_to_the_ssh_path(lab, cli, monkeypatch):
    """From 10.50.0.77 over SSH: a host route sending its replies via a router is applied,
    nobody confirms (stdin at end of file), and it is reverted."""
    monkeypatch.setenv("SSH_CONNECTION", "10.50.0.77 52000 10.50.0.1 22")
    with open(os.devnull) as nobody:
        monkeypatch.setattr(sys, "stdin", nobody)
        code, out, _ = cli("route", "add", "10.50.0.77", "via", "10.50.0.254", "--netns",
                           lab.name)
    assert code == 1
    assert "You are connected over SSH from 10.50.0.77: replies to it leave dev v0 now and " \
           "would leave via 10.50.0.254 dev v0 after this change." in out
    assert "Not confirmed: the route change was reverted." in out
    assert lab.ip_json("route", "show", "10.50.0.77") == []


def test_spec_for_a_live_change_can_be_built_directly(host, lab):
    """The plan does not need validation to run first (the page may rebuild specs)."""
    spec = RouteSpec("10.63.0.0/16", 4, dev="v0", out_dev="v0")
    assert apply_steps(host, route_steps(host, spec))[0].status == "applied"
    assert lab.ip_json("route", "show", "10.63.0.0/16")[0]["dev"] == "v0"

"""The SSH guard: which route changes move the path back to the operator, and the split of a
plan into now / keep / revert."""

from __future__ import annotations

import os

import pytest

from wizard.cli_network import ask_to_keep
from wizard.host.simulated import SimulatedHost
from wizard.network.route_plan import route_steps
from wizard.network.route_spec import RouteContext, RouteRequest, RouteSpec, validate
from wizard.network.ssh_guard import changes_ssh_path, guard_plan, ssh_client
from wizard.steps import apply_steps
from wizard.steps.step import FileWrite, RouteChange

# The operator sits on the host-only network and reaches the VM's enp0s8 address.
ON_HOST_ONLY = {"SSH_CONNECTION": "192.168.56.1 50022 192.168.56.10 22"}
# ... or comes in from far away through VirtualBox's NAT, over the default route.
FROM_AFAR = {"SSH_CONNECTION": "203.0.113.9 40000 10.0.2.15 22"}


@pytest.fixture
def vagrant(tmp_path) -> SimulatedHost:
    return SimulatedHost("ubuntu-vagrant", scratch=tmp_path / "demo")


@pytest.mark.parametrize("env, expected", [
    (ON_HOST_ONLY, "192.168.56.1"),
    ({"SSH_CONNECTION": "fe80::1%eth0 50000 fe80::2%eth0 22"}, "fe80::1"),
    ({"SSH_CONNECTION": "2001:db8::7 50000 2001:db8::1 22"}, "2001:db8::7"),
    ({}, None),
    ({"SSH_CONNECTION": "garbage"}, None),
    ({"SSH_CONNECTION": "host.example 1 2 3"}, None),
])
def test_ssh_client(env, expected):
    assert ssh_client(env) == expected


def test_reads_the_environment_by_default(monkeypatch):
    monkeypatch.setenv("SSH_CONNECTION", FROM_AFAR["SSH_CONNECTION"])
    assert ssh_client() == "203.0.113.9"


def test_a_route_that_captures_the_client_is_caught(vagrant):
    spec = RouteSpec("192.168.56.0/25", 4, "10.0.2.2", out_dev="enp0s3")
    assert changes_ssh_path(vagrant, spec, "add", env=ON_HOST_ONLY) == (
        "You are connected over SSH from 192.168.56.1: replies to it leave dev enp0s8 now and "
        "would leave via 10.0.2.2 dev enp0s3 after this change. If that path does not reach "
        "you the session freezes, so the change is reverted after 30 s unless you confirm "
        "that it still answers.")


def test_deleting_the_default_route_under_a_remote_operator(vagrant):
    context = RouteContext.from_host(vagrant)
    spec = validate(RouteRequest("default"), context, "del").spec
    warning = changes_ssh_path(vagrant, spec, "del", env=FROM_AFAR, context=context)
    assert "replies to it leave via 10.0.2.2 dev enp0s3 now and would leave nowhere " \
           "(unreachable: Network is unreachable)" in warning


@pytest.mark.parametrize("spec, env", [
    # does not cover the client
    (RouteSpec("10.60.0.0/16", 4, "192.168.56.1", out_dev="enp0s8"), ON_HOST_ONLY),
    # covers it, but the lookup already ends the same way
    (RouteSpec("192.168.56.0/25", 4, None, dev="enp0s8", out_dev="enp0s8"), ON_HOST_ONLY),
    # the other family
    (RouteSpec("default", 6, "fe80::1", dev="enp0s8", out_dev="enp0s8"), FROM_AFAR),
    # the session does not go through this network stack (server address not ours)
    (RouteSpec("default", 4, "192.168.56.1", metric=1, out_dev="enp0s8"),
     {"SSH_CONNECTION": "203.0.113.9 40000 172.17.0.2 22"}),
    # not over SSH at all
    (RouteSpec("default", 4, "192.168.56.1", metric=1, out_dev="enp0s8"), {}),
])
def test_changes_that_leave_the_session_alone(vagrant, spec, env):
    assert changes_ssh_path(vagrant, spec, "add", env=env) is None


def test_a_lower_metric_default_route_moves_the_remote_session(vagrant):
    spec = RouteSpec("default", 4, "192.168.56.1", metric=1, out_dev="enp0s8")
    assert "would leave via 192.168.56.1 dev enp0s8" in changes_ssh_path(vagrant, spec, "add",
                                                                          env=FROM_AFAR)


def test_guard_plan_applies_the_live_change_alone_and_reverts_only_netlink(vagrant):
    context = RouteContext.from_host(vagrant)
    spec = validate(RouteRequest("default", "192.168.56.1", metric="1"), context).spec
    steps = route_steps(vagrant, spec, "add", persist=True, context=context)
    guard = guard_plan(steps, "why")
    assert [s.id for s in guard.now] == ["route-add-default"]
    assert [s.id for s in guard.on_keep] == ["route-add-default-persist"]
    assert isinstance(guard.on_keep[0].actions[0], FileWrite)
    [revert] = guard.on_revert
    assert revert.actions == (RouteChange.of("del", dst="default", gateway="192.168.56.1",
                                             dev="enp0s8", metric=1),)
    apply_steps(vagrant, list(guard.now))
    assert vagrant.network.route_get("203.0.113.9")["gateway"] == "192.168.56.1"
    apply_steps(vagrant, list(guard.on_revert))
    assert vagrant.network.route_get("203.0.113.9")["gateway"] == "10.0.2.2"


def test_the_cli_prompt_times_out_to_no_and_takes_a_yes():
    read, write = os.pipe()
    with os.fdopen(read) as stream, os.fdopen(write, "w") as writer:
        assert ask_to_keep("Keep?", timeout=0.1, stream=stream) is False
        writer.write("y\n")
        writer.flush()
        assert ask_to_keep("Keep?", timeout=5, stream=stream) is True

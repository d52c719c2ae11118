"""The netlink monitor in a real namespace: each kind of change is noticed, bursts come as one
answer, quiet means an empty answer on time, and a missing namespace says so."""

from __future__ import annotations

import socket
import time

import pytest

from wizard.network.monitor import ADDRESSES, EVERYTHING, LINKS, ROUTES, RULES, NetlinkMonitor
from wizard.network.rtnetlink.netns_socket import NetnsNotFoundError


@pytest.fixture
def watched(netns):
    netns.ip("link", "add", "v0", "type", "veth", "peer", "name", "v1")
    netns.ip("link", "set", "v0", "up")
    netns.ip("addr", "add", "10.1.0.1/24", "dev", "v0")
    with NetlinkMonitor(netns.name) as monitor:
        monitor.wait_for_change(0.2)  # whatever setting up the links still announces
        yield netns, monitor


def test_quiet_namespace_answers_nothing_on_time(watched):
    _netns, monitor = watched
    started = time.monotonic()
    assert monitor.wait_for_change(0.3) == frozenset()
    assert 0.25 < time.monotonic() - started < 1.0


@pytest.mark.parametrize(("command", "kind"), [
    (("route", "add", "10.9.0.0/16", "via", "10.1.0.2"), ROUTES),
    (("-6", "route", "add", "fd09::/64", "dev", "v0"), ROUTES),
    (("rule", "add", "to", "10.77.0.0/16", "lookup", "52"), RULES),
    (("-6", "rule", "add", "to", "fd77::/16", "lookup", "52"), RULES),
    (("addr", "add", "fd01::1/64", "dev", "v0"), ADDRESSES),
    (("link", "set", "v1", "mtu", "1400"), LINKS),
])
def test_each_kind_of_change_is_noticed(watched, command, kind):
    netns, monitor = watched
    netns.ip(*command)
    assert kind in monitor.wait_for_change(2.0)


def test_a_burst_is_one_answer(watched):
    netns, monitor = watched
    netns.batch(f"route add 10.{n >> 8}.{n & 255}.0/24 via 10.1.0.2 table 52"
                for n in range(512, 512 + 5000))
    started = time.monotonic()
    first = monitor.wait_for_change(2.0)
    assert ROUTES in first
    assert time.monotonic() - started < monitor.max_delay + 0.5
    assert monitor.wait_for_change(0.3) == frozenset()  # nothing left over


def test_overrun_is_reported_as_everything(watched):
    """More messages than the socket holds: the kernel drops some and the monitor says
    "everything changed", which is what the reader must assume."""
    netns, monitor = watched
    monitor._sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    netns.batch(f"route add 10.{n >> 8}.{n & 255}.0/24 via 10.1.0.2"
                for n in range(512, 512 + 2000))
    assert monitor.wait_for_change(2.0) == EVERYTHING


def test_a_missing_namespace_is_named():
    with pytest.raises(NetnsNotFoundError, match="kwt-no-such"):
        NetlinkMonitor("kwt-no-such-namespace")

"""The Network screen on a real network namespace (`--netns`): the exact route count, and the
netlink monitor bringing a route added from outside into the table without moving the
cursor off the route it was on. Needs root; skipped otherwise."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator

import pytest
from textual.widgets import Static

from screens.app import WizardApp
from screens.network import NetworkPage
from screens.widgets.route_lookup import RouteLookup
from screens.widgets.route_table import RouteTablePanel
from wizard.host.base import Host

ROUTES_PER_TABLE = 1500


def _ip(namespace: str, *args: str, script: str | None = None) -> str:
    return subprocess.run(["ip", "-n", namespace, *args], input=script, text=True, check=True,
                          capture_output=True).stdout


@pytest.fixture(scope="module")
def namespace() -> Iterator[str]:
    """A namespace with a veth pair and a few thousand routes in main, 52 and IPv6."""
    if os.geteuid() != 0 or shutil.which("ip") is None:
        pytest.skip("needs root and iproute2 to create a network namespace")
    name = f"kwui-{os.getpid()}"
    if subprocess.run(["ip", "netns", "add", name], capture_output=True).returncode:
        pytest.skip("cannot create network namespaces here")
    try:
        # No duplicate address detection in this namespace: each address's local route exists
        # at once, not a random second or two later (when it made the route count off by one).
        subprocess.run(["ip", "netns", "exec", name, "sh", "-c",
                        "echo 0 > /proc/sys/net/ipv6/conf/all/accept_dad && "
                        "echo 0 > /proc/sys/net/ipv6/conf/default/accept_dad"],
                       check=True, capture_output=True)
        lines = ["link set lo up", "link add v0 type veth peer name v1", "link set v0 up",
                 "link set v1 up", "addr add 10.1.0.1/24 dev v0", "addr add fd01::1/64 dev v0",
                 "route add default via 10.1.0.254"]
        lines += [f"route add 10.{100 + n // 256}.{n % 256}.0/24 via 10.1.0.2"
                  for n in range(ROUTES_PER_TABLE)]
        lines += [f"route add 172.{16 + n // 256}.{n % 256}.0/24 dev v0 table 52"
                  for n in range(ROUTES_PER_TABLE)]
        lines += [f"route add fd00:{n:x}::/48 via fd01::2" for n in range(ROUTES_PER_TABLE)]
        _ip(name, "-batch", "-", script="\n".join(lines) + "\n")
        _wait_for_ipv6_link_routes(name)
        yield name
    finally:
        subprocess.run(["ip", "netns", "delete", name], capture_output=True)


def _wait_for_ipv6_link_routes(namespace: str, timeout: float = 15.0) -> None:
    """The kernel adds the veths' fe80:: and multicast routes on its own, a moment after the
    links come up (slower on a loaded machine): wait until the count holds still for 1 s."""
    deadline = time.monotonic() + timeout
    last, since = kernel_count(namespace), time.monotonic()
    while time.monotonic() < deadline and time.monotonic() - since < 1.0:
        time.sleep(0.1)
        now = kernel_count(namespace)
        if now != last:
            last, since = now, time.monotonic()


def kernel_count(namespace: str) -> int:
    return sum(len(json.loads(_ip(namespace, "-j", family, "route", "show", "table", "all")))
               for family in ("-4", "-6"))


async def wait_until(pilot, condition: Callable[[], bool], timeout: float = 15.0) -> None:
    """Poll while the app runs: the monitor worker never ends, so waiting for every worker
    to complete is not an option."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for the Network page")
        await pilot.pause(0.05)


def loaded(app: WizardApp) -> Callable[[], bool]:
    panel = app.query_one(RouteTablePanel)
    return lambda: panel.view is not None and len(panel.table_view.source) > 0


async def test_the_route_count_is_exact(namespace):
    app = WizardApp(Host("/", netns=namespace), screen="network")
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, loaded(app))
        count = kernel_count(namespace)
        assert count > 3 * ROUTES_PER_TABLE
        assert len(app.query_one(NetworkPage).routes) == count
        status = str(app.query_one("#network-status", Static).content)
        assert status.startswith(f"netns {namespace} · {count:,} routes ·")
        assert f"{count:,} of {count:,} routes shown" in str(
            app.query_one("#route-status", Static).content)


async def test_the_first_check_run_waits_for_the_routes_and_then_runs(namespace):
    """Opened on this page, the dump has the GIL to itself: the checks (which read the host
    too) start once the routes are shown, not beside the dump."""
    app = WizardApp(Host("/", netns=namespace), screen="network")
    routes_shown_at_start = []
    recheck = app.action_recheck

    def recording_recheck() -> None:
        routes_shown_at_start.append(app.query_one(NetworkPage).routes is not None)
        recheck()

    app.action_recheck = recording_recheck
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: bool(app.results), timeout=90)
        assert routes_shown_at_start == [True]


async def test_a_route_added_outside_appears_without_moving_the_cursor(namespace):
    app = WizardApp(Host("/", netns=namespace), screen="network")
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, loaded(app))
        panel = app.query_one(RouteTablePanel)
        view = panel.table_view
        view.focus()
        await pilot.press("s")  # by destination: the new route will sort before the cursor
        status = app.query_one("#route-status", Static)
        await wait_until(pilot, lambda: "order: dst" in str(status.content))
        await pilot.press("pagedown", "pagedown", "down", "down")
        before_row, before_cursor = tuple(view.source.row(view.cursor)), view.cursor
        screen_line = view.cursor - view.scroll_offset.y
        count = len(panel.routes)

        _ip(namespace, "route", "add", "1.0.0.0/24", "via", "10.1.0.2")
        await wait_until(pilot, lambda: len(panel.routes) == count + 1
                         and len(view.source) == count + 1)

        assert any(route.dst == "1.0.0.0/24" for route in panel.view)
        assert tuple(view.source.row(view.cursor)) == before_row
        assert view.cursor == before_cursor + 1  # the new route came before it
        assert view.cursor - view.scroll_offset.y == screen_line
        assert view.has_focus


async def test_a_lookup_gives_the_kernels_answer_and_highlights_the_row(namespace):
    app = WizardApp(Host("/", netns=namespace), screen="network")
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, loaded(app))
        page = app.query_one(NetworkPage)
        await wait_until(pilot, lambda: page.facts is not None)
        page.query_one(RouteLookup).ask("10.100.5.9")
        answer = app.query_one("#lookup-answer", Static)
        await wait_until(pilot, lambda: "Rule" in str(answer.content))
        text = str(answer.content)
        assert text.startswith("10.100.5.9 via 10.1.0.2 dev v0 src 10.1.0.1")
        assert "Route    10.100.5.0/24 via 10.1.0.2 dev v0" in text
        assert "The wizard's replay said" not in text  # the replay agrees with the kernel
        panel = app.query_one(RouteTablePanel)
        assert panel.view[panel.table_view.highlight].dst == "10.100.5.0/24"


async def test_a_missing_namespace_is_named_on_the_page_and_not_created():
    if os.geteuid() != 0:
        pytest.skip("needs root: only root could create the namespace by mistake")
    name = f"kwui-{os.getpid()}-missing"
    app = WizardApp(Host("/", netns=name), screen="network")
    # The page alone: pyroute2, behind LiveNetwork.links(), creates a missing namespace, and
    # the checks of other screens read the links first.
    app.run_checks = lambda: None
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            status = app.query_one("#network-status", Static)
            await wait_until(pilot, lambda: "does not exist" in str(status.content))
            assert str(status.content).startswith(
                f"netns {name} · network namespace '{name}' does not exist")
        assert not os.path.exists(f"/run/netns/{name}")
    finally:
        subprocess.run(["ip", "netns", "delete", name], capture_output=True)


def _churn_lines(step: int) -> list[str]:
    """Adds, replaces and deletes of host routes, both families, main and table 52."""
    lines = []
    for n in range(step * 40, step * 40 + 40):
        lines.append(f"route add 198.18.{n >> 8}.{n & 255}/32 via 10.1.0.2")
        lines.append(f"route add 2001:db8::{n:x}/128 via fd01::2 table 52")
    for n in range(step * 40 - 40, step * 40 - 20):
        if n >= 0:
            lines.append(f"route del 198.18.{n >> 8}.{n & 255}/32")
            lines.append(f"route replace 2001:db8::{n:x}/128 dev v0 table 52")
    return lines


async def test_route_churn_is_followed_without_dumping_again(namespace, monkeypatch):
    """Route messages are applied to the table on screen: after a stream of changes it is
    what a fresh dump gives, row for row, and no dump was needed for it."""
    from wizard.host.network import LiveNetwork
    from wizard.network.rtnetlink.decode import dump_routes

    app = WizardApp(Host("/", netns=namespace), screen="network")
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_until(pilot, loaded(app))
            await wait_until(pilot, lambda: bool(app.results), 60)
            page = app.query_one(NetworkPage)
            dumps: list[int] = []
            dump = LiveNetwork.routes
            monkeypatch.setattr(LiveNetwork, "routes",
                                lambda self: dumps.append(1) or dump(self))
            for step in range(10):
                _ip(namespace, "-batch", "-", script="\n".join(_churn_lines(step)) + "\n")
                await pilot.pause(0.05)
            fresh = [tuple(route) for route in dump_routes(namespace)]
            await wait_until(pilot, lambda: len(page.routes) == len(fresh)
                             and [tuple(route) for route in page.routes] == fresh)
            assert not dumps
            panel = app.query_one(RouteTablePanel)
            await wait_until(pilot, lambda: len(panel.table_view.source) == len(fresh))
    finally:
        lines = [f"route del 198.18.{n >> 8}.{n & 255}/32" for n in range(180, 400)]
        lines += [f"route del 2001:db8::{n:x}/128 table 52" for n in range(400)]
        subprocess.run(["ip", "-n", namespace, "-force", "-batch", "-"], text=True,
                       input="\n".join(lines) + "\n", capture_output=True)

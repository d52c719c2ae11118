"""The Network screen on the demo hosts: adapters, the advertise address, the routing table
(count, views, filters, sort, rules) and route lookups, at 80x24 and by keyboard."""

from __future__ import annotations

import pytest
from settling import settle_workers
from textual.widgets import Collapsible, Input, OptionList, Static, TabbedContent

from screens.network import MONITOR_GROUP, NetworkPage
from screens.widgets.route_filter import parse_filter
from screens.widgets.route_table import RouteTablePanel
from screens.widgets.route_view import RouteView
from wizard.network.rtnetlink.constants import RT_TABLE_LOCAL
from wizard.network.rtnetlink.iproute_format import IPROUTE_COLUMNS
from wizard.network.rtnetlink.netstat_format import NETSTAT_RN6_COLUMNS, NETSTAT_RN_COLUMNS

DEFAULTS = {  # demo: (adapter with the default route, address kubeadm advertises, routes)
    "ubuntu-vagrant": ("enp0s3", "10.0.2.15", 20),
    "rpi4-bookworm": ("eth0", "192.168.0.23", 19),
    "ready": ("eth0", "192.0.2.10", 12),
}


async def settle(app, pilot) -> None:
    """Until no host worker runs; the netlink monitor runs for as long as the page lives."""
    await settle_workers(app, pilot, ignore_groups=(MONITOR_GROUP,))


def shown(app, selector: str) -> str:
    return str(app.query_one(selector, Static).content)


def panel(app) -> RouteTablePanel:
    return app.query_one(RouteTablePanel)


async def open_tab(app, pilot, tab: str) -> None:
    app.query_one("#network-tabs", TabbedContent).active = tab
    await settle(app, pilot)


def visible_rows(app) -> list[tuple[str, ...]]:
    view = panel(app).table_view
    return [tuple(view.source.row(i)) for i in range(len(view.source))]


@pytest.mark.parametrize("demo", sorted(DEFAULTS))
async def test_adapters_show_the_default_route_and_the_advertise_address(demo_app, demo):
    dev, address, _count = DEFAULTS[demo]
    app = demo_app(demo, screen="network")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        text = shown(app, "#adapter-list")
        for link in app.host.network.links():
            assert link.name in text
        assert f"★ {dev} " in text
        line = next(line for line in text.splitlines() if address in line)
        assert "kubeadm's default (advertised)" in line


async def test_vagrant_warns_about_the_nat_adapter_and_takes_the_host_only_address(demo_app):
    app = demo_app("ubuntu-vagrant", screen="network")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        note = shown(app, "#advertise-note")
        assert note.startswith("WARN") and "NAT" in note and "choose 192.168.56.10" in note
        app.query_one("#use-suggested").focus()
        await pilot.press("enter")
        await settle(app, pilot)
        assert app.choices.advertise_address == "192.168.56.10"
        assert shown(app, "#advertise-note").startswith("PASS")
        assert "192.168.56.10/24  ◀ advertised (your choice)" in shown(app, "#adapter-list")
        assert app.query_one("#advertise-select").value == "192.168.56.10"
        assert not app.query_one("#use-suggested").display


async def test_single_adapter_host_needs_no_choice(demo_app):
    app = demo_app("ready", screen="network")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        assert shown(app, "#advertise-note").startswith("PASS")
        assert not app.query_one("#use-suggested").display


@pytest.mark.parametrize("demo", sorted(DEFAULTS))
async def test_the_table_shows_every_route_and_counts_them(demo_app, demo):
    count = DEFAULTS[demo][2]
    app = demo_app(demo, screen="network")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        assert len(app.host.network.routes()) == count
        assert f"· {count} routes ·" in shown(app, "#network-status")
        await open_tab(app, pilot, "tab-routes")
        assert f"{count} of {count} routes shown" in shown(app, "#route-status")
        assert len(visible_rows(app)) == count


async def test_v_cycles_ip_route_netstat_rn_and_inet6(demo_app):
    """The netstat views show what `netstat -rn` (and `-A inet6`) prints for the same table."""
    from wizard.network.rtnetlink.netstat_format import netstat_rn6_text, netstat_rn_text

    app = demo_app("ubuntu-vagrant", screen="network")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await open_tab(app, pilot, "tab-routes")
        view = panel(app).table_view
        view.focus()
        assert [c.title for c in view.columns] == list(IPROUTE_COLUMNS)
        routes = panel(app).routes
        for columns, text in ((NETSTAT_RN_COLUMNS, netstat_rn_text(routes)),
                              (NETSTAT_RN6_COLUMNS, netstat_rn6_text(routes))):
            await pilot.press("v")
            await settle(app, pilot)
            assert [c.title for c in view.columns] == list(columns)
            rows = [list(panel(app).rows.row(i)) for i in range(len(panel(app).rows))]
            assert rows == [line.split() for line in text.splitlines()[2:]]
        await pilot.press("v")
        await settle(app, pilot)
        assert [c.title for c in view.columns] == list(IPROUTE_COLUMNS)
        await pilot.press("v")
        await settle(app, pilot)
        assert visible_rows(app)[0][:4] == ("0.0.0.0", "10.0.2.2", "0.0.0.0", "UG")
        assert "G gateway" in shown(app, "#route-detail")  # the legend of this row's flags
        assert "netstat -rn" in shown(app, "#route-status")


@pytest.mark.parametrize(("text", "check"), [
    ("table:local", lambda route: route.table == RT_TABLE_LOCAL),
    ("dev:enp0s8", lambda route: route.dev == "enp0s8"),
    ("6", lambda route: ":" in route.dst_addr),
    ("10.0.2.0/24", lambda route: route.dst.startswith("10.0.2.")),
    ("broadcast 192.168", lambda route: route.type == "broadcast" and "192.168" in route.dst),
    ("match:10.0.2.99", lambda route: route.dst in ("default", "10.0.2.0/24")),
])
async def test_the_filter_narrows_the_rows(demo_app, text, check):
    app = demo_app("ubuntu-vagrant", screen="network")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await open_tab(app, pilot, "tab-routes")
        panel(app).table_view.focus()
        await pilot.press("slash", *("space" if char == " " else char for char in text), "enter")
        await settle(app, pilot)
        view = panel(app).view
        assert 0 < len(view) < 20
        assert all(check(route) for route in view)
        assert f"{len(view)} of 20 routes shown" in shown(app, "#route-status")
        assert panel(app).table_view.has_focus  # Enter goes back to the table


@pytest.mark.parametrize(("text", "count"), [
    # Every word must hold, a repeated key too: both tables at once is no route.
    ("table:main table:local", 0), ("4 6", 0), ("dev:enp0s8 dev:lo", 0),
    ("table:local table:local", None),
])
async def test_a_repeated_filter_word_must_hold_as_well(demo_app, text, count):
    app = demo_app("ubuntu-vagrant", screen="network")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await open_tab(app, pilot, "tab-routes")
        local = len(parse_filter("table:local").apply(panel(app).routes))
        app.query_one("#route-filter", Input).value = text
        app.query_one("#route-filter", Input).focus()
        await pilot.press("enter")
        await settle(app, pilot)
        assert len(panel(app).view) == (local if count is None else count)


async def test_a_bad_filter_says_why(demo_app):
    app = demo_app("ubuntu-vagrant", screen="network")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await open_tab(app, pilot, "tab-routes")
        app.query_one("#route-filter", Input).value = "table:nosuch"
        app.query_one("#route-filter", Input).focus()
        await pilot.press("enter")
        assert "unknown table" in shown(app, "#route-status")
        assert "the table still shows every route" in shown(app, "#route-status")
        app.query_one("#route-filter", Input).value = "table:"
        app.query_one("#route-filter", Input).focus()
        await pilot.press("enter")
        assert "'table:' needs a value, e.g. table:main" in shown(app, "#route-status")


async def test_s_cycles_the_sort_key_and_the_rules_are_listed(demo_app):
    app = demo_app("ubuntu-vagrant", screen="network")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await open_tab(app, pilot, "tab-routes")
        panel(app).table_view.focus()
        await pilot.press("s")
        await settle(app, pilot)
        assert panel(app).sort_key == "dst"
        destinations = [route.dst_addr for route in panel(app).view]
        assert destinations[:3] == ["0.0.0.0", "10.0.2.0", "10.0.2.2"]
        await pilot.press("s")
        await settle(app, pilot)
        tables = [route.table for route in panel(app).view]
        assert tables == sorted(tables)
        assert "order: table" in shown(app, "#route-status")
        rules = shown(app, "#rules-list").splitlines()
        # The demo recorded `ip rule`; `ip -6 rule` has the two rules every kernel starts with.
        assert rules == ["0: from all lookup local", "32766: from all lookup main",
                         "32767: from all lookup default", "v6 0: from all lookup local",
                         "v6 32766: from all lookup main"]
        assert "Policy rules: 3 IPv4, 2 IPv6" in str(
            app.query_one("#rules-box", Collapsible).title)


async def _look_up(app, pilot, address: str) -> str:
    """The Lookup tab's answer for an address typed into it, as the operator would."""
    await settle(app, pilot)
    await open_tab(app, pilot, "tab-lookup")
    app.query_one("#lookup-dst", Input).focus()
    await pilot.press(*address, "enter")
    await settle(app, pilot)
    return shown(app, "#lookup-answer")


async def test_lookup_names_the_route_and_highlights_its_row(demo_app):
    app = demo_app("ubuntu-vagrant", screen="network")
    async with app.run_test(size=(80, 24)) as pilot:
        answer = await _look_up(app, pilot, "8.8.8.8")
        assert answer.startswith("8.8.8.8 via 10.0.2.2 dev enp0s3 src 10.0.2.15")
        assert "Rule     32766: from all lookup main" in answer
        assert "Route    default via 10.0.2.2 dev enp0s3" in answer
        view: RouteView = panel(app).table_view
        default_row = next(i for i, route in enumerate(panel(app).view) if route.dst == "default")
        assert view.highlight == default_row == view.cursor
        assert f"Row {default_row + 1} of the Routes tab is highlighted" in answer
        app.query_one("#lookup-questions").focus()
        await pilot.press("t")
        assert app.query_one("#network-tabs", TabbedContent).active == "tab-routes"
        assert view.has_focus


async def test_an_ipv6_lookup_names_the_source_the_kernel_picks(demo_app):
    # ip route get says "from ::" for an IPv6 question without a source: no address.
    app = demo_app("ubuntu-vagrant", screen="network")
    async with app.run_test(size=(80, 24)) as pilot:
        assert "Source   ::1\n" in await _look_up(app, pilot, "::1") + "\n"


async def test_ready_made_questions_explain_the_cluster_addresses(demo_app):
    app = demo_app("ubuntu-vagrant", screen="network")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await open_tab(app, pilot, "tab-lookup")
        page = app.query_one(NetworkPage)
        lookup = page.query_one("#lookup-questions", OptionList)
        labels = [str(lookup.get_option_at_index(i).prompt) for i in range(lookup.option_count)]
        assert labels == ["API server 10.0.2.15", "first pod address 10.244.0.1 (10.244.0.0/16)",
                          "first Service address 10.96.0.1 (10.96.0.0/12)",
                          "DNS server 127.0.0.53"]
        lookup.focus()
        lookup.highlighted = 1  # the pod range
        await pilot.press("enter")
        await settle(app, pilot)
        assert "Nothing on this host claims this range" in shown(app, "#lookup-answer")
        await pilot.press("end", "enter")  # the DNS server
        await settle(app, pilot)
        answer = shown(app, "#lookup-answer")
        assert answer.startswith("127.0.0.53 dev lo") or "local 127.0.0.53" in answer
        assert "loopback" in answer


async def test_a_bad_address_is_refused_with_a_reason(demo_app):
    app = demo_app("ready", screen="network")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await open_tab(app, pilot, "tab-lookup")
        app.query_one("#lookup-dst", Input).focus()
        await pilot.press(*"kube-api", "enter")
        assert "is not an IP address" in shown(app, "#lookup-answer")


async def test_a_route_added_with_the_helper_shows_in_the_table(demo_app):
    app = demo_app("ubuntu-vagrant", screen="network")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        assert not app.query("RouteForm")  # it reads the whole table: only once it is wanted
        button = app.query_one("#to-add-route")
        button.focus()
        await pilot.pause()
        assert button.has_focus  # the keyboard path: focus the button, press enter
        await pilot.press("enter")
        await settle(app, pilot)
        assert app.query_one("#network-tabs", TabbedContent).active == "tab-add-route"
        assert app.query_one("#route-dst", Input).has_focus, app.focused
        await pilot.press(*"10.10.0.0/16", "tab", *"192.168.56.1")
        await settle(app, pilot)
        apply = app.query_one("#route-apply")
        assert not apply.disabled
        apply.focus()
        await pilot.press("enter")
        await settle(app, pilot)
        added = [route for route in panel(app).routes if route.dst == "10.10.0.0/16"]
        assert [(route.gateway, route.dev) for route in added] == [("192.168.56.1", "enp0s8")]
        assert "· 21 routes ·" in shown(app, "#network-status")
        # One of the answers now: saved with them, and checked (and planned) on every node.
        assert [(r.dst, r.gateway) for r in app.choices.routes] == [("10.10.0.0/16",
                                                                     "192.168.56.1")]
        assert next(r for r in app.results if r.id == "Route-10.10.0.0/16").status.value == "pass"


async def test_a_root_directory_has_no_live_table_and_says_so(tmp_path):
    from screens.app import WizardApp
    from wizard.host.base import Host

    app = WizardApp(Host(tmp_path), screen="network")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        for selector in ("#network-status", "#route-status", "#adapter-list"):
            assert "is not a running system: no live routing table" in shown(app, selector)


async def test_from_is_honoured_and_shown(demo_app):
    app = demo_app("ubuntu-vagrant", screen="network")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await open_tab(app, pilot, "tab-lookup")
        app.query_one("#lookup-src", Input).value = "192.168.56.10"
        app.query_one("#lookup-dst", Input).focus()
        await pilot.press(*"8.8.8.8", "enter")
        await settle(app, pilot)
        answer = shown(app, "#lookup-answer")
        assert answer.startswith("8.8.8.8 from 192.168.56.10 via 10.0.2.2 dev enp0s3")
        assert "Source   192.168.56.10" in answer
        app.query_one("#lookup-src", Input).value = "10.9.9.9"
        app.query_one("#lookup-dst", Input).focus()
        await pilot.press("enter")
        await settle(app, pilot)
        assert shown(app, "#lookup-answer").startswith("8.8.8.8 from 10.9.9.9: ")
        assert "source 10.9.9.9 is not an address of this host" in shown(app, "#lookup-answer")


async def test_enter_on_the_ready_made_questions_asks_the_first_at_once(demo_app):
    """Tab from the inputs into the list, Enter: it asks (no highlight needed first)."""
    app = demo_app("ubuntu-vagrant", screen="network")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await open_tab(app, pilot, "tab-lookup")
        app.query_one("#lookup-src", Input).focus()
        await pilot.press("tab")
        assert app.focused is app.query_one("#lookup-questions", OptionList)
        await pilot.press("enter")
        await settle(app, pilot)
        assert shown(app, "#lookup-answer").startswith("local 10.0.2.15 dev lo")  # API server
        assert app.query_one("#lookup-dst", Input).value == "10.0.2.15"

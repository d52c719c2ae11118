"""The Picture tab of the Network screen at 80x24: shown on every demo, no wider than itself,
drawn again after a lookup and after a route is added through the host."""

from __future__ import annotations

import pytest
from rich.cells import cell_len
from settling import settle_workers
from textual.widgets import Input, Static, TabbedContent

from screens.network import MONITOR_GROUP, NetworkPage
from screens.network_messages import NetworkChanged
from screens.widgets.network_picture import NetworkPicture
from wizard.network.monitor import ROUTES

DEMOS = {  # demo: (adapter with the default route, its gateway)
    "ubuntu-vagrant": ("enp0s3", "10.0.2.2"),
    "rpi4-bookworm": ("eth0", "192.168.0.1"),
    "ready": ("eth0", "192.0.2.1"),
}


async def settle(app, pilot) -> None:
    await settle_workers(app, pilot, ignore_groups=(MONITOR_GROUP,))


async def open_picture(app, pilot) -> NetworkPicture:
    """By keyboard: focus the tab strip, then right arrow from Adapters to Picture."""
    tabs = app.query_one("#network-tabs", TabbedContent)
    tabs.query_one("Tabs").focus()
    await pilot.pause()
    await pilot.press("right")
    await settle(app, pilot)
    assert tabs.active == "tab-picture"
    return app.query_one(NetworkPicture)


def screen_text(picture: NetworkPicture) -> list[str]:
    return str(picture.query_one("#picture", Static).content).splitlines()


def assert_fits(picture: NetworkPicture) -> None:
    static = picture.query_one("#picture", Static)
    assert static.region.width > 0 and static.region.height > 0  # displayed
    assert picture.region.right <= 80
    for line in screen_text(picture):
        assert cell_len(line) <= static.region.width, (line, static.region.width)


@pytest.mark.parametrize("demo", sorted(DEMOS))
async def test_the_picture_is_shown_and_fits_80x24(demo_app, demo):
    dev, gateway = DEMOS[demo]
    app = demo_app(demo, screen="network")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        picture = await open_picture(app, pilot)
        assert_fits(picture)
        lines = screen_text(picture)
        assert lines[0].startswith("this host")
        for link in app.host.network.links():
            assert any(link.name in line for line in lines), link.name
        assert any(f"gateway {gateway}" in line and "★ default" in line for line in lines)
        assert any(line.startswith("★ default route  ◀ advertised") for line in lines)  # the legend


@pytest.mark.parametrize("demo", sorted(DEMOS))
async def test_a_lookup_draws_its_path(demo_app, demo):
    dev, gateway = DEMOS[demo]
    app = demo_app(demo, screen="network")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        app.query_one("#network-tabs", TabbedContent).active = "tab-lookup"
        await settle(app, pilot)
        app.query_one("#lookup-dst", Input).focus()
        await pilot.press(*"8.8.8.8", "enter")
        await settle(app, pilot)
        picture = app.query_one(NetworkPicture)
        app.set_focus(None)  # a focused input in the hidden pane would pull its tab back
        app.query_one("#network-tabs", TabbedContent).active = "tab-picture"
        await settle(app, pilot)
        assert_fits(picture)
        lines = screen_text(picture)
        marked = [line for line in lines if "━▶" in line and not line.startswith("★")]
        assert dev in marked[0] and f"gateway {gateway}" in marked[-1]
        path = " ".join(lines)
        assert "packet to 8.8.8.8" in path and "next hop" in path


async def test_a_route_added_through_the_host_shows_after_the_redraw(demo_app):
    """Both ways a table changes: the route helper (applied through the host, then the page
    re-reads it) and a change behind the wizard's back that a netlink monitor reports."""
    app = demo_app("ubuntu-vagrant", screen="network")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        picture = await open_picture(app, pilot)
        assert not any("10.10.0.0/16" in line for line in screen_text(picture))
        app.set_focus(None)
        app.query_one("#network-tabs", TabbedContent).active = "tab-add-route"
        await settle(app, pilot)
        app.query_one("#route-dst", Input).focus()
        await pilot.press(*"10.10.0.0/16", "tab", *"192.168.56.1")
        await settle(app, pilot)
        app.query_one("#route-apply").focus()
        await pilot.press("enter")
        await settle(app, pilot)
        app.set_focus(None)
        app.query_one("#network-tabs", TabbedContent).active = "tab-picture"
        await settle(app, pilot)
        lines = screen_text(picture)
        assert any("gateway 192.168.56.1" in line and "10.10.0.0/16" in line for line in lines)
        assert_fits(picture)

        app.host.network.add_route({"dst": "10.20.0.0/16", "dev": "enp0s8"})
        app.query_one(NetworkPage).post_message(NetworkChanged(frozenset({ROUTES})))
        await settle(app, pilot)
        assert any("on-link 10.20.0.0/16" in line for line in screen_text(picture))
        assert_fits(picture)

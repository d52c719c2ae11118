"""At 80x24 the wizard shows what matters (issue 10 §5), read off the drawn screen.

The check tables give the result the width and ids their distinguishing tail; the footer
keeps every key it has, whatever has the focus; the Routes view chooses its columns for the
width. Each test reads the text a person sees, on the three demo hosts.
"""

from __future__ import annotations

import time
from pathlib import PurePath

import pytest
from screen_text import drawn_table, footer, page_lines, shown_checks
from settling import settle_workers
from test_init_join import live_app, run_kubeadm  # noqa: F401  (live_app is a fixture)
from textual.widgets import DataTable, Select, TabbedContent, TabPane

from screens.bridge import KernelTable
from screens.flow import STEPS
from screens.network import MONITOR_GROUP
from screens.runtime import RuntimeTable
from screens.widgets.check_list import CheckList
from screens.widgets.route_table import RouteTablePanel

DEMOS = ("ready", "rpi4-bookworm", "ubuntu-vagrant")
CHECK_TABS = {"network": ("network-tabs", "tab-checks"), "init": ("ij-tabs", "ij-checks")}


async def settle(app, pilot) -> None:
    await settle_workers(app, pilot, ignore_groups=(MONITOR_GROUP,))


async def go(app, pilot, step_id: str) -> None:
    await pilot.press(next(step.key for step in STEPS if step.id == step_id))
    await settle(app, pilot)


def matches(shown_id: str, check_id: str) -> bool:
    """A shown id is the whole id, or its tail behind an ellipsis."""
    return shown_id == check_id or (shown_id.startswith("…") and len(shown_id) > 6
                                    and check_id.endswith(shown_id[1:]))


def squeeze(text: str) -> str:
    return "".join(text.split())


@pytest.mark.parametrize("demo", DEMOS)
async def test_every_check_row_names_one_check_and_shows_its_result(demo_app, demo):
    """Scrolled through every check table: each drawn id names exactly one check of the page
    (the two bridge sysctls read the same when cut at the end), and the result is whole when
    it is short, else at least 30 characters of it up to an ellipsis ("4 CPU(s" before)."""
    app = demo_app(demo)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        for step in STEPS:
            if step.id == "review":
                continue
            await go(app, pilot, step.id)
            if step.id in CHECK_TABS:
                tabs, pane = CHECK_TABS[step.id]
                app.query_one(f"#{tabs}", TabbedContent).active = pane
                await settle(app, pilot)
            check_list = app.query_one(f"#{step.id}").query_one(CheckList)
            table = check_list.query_one(DataTable)
            table.focus()
            seen: set[str] = set()
            for row in range(len(check_list.rows)):
                table.move_cursor(row=row)
                await pilot.pause()
                for shown in shown_checks(app):
                    named = [r for r in check_list.results if matches(shown.id, r.id)]
                    assert len(named) == 1, (step.id, shown.id, [r.id for r in named])
                    result = named[0]
                    if shown.at_bottom and result is not check_list.rows[row]:
                        continue  # the table may cut a row that the cursor is not on
                    assert shown.status == result.status.value
                    text = result.message or result.observed
                    if shown.result.endswith("…"):
                        assert len(text) > 40, (result.id, shown.result)
                        assert len(shown.result) >= 30, (result.id, shown.result)
                        assert squeeze(text).startswith(squeeze(shown.result[:-1]))
                    else:
                        assert squeeze(shown.result) == squeeze(text), (result.id, shown)
                    seen.add(result.id)
            assert seen == {r.id for r in check_list.results}, step.id


async def test_the_bridge_sysctl_checks_read_differently(demo_app):
    """Cut at the end, both read "FileContent--proc-sys-net-bri…"."""
    app = demo_app("ubuntu-vagrant", screen="bridge")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        check_list = app.query_one("#bridge").query_one(CheckList)
        table = check_list.query_one(DataTable)
        table.focus()
        shown_ids = []
        for tail in ("-iptables", "-ip6tables"):
            table.move_cursor(row=next(i for i, r in enumerate(check_list.rows)
                                       if r is not None and r.id.endswith(tail)))
            await pilot.pause()
            shown_ids += [shown.id for shown in shown_checks(app) if shown.id.endswith(tail)]
        assert len(shown_ids) == 2 and shown_ids[0] != shown_ids[1]
        assert all("nf-call" in shown_id for shown_id in shown_ids)


@pytest.mark.parametrize("demo", DEMOS)
async def test_the_footer_shows_every_key_whatever_has_the_focus(demo_app, demo):
    """Each step, each tab of it, each widget that can take the focus there: every key the
    footer is meant to show is on it (ctrl+s fell off when a check table had the focus)."""
    app = demo_app(demo)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        checked = 0
        for step in STEPS:
            await go(app, pilot, step.id)
            page = app.query_one(f"#{step.id}")
            tab_sets = list(page.query(TabbedContent))
            panes = [(tabs, pane.id) for tabs in tab_sets
                     for pane in tabs.query(TabPane)] or [(None, None)]
            for tabs, pane_id in panes:
                if tabs is not None:
                    tabs.active = pane_id
                    await settle(app, pilot)
                for widget in [w for w in app.screen.focus_chain if page in w.ancestors]:
                    widget.focus()
                    await pilot.pause()
                    line = footer(app)
                    for key in footer_keys(app):
                        assert key in line, (step.id, pane_id, widget, line)
                    assert "^s Save" in line
                    checked += 1
        assert checked > 20


def footer_keys(app) -> list[str]:
    return [f"{app.get_key_display(binding)} {binding.description}"
            for _, binding, enabled, _ in app.screen.active_bindings.values()
            if binding.show and enabled]


async def test_after_a_successful_init_the_footer_still_fits(live_app):  # noqa: F811
    """The run's keys (new join command, secrets, CNI) join the app's on the Run tab; on the
    Checks tab, beside the table's keys, they are not offered (they act on the run's output)."""
    app = live_app("init-success")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await run_kubeadm(app, pilot)
        keys = footer_keys(app)
        assert {"j New join", "s Secrets", "c Install CNI", "^s Save"} <= set(keys)
        assert all(key in footer(app) for key in keys), footer(app)
        app.query_one("#ij-tabs", TabbedContent).active = "ij-checks"
        await settle(app, pilot)
        app.query_one("#init").query_one(CheckList).query_one(DataTable).focus()
        await pilot.pause()
        keys = footer_keys(app)
        assert "s Secrets" not in keys and "space Plan in/out" in keys
        assert all(key in footer(app) for key in keys), footer(app)


IPROUTE_BY_RANK = ("Destination", "Gateway", "Dev", "Metric", "Type", "Table", "Source",
                   "Protocol", "Scope", "Flags")
NETSTAT_BY_RANK = ("Destination", "Gateway", "Iface", "Genmask", "Flags", "MSS", "Window",
                   "irtt")
NETSTAT6_BY_RANK = ("Destination", "Next-Hop", "If", "Flag", "Met", "Ref", "Use")


async def routes_header(app, pilot, by_rank: tuple[str, ...], at_least: int) -> list[str]:
    """The drawn header: the best-ranked columns (at least `at_least`), in table order,
    as wide as the view (nothing scrolled out of sight)."""
    await settle(app, pilot)
    header = next(line for line in page_lines(app) if "Destination" in line.split()[:2])
    titles = header.replace("Next Hop", "Next-Hop").split()
    assert len(titles) >= at_least, titles
    assert set(titles) == set(by_rank[:len(titles)]), titles
    view = app.query_one(RouteTablePanel).table_view
    assert [c.title.replace(" ", "-") for c in view.columns if c.title.replace(" ", "-")
            in titles] == titles  # in the table's order
    assert view.virtual_size.width <= view.scrollable_content_region.width
    return titles


@pytest.mark.parametrize("demo", DEMOS)
async def test_the_routes_view_chooses_its_columns_for_the_width(demo_app, demo):
    """80 columns: where a route goes (destination, gateway, device) and the metric that picks
    between two defaults; type, protocol, scope and flags go first. 120: more; 160: all.
    netstat's views keep the interface and drop the columns that are always 0 first."""
    app = demo_app(demo, screen="network")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        app.query_one("#network-tabs", TabbedContent).active = "tab-routes"
        await routes_header(app, pilot, IPROUTE_BY_RANK, 4)
        app.query_one(RouteTablePanel).table_view.focus()
        await pilot.press("v")
        await routes_header(app, pilot, NETSTAT_BY_RANK, 5)
        await pilot.press("v")
        await routes_header(app, pilot, NETSTAT6_BY_RANK, 4)
        await pilot.press("v")
        await pilot.resize_terminal(120, 40)
        await routes_header(app, pilot, IPROUTE_BY_RANK, 7)
        await pilot.resize_terminal(160, 40)
        await routes_header(app, pilot, IPROUTE_BY_RANK, 10)


async def test_the_two_default_routes_differ_on_screen_by_their_metric(demo_app):
    app = demo_app("rpi4-bookworm", screen="network")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        app.query_one("#network-tabs", TabbedContent).active = "tab-routes"
        await settle(app, pilot)
        defaults = [line.split() for line in page_lines(app)
                    if line.startswith(" default ") and "via" not in line.split()]
        assert defaults == [["default", "192.168.0.1", "eth0", "100"],
                            ["default", "192.168.0.1", "wlan0", "600"]]


def shows(drawn: str, whole: str) -> bool:
    """Drawn whole, or its end behind an ellipsis (a sysctl's tail, a path's file name)."""
    return drawn == whole or (drawn.startswith("…") and len(drawn) > 12
                              and whole.endswith(drawn[1:]))


async def laid_out(app, pilot, table) -> None:
    """Settled, and the table drawn again for its new width (it lays itself out on resize,
    after the workers are done)."""
    await settle(app, pilot)
    deadline = time.monotonic() + 10  # wall time, not a count of pauses: CI is loaded
    while time.monotonic() < deadline:
        await pilot.pause()
        if table.region.height > 1 and table.row_count and table.size.width == table.region.width:
            return
    raise AssertionError(f"{table} was not laid out: {table.region}, {table.row_count} rows")


def no_sideways_scroll(table) -> None:
    assert table.virtual_size.width <= table.scrollable_content_region.width, (
        table.virtual_size, table.scrollable_content_region)


@pytest.mark.parametrize("demo", DEMOS)
async def test_the_bridge_table_shows_every_column_without_scrolling_sideways(demo_app, demo):
    """At 80 columns only Setting and Now were visible: each row, the cursor on it, shows
    its status, setting, value now, at boot, wanted, and what decides the boot value (a path
    may lose its front but keeps the file name). At 120 nothing is shortened; at 160 the
    six columns stand side by side."""
    app = demo_app(demo, screen="bridge")
    async with app.run_test(size=(80, 24)) as pilot:
        for size, titles in (((80, 24), ("Setting", "Now", "Boot", "Want")),
                             ((120, 40), ("Setting", "Now", "Boot", "Want")),
                             ((160, 40), ("Setting", "Now", "At boot", "Want", "Decided by"))):
            await pilot.resize_terminal(*size)
            table = app.query_one(KernelTable)
            await laid_out(app, pilot, table)
            no_sideways_scroll(table)
            table.focus()
            for index, fact in enumerate(table.facts):
                table.move_cursor(row=index)
                await pilot.pause()
                drawn = drawn_table(app, table, titles, row_starts_at=0)
                if len(titles) == 4:  # the deciding file under the setting
                    drawn = [[row[0], *row[1].split(" ", 1), *row[2:]] for row in drawn]
                mine = [row for row in drawn if shows(row[1], fact.name)]
                assert len(mine) == 1, (size, fact.name, drawn)
                if len(titles) == 5:
                    status, name, now, boot, want, decided = mine[0]
                else:
                    status, name, decided, now, boot, want = mine[0]
                assert (status, now, boot, want) == (fact.status.value, fact.now, fact.boot,
                                                     fact.wanted or "-"), (size, mine[0])
                if size[0] >= 120:
                    assert (name, decided) == (fact.name, fact.source), (size, mine[0])
                elif fact.source.startswith("/"):
                    assert shows(decided, fact.source), (size, mine[0])
                    assert decided.endswith(PurePath(fact.source).name), decided
                else:
                    assert decided == fact.source, (size, mine[0])


@pytest.mark.parametrize("demo", DEMOS)
async def test_the_runtime_table_shows_the_whole_socket(demo_app, demo):
    """At 80 columns the Socket column was cut ("/var"): the socket goes under the runtime,
    wrapped after a '/'; at 120 it has its own column again."""
    app = demo_app(demo, screen="runtime")
    async with app.run_test(size=(80, 24)) as pilot:
        for size, titles in (((80, 24), ("Answers", "Service", "Version")),
                             ((120, 40), ("Answers", "Service", "Version", "Socket"))):
            await pilot.resize_terminal(*size)
            table = app.query_one(RuntimeTable)
            await laid_out(app, pilot, table)
            no_sideways_scroll(table)
            drawn = drawn_table(app, table, titles, row_starts_at=1)
            wanted = [[cell.plain for cell in row] for row in table.rows_shown]
            assert len(drawn) == len(wanted) == 4, drawn
            for row, (name, answers, service, version, socket) in zip(drawn, wanted,
                                                                    strict=True):
                assert row[1:4] == [answers, service, version], (size, row)
                if len(titles) == 4:
                    assert row[4] == socket and row[0] == name, (size, row)
                else:
                    assert row[0].startswith(name), (size, row)
                    under = "".join(row[0][len(name):].split())
                    assert under == ("" if socket == "-" else socket), (size, row)


@pytest.mark.parametrize("demo", DEMOS)
async def test_the_requirements_target_line_shows_the_kubeadm_command(demo_app, demo):
    """"(kubeadm init)" after the role and version selects was cut to "(kube"."""
    app = demo_app(demo, screen="requirements")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)

        def target_line() -> str:
            return next(line for line in page_lines(app) if "Check for a" in line)

        assert "control plane" in target_line() and "(kubeadm init)" in target_line()
        assert "1.36" in target_line(), target_line()
        app.query_one("#role", Select).value = "worker"
        await settle(app, pilot)
        assert "worker" in target_line() and "(kubeadm join)" in target_line()

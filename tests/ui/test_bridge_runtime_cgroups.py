"""The Bridge & iptables, Container runtime and Cgroups screens on the demo hosts, at 80x24."""

from __future__ import annotations

from settling import settle_workers
from textual.widgets import Select, Static

import wizard.checks.cgroups  # noqa: F401  (registers the checks until the runner does)
import wizard.checks.container_runtime  # noqa: F401
import wizard.checks.kernel_networking  # noqa: F401
from screens.bridge import KernelTable
from screens.cgroups import ConsistencyTable
from screens.runtime import RuntimeTable
from screens.widgets.check_list import CheckList

settle = settle_workers


def cells(table) -> list[list[str]]:
    """The rows a table was given, in its wide column order. At 80 columns the bridge and
    runtime tables fold a column under another (test_80x24 reads what is drawn there)."""
    if isinstance(table, KernelTable):
        return [[r.status.value, r.name, r.now, r.boot, r.wanted or "-", r.source]
                for r in table.facts]
    if isinstance(table, RuntimeTable):
        return [[cell.plain for cell in row] for row in table.rows_shown]
    return [[cell.plain for cell in table.get_row_at(i)] for i in range(table.row_count)]


def check_ids(app, page: str) -> list[str]:
    return [r.id for r in app.query_one(f"#{page} CheckList", CheckList).results]


async def test_bridge_table_on_ubuntu_vagrant(demo_app):
    app = demo_app("ubuntu-vagrant", screen="bridge")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        rows = cells(app.query_one(KernelTable))
        assert [r[:4] for r in rows] == [
            ["warn", "br_netfilter", "not loaded", "not loaded"],
            ["warn", "overlay", "loaded", "not loaded"],
            ["fail", "net.ipv4.ip_forward", "0", "0"],
            ["warn", "net.bridge.bridge-nf-call-iptables", "missing", "missing"],
            ["warn", "net.bridge.bridge-nf-call-ip6tables", "missing", "missing"]]
        assert rows[2][5] == "no file sets it: kernel default"
        assert check_ids(app, "bridge")[:3] == ["Module-br_netfilter", "Module-overlay",
                                                "FileContent--proc-sys-net-ipv4-ip_forward"]
        assert app.query_one("#bridge KernelTable").region.height > 0


async def test_bridge_table_on_the_ready_host_names_the_winning_files(demo_app):
    app = demo_app("ready", screen="bridge")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        rows = cells(app.query_one(KernelTable))
        assert {r[0] for r in rows} == {"pass"}
        assert [r[5] for r in rows] == [
            "/etc/modules-load.d/k8s.conf", "/etc/modules-load.d/k8s.conf",
            "/etc/sysctl.d/k8s.conf:3", "/etc/sysctl.d/k8s.conf:1", "/etc/sysctl.d/k8s.conf:2"]


async def test_picking_a_runtime_with_the_keyboard_sets_the_cri_socket(demo_app):
    app = demo_app("rpi4-bookworm", screen="runtime")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        assert cells(app.query_one(RuntimeTable)) == [
            [name, "-", "not installed", "-", "-"]
            for name in ("containerd", "CRI-O", "cri-dockerd", "Docker Engine")]
        note = str(app.query_one("#runtime-note", Static).render())
        assert note.startswith("No container runtime is installed")
        assert note.endswith("criSocket (default): unix:///var/run/containerd/containerd.sock")

        app.query_one("#runtime-select", Select).focus()
        await pilot.press("enter", "down", "down", "enter")
        await settle(app, pilot)
        assert (app.choices.runtime, app.choices.cri_socket) == (
            "cri-o", "unix:///var/run/crio/crio.sock")
        cri = next(r for r in app.results if r.id == "CRI")
        assert cri.message.startswith("CRI-O is not installed")
        assert [s.id for s in cri.fixes] == ["install-cri-o"]
        note = str(app.query_one("#runtime-note", Static).render())
        assert note.endswith("criSocket (chosen): unix:///var/run/crio/crio.sock")


async def test_runtime_table_on_ubuntu_vagrant(demo_app):
    app = demo_app("ubuntu-vagrant", screen="runtime")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        assert cells(app.query_one(RuntimeTable))[0] == [
            "containerd", "yes", "running", "1.7.24", "/var/run/containerd/containerd.sock"]
        assert check_ids(app, "runtime") == ["CRI", "ContainerRuntimeVersion"]


async def test_several_runtimes_are_explained(demo_app):
    app = demo_app("ubuntu-vagrant", screen="runtime")
    crio = app.host.path("/usr/bin/crio")
    crio.write_text("#!/bin/sh\n")
    crio.chmod(0o755)
    app.host.state["services"]["crio"] = {"enabled": True, "active": True}
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        assert [r[:2] for r in cells(app.query_one(RuntimeTable))][:2] == [
            ["containerd", "yes"], ["CRI-O", "yes"]]
        note = str(app.query_one("#runtime-note", Static).render())
        assert note.startswith("kubeadm finds containerd and CRI-O and refuses to guess")
        assert next(r for r in app.results if r.id == "CRI").status.value == "warn"


async def test_cgroup_consistency_table_on_ubuntu_vagrant(demo_app):
    app = demo_app("ubuntu-vagrant", screen="cgroups")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        rows = cells(app.query_one(ConsistencyTable))
        assert [r[:4] for r in rows] == [
            ["pass", "cgroup version", "v2", "v2"],
            ["pass", "pid 1", "systemd", "systemd"],
            ["fail", "containerd driver", "cgroupfs", "systemd"],
            ["pass", "kubelet driver", "systemd", "systemd"],
            ["pass", "CRI plugin", "enabled", "enabled"],
            ["warn", "sandbox image", "registry.k8s.io/pause:3.8", "registry.k8s.io/pause:3.10.2"]]
        fix = "Configure containerd for the kubelet (/etc/containerd/config.toml)"
        assert rows[2][4] == rows[5][4] == fix
        assert rows[3][4] == "-"
        assert check_ids(app, "cgroups") == ["CgroupVersion", "RuntimeCgroupDriver"]


def select_shows(app) -> str:
    """The text the runtime Select shows (its prompt while no socket is picked)."""
    current = app.query_one("#runtime-select").query_one("SelectCurrent")
    return " ".join(str(w.render()) for w in current.query("Static"))


async def test_the_runtime_select_names_the_runtime_in_use_never_pick_a_runtime(demo_app):
    app = demo_app("ubuntu-vagrant", screen="runtime")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        assert "pick a runtime" not in select_shows(app)
        assert "containerd (running)" in select_shows(app)  # containerd answers on vagrant
    app = demo_app("rpi4-bookworm", screen="runtime")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        assert "containerd (default)" in select_shows(app)  # chosen, but not installed yet

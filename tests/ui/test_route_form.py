"""The route helper form on a demo host: messages while typing, the plan, Submitted, and the
SSH revert countdown."""

from __future__ import annotations

import pytest
from screen_text import static_text
from settling import settle_workers
from textual.app import App, ComposeResult
from textual.widgets import Button, Input, Select, Static, Switch

from screens.dialogs.ssh_revert import SshRevertDialog
from screens.widgets.route_form import RouteForm
from wizard.host.simulated import SimulatedHost
from wizard.steps.step import FileWrite, RouteChange


class FormApp(App[None]):
    """Just the form, and every Submitted it posts."""

    def __init__(self, host, env) -> None:
        super().__init__()
        self.host = host
        self.env = env
        self.submitted: list[RouteForm.Submitted] = []

    def compose(self) -> ComposeResult:
        yield RouteForm(self.host, env=self.env, id="form")

    def on_route_form_submitted(self, message: RouteForm.Submitted) -> None:
        self.submitted.append(message)


@pytest.fixture
def form_app(tmp_path):
    def make(env=None, demo="ubuntu-vagrant") -> FormApp:
        return FormApp(SimulatedHost(demo, scratch=tmp_path / demo), env or {})

    return make


settle = settle_workers




async def type_into(app: App, pilot, field: str, value: str) -> None:
    app.query_one(f"#route-{field}", Input).value = ""
    await pilot.click(f"#route-{field}")
    await pilot.press(*value)
    await settle(app, pilot)


async def test_typing_bad_values_shows_each_message(form_app):
    app = form_app()
    async with app.run_test(size=(100, 80)) as pilot:
        await settle(app, pilot)
        await type_into(app, pilot, "dst", "10.60.1.0/16")
        assert static_text(app, "#route-dst-message") == (
            "10.60.1.0/16 has host bits set: the network it lies in is 10.60.0.0/16.")
        assert static_text(app, "#route-route-message") == (
            "Give a gateway (via) or an interface (dev): the kernel must know where to send the "
            "packets.")
        await type_into(app, pilot, "dst", "10.60.0.0/16")
        assert static_text(app, "#route-dst-message") == ""
        await type_into(app, pilot, "gateway", "10.9.9.9")
        assert static_text(app, "#route-gateway-message") == (
            "10.9.9.9 is not on any connected network (this host has: 10.0.2.0/24 on enp0s3, "
            "192.168.56.0/24 on enp0s8); the kernel would answer 'Nexthop has invalid gateway'.")
        await type_into(app, pilot, "gateway", "192.168.56.1")
        app.query_one("#route-dev", Select).value = "enp0s3"
        await settle(app, pilot)
        assert static_text(app, "#route-gateway-message") == (
            "192.168.56.1 is reached through enp0s8, not enp0s3: the kernel would refuse this "
            "route.")
        await type_into(app, pilot, "metric", "x")
        assert static_text(app, "#route-metric-message") == (
            "'x' is not a metric: use a whole number from 0 to 4294967295 (the lowest wins).")
        await type_into(app, pilot, "table", "nope")
        assert static_text(app, "#route-table-message").startswith("'nope' is not a routing table")
        assert app.query_one("#route-apply", Button).disabled
        app.query_one("#route-dev", Select).clear()
        await type_into(app, pilot, "metric", "100")
        await type_into(app, pilot, "table", "")
        await type_into(app, pilot, "dst", "10.0.2.0/24")
        await type_into(app, pilot, "gateway", "")
        app.query_one("#route-dev", Select).value = "enp0s3"
        await settle(app, pilot)
        assert static_text(app, "#route-route-message").startswith(
            "Table main already has 10.0.2.0/24 with metric 100 (dev enp0s3)")


async def test_a_valid_route_shows_the_command_and_the_diff_and_submits(form_app):
    app = form_app()
    async with app.run_test(size=(100, 80)) as pilot:
        await settle(app, pilot)
        app.query_one("#route-dst", Input).value = "10.60.0.0/16"
        app.query_one("#route-gateway", Input).value = "192.168.56.1"
        await settle(app, pilot)
        preview = static_text(app, "#route-preview")
        assert "$ sudo ip route add 10.60.0.0/16 via 192.168.56.1 dev enp0s8" in preview
        assert "After the change: 10.60.0.1 via 192.168.56.1 dev enp0s8" in preview
        app.query_one("#route-persist", Switch).value = True
        await settle(app, pilot)
        preview = static_text(app, "#route-preview")
        assert "+++ b/etc/netplan/50-vagrant.yaml" in preview and "+      routes:" in preview
        assert not app.query_one("#route-apply", Button).disabled
        await pilot.click("#route-apply")
        await pilot.pause()
        [message] = app.submitted
        assert message.guard is None
        assert isinstance(message.steps[0].actions[0], RouteChange)
        assert isinstance(message.steps[1].actions[0], FileWrite)


async def test_delete_and_a_persist_problem(form_app):
    app = form_app()
    async with app.run_test(size=(100, 80)) as pilot:
        await settle(app, pilot)
        await pilot.click("#route-op-del")
        app.query_one("#route-dst", Input).value = "10.61.0.0/16"
        await settle(app, pilot)
        assert static_text(app, "#route-route-message") == (
            "There is no route 10.61.0.0/16 in table main to delete.")
        app.query_one("#route-dst", Input).value = "10.0.2.3"
        app.query_one("#route-persist", Switch).value = True
        await settle(app, pilot)
        preview = static_text(app, "#route-preview")
        assert "$ sudo ip route del 10.0.2.3 dev enp0s3 metric 100" in preview
        # cloud-init's netplan has no route to 10.0.2.3 (DHCP put it there): nothing to remove
        assert static_text(app, "#route-persist-message").startswith(
            "/etc/netplan/50-cloud-init.yaml has no route to 10.0.2.3/32 under enp0s3")
        assert app.query_one("#route-apply", Button).disabled


async def test_over_ssh_the_change_is_guarded_and_reverts_when_not_confirmed(form_app):
    app = form_app({"SSH_CONNECTION": "192.168.56.1 50022 192.168.56.10 22"})
    async with app.run_test(size=(100, 80)) as pilot:
        await settle(app, pilot)
        app.query_one("#route-dst", Input).value = "192.168.56.0/25"
        app.query_one("#route-gateway", Input).value = "10.0.2.2"
        app.query_one("#route-persist", Switch).value = True
        await settle(app, pilot)
        assert static_text(app, "#route-ssh").startswith(
            "You are connected over SSH from 192.168.56.1")
        await pilot.click("#route-apply")
        await pilot.pause()
        [first] = app.submitted
        assert [s.id for s in first.steps] == ["route-add-192.168.56.0/25"]
        assert [s.id for s in first.guard.on_keep] == ["route-add-192.168.56.0/25-persist"]
        form = app.query_one(RouteForm)
        # Long enough that a loaded machine still shows the dialog before it times out.
        form.confirm_or_revert(first.guard, timeout=2.0)
        await pilot.pause()
        assert isinstance(app.screen, SshRevertDialog)
        for _ in range(100):  # then nobody answers: it reverts by itself
            await pilot.pause(0.1)
            if not isinstance(app.screen, SshRevertDialog) and len(app.submitted) > 1:
                break
        assert not isinstance(app.screen, SshRevertDialog)
        revert = app.submitted[-1]
        assert revert.guard is None
        assert revert.steps[0].actions == (RouteChange("del", first.steps[0].actions[0].route),)


async def test_the_revert_dialog_times_out_to_false_and_keeps_on_y():
    answers: list[bool] = []

    class DialogApp(App[None]):
        def on_mount(self) -> None:
            self.push_screen(SshRevertDialog("the path changes", timeout=0.2), answers.append)

    app = DialogApp()
    async with app.run_test() as pilot:
        await pilot.pause(0.5)
        assert answers == [False]
        app.push_screen(SshRevertDialog("again", timeout=30), answers.append)
        await pilot.pause()
        assert "Reverting in 30 s" in str(app.screen.query_one("#ssh-revert-countdown",
                                                              Static).render())
        await pilot.press("y")
        await pilot.pause()
        assert answers == [False, True]


async def test_a_typing_burst_shows_at_once_and_is_checked_once_it_settles(form_app,
                                                                          monkeypatch):
    """29 quick keys: every key is in the field at once, no check runs while they arrive, and
    the field's message appears once the input has been still (issue 10 §3)."""
    import screens.widgets.route_form as route_form

    calls: list[str] = []
    real_validate = route_form.validate

    def counting(request, context, op):
        calls.append(request.dst)
        return real_validate(request, context, op)

    monkeypatch.setattr(route_form, "validate", counting)
    app = form_app()
    async with app.run_test(size=(100, 80)) as pilot:
        await settle(app, pilot)
        await pilot.click("#route-dst")
        before = static_text(app, "#route-dst-message")
        calls.clear()
        burst = "10.60.1.0/16" + "0" * 17  # 29 keys
        assert len(burst) == 29
        await pilot.press(*burst[:-1])
        await pilot.press("backspace", *burst[-2:])
        assert app.query_one("#route-dst", Input).value == burst
        assert calls == []  # nothing checked while the keys arrive
        assert static_text(app, "#route-dst-message") == before  # the empty field's message still
        await settle(app, pilot)
        assert set(calls) == {burst}  # checked once the input settled: the last value only
        assert len(calls) <= 2  # the syntax check and the host check, not one per key
        assert "is not a prefix length" in static_text(app, "#route-dst-message")


@pytest.mark.parametrize(("demo", "gateway"), [("ubuntu-vagrant", "10.0.2.2"),
                                                ("rpi4-bookworm", "192.168.0.1")])
async def test_the_gateway_placeholder_comes_from_this_hosts_networks(form_app, demo, gateway):
    """Not the vagrant example on every host: the default gateway of the host shown."""
    app = form_app(demo=demo)
    async with app.run_test(size=(100, 80)) as pilot:
        await settle(app, pilot)
        assert app.query_one("#route-gateway", Input).placeholder == gateway

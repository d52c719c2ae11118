"""The Init / Join page end to end at 80x24, with the fake kubeadm on PATH.

Runs use a "live root": files (the config, the journal, the private join file) go to a
temporary root while commands run for real, so the streaming runner finds the stand-in
assets/kubeadm-replay/kubeadm through PATH as it would find kubeadm. Then nothing of the
secrets may be left anywhere.
"""

from __future__ import annotations

import dataclasses
import io
import os
import socket
import threading
from pathlib import Path

import pytest
from rich.console import Console
from settling import settle_workers
from textual.widgets import (
    Button,
    ContentSwitcher,
    Input,
    RadioSet,
    Static,
    TabbedContent,
    TextArea,
)

import wizard.checks.init_join  # noqa: F401  (registers the Init / Join checks)
from screens.app import WizardApp
from screens.dialogs.confirm import ConfirmDialog
from screens.widgets.kubeadm_join_form import JoinForm
from screens.widgets.kubeadm_run_panel import RunPanel
from wizard.kubeadm.plan import CONFIG_PATH
from wizard.model import WizardChoices
from wizard.resources import asset

FAKES = asset("kubeadm-replay")
DATA = asset("kubeadm-output")
INIT_TOKEN_SECRET = "svrtbhp8vxjte3in"  # init-success-v1.35.7.txt
UPLOAD_TOKEN_SECRET = "yzjycysxsnu0cxze"  # init-success-v1.28.12-control-plane-join.txt
UPLOAD_CERT_KEY = "c4fa3b3c313a4586481087c051808223240235bd182eac5f7d08022056c2008f"
JOIN_TOKEN = "q1w2e3.r4t5y6u7i8o9p0a1"
CA_HASH = "sha256:7abee9aaed71ed5c84a873ad11bbcb67322d1b4125dad4286f5184e8e4249823"


@pytest.fixture
def live_app(tmp_path, monkeypatch, live_root):
    """`live_app(scenario, **choices)`: the wizard on the Init / Join page of a live root."""
    monkeypatch.setenv("PATH", f"{FAKES}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("FAKE_KUBEADM_DELAY", "0")

    def make(scenario: str, **choices) -> WizardApp:
        monkeypatch.setenv("FAKE_KUBEADM_SCENARIO", scenario)
        root = tmp_path / "root"
        root.mkdir(exist_ok=True)
        return WizardApp(live_root(root), WizardChoices(**choices), screen="init")

    return make


settle = settle_workers


def text_of(static: Static) -> str:
    console = Console(width=200, file=io.StringIO(), record=True)
    console.print(static.content)
    return console.export_text()


def end_panel(app) -> str:
    return text_of(app.query_one("#run-end", Static))


def log_lines(app) -> list[str]:
    return list(app.query_one(RunPanel).log_widget.lines)


async def run_kubeadm(app, pilot) -> None:
    """Open the Run tab, press Run, confirm."""
    app.query_one("#ij-tabs", TabbedContent).active = "ij-run"
    await pilot.pause()
    await pilot.click("#run-start")
    await pilot.pause()
    assert isinstance(app.screen, ConfirmDialog)
    await pilot.press("left", "enter")  # from Cancel to the yes button
    await settle(app, pilot)


async def test_a_successful_init_shows_the_log_the_progress_and_the_join_command(live_app):
    app = live_app("init-success")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await run_kubeadm(app, pilot)

        lines = log_lines(app)
        assert "[preflight] Running pre-flight checks" in lines  # the prefix survives
        assert "kubeadm join 192.168.1.146:6443 --token b1eoah.**************** \\" in lines
        assert app.query_one("#run-progress").percentage == 1.0
        shown = end_panel(app)
        assert "✔ kubeadm init succeeded" in shown and "Join a worker:" in shown
        assert "kubeadm join 192.168.1.146:6443 --token b1eoah.****************" in shown
        assert "The token works until" in shown
        assert "kubectl --kubeconfig=/etc/kubernetes/admin.conf apply -f https://github.com/" \
               "flannel-io/flannel/releases/download/v0.28.4/kube-flannel.yml" in shown
        assert INIT_TOKEN_SECRET not in shown
        assert app.host.exists(CONFIG_PATH)
        assert app.query_one("#run-cni", Button).display

        await pilot.press("s")  # the operator asks to see the secret
        assert f"b1eoah.{INIT_TOKEN_SECRET}" in end_panel(app)
        await pilot.press("j")
        await settle(app, pilot)
        assert "Fresh join command (token until" in end_panel(app)
        assert app.host.command_log[-1].argv[:3] == ("kubeadm", "token", "create")
        assert all(INIT_TOKEN_SECRET not in line for line in log_lines(app))


@pytest.mark.parametrize(("scenario", "phase", "screen", "key"), [
    ("init-preflight", "preflight", "requirements", "enter"),
    ("init-timeout", "wait-control-plane", "cgroups", "g"),
])
async def test_a_failed_init_points_to_the_screen_that_fixes_it(live_app, scenario, phase,
                                                                 screen, key):
    app = live_app(scenario)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await run_kubeadm(app, pilot)

        shown = end_panel(app)
        assert f"✘ kubeadm init failed in phase {phase}" in shown
        assert "Likely cause:" in shown
        go = app.query_one("#run-go-fix", Button)
        title = {"requirements": "Requirements", "cgroups": "Cgroups"}[screen]
        assert go.display and str(go.label) == f"Go to {title} (g)"
        await pilot.press(key)
        assert app.query_one("#pages", ContentSwitcher).current == screen


async def test_the_join_form_says_what_is_wrong_as_you_type(demo_app, settle):
    app = demo_app("ready", screen="init")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        app.query_one("#ij-tabs", TabbedContent).active = "ij-join"
        await pilot.pause()

        def message(key: str) -> str:
            return str(app.query_one(f"#join-{key}-message", Static).content)

        token = app.query_one("#join-token", Input)
        token.focus()
        await pilot.press(*"abc")
        assert message("token").startswith("A bootstrap token is 6 lower-case letters")
        token.value = "abcdef.0123456789abcdef"  # the rest of the typing, at once
        await pilot.pause()
        assert message("token") == "✔ looks right"
        app.query_one("#join-endpoint", Input).value = "https://10.0.0.1:6443"
        app.query_one("#join-ca-hash", Input).value = "sha256:12"
        await pilot.pause()
        assert message("endpoint").startswith("Leave out the scheme")
        assert message("ca-hash") == ("After 'sha256:' the CA certificate hash needs 64 hex "
                                      "digits, not 2.")

        paste = app.query_one("#join-paste", TextArea)
        paste.focus()
        paste.insert(f"pi@node:~$ sudo kubeadm join 192.168.1.146:6443 --token {JOIN_TOKEN} \\\n"
                     f"        --discovery-token-ca-cert-hash {CA_HASH}\n")
        await pilot.pause()
        assert app.query_one("#join-endpoint", Input).value == "192.168.1.146:6443"
        assert app.query_one("#join-token", Input).value == JOIN_TOKEN
        assert app.query_one("#join-ca-hash", Input).value == CA_HASH
        assert paste.text == "" and message("endpoint") == "✔ looks right"
        assert "Filled in from the pasted worker join command" in str(
            app.query_one("#join-paste-message", Static).content)


async def test_the_join_form_refuses_an_endpoint_no_control_plane_can_have(demo_app, settle):
    """On `ready` (eth0 192.0.2.10): its own address, or one inside the Service subnet of the
    answers, is well formed but cannot be the control plane; the form says why, and Run too."""
    app = demo_app("ready", screen="init", choices=WizardChoices(role="worker"))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        app.query_one("#ij-tabs", TabbedContent).active = "ij-join"
        endpoint = app.query_one("#join-endpoint", Input)
        endpoint.value = "192.0.2.10:6443"
        await pilot.pause()
        shown = str(app.query_one("#join-endpoint-message", Static).content)
        assert "one of this machine's own addresses" in shown
        problems = " ".join(app.query_one(JoinForm).problems())
        assert "one of this machine's own addresses" in problems
        endpoint.value = "10.96.0.1:6443"
        await pilot.pause()
        shown = str(app.query_one("#join-endpoint-message", Static).content)
        assert "inside the Service subnet 10.96.0.0/12" in shown
        endpoint.value = "192.0.2.20:6443"
        await pilot.pause()
        assert str(app.query_one("#join-endpoint-message", Static).content) == "✔ looks right"


async def test_this_hosts_addresses_are_read_off_the_ui_thread_then_the_form_rechecks(
        demo_app, settle, monkeypatch):
    """The endpoint is checked against the host's addresses once a worker has read them: until
    then the form shows what the syntax and the answers' ranges say, without a netlink dump (or
    a demo's state) on the UI thread."""
    app = demo_app("ready", screen="init",
                   choices=WizardChoices(role="worker", join_endpoint="192.0.2.10:6443"))
    network = app.host.network
    read = network.addresses
    readers: list[threading.Thread] = []
    release = threading.Event()

    def addresses():
        readers.append(threading.current_thread())
        if threading.current_thread() is not threading.main_thread():
            release.wait(timeout=10)  # held until the form has been seen without them
        return read()

    monkeypatch.setattr(network, "addresses", addresses)
    async with app.run_test(size=(80, 24)) as pilot:
        for _ in range(20):
            await pilot.pause()
            if app.query("#join-endpoint-message"):
                break

        def shown() -> str:
            return str(app.query_one("#join-endpoint-message", Static).content)

        assert threading.main_thread() not in readers
        assert shown() == "✔ looks right"  # the addresses are not known yet
        release.set()
        await settle(app, pilot)
        assert "one of this machine's own addresses" in shown()
        assert app.query_one("#join-endpoint", Input).has_class("-invalid")
        assert readers and threading.main_thread() not in readers


async def test_a_join_probes_the_endpoint_then_runs_and_leaves_no_secret(live_app, tmp_path):
    with socket.socket() as api_server:
        api_server.bind(("127.0.0.1", 0))
        api_server.listen()
        endpoint = f"127.0.0.1:{api_server.getsockname()[1]}"
        app = live_app("join-success", role="worker", join_endpoint=endpoint)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(app, pilot)
            app.query_one("#join-token", Input).value = JOIN_TOKEN
            app.query_one("#join-ca-hash", Input).value = CA_HASH
            await pilot.pause()
            await run_kubeadm(app, pilot)

            lines = log_lines(app)
            assert f"TCP connect to 127.0.0.1 port {endpoint.split(':')[1]} succeeded" in lines
            assert "This node has joined the cluster:" in lines
            assert "✔ kubeadm join succeeded" in end_panel(app)
            assert app.host.listdir("/run/kubeadm-wizard") == []  # the private file is gone
            assert_no_secret(app, tmp_path, [JOIN_TOKEN.split(".")[1]])


async def test_a_join_to_an_unreachable_endpoint_is_not_started(live_app):
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        endpoint = f"127.0.0.1:{closed.getsockname()[1]}"  # bound, never listening
        app = live_app("join-success", role="worker", join_endpoint=endpoint)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(app, pilot)
            app.query_one("#join-token", Input).value = JOIN_TOKEN
            app.query_one("#join-ca-hash", Input).value = CA_HASH
            await pilot.pause()
            await run_kubeadm(app, pilot)

            shown = end_panel(app)
            assert "kubeadm was not run" in shown and "cannot reach the API server" in shown
            assert str(app.query_one("#run-go-fix", Button).label) == "Go to Network (g)"
            assert not any(r.argv[:2] == ("kubeadm", "join") for r in app.host.command_log)


async def diagnosed(app, pilot, sample: str) -> str:
    """Paste a recorded output into the Diagnose tab, run it, and read the answer."""
    app.query_one("#ij-tabs", TabbedContent).active = "ij-diagnose"
    await pilot.pause()
    app.query_one("#diagnose-input", TextArea).insert((DATA / sample).read_text())
    await pilot.click("#diagnose-run")
    await pilot.pause()
    return text_of(app.query_one("#diagnose-result", Static))


async def test_a_pasted_failure_is_diagnosed_and_leads_to_its_screen(demo_app, settle):
    app = demo_app("ready", screen="init")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        shown = await diagnosed(app, pilot, "preflight-failure-v1.21.1-mem.txt")
        assert "✘ The run failed in phase preflight." in shown
        assert "Preflight error Mem: the system RAM (978 MB) is less than the minimum" in shown
        go = app.query_one("#diagnose-go", Button)
        assert go.display and str(go.label) == "Go to Requirements"
        go.focus()
        await pilot.press("enter")
        assert app.query_one("#pages", ContentSwitcher).current == "requirements"


async def test_a_pasted_join_shows_the_typed_command_apart_and_masked(demo_app, settle):
    app = demo_app("ready", screen="init")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        shown = await diagnosed(app, pilot, "join-success-v1.35.7.txt")
        assert "✔ The run succeeded." in shown
        assert "Command typed: kubeadm join 192.168.1.146:6443 --token b1eoah." + "*" * 16 in shown
        assert "svrtbhp8vxjte3in" not in shown and "Join command (" not in shown


async def test_init_with_uploaded_certificates_leaves_no_secret_anywhere(live_app, tmp_path):
    app = live_app("init-upload-certs", upload_certs=True,
                   control_plane_endpoint="k8s-api.lan:6443")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await run_kubeadm(app, pilot)

        shown = end_panel(app)
        assert "Join another control plane (certificate key until" in shown
        app.choices.save(tmp_path / "answers.yaml")
        assert_no_secret(app, tmp_path, [UPLOAD_TOKEN_SECRET, UPLOAD_CERT_KEY])
        await pilot.press("s")
        assert UPLOAD_CERT_KEY in end_panel(app)  # shown on request, still never stored


async def test_the_mode_switch_makes_this_node_join_as_a_worker(demo_app, settle):
    app = demo_app("ready", screen="init")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        app.query_one("#ij-tabs", TabbedContent).active = "ij-config"
        await pilot.pause()
        modes = app.query_one("#config-mode", RadioSet)
        modes.focus()
        await pilot.press("down", "enter")
        await settle(app, pilot)

        assert app.choices.role == "worker"
        assert str(app.query_one("#run-start", Button).label) == "Run kubeadm join"
        assert "kubeadm would refuse this configuration" in text_of(
            app.query_one("#config-body", Static))  # no endpoint yet
        results = {r.id: r for r in app.results if r.screen == "init"}
        assert "PodSubnetOverlap" not in results and "KubeadmConfig" in results


async def test_reset_is_previewed_then_run_and_its_cleanups_are_opt_in(live_app):
    app = live_app("")
    app.host.path("/etc/cni/net.d").mkdir(parents=True)
    app.host.path("/etc/cni/net.d/10-flannel.conflist").write_text("{}")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        app.query_one("#ij-tabs", TabbedContent).active = "ij-reset"
        await pilot.pause()
        preview = text_of(app.query_one("#reset-preview", Static))
        assert "$ sudo kubeadm reset --force" in preview
        assert "Remove the 1 CNI configuration file(s) in /etc/cni/net.d" in preview
        assert app.query_one("#reset-cleanup", Button).disabled  # nothing chosen yet

        await pilot.click("#reset-run")
        await pilot.pause()
        await pilot.press("left", "enter")  # from Cancel to the yes button
        await settle(app, pilot)
        assert "✔ kubeadm reset succeeded" in end_panel(app)
        assert log_lines(app)[0] == "$ kubeadm reset --force"
        assert app.host.exists("/etc/cni/net.d/10-flannel.conflist")  # left to the operator


def assert_no_secret(app, tmp_path: Path, secrets: list[str]) -> None:
    """Neither the command log, the Log widget, the choices nor any file holds a secret."""
    places = {"command log": repr(app.host.command_log), "log widget": "\n".join(log_lines(app)),
              "choices": repr(dataclasses.asdict(app.choices))}
    for path in tmp_path.rglob("*"):
        if path.is_file():
            places[str(path)] = path.read_bytes().decode("utf-8", "replace")
    assert any(p.endswith("journal.jsonl") for p in places)
    for where, text in places.items():
        for secret in secrets:
            assert secret not in text, f"{secret} leaked into {where}"

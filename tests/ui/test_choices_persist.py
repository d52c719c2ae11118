"""Every field of the answers file replays in the TUI exactly (issue 10 §1a).

For each field of WizardChoices: an answers file with only that field away from its default
is launched at 80x24, every screen is visited (each screen fills its widgets from the choices
when it mounts or refreshes, which is where a replayed value used to be overwritten), and
then the value must still be in app.choices, be shown where the screens show it, and ctrl+s
must write the very file a save of those choices writes. The per-field runs use
ubuntu-vagrant (the demo of the issue); the save -> relaunch -> save round trip of a file with
every field changed runs on all three demos.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from screen_text import static_text
from textual.widgets import Input, RadioSet, Select

from screens.app import WizardApp
from screens.runtime import RUNTIME_OPTIONS
from wizard.host.simulated import SimulatedHost
from wizard.model import RouteChoice, WizardChoices

SCREEN_KEYS = "1234567"
QUIET = ("network-monitor",)




def config_yaml(app: WizardApp) -> str:
    return static_text(app, "#config-body")


def runtime_select(app: WizardApp) -> str:
    select = app.query_one("#runtime-select", Select)
    current = select.query_one("SelectCurrent")
    return " ".join(str(w.render()) for w in current.query("Static"))


def planned(app: WizardApp) -> list[str]:
    return [e.step.id for e in app.plan_entries]


# field -> (a value other than the default, what a screen shows of it)
FIELDS = {
    "role": ("worker", lambda app: (
        app.query_one("#role", Select).value == "worker"
        and "kubeadm join" in str(app.query_one("#role-hint").content)
        and app.query_one("#config-mode", RadioSet).pressed_index == 1)),  # join as a worker
    "kubernetes_version": ("1.33", lambda app: (
        app.query_one("#version", Select).value == "1.33"
        and "kubernetesVersion: v1.33" in config_yaml(app))),
    "advertise_address": ("192.168.56.10", lambda app: (
        app.query_one("#advertise-select", Select).value == "192.168.56.10"
        and "192.168.56.10/24  ◀ advertised (your choice)" in static_text(app, "#adapter-list")
        and "advertiseAddress: 192.168.56.10" in config_yaml(app))),
    "node_name": ("node-7", lambda app: "name: node-7" in config_yaml(app)),
    "control_plane_endpoint": ("cp.lab.lan:6443", lambda app: (
        "controlPlaneEndpoint: cp.lab.lan:6443" in config_yaml(app))),
    "pod_subnet": ("10.32.0.0/16", lambda app: (
        app.query_one("#subnet-pod", Input).value == "10.32.0.0/16"
        and "podSubnet: 10.32.0.0/16" in config_yaml(app))),
    "service_subnet": ("10.112.0.0/12", lambda app: (
        app.query_one("#subnet-service", Input).value == "10.112.0.0/12"
        and "serviceSubnet: 10.112.0.0/12" in config_yaml(app))),
    "dns_domain": ("lab.local", lambda app: "dnsDomain: lab.local" in config_yaml(app)),
    "cni": ("calico", lambda app: (
        app.query_one("#config-cni", RadioSet).pressed_button.name == "calico"
        and "calico" in static_text(app, "#config-cni-note").lower())),
    "runtime": ("cri-o", lambda app: (
        "CRI-O (default)" in runtime_select(app) and "pick" not in runtime_select(app)
        and "criSocket: unix:///var/run/crio/crio.sock" in config_yaml(app))),
    "cri_socket": ("unix:///run/containerd/containerd.sock", lambda app: (
        app.query_one("#runtime-select", Select).value == "containerd"
        and "containerd" in runtime_select(app) and "pick" not in runtime_select(app)
        and "criSocket (chosen): unix:///run/containerd/containerd.sock"
        in static_text(app, "#runtime-note")
        and "criSocket: unix:///run/containerd/containerd.sock" in config_yaml(app))),
    "cgroup_driver": ("cgroupfs", lambda app: "cgroupDriver: cgroupfs" in config_yaml(app)),
    "dual_stack": (True, lambda app: any(
        r.id == "FileContent--proc-sys-net-ipv6-conf-default-forwarding"
        for r in app.results)),
    "fail_swap_on": (False, lambda app: "failSwapOn: false" in config_yaml(app)),
    "fail_cgroup_v1": (False, lambda app: "failCgroupV1: false" in config_yaml(app)),
    # Without controlPlaneEndpoint kubeadm refuses it, and the Config tab says so.
    "upload_certs": (True, lambda app: "upload_certs" in config_yaml(app)),
    "join_endpoint": ("192.168.56.10:6443", lambda app: (
        app.query_one("#join-endpoint", Input).value == "192.168.56.10:6443"
        and app.query_one("#config-mode", RadioSet).pressed_index == 2)),  # another control plane
    # No screen lists the routes of the answers file: kept and written back is all there is.
    "routes": ([RouteChoice("10.20.0.0/16", gateway="192.168.56.1")], lambda app: True),
    "skipped_fixes": (["swap-fstab"], lambda app: (
        "swap-fstab" not in planned(app) and "swap-off-now" in planned(app))),
}


def test_every_field_of_the_model_is_covered():
    assert set(FIELDS) == set(WizardChoices().to_dict()) - {"version"}
    for field, (value, _) in FIELDS.items():
        assert value != getattr(WizardChoices(), field), field
    assert {value for _, value in RUNTIME_OPTIONS} >= {FIELDS["runtime"][0]}


async def visit_every_screen(app: WizardApp, pilot) -> None:
    from settling import settle_workers

    await settle_workers(app, pilot, ignore_groups=QUIET)
    for key in SCREEN_KEYS:
        await pilot.press(key)
        await settle_workers(app, pilot, ignore_groups=QUIET)


async def session(host: SimulatedHost, answers: Path) -> WizardApp:
    """Launch on the file, visit every screen, ctrl+s back into it; the app for inspection."""
    from settling import settle_workers

    app = WizardApp(host, WizardChoices.load(answers), answers_path=answers)
    async with app.run_test(size=(80, 24)) as pilot:
        await visit_every_screen(app, pilot)
        app.shown_ok = {field: probe(app) for field, (_, probe) in FIELDS.items()}
        app.shown_options = list(app.query_one("#advertise-select", Select)._options)
        await pilot.press("ctrl+s")
        await settle_workers(app, pilot, ignore_groups=QUIET)
    return app


@pytest.mark.parametrize("field", FIELDS)
async def test_one_changed_field_replays_and_saves_back_identically(tmp_path, field):
    value, _ = FIELDS[field]
    expected = WizardChoices(**{field: value})
    written = tmp_path / "expected.yaml"
    expected.save(written)
    answers = tmp_path / "answers.yaml"
    answers.write_bytes(written.read_bytes())
    app = await session(SimulatedHost("ubuntu-vagrant", scratch=tmp_path / "demo"), answers)
    assert getattr(app.choices, field) == value
    assert app.choices == expected
    assert app.shown_ok[field], f"{field} is not shown as {value!r}"
    assert answers.read_bytes() == written.read_bytes()


EVERYTHING = WizardChoices(
    role="worker", kubernetes_version="1.33", advertise_address="192.168.56.10",
    node_name="node-7", control_plane_endpoint="cp.lab.lan:6443", pod_subnet="10.32.0.0/16",
    service_subnet="10.112.0.0/12", dns_domain="lab.local", cni="calico", runtime="cri-o",
    cri_socket="unix:///var/run/crio/crio.sock", cgroup_driver="cgroupfs", dual_stack=True,
    fail_swap_on=False, fail_cgroup_v1=False, upload_certs=True,
    join_endpoint="192.168.56.10:6443",
    routes=[RouteChoice("10.20.0.0/16", gateway="192.168.56.1")],
    skipped_fixes=["swap-fstab"])


@pytest.mark.parametrize("demo", ["ready", "rpi4-bookworm", "ubuntu-vagrant"])
async def test_save_relaunch_save_keeps_the_file(tmp_path, demo):
    answers = tmp_path / "answers.yaml"
    EVERYTHING.save(answers)
    first = answers.read_bytes()
    scratch = tmp_path / demo
    app = await session(SimulatedHost(demo, scratch=scratch, reset=True), answers)
    assert app.choices == EVERYTHING
    assert answers.read_bytes() == first
    app = await session(SimulatedHost(demo, scratch=scratch), answers)  # relaunch
    assert app.choices == EVERYTHING
    assert answers.read_bytes() == first


async def test_kubeadm_s_own_address_named_in_the_answers_is_shown_as_this_host_s(tmp_path):
    """advertise_address: 10.0.2.15 on ubuntu-vagrant is the NAT address kubeadm would pick
    anyway; replayed, the selector keeps it and does not call it a stranger's."""
    answers = tmp_path / "answers.yaml"
    WizardChoices(advertise_address="10.0.2.15").save(answers)
    saved = answers.read_bytes()
    app = await session(SimulatedHost("ubuntu-vagrant", scratch=tmp_path / "demo"), answers)
    assert app.choices.advertise_address == "10.0.2.15"
    assert answers.read_bytes() == saved
    labels = [str(label) for label, value in app.shown_options if value == "10.0.2.15"]
    assert labels == ["10.0.2.15 (enp0s3, named)"]

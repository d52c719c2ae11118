"""Every answer in an answers file survives a TUI session: load → visit every screen → save
gives back the same file (the issue: the Network page overwrote advertise_address on mount)."""

from __future__ import annotations

import pytest
from settling import settle_workers

from screens.app import WizardApp
from wizard.host.simulated import SimulatedHost
from wizard.model import RouteChoice, WizardChoices

SCREENS = ("requirements", "network", "bridge", "runtime", "cgroups", "init", "review")

NON_DEFAULT = WizardChoices(
    role="worker", kubernetes_version="1.33", advertise_address="192.168.56.10",
    node_name="node-7", control_plane_endpoint="192.168.56.10:6443",
    pod_subnet="10.32.0.0/16", service_subnet="10.112.0.0/12", dns_domain="lab.local",
    cni="calico", runtime="cri-o", cri_socket="unix:///var/run/crio/crio.sock",
    cgroup_driver="cgroupfs", dual_stack=True, fail_swap_on=False, fail_cgroup_v1=False,
    upload_certs=True, join_endpoint="192.168.56.10:6443",
    routes=[RouteChoice("10.20.0.0/16", gateway="192.168.56.1")],
    skipped_fixes=["swap-fstab"])


@pytest.mark.parametrize("demo", ["ubuntu-vagrant", "rpi4-bookworm"])
async def test_every_answer_survives_a_visit_of_every_screen(tmp_path, demo):
    path = tmp_path / "answers.yaml"
    NON_DEFAULT.save(path)
    loaded = WizardChoices.load(path)
    app = WizardApp(SimulatedHost(demo, scratch=tmp_path / demo), loaded, answers_path=path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle_workers(app, pilot, ignore_groups=("monitor",))
        for number, _screen in enumerate(SCREENS, start=1):
            await pilot.press(str(number))
            await settle_workers(app, pilot, ignore_groups=("monitor",))
        for field in NON_DEFAULT.to_dict():
            assert getattr(app.choices, field, None) == getattr(NON_DEFAULT, field, None), field
        assert app.choices.to_dict() == NON_DEFAULT.to_dict()  # what ctrl+s would write

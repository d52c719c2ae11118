"""Route changes as planned steps: through netlink in a real namespace, and on a demo host."""

from __future__ import annotations

from wizard.host.base import Host
from wizard.host.simulated import SimulatedHost
from wizard.steps import Step, apply_steps, undo_all
from wizard.steps.step import RouteChange


def route_step(**route) -> Step:
    return Step(id="route", title="Route the cluster network", why="…", verify="ip route get",
                actions=(RouteChange.of("add", **route),))


def test_a_route_step_goes_through_netlink_and_undoes(netns, tmp_path):
    netns.batch(["link add kwa type veth peer name kwb", "link set kwa up",
                 "addr add 10.50.0.1/24 dev kwa"])
    host = Host("/", netns=netns.name, state_dir=str(tmp_path / "state"))
    step = route_step(dst="10.60.0.0/16", gateway="10.50.0.254", dev="kwa", metric=50)
    assert step.shell_commands == ("sudo ip route add 10.60.0.0/16 via 10.50.0.254 dev kwa "
                                   "metric 50",)
    [outcome] = apply_steps(host, [step])
    assert outcome.status == "applied", outcome.messages
    assert netns.ip_json("route", "show", "10.60.0.0/16") == [
        {"dst": "10.60.0.0/16", "gateway": "10.50.0.254", "dev": "kwa", "metric": 50,
         "flags": ["linkdown"]}]
    assert host.network.route_get("10.60.1.1")["gateway"] == "10.50.0.254"
    undo_all(host)
    assert netns.ip_json("route", "show", "10.60.0.0/16") == []


def test_the_kernel_refusal_is_reported(netns, tmp_path):
    host = Host("/", netns=netns.name, state_dir=str(tmp_path / "state"))
    [outcome] = apply_steps(host, [route_step(dst="10.60.0.0/16", gateway="10.99.0.1")])
    assert outcome.status == "failed"
    assert "unreachable" in outcome.messages[0].lower()


def test_route_steps_on_a_demo_host(tmp_path):
    host = SimulatedHost("ubuntu-vagrant", scratch=tmp_path / "demo")
    assert host.network.route_get("192.168.57.20")["dev"] == "enp0s3"
    apply_steps(host, [route_step(dst="192.168.57.0/24", gateway="192.168.56.1", dev="enp0s8")])
    answer = host.network.route_get("192.168.57.20")
    assert (answer["dev"], answer["gateway"]) == ("enp0s8", "192.168.56.1")
    reloaded = SimulatedHost("ubuntu-vagrant", scratch=tmp_path / "demo")
    assert reloaded.network.route_get("192.168.57.20")["dev"] == "enp0s8"
    undo_all(reloaded)
    assert reloaded.network.route_get("192.168.57.20")["dev"] == "enp0s3"

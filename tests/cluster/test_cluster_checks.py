"""The cross-node checks and the event collation, fed recorded data (no Ansible run)."""

from __future__ import annotations

from wizard.cluster.checks import run_cluster_checks
from wizard.cluster.inventory import Node
from wizard.cluster.runner import NodeResult, api_endpoint, collate
from wizard.host.ports import _proc_address
from wizard.model import WizardChoices


def _result(name: str, role: str = "worker", **facts) -> NodeResult:
    base = {"hostname": name, "machine_id": f"id-{name}", "product_uuid": f"uuid-{name}",
            "running": True, "macs": {}, "networks": [], "versions": {}, "clock": 1000.0}
    return NodeResult(Node(name, role), report={"checks": [], "facts": {**base, **facts}},
                      window=(999.0, 1001.0))


def _by_id(results):
    found = {}
    for result in results:
        found.setdefault(result.id, []).append(result)
    return found


def test_overlap_names_the_node_and_the_route():
    results = {"cp": _result("cp", "control-plane"),
               "w": _result("w", networks=[{"network": "10.244.0.0/24", "kind": "route",
                                            "where": "route 10.244.0.0/24 dev wg0",
                                            "dev": "wg0"}])}
    [overlap] = _by_id(run_cluster_checks(results, WizardChoices()))["ClusterPodSubnetOverlap"]
    assert overlap.status.value == "fail" and overlap.nodes == ["w"]
    assert "route 10.244.0.0/24 dev wg0" in overlap.message


def test_version_and_clock_skew():
    results = {"cp": _result("cp", "control-plane", versions={"kubeadm": "v1.34.1",
                                                             "kubelet": "v1.34.1"}),
               "w": _result("w", versions={"kubeadm": "v1.34.0", "kubelet": "v1.35.0"},
                            clock=1100.0)}
    found = _by_id(run_cluster_checks(results, WizardChoices()))
    assert [r.nodes for r in found["VersionSkew"]] == [["w"]]
    clocks = {r.nodes[0]: r.status.value for r in found["ClockSkew"]}
    assert clocks == {"cp": "pass", "w": "fail"}


def test_collate_reads_ok_failed_and_unreachable_events():
    nodes = [Node("a", "control-plane"), Node("b", "worker"), Node("c", "worker")]
    events = [
        {"event": "runner_on_ok", "event_data": {
            "host": "a", "task": "Run kubeadm-wizard check on the node",
            "res": {"stdout": '{"host": {}, "checks": [], "facts": {}}'},
            "start": "2026-01-01T00:00:00+00:00", "end": "2026-01-01T00:00:02+00:00"}},
        {"event": "runner_on_unreachable", "event_data": {
            "host": "b", "task": "Read", "res": {"msg": "ssh: connect: Connection refused"}}},
        {"event": "runner_on_failed", "event_data": {
            "host": "c", "task": "Run kubeadm-wizard check on the node",
            "res": {"stderr": "python3: not found"}}},
    ]
    results = collate(nodes, events)
    assert results["a"].report is not None and results["a"].window[1] - results["a"].window[0] == 2
    assert results["b"].unreachable and "Connection refused" in results["b"].error
    assert "python3: not found" in results["c"].error and not results["c"].unreachable


def test_api_endpoint_comes_from_the_answers_or_the_first_control_plane():
    from wizard.cluster.inventory import Inventory

    inventory = Inventory(path=None, nodes=[Node("cp", "control-plane", address="10.0.0.5")])
    assert api_endpoint(inventory, WizardChoices()) == "10.0.0.5:6443"
    assert api_endpoint(inventory, WizardChoices(control_plane_endpoint="cp.lan")) == "cp.lan:6443"
    assert api_endpoint(inventory, WizardChoices(join_endpoint="1.2.3.4:7443")) == "1.2.3.4:7443"


def test_proc_net_tcp_addresses():
    assert _proc_address("0100007F") == "127.0.0.1"
    assert _proc_address("00000000000000000000000001000000") == "::1"

"""A join endpoint that cannot be the control plane for this host's answers, with its reason."""

from __future__ import annotations

import pytest

from wizard.kubeadm.join_endpoint import endpoint_problem_here

HERE = {"own_addresses": ["192.0.2.10", "fe80::1"], "pod_subnet": "10.244.0.0/16",
        "service_subnet": "10.96.0.0/12,fd00:10:96::/112"}


@pytest.mark.parametrize("endpoint, reason", [
    ("192.0.2.10:6443", "one of this machine's own addresses"),
    ("0.0.0.0:6443", "every address of a machine"),
    ("10.244.3.1:6443", "inside the pod subnet 10.244.0.0/16"),
    ("10.96.0.1:6443", "inside the Service subnet 10.96.0.0/12"),
    ("[fd00:10:96::1]:6443", "inside the Service subnet fd00:10:96::/112"),
    ("192.0.2.10", "Add the API server port"),
])
def test_an_endpoint_no_control_plane_can_have_is_refused_with_its_reason(endpoint, reason):
    problem = endpoint_problem_here(endpoint, **HERE)
    assert problem is not None and reason in problem


@pytest.mark.parametrize("endpoint", ["192.0.2.20:6443", "cp.example.internal:6443",
                                      "[fd00::10]:6443", "127.0.0.1:6443", "[::1]:6443"])
def test_another_machines_endpoint_or_a_local_load_balancer_is_accepted(endpoint):
    here = {**HERE, "own_addresses": [*HERE["own_addresses"], "127.0.0.1", "::1"]}
    assert endpoint_problem_here(endpoint, **here) is None

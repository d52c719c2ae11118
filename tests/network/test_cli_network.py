"""The network CLI against real namespaces: `routes --json` and `route get` as iproute2 says."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest


def wizard(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "wizard", *args], capture_output=True,
                          text=True, timeout=120)


def test_routes_json_is_what_ip_prints(scenario):
    done = wizard("routes", "--netns", scenario.name, "--json")
    assert done.returncode == 0, done.stderr
    ours = json.loads(done.stdout)
    theirs = scenario.ip_json("route", "show", "table", "all")  # both families
    key = lambda route: json.dumps(route, sort_keys=True)  # noqa: E731
    # Drop the kernel's volatile "expires" counters, which tick between the two reads.
    strip = lambda routes: sorted(  # noqa: E731
        ({k: v for k, v in r.items() if k != "expires"} for r in routes), key=key)
    assert strip(ours) == strip(theirs)
    assert len(ours) > 300


def test_routes_filters_by_table_and_family(scenario):
    done = wizard("routes", "--netns", scenario.name, "--table", "52", "-4", "--json")
    ours = json.loads(done.stdout)
    assert ours and all(route.pop("table") == "52" for route in ours)
    # ip leaves "table" out when one table is asked for; we keep it (dropped above).
    assert ours == scenario.ip_json("-4", "route", "show", "table", "52")


def test_table_0_is_every_table_as_ip_says(scenario):
    every = json.loads(wizard("routes", "--netns", scenario.name, "--json").stdout)
    zero = json.loads(wizard("routes", "--netns", scenario.name, "--table", "0",
                             "--json").stdout)
    assert zero == every
    assert len(scenario.ip_json("route", "show", "table", "0")) == len(
        scenario.ip_json("route", "show", "table", "all"))


def test_route_get_matches_the_kernel(scenario):
    queries = [dst for dst, _ in scenario.random_queries(2, 40)]
    done = wizard("route", "get", *queries, "--netns", scenario.name, "--json")
    assert done.returncode == 0, done.stderr
    answers = json.loads(done.stdout)
    assert len(answers) == len(queries)
    for dst, answer in zip(queries, answers, strict=True):
        expected = scenario.route_get(dst)
        if "error" in expected:
            assert answer.get("error"), (dst, answer, expected)
        else:
            for field in ("dev", "gateway", "prefsrc", "type"):
                assert answer.get(field) == expected.get(field), (dst, field, answer, expected)


@pytest.mark.parametrize("args, message", [
    (["routes", "--netns", "kwt-missing-ns"], "network namespace 'kwt-missing-ns' does not exist"),
    (["route", "get", "not-an-ip", "--demo", "ready"], "'not-an-ip' is not an IP address"),
    (["routes", "--root", "/tmp"], "is not a running system"),
    (["routes", "--demo", "ready", "--table", "4294967296"], "table id 4294967296 is invalid"),
])
def test_errors_are_one_line(args, message):
    done = wizard(*args)
    assert done.returncode == 2 and message in done.stderr and "Traceback" not in done.stderr


def test_route_get_on_a_demo_host_replays_the_kernel_decision():
    done = wizard("route", "get", "8.8.8.8", "192.168.56.77", "--demo", "ubuntu-vagrant")
    assert done.stdout.splitlines() == ["8.8.8.8 via 10.0.2.2 dev enp0s3 src 10.0.2.15",
                                        "192.168.56.77 dev enp0s8 src 192.168.56.10"]

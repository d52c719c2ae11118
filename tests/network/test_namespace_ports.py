"""`--netns` means the namespace's own sockets: its listening ports and the connections a
join probe opens, not the wizard's own namespace's.

The listener is a separate process started in the namespace by `ip netns exec`, and the
reference for what listens there is `ss` run in the namespace; all traffic stays on the
namespace's loopback.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from wizard.host.base import Host
from wizard.kubeadm.endpoint_probe import probe_endpoint

LISTENER = """
import socket, sys, time
server = socket.socket()
server.bind(("127.0.0.1", int(sys.argv[1])))
server.listen()
print("listening", flush=True)
time.sleep(120)
"""


@pytest.fixture
def listener(netns):
    """A process in the namespace listening on 127.0.0.1:6443 (the API server's port)."""
    process = subprocess.Popen(
        ["ip", "netns", "exec", netns.name, sys.executable, "-c", LISTENER, "6443"],
        stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None and process.stdout.readline() == "listening\n"
        yield process
    finally:
        process.kill()
        process.wait()


def _ss_ports(namespace: str) -> set[int]:
    done = subprocess.run(["ip", "netns", "exec", namespace, "ss", "-Hltn"],
                          capture_output=True, text=True, check=True)
    return {int(line.split()[3].rpartition(":")[2]) for line in done.stdout.splitlines()}


def test_listening_ports_are_the_namespaces_own(netns, listener):
    ports = Host("/", netns=netns.name).listening_ports()
    assert ports is not None
    assert {port.port for port in ports} == _ss_ports(netns.name) == {6443}
    (held,) = ports
    assert (held.address, held.pid) == ("127.0.0.1", listener.pid)
    assert held.process.startswith("python")


def test_the_join_probe_connects_from_the_namespace(netns, listener):
    probe = probe_endpoint(Host("/", netns=netns.name), "127.0.0.1:6443")
    assert probe.connected, probe.message
    assert probe.route_text == "route to 127.0.0.1: on-link dev lo src 127.0.0.1"


def test_a_namespace_with_nothing_listening_refuses(netns):
    probe = probe_endpoint(Host("/", netns=netns.name), "127.0.0.1:6443")
    assert probe.ran and not probe.connected
    assert "connection refused" in probe.message


def test_check_names_the_process_holding_the_port_in_the_namespace(netns, listener):
    done = subprocess.run(
        [sys.executable, "-m", "wizard", "check", "--netns", netns.name, "--json", "--facts",
         "--probe", "127.0.0.1:6443"], capture_output=True, text=True, timeout=120)
    report = json.loads(done.stdout)
    port = next(r for r in report["checks"] if r["id"] == "Port-6443")
    assert port["status"] == "fail" and f"pid {listener.pid}" in port["observed"], port
    assert report["facts"]["probe"]["connect"]["ok"] is True, report["facts"]["probe"]


def _forwarding(namespace: str | None) -> str:
    argv = ["cat", "/proc/sys/net/ipv4/ip_forward"]
    argv = ["ip", "netns", "exec", namespace, *argv] if namespace else argv
    return subprocess.run(argv, capture_output=True, text=True, check=True).stdout.strip()


def _set_forwarding(namespace: str, value: str) -> None:
    subprocess.run(["ip", "netns", "exec", namespace, "sysctl", "-qw",
                    f"net.ipv4.ip_forward={value}"], check=True)


def test_net_sysctls_and_commands_are_the_namespaces_own(netns):
    # The namespace's forwarding is set (by ip netns exec) opposite to this machine's, which
    # is only read. The host object's commands here only read too: were they to run in
    # this machine's namespace, they must not change it.
    mine = _forwarding(None)
    wanted = "0" if mine == "1" else "1"
    _set_forwarding(netns.name, wanted)
    host = Host("/", netns=netns.name)
    assert host.read_optional("/proc/sys/net/ipv4/ip_forward").strip() == wanted
    assert host.run(["sysctl", "-n", "net.ipv4.ip_forward"]).stdout.strip() == wanted
    changed = host.change(["cat", "/proc/sys/net/ipv4/ip_forward"])  # as sysctl -w would run
    assert changed.argv[:4] == ("ip", "netns", "exec", netns.name)
    assert changed.stdout.strip() == wanted and _forwarding(None) == mine
    routes = subprocess.run(["ip", "netns", "exec", netns.name, "cat", "/proc/net/route"],
                            capture_output=True, text=True, check=True).stdout
    assert host.read_optional("/proc/net/route") == routes


def test_check_reads_the_namespaces_forwarding(netns):
    wanted = "0" if _forwarding(None) == "1" else "1"
    _set_forwarding(netns.name, wanted)
    done = subprocess.run([sys.executable, "-m", "wizard", "check", "--netns", netns.name,
                           "--json"], capture_output=True, text=True, timeout=120)
    (forwarding,) = [r for r in json.loads(done.stdout)["checks"]
                     if r["id"] == "FileContent--proc-sys-net-ipv4-ip_forward"]
    assert forwarding["observed"].startswith(f"now: {wanted};"), forwarding

"""Three OpenSSH servers in network namespaces made here: the nodes `cluster` commands reach.

Topology (nothing in the machine's own namespace changes): a controller namespace with a
bridge 10.250.77.1/24, and three node namespaces, each joined to the bridge by a veth pair
(10.250.77.11-13). Each node runs `sshd -D` with a generated host key, accepting a generated
client key; the inventory pins the host keys through a generated known_hosts and
StrictHostKeyChecking=yes. sshd's privilege-separation directory /run/sshd is made in a
private mount namespace (a tmpfs over /run), never on the machine itself. n1 also listens
on 10.250.77.11:6443, the control plane's endpoint.

Used by tests/cluster/test_cluster_ssh.py and benchmarks/bench_cluster.py.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import yaml

Process = subprocess.Popen[bytes]
NET = "10.250.77"
NODES = {"n1": 11, "n2": 12, "n3": 13}

SSHD_WRAPPER = """\
set -e
mount -t tmpfs kw-run /run
mkdir -m 0755 /run/sshd
exec /usr/sbin/sshd -D -e -f "$1"
"""


def _run(*argv: str) -> None:
    subprocess.run(argv, check=True, capture_output=True, timeout=30)


def _wait_for_port(namespace: str, address: str, port: int, deadline: float) -> None:
    probe = ("import socket,sys\ns=socket.socket()\ns.settimeout(0.5)\n"
             f"sys.exit(s.connect_ex(({address!r},{port})))")
    while time.monotonic() < deadline:
        done = subprocess.run(["ip", "netns", "exec", namespace, sys.executable, "-c", probe],
                              capture_output=True, timeout=10)
        if done.returncode == 0:
            return
        time.sleep(0.2)
    raise AssertionError(f"nothing listens on {address}:{port} in {namespace}")


@contextmanager
def ssh_nodes(tmp_path: Path) -> Iterator[tuple[str, dict[str, str], dict[str, Process]]]:
    """(the controller's namespace, each node's namespace, the sshd and API server processes)."""
    # A failure, not a skip: tests/run.sh installs openssh-server.
    assert Path("/usr/sbin/sshd").is_file(), "sshd is not installed (Debian: openssh-server)"
    tag = f"kwc{os.getpid() % 100000}"
    ctl = f"{tag}-ctl"
    spaces = {name: f"{tag}-{name}" for name in NODES}
    processes: dict[str, Process] = {}
    _run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(tmp_path / "client"))
    (tmp_path / "authorized_keys").write_text((tmp_path / "client.pub").read_text())
    wrapper = tmp_path / "sshd-wrapper.sh"
    wrapper.write_text(SSHD_WRAPPER)
    known = []
    try:
        _run("ip", "netns", "add", ctl)
        _run("ip", "-n", ctl, "link", "set", "lo", "up")
        _run("ip", "-n", ctl, "link", "add", "br0", "type", "bridge")
        _run("ip", "-n", ctl, "addr", "add", f"{NET}.1/24", "dev", "br0")
        _run("ip", "-n", ctl, "link", "set", "br0", "up")
        for name, number in NODES.items():
            space = spaces[name]
            _run("ip", "netns", "add", space)
            _run("ip", "-n", ctl, "link", "add", f"v{name}", "type", "veth", "peer", "name",
                 "eth0", "netns", space)
            _run("ip", "-n", ctl, "link", "set", f"v{name}", "master", "br0", "up")
            _run("ip", "-n", space, "addr", "add", f"{NET}.{number}/24", "dev", "eth0")
            _run("ip", "-n", space, "link", "set", "eth0", "up")
            _run("ip", "-n", space, "link", "set", "lo", "up")
            key = tmp_path / f"host-{name}"
            _run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key))
            known.append(f"{NET}.{number} {(key.with_suffix('.pub')).read_text().strip()}")
            config = tmp_path / f"sshd-{name}.conf"
            config.write_text("\n".join([
                "Port 22", f"ListenAddress {NET}.{number}", f"HostKey {key}",
                f"PidFile {tmp_path}/sshd-{name}.pid",
                f"AuthorizedKeysFile {tmp_path}/authorized_keys",
                "PermitRootLogin prohibit-password", "PasswordAuthentication no",
                "KbdInteractiveAuthentication no", "UsePAM no", "StrictModes no",
                "Subsystem sftp /usr/lib/openssh/sftp-server", ""]))
            processes[name] = subprocess.Popen(
                ["ip", "netns", "exec", space, "unshare", "--mount", "--propagation",
                 "private", "bash", str(wrapper), str(config)],
                stdout=subprocess.DEVNULL, stderr=(tmp_path / f"sshd-{name}.log").open("w"))
        processes["apiserver"] = subprocess.Popen(
            ["ip", "netns", "exec", spaces["n1"], sys.executable, "-c",
             "import socket,time\ns=socket.socket()\n"
             f"s.bind(('{NET}.11',6443))\ns.listen(8)\ntime.sleep(300)"])
        (tmp_path / "known_hosts").write_text("\n".join(known) + "\n")
        # sshd starts in well under a second; a loaded 2-core CI machine once took over 20 s.
        deadline = time.monotonic() + 90
        try:
            for number in NODES.values():
                _wait_for_port(ctl, f"{NET}.{number}", 22, deadline)
            _wait_for_port(ctl, f"{NET}.11", 6443, deadline)
        except AssertionError as error:
            logs = "\n".join(f"{log.name}: {log.read_text()}"
                             for log in sorted(tmp_path.glob("sshd-*.log")))
            raise AssertionError(f"{error}\n{logs}") from None
        yield ctl, spaces, processes
    finally:
        for process in processes.values():
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
        for space in [*spaces.values(), ctl]:
            subprocess.run(["ip", "netns", "del", space], capture_output=True, timeout=30)


def ssh_inventory(tmp_path: Path) -> Path:
    """An inventory of the three nodes, with pinned host keys and the cache under tmp_path."""
    ssh_args = (f"-o UserKnownHostsFile={tmp_path}/known_hosts -o StrictHostKeyChecking=yes "
                "-o ConnectTimeout=5")
    inventory = {
        "all": {"vars": {"ansible_user": "root", "ansible_connection": "ssh",
                         "ansible_ssh_private_key_file": str(tmp_path / "client"),
                         "ansible_ssh_common_args": ssh_args,
                         "ansible_python_interpreter": "/usr/bin/python3",
                         "kubeadm_wizard_python": "/usr/bin/python3",
                         # The nodes share this machine's files: keep their cache in the test.
                         "kubeadm_wizard_home": str(tmp_path / "node-cache")}},
        "control_plane": {"hosts": {"n1": {"ansible_host": f"{NET}.11",
                                           "kubeadm_wizard_advertise_address": f"{NET}.11"}}},
        "workers": {"hosts": {"n2": {"ansible_host": f"{NET}.12"},
                              "n3": {"ansible_host": f"{NET}.13"}}},
    }
    path = tmp_path / "inventory.yml"
    path.write_text(yaml.safe_dump(inventory))
    return path

"""A real containerd for tests: started on a throwaway root, state and socket, stopped after.

Fixtures: ``containerd_factory`` starts one per config text; the instance answers on
``.address`` (use it for ``ctr --address`` or for runtime-detection code that talks to the
socket). ``containerd_dump`` shows how containerd reads a config without starting it. Both skip
the test when containerd is not installed.

Everything the daemon writes stays in temporary directories: root, state, the sockets, and the
paths of the plugins that would otherwise create /opt/containerd and /etc/cni/net.d on the host.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import tomlkit

from wizard.runtime import containerd_config

START_TIMEOUT = 15.0
STOP_TIMEOUT = 5.0

# Plugin ids whose config points outside root/state, per containerd config version.
_OPT_PLUGIN = {1: "opt", 2: "io.containerd.internal.v1.opt", 3: "io.containerd.internal.v1.opt"}
_CNI_PLUGIN = {1: "cri", 2: "io.containerd.grpc.v1.cri", 3: "io.containerd.cri.v1.runtime"}


def require_containerd() -> None:
    """Skip the calling test when containerd and ctr are not installed."""
    if shutil.which("containerd") is None or shutil.which("ctr") is None:
        pytest.skip("containerd is not installed: apt-get install containerd")


@dataclass
class LiveContainerd:
    """A containerd process started by these tests, with where to reach it."""

    process: subprocess.Popen[bytes]
    config_path: Path
    address: Path
    log_path: Path
    socket_dir: Path

    def ctr(self, *args: str) -> str:
        """Run ``ctr`` against this containerd and return its standard output."""
        result = subprocess.run(
            ["ctr", "--address", str(self.address), "--connect-timeout", "2s", *args],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        )
        return result.stdout

    def log(self) -> str:
        """What containerd printed so far (debug level), for failure messages."""
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        """SIGTERM, then SIGKILL if containerd does not exit in time; remove the sockets."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=STOP_TIMEOUT)
        shutil.rmtree(self.socket_dir, ignore_errors=True)


def isolate(config_text: str, workdir: Path, socket_dir: Path) -> str:
    """``config_text`` pointed at ``workdir`` and ``socket_dir`` instead of the host's paths."""
    version = containerd_config.parse(config_text).version
    doc = tomlkit.parse(config_text)
    doc["root"] = str(workdir / "root")
    doc["state"] = str(workdir / "state")
    _table(doc, "grpc")["address"] = str(socket_dir / "containerd.sock")
    _table(doc, "ttrpc")["address"] = str(socket_dir / "containerd.sock.ttrpc")
    _table(doc, "debug")["address"] = ""
    plugins = _table(doc, "plugins")
    _table(plugins, _OPT_PLUGIN[version])["path"] = str(workdir / "opt")
    cni = _table(_table(plugins, _CNI_PLUGIN[version]), "cni")
    cni["conf_dir"] = str(workdir / "cni" / "net.d")
    cni["bin_dir"] = str(workdir / "cni" / "bin")
    return doc.as_string()


def _table(parent: tomlkit.items.Table | tomlkit.TOMLDocument, key: str) -> tomlkit.items.Table:
    if key not in parent:
        parent[key] = tomlkit.table()
    return parent[key]


def dump_config(config_text: str, workdir: Path) -> str:
    """containerd's own view of a config: ``containerd --config FILE config dump``.

    Needs no running daemon; it shows the file merged over containerd's defaults, as the
    daemon would use it.
    """
    path = workdir / "dump-config.toml"
    path.write_text(config_text)
    result = subprocess.run(
        ["containerd", "--config", str(path), "config", "dump"],
        capture_output=True,
        text=True,
        timeout=10,
        check=True,
    )
    return result.stdout


def start_containerd(config_text: str, workdir: Path) -> LiveContainerd:
    """Start containerd on an isolated copy of ``config_text``; return once ctr gets an answer."""
    workdir.mkdir(parents=True, exist_ok=True)
    # Unix socket paths are limited to 108 bytes, which pytest's tmp_path can exceed.
    socket_dir = Path(tempfile.mkdtemp(prefix="ctd-"))
    config_path = workdir / "config.toml"
    config_path.write_text(isolate(config_text, workdir, socket_dir))
    log_path = workdir / "containerd.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            ["containerd", "--config", str(config_path), "--log-level", "debug"],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    live = LiveContainerd(
        process, config_path, socket_dir / "containerd.sock", log_path, socket_dir
    )
    try:
        _wait_until_serving(live)
    except BaseException:
        live.stop()
        raise
    return live


def _wait_until_serving(live: LiveContainerd) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if live.process.poll() is not None:
            raise RuntimeError(f"containerd exited with {live.process.returncode}:\n{live.log()}")
        if live.address.exists():
            try:
                live.ctr("version")
                return
            except subprocess.CalledProcessError:
                pass
        time.sleep(0.1)
    raise TimeoutError(f"containerd did not answer within {START_TIMEOUT}s:\n{live.log()}")


@pytest.fixture
def containerd_dump(tmp_path: Path) -> Callable[[str], str]:
    """``containerd config dump`` of a config text (see dump_config)."""
    require_containerd()
    return lambda config_text: dump_config(config_text, tmp_path)


@pytest.fixture
def containerd_factory(tmp_path: Path) -> Iterator[Callable[[str], LiveContainerd]]:
    """Start containerd instances from config texts; all are stopped when the test ends."""
    require_containerd()
    started: list[LiveContainerd] = []

    def start(config_text: str) -> LiveContainerd:
        live = start_containerd(config_text, tmp_path / f"containerd-{len(started)}")
        started.append(live)
        return live

    yield start
    for live in started:
        live.stop()

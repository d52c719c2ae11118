"""`kubeadm-wizard serve` as a class uses it: the real server (textual-serve), opened in
Debian's headless Chromium. Only loopback is contacted."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import pytest
from browser import chromium

from wizard.cli import main


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def server(tmp_path):
    """`serve --demo ready` on a free loopback port, its cache (and sessions) in tmp_path."""
    yield from _serve(tmp_path)


def _serve(tmp_path, *options: str):
    port = _free_port()
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    options = tuple(option.format(port=port) for option in options)
    process = subprocess.Popen([sys.executable, "-m", "wizard", "serve", "--demo", "ready",
                                "--port", str(port), *options], env=env,
                               stdout=subprocess.DEVNULL,
                               stderr=(tmp_path / "serve.log").open("w"))
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                break
        time.sleep(0.2)
    else:
        process.kill()
        raise AssertionError((tmp_path / "serve.log").read_text())
    try:
        yield f"http://127.0.0.1:{port}/", tmp_path / "cache" / "kubeadm-wizard" / "sessions"
    finally:
        process.terminate()
        process.wait(timeout=20)


async def _until(condition, timeout: float = 40.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if await condition():
            return True
        await asyncio.sleep(0.5)
    return False


def test_the_page_loads_nothing_from_outside(server):
    url, _ = server
    page = urllib.request.urlopen(url, timeout=10).read().decode()
    outside = [link for link in re.findall(r"""(?:href|src)=["']([^"']+)""", page)
               if not link.startswith(url)]
    assert outside == []
    assert "googleapis" not in page


async def test_a_browser_sees_the_wizard_and_two_tabs_get_two_demo_copies(server, tmp_path):
    url, sessions = server
    async with chromium() as open_tab:
        first = await open_tab(url)
        assert await _until(first.sidebar_drawn), "the wizard never drew its sidebar"
        await first.screenshot(tmp_path / "first.png")
        second = await open_tab(url)
        assert await _until(second.sidebar_drawn)

        async def two_copies() -> bool:
            return sessions.is_dir() and len(list(sessions.glob("ready-*/demo/root"))) == 2
        assert await _until(two_copies), list(sessions.glob("*"))
    # The tabs are closed: their copies go with them.
    async def no_copies() -> bool:
        return not any(sessions.glob("ready-*"))
    assert await _until(no_copies, timeout=20)


def test_the_page_names_its_scripts_and_websocket_by_the_public_url(tmp_path):
    # What students type (a name or address of this machine), not the address it binds.
    for url, _ in _serve(tmp_path, "--lang", "ko", "--public-url", "http://localhost:{port}"):
        page = urllib.request.urlopen(url, timeout=10).read().decode()
        public = url.replace("127.0.0.1", "localhost")
        assert f'src="{public}static/js/textual.js"' in page
        assert f'data-session-websocket-url="{public.replace("http:", "ws:")}ws"' in page


def test_serving_the_live_host_needs_allow_live(capsys):
    assert main(["serve"]) == 2
    assert "--allow-live" in capsys.readouterr().err


def test_serve_binds_to_loopback_unless_told():
    from wizard.cli import build_parser

    args = build_parser().parse_args(["serve", "--demo", "ready"])
    assert (args.bind, args.port) == ("127.0.0.1", 8000)


def test_a_class_in_korean_gets_korean_sessions(monkeypatch, tmp_path):
    """`serve --lang ko` hands the language to every tab's session, which sets it before the
    TUI starts. The TUI itself is replaced here (a browser test above runs the real one):
    only the language it would start in is looked at."""
    import shlex

    from wizard import cli_serve, i18n

    command = shlex.split(cli_serve.session_command("ready", None, "ko"))
    assert command[-2:] == ["--lang", "ko"]
    seen = {}

    def fake_run_app(host, choices=None, **kwargs):
        seen["language"] = i18n.current_language()
        return 0

    monkeypatch.setattr("screens.app.run_app", fake_run_app)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    # A session sets its own SIGTERM/SIGHUP handlers (it is a tab's whole process); here it
    # runs inside pytest, whose later tests must not exit on a child's SIGHUP.
    handlers = {number: signal.getsignal(number) for number in (signal.SIGTERM, signal.SIGHUP)}
    try:
        assert cli_serve._session(command[3:]) == 0
    finally:
        i18n.set_language("en")
        for number, handler in handlers.items():
            signal.signal(number, handler)
    assert seen == {"language": "ko"}

"""`kubeadm-wizard serve`: the TUI in the browser, a classroom at once, with textual-serve.

Every browser tab starts its own wizard process (textual-serve's model), and each process
here lays out its own scratch copy of the demo host, removed when the tab closes, so twenty
students never step on each other. The page is textual-serve's with its one outside link (a
web font) taken out, so nothing is fetched from the internet. It binds to 127.0.0.1 unless
told otherwise, and serves the live host only with --allow-live.

`python -m wizard.cli_serve --session ...` is what one tab runs; it is not meant to be typed.
"""

from __future__ import annotations

import argparse
import ipaddress
import shlex
import shutil
import signal
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from wizard.resources import asset

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000


def port(text: str) -> int:
    """A TCP port a server can listen on (argparse turns the ValueError into a usage error)."""
    number = int(text)
    if not 1 <= number <= 65535:
        raise ValueError(text)
    return number


def listen_address(text: str) -> str:
    """An address to listen on: an IP literal or ``localhost``.

    A name would be resolved through the system's resolver before the server could say it
    is wrong ("Name or service not known"); a classroom binds to an address it knows.
    """
    address = text.strip("[]")
    if address != "localhost":
        try:
            ipaddress.ip_address(address)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"{text!r} is not an address: give an IP address (0.0.0.0 or :: for every "
                "interface) or localhost") from None
    return address


def add_serve_command(sub: Callable[[str, str], argparse.ArgumentParser]) -> None:
    serve = sub("serve", "serve the wizard to web browsers (a classroom), with textual-serve")
    serve.add_argument("--host", type=listen_address, default=DEFAULT_HOST, dest="bind",
                       metavar="ADDRESS",
                       help=f"address to listen on: {DEFAULT_HOST} (the default) for this "
                       "machine only, 0.0.0.0 or :: for every interface")
    serve.add_argument("--port", type=port, default=DEFAULT_PORT,
                       help=f"port to listen on (default {DEFAULT_PORT})")
    serve.add_argument("--public-url", metavar="URL",
                       help="the address the students' browsers use, e.g. "
                       "http://192.168.1.20:8000 (needed with --host 0.0.0.0 or ::, which no "
                       "browser can be sent to)")
    serve.add_argument("--allow-live", action="store_true",
                       help="without --demo, serve this machine itself (every tab can change it)")
    serve.add_argument("--lang", choices=("en", "ko"), default=argparse.SUPPRESS,
                       help="the language of every tab (as before the command)")


def session_command(demo: str | None, screen: str | None = None,
                    language: str | None = None) -> str:
    """The shell command textual-serve starts for each tab (it takes a string)."""
    argv = [sys.executable, "-m", "wizard.cli_serve", "--session"]
    argv += ["--demo", demo] if demo else []
    argv += ["--screen", screen] if screen else []
    argv += ["--lang", language] if language else []
    return shlex.join(argv)


def cmd_serve(args: argparse.Namespace, usage_error: type[Exception]) -> int:
    from wizard.resources import demo_names

    demo = getattr(args, "demo", None)
    ignored = [option for option, attribute in _NOT_SERVED if getattr(args, attribute, None)]
    if ignored:
        raise usage_error(f"serve gives every tab a fresh copy of a demo (--demo) or this "
                          f"machine (--allow-live); {', '.join(ignored)} would be ignored")
    if demo and demo not in demo_names():
        raise usage_error(f"unknown demo {demo!r}; choose one of: {', '.join(demo_names())}")
    if not demo and not args.allow_live:
        raise usage_error("serve needs --demo NAME (each tab gets its own copy); serving this "
                          "machine itself needs --allow-live")
    if args.public_url and not args.public_url.startswith(("http://", "https://")):
        raise usage_error(f"--public-url {args.public_url}: give a whole URL, "
                          "e.g. http://192.168.1.20:8000")
    shown = f"[{args.bind}]" if ":" in args.bind else args.bind  # an IPv6 address in a URL
    public_url = (args.public_url or f"http://{shown}:{args.port}").rstrip("/")
    if not args.public_url and ipaddress.ip_address(
            "127.0.0.1" if args.bind == "localhost" else args.bind).is_unspecified:
        # The page names its scripts and its websocket by this URL.
        raise usage_error(f"--host {args.bind} listens on every interface, but a browser "
                          f"cannot be sent to {public_url}: give --public-url with the "
                          f"address the students use, e.g. http://192.168.1.20:{args.port}")
    try:
        from textual_serve.server import Server
    except ImportError:
        raise usage_error("serve needs textual-serve: pip install textual-serve") from None
    server = Server(session_command(demo, getattr(args, "screen", None),
                                    getattr(args, "lang", None)), host=args.bind,
                    port=args.port, title="kubeadm-wizard", public_url=public_url,
                    templates_path=asset("serve"))
    print(f"Serving kubeadm-wizard on {public_url} "
          f"({'demo ' + demo if demo else 'this machine'}); Ctrl+C stops it.", file=sys.stderr)
    shutil.rmtree(_sessions_dir(), ignore_errors=True)  # copies a killed session left behind
    try:
        server.serve()
    finally:
        shutil.rmtree(_sessions_dir(), ignore_errors=True)
    return 0


_NOT_SERVED = (("--root", "root"), ("--netns", "netns"), ("--answers", "answers"),
               ("--role", "role"), ("--kubernetes-version", "kubernetes_version"),
               ("--demo-reset", "demo_reset"))
"""Host options a tab's session does not take: refused rather than silently dropped."""


def _sessions_dir() -> Path:
    from wizard.resources import cache_home

    return cache_home() / "kubeadm-wizard" / "sessions"


def _session(argv: list[str]) -> int:
    """One tab: a fresh scratch copy of the demo (or the live host), the TUI, then cleanup."""
    parser = argparse.ArgumentParser(prog="kubeadm-wizard-session")
    parser.add_argument("--session", action="store_true", required=True)
    parser.add_argument("--demo")
    parser.add_argument("--screen")
    parser.add_argument("--lang", choices=("en", "ko"))
    args = parser.parse_args(argv)
    from screens.app import run_app
    from wizard.host.base import Host
    from wizard.host.simulated import SimulatedHost
    from wizard.i18n import default_language, set_language
    from wizard.model import WizardChoices
    from wizard.resources import demo_answers

    set_language(args.lang or default_language())  # a class in Korean: `serve --lang ko`

    # textual-serve ends a closed tab's process with a signal: leave through `finally`.
    for number in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(number, lambda *_: sys.exit(0))
    sessions = _sessions_dir()
    sessions.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=f"{args.demo or 'live'}-", dir=sessions))
    try:
        host = SimulatedHost(args.demo, scratch=scratch / "demo") if args.demo else Host("/")
        answers = demo_answers(args.demo) if args.demo else None
        return run_app(host, WizardChoices.load(answers) if answers else None,
                       screen=args.screen)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(_session(sys.argv[1:]))

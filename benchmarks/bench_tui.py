"""The TUI's three figures, each against its peer in the same run, with Textual's headless
``App.run_test()`` at 80x24 in a fresh interpreter per launch.

    python benchmarks/bench_tui.py [--sizes 100k,1M] [--rounds 5] [--churn-seconds 20]

1. launch → route count visible: from spawning ``--netns NS --screen network`` until the
   first frame painted after the Network page's status line holds the route count; the
   peer is a bare Textual app that starts, draws a one-line screen and, in a worker thread,
   runs ``ip -j route show table all`` and shows the count of what it parsed. Goal: at most
   2x.
2. first screen on a demo host (``--demo rpi4-bookworm``): from spawning until the first
   frame with the sidebar is handed to the terminal driver (rendered to segments, as a
   terminal driver would write them), against a minimal Textual app's first frame. Goal: at
   most 2x. Beside it: when the first page shows its check results.
3. 1,000 route changes a second for ``--churn-seconds`` (routes added with ``ip -batch``,
   paced in 10 ms steps) once the page has loaded and the checks are done: how far behind
   the table the page is (the age of the oldest change it does not show yet, at worst), how
   many reloads it made, and how long after the last change it shows all of them. Goal: at
   most 1 s behind at any size. No peer: the figure is a lag.

"Visible" and "painted" mean the first frame the app hands to its driver with the text in
it, rendered to terminal segments as a terminal driver would (the headless driver drops it);
the wizard and its peer are timed the same way. Times include the interpreter's
start and the imports, as a person launching it waits for them too.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import subprocess
import sys
import tempfile
import time

from _common import (
    environment,
    parse_sizes,
    peak_rss_argv,
    print_rows,
    read_peak_mb,
    size_label,
    standard_arguments,
    table_namespace,
)

DEMO = "rpi4-bookworm"
LAUNCH_GOAL = FIRST_SCREEN_GOAL = 2.0
LAG_GOAL = 1.0


# --- the children (each runs one app and prints marks) -------------------------------


def _mark(name: str, **extra: object) -> None:
    print(json.dumps({"mark": name, "at": time.monotonic(), **extra}), flush=True)


async def _poll_until(pilot, condition, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the app never got there")
        await pilot.pause(0.005)


async def _poll(pilot, condition, timeout: float) -> None:
    """Until `condition`, then until the app is quiet (CPU idle, at most 1 s)."""
    await _poll_until(pilot, condition, timeout)
    await pilot.pause()


def _status_text(app) -> str:
    from textual.widgets import Static

    try:
        return str(app.query_one("#network-status", Static).render())
    except Exception:  # not composed yet
        return ""


async def child_network(namespace: str, churn: bool) -> None:
    from screens.app import WizardApp
    from screens.network import NetworkPage
    from wizard.host.base import Host

    loads: list[tuple[float, int]] = []
    original = NetworkPage.on_routes_loaded

    def recording(page, message) -> None:
        received = time.monotonic()
        original(page, message)
        loads.append((time.monotonic(), len(message.routes)))
        if churn:
            _mark("load", count=len(message.routes), seconds=message.seconds,
                  shown=loads[-1][0] - received)

    def noticing(page, message) -> None:
        if churn:  # a change the page cannot apply route by route means a whole dump
            _mark("changed", whole=message.routes is None or message.kinds != {"routes"})
        changed(page, message)

    NetworkPage.on_routes_loaded = recording
    changed, NetworkPage.on_network_changed = NetworkPage.on_network_changed, noticing
    host = Host("/", netns=namespace)
    host.identity  # noqa: B018  as run_app does before the UI starts
    app = WizardApp(host, screen="network")
    painted = _first_paint_with(app, lambda app: " routes · " in _status_text(app))
    async with app.run_test(size=(80, 24)) as pilot:
        await _poll_until(pilot, lambda: bool(painted), 600)
        print(json.dumps({"mark": "visible", "at": painted[0],
                          "count": loads[0][1] if loads else None}), flush=True)
        await _poll(pilot, lambda: bool(app.results), 600)
        _mark("checked")
        if churn:
            done = await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
            target = int(done.split()[1])
            await _poll(pilot, lambda: bool(loads) and loads[-1][1] >= target, 600)
            _mark("settled")


async def child_bare(namespace: str) -> None:
    from textual import work
    from textual.app import App, ComposeResult
    from textual.widgets import Static

    class Bare(App):
        def compose(self) -> ComposeResult:
            yield Static("reading…", id="count")

        def on_mount(self) -> None:
            self.read()

        @work(thread=True)
        def read(self) -> None:
            done = subprocess.run(["ip", "-n", namespace, "-j", "route", "show", "table", "all"],
                                  capture_output=True, check=True)
            count = len(json.loads(done.stdout))
            self.call_from_thread(self.query_one("#count", Static).update, f"{count:,} routes")

    app = Bare()
    painted = _first_paint_with(
        app, lambda app: any("routes" in str(w.render()) for w in app.query("#count")))
    async with app.run_test(size=(80, 24)) as pilot:
        await _poll_until(pilot, lambda: bool(painted), 600)
        print(json.dumps({"mark": "visible", "at": painted[0]}), flush=True)


def _first_paint_with(app, condition) -> list[float]:
    """The time of the first frame the app hands to its driver once `condition(app)` holds
    (headless drivers drop the frame; it is rendered to terminal segments here, as a
    terminal driver would). A list that gets that one time."""
    original, painted = app._display, []

    def display(screen, renderable) -> None:
        original(screen, renderable)
        if renderable is not None and not app._batch_count and not painted and condition(app):
            renderable.render_segments(app.console)
            painted.append(time.monotonic())

    app._display = display
    return painted


async def child_demo(scratch: str) -> None:
    from pathlib import Path

    from screens.app import WizardApp
    from wizard.host.simulated import SimulatedHost

    host = SimulatedHost(DEMO, scratch=Path(scratch))
    host.identity  # noqa: B018
    app = WizardApp(host)
    painted = _first_paint_with(app, lambda app: bool(app.screen.query("#sidebar")))
    async with app.run_test(size=(80, 24)) as pilot:
        await _poll(pilot, lambda: bool(app.results), 60)  # painted before this
        print(json.dumps({"mark": "painted", "at": painted[0]}), flush=True)
        await pilot.pause()
        assert app.query("#sidebar"), "no sidebar on the first screen"
        _mark("first")


async def child_minimal() -> None:
    from textual.app import App, ComposeResult
    from textual.widgets import Static

    class Minimal(App):
        def compose(self) -> ComposeResult:
            yield Static("hello")

    app = Minimal()
    painted = _first_paint_with(app, lambda app: True)
    async with app.run_test(size=(80, 24)) as pilot:
        await _poll_until(pilot, lambda: bool(painted), 60)
        print(json.dumps({"mark": "painted", "at": painted[0]}), flush=True)
        await pilot.pause()
        _mark("first")


CHILDREN = {
    "network": lambda args: child_network(args[0], churn=False),
    "churn": lambda args: child_network(args[0], churn=True),
    "bare": lambda args: child_bare(args[0]),
    "demo": lambda args: child_demo(args[0]),
    "minimal": lambda args: child_minimal(),
}


# --- the parent ----------------------------------------------------------------------


class Launch:
    """One child: its marks (seconds since it was spawned) and, at the end, its peak RSS."""

    def __init__(self, mode: str, *args: str) -> None:
        self.errors = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115  closed with the child
        self.report = tempfile.NamedTemporaryFile("r", prefix="kwb-rss-")  # noqa: SIM115
        self.started = time.monotonic()
        self.process = subprocess.Popen(
            peak_rss_argv([sys.executable, __file__, "--child", mode, *args], self.report.name),
            env=environment(), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=self.errors, text=True)
        self.marks: dict[str, float] = {}
        self.events: list[dict] = []

    def until(self, name: str) -> dict:
        for line in self.process.stdout:
            event = json.loads(line)
            self.events.append(event)
            self.marks.setdefault(event["mark"], event["at"] - self.started)
            if event["mark"] == name:
                return event
        raise RuntimeError(f"child ended before {name!r}: {self._errors()}")

    def _errors(self) -> str:
        self.errors.seek(0)
        return self.errors.read()[-2000:]

    def finish(self) -> float:
        """Wait for the child; its peak RSS in MB."""
        for line in self.process.stdout:
            self.events.append(json.loads(line))
        if self.process.wait():
            raise RuntimeError(self._errors())
        return read_peak_mb(self.report.name)


def _launch(mode: str, mark: str, *args: str) -> tuple[float, float, dict]:
    launch = Launch(mode, *args)
    launch.until(mark)
    launch.process.stdin.close()
    return launch.marks[mark], launch.finish(), launch.marks


def launch_figures(namespace: str, size: int, rounds: int) -> list[dict[str, str]]:
    pairs = []
    for number in range(rounds + 1):  # the first pair warms the page cache
        ours = _launch("network", "checked", namespace)
        peer = _launch("bare", "visible", namespace)
        if number:
            pairs.append((ours, peer))
    visible = [ours[2]["visible"] for ours, _ in pairs]
    checked = [ours[2]["checked"] for ours, _ in pairs]
    peer_s = [peer[0] for _, peer in pairs]
    ratio = statistics.median(v / p for v, p in zip(visible, peer_s, strict=True))
    return [{"figure": "TUI launch → route count visible vs bare Textual app + `ip -j` dump",
             "routes": size_label(size), "ours": f"{statistics.median(visible):.2f} s "
             f"(checks done {statistics.median(checked):.2f} s)",
             "peer": f"{statistics.median(peer_s):.2f} s", "ratio": f"{ratio:.2f}x",
             "memory": f"{max(o[1] for o, _ in pairs):.0f} MB (bare: "
                       f"{max(p[1] for _, p in pairs):.0f} MB)",
             "goal": f"<= {LAUNCH_GOAL:g}x", "met": "yes" if ratio <= LAUNCH_GOAL else "no"}]


def first_screen_figures(rounds: int) -> list[dict[str, str]]:
    """From spawn to the first frame handed to the terminal (with the sidebar), against a
    minimal app's first frame; beside it, when the demo's checks are done and shown."""
    pairs = []
    with tempfile.TemporaryDirectory(prefix="kwb-demo-") as scratch:
        for number in range(rounds + 1):
            # one scratch copy for all, as a student relaunching the demo has (the warm-up
            # launch makes it)
            ours = _launch("demo", "first", scratch)[2]
            peer = _launch("minimal", "first")[2]
            if number:
                pairs.append((ours["painted"], ours["first"], peer["painted"]))
    ratio = statistics.median(a / c for a, _, c in pairs)
    return [{"figure": f"TUI first screen painted (`--demo {DEMO}`) vs minimal Textual app",
             "routes": "demo", "ours": f"{statistics.median(a for a, _, _ in pairs):.2f} s "
             f"(checks shown {statistics.median(b for _, b, _ in pairs):.2f} s)",
             "peer": f"{statistics.median(c for _, _, c in pairs):.2f} s",
             "ratio": f"{ratio:.2f}x", "goal": f"<= {FIRST_SCREEN_GOAL:g}x",
             "met": "yes" if ratio <= FIRST_SCREEN_GOAL else "no"}]


def churn_figures(namespace: str, size: int, seconds: float,
                  rate: int = 1000) -> list[dict[str, str]]:
    """Routes 2.0.0.0/24, 2.0.1.0/24 ... are added (outside the table's space), ``rate``
    a second in 10 ms steps; each added route's time is kept to date the page's loads."""
    launch = Launch("churn", namespace)
    base = launch.until("checked")
    base_count = next(e["count"] for e in reversed(launch.events) if e["mark"] == "load")
    del base
    step, per_step = 0.01, rate // 100
    added: list[float] = []
    with subprocess.Popen(["ip", "-n", namespace, "-batch", "-"], stdin=subprocess.PIPE,
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                          text=True) as batch:
        start = time.monotonic()
        while time.monotonic() - start < seconds:
            due = start + step * (len(added) // per_step)
            time.sleep(max(0.0, due - time.monotonic()))
            lines = []
            for _ in range(per_step):
                number = len(added) + len(lines)
                lines.append(f"route add 2.{number >> 16 & 255}.{number >> 8 & 255}."
                             f"{number & 255}/32 via 10.1.0.2\n")
            batch.stdin.write("".join(lines))
            batch.stdin.flush()
            added += [time.monotonic()] * per_step
        batch.stdin.close()
    launch.process.stdin.write(f"done {base_count + len(added)}\n")
    launch.process.stdin.flush()
    launch.until("settled")
    launch.process.stdin.close()
    peak = launch.finish()
    # The same namespace serves the next run: the routes added here go again.
    subprocess.run(["ip", "-n", namespace, "route", "flush", "root", "2.0.0.0/8"], check=True)
    loads = [(e["at"], e["count"] - base_count) for e in launch.events if e["mark"] == "load"]
    loads = [(at, shown) for at, shown in loads if at >= added[0]]
    # Just before each load, the oldest change not yet shown is the previous load's first
    # missing one; the worst of those ages is how far behind the page fell.
    worst, shown_before = 0.0, 0
    for at, shown in loads:
        if shown_before < len(added):
            worst = max(worst, at - added[shown_before])
        shown_before = max(shown_before, shown)
    settle = loads[-1][0] - added[-1] if loads else float("nan")
    during = [e for e in launch.events if e["at"] >= added[0]]
    longest = max((e["seconds"] for e in during if e["mark"] == "load"), default=0.0)
    whole = sum(1 for e in during if e["mark"] == "changed" and e["whole"])
    return [{"figure": f"TUI under {rate:,} route changes/s for {seconds:g} s",
             "routes": size_label(size),
             "ours": f"{worst:.1f} s behind at worst; {len(loads)} reloads; settled "
                     f"{settle:.1f} s after the last change; longest load {longest:.2f} s; "
                     f"{whole} whole reloads",
             "peer": "", "ratio": "", "memory": f"{peak:.0f} MB",
             "goal": f"<= {LAG_GOAL:g} s behind",
             "met": "yes" if worst <= LAG_GOAL else "no"}]


def figures(namespace: str, size: int, rounds: int, churn_seconds: float = 20
            ) -> list[dict[str, str]]:
    rows = launch_figures(namespace, size, rounds)
    if churn_seconds:
        rows += churn_figures(namespace, size, churn_seconds)
    return rows


def main() -> None:
    if sys.argv[1:2] == ["--child"]:
        asyncio.run(CHILDREN[sys.argv[2]](sys.argv[3:]))
        return
    parser = standard_arguments(__doc__.splitlines()[0])
    parser.add_argument("--churn-seconds", type=float, default=20)
    args = parser.parse_args()
    rows = first_screen_figures(args.rounds)
    for size in parse_sizes(args.sizes):
        with table_namespace(size, "tui") as namespace:
            rows += figures(namespace, size, args.rounds, args.churn_seconds)
    print_rows(rows)


if __name__ == "__main__":
    main()

"""Every step on every demo host at 80x24, as text, compared with tests/ui/snapshots/*.txt.

The text is the screen exactly as drawn (screen_text.screen_lines), so a review of a layout
change reads like the screen itself. One app per demo; the number keys switch the steps, as
a person would. The Network step is taken twice: as it opens (Adapters) and on its Routes
tab, whose columns are chosen for the width.

After an intended change of what a screen shows, regenerate and review the diff:

    KW_UPDATE_SNAPSHOTS=1 python -m pytest tests/ui/test_screen_snapshots.py

Only what varies from run to run is masked (clock times, `HH:MM:SS` → `<time>`), nothing
else: a screen that changes in another way is a change to look at.
"""

from __future__ import annotations

import difflib
import os
import re
from pathlib import Path

import pytest
from screen_text import screen_lines
from settling import settle_workers
from textual.widgets import TabbedContent

from screens.flow import STEPS
from screens.network import MONITOR_GROUP

SNAPSHOTS = Path(__file__).parent / "snapshots"
UPDATE = os.environ.get("KW_UPDATE_SNAPSHOTS") == "1"
_TIME = re.compile(r"(?<![\w:])([01]\d|2[0-3]):[0-5]\d:[0-5]\d(?![\w:])")  # not a MAC


def masked(lines: list[str]) -> str:
    return "".join(_TIME.sub("<time>", line.rstrip()) + "\n" for line in lines)


@pytest.mark.parametrize("demo", ["ready", "rpi4-bookworm", "ubuntu-vagrant"])
async def test_every_step_at_80x24_matches_its_snapshot(demo_app, demo):
    app = demo_app(demo)
    # The tab underline slides when a tab is chosen: caught mid-slide on a slow machine.
    app.animation_level = "none"
    differences: list[str] = []
    async with app.run_test(size=(80, 24)) as pilot:
        await settle_workers(app, pilot, ignore_groups=(MONITOR_GROUP,))
        views = [(step.key, step.id) for step in STEPS]
        views.insert(2, ("tab-routes", "network-routes"))
        for key, name in views:
            if key.startswith("tab-"):
                app.query_one("#network-tabs", TabbedContent).active = key
            else:
                await pilot.press(key)
            await settle_workers(app, pilot, ignore_groups=(MONITOR_GROUP,))
            shown = masked(screen_lines(app))
            path = SNAPSHOTS / f"{demo}-{name}.txt"
            if UPDATE:
                SNAPSHOTS.mkdir(exist_ok=True)
                path.write_text(shown, encoding="utf-8")
                continue
            stored = path.read_text(encoding="utf-8") if path.exists() else ""
            if shown != stored:
                differences += difflib.unified_diff(
                    stored.splitlines(keepends=True), shown.splitlines(keepends=True),
                    f"{path.name} (stored)", f"{path.name} (now)")
    assert not differences, (
        "screens differ from their snapshots; if intended, regenerate with "
        "KW_UPDATE_SNAPSHOTS=1 and review:\n" + "".join(differences))

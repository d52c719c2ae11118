"""A few pictures of the wizard at 80x24, compared with the SVGs in __snapshots__/.

Regenerate on purpose after a visual change (or a Textual upgrade) with
`pytest tests/ui/test_snapshots.py --snapshot-update`, and review the SVGs in the diff.
"""

from __future__ import annotations

import pytest
from settling import settle_workers

from screens.app import WizardApp
from wizard.host.simulated import SimulatedHost


async def settled(pilot) -> None:
    await settle_workers(pilot.app, pilot)


@pytest.mark.parametrize("demo, screen", [
    ("rpi4-bookworm", "requirements"),
    ("ubuntu-vagrant", "review"),
    ("ready", "cgroups"),
])
def test_screen_snapshot(snap_compare, tmp_path, demo, screen):
    app = WizardApp(SimulatedHost(demo, scratch=tmp_path / demo), screen=screen)
    assert snap_compare(app, terminal_size=(80, 24), run_before=settled)

"""UI test fixtures: demo hosts on scratch copies, and no blinking cursor in snapshots."""

from __future__ import annotations

import pytest

from screens.app import WizardApp
from wizard.host.simulated import SimulatedHost


@pytest.fixture
def demo_app(tmp_path):
    def make(name: str, **kwargs) -> WizardApp:
        return WizardApp(SimulatedHost(name, scratch=tmp_path / name), **kwargs)

    return make


@pytest.fixture
def settle():
    """Wait for the host workers and the messages they posted."""

    async def wait(app: WizardApp, pilot) -> None:
        await app.workers.wait_for_complete()
        await pilot.pause()

    return wait

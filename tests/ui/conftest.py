"""UI test fixtures: demo hosts on scratch copies, and no blinking cursor in snapshots."""

from __future__ import annotations

import pytest
from settling import settle_workers

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
    return settle_workers

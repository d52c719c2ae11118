"""Shared fixtures: every test gets its own cache dir so demo scratch copies never leak."""

from __future__ import annotations

from pathlib import Path

import pytest

from wizard.host.base import Host


@pytest.fixture(autouse=True)
def isolated_cache(tmp_path_factory, monkeypatch):
    cache = tmp_path_factory.mktemp("cache")
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
    return cache


class LiveRoot(Host):
    """Files under a temporary root, commands run for real (the fake kubeadm on PATH), and
    no network: what the kubeadm flows need without writing to the real /etc and /var/lib."""

    network = None

    def __init__(self, root: Path) -> None:
        super().__init__(root)
        self.kind = "live"

    def _is_root(self) -> bool:
        return True


@pytest.fixture
def live_root():
    """`live_root(path)` makes a LiveRoot host."""
    return LiveRoot

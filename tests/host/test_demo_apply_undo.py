"""Apply and undo on every demo host: the emulated machine state follows both ways.

A demo is only worth teaching with if "undo" really puts the host back: swap on again, the
modules and their sysctls gone, the packages the plan installed removed. The reference is
the demo's own fresh state, checked with every check there is.
"""

from __future__ import annotations

import json

import pytest

from wizard.cli import main
from wizard.resources import demo_names


def _checks(capsys, demo: str) -> dict[str, tuple[str, str]]:
    main(["check", "--demo", demo, "--json"])
    report = json.loads(capsys.readouterr().out)
    return {c["id"]: (c["status"], c["observed"]) for c in report["checks"]}


@pytest.mark.parametrize("demo", demo_names())
def test_after_apply_the_runtime_version_check_passes(capsys, isolated_cache, demo):
    main(["apply", "--demo", demo, "--demo-reset", "--yes"])
    capsys.readouterr()
    status, observed = _checks(capsys, demo)["ContainerRuntimeVersion"]
    assert status == "pass", observed


@pytest.mark.parametrize("demo", demo_names())
def test_undo_brings_every_check_back_to_the_fresh_demo(capsys, isolated_cache, demo):
    main(["check", "--demo", demo, "--demo-reset", "--json"])
    fresh = {c["id"]: (c["status"], c["observed"])
             for c in json.loads(capsys.readouterr().out)["checks"]}
    main(["apply", "--demo", demo, "--yes"])
    capsys.readouterr()
    applied = _checks(capsys, demo)
    assert main(["undo", "--demo", demo, "--yes"]) == 0
    undone_text = capsys.readouterr().out
    assert _checks(capsys, demo) == fresh
    if applied != fresh:  # the ready demo has nothing to change
        assert undone_text.startswith("Undo will, in this order:")


def test_undo_lists_what_it_removes_and_what_it_keeps_before_it_runs(capsys, isolated_cache):
    main(["apply", "--demo", "rpi4-bookworm", "--demo-reset", "--yes"])
    capsys.readouterr()
    # No terminal to confirm: undo refuses (exit 2), after listing what it would do.
    assert main(["undo", "--demo", "rpi4-bookworm"]) == 2
    preview = capsys.readouterr().out
    assert "run: apt-get remove -y containerd.io" in preview
    assert "kept: apt-get update (it only refreshes the package manager's lists)" in preview
    assert "run: dphys-swapfile swapon" in preview
    assert "ran:" not in preview

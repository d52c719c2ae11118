"""The zipapp that `cluster check` copies to every node, run the way nodes run it.

Nodes on a local connection (or with an NFS home) share one cache directory, so several
copies of the same zipapp start at once and each finds the other's unpacked directory; none
may import a half-written package. Seen in CI as a node with no report.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time

from wizard.cluster.bundle import build_zipapp, bundle_name


def test_concurrent_first_runs_all_succeed(tmp_path):
    built = build_zipapp(tmp_path / "kubeadm-wizard.pyz")
    zipapp = built.rename(tmp_path / bundle_name(built))
    argv = [sys.executable, str(zipapp), "check", "--json", "--demo", "ubuntu-vagrant"]
    runs = [subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for _ in range(6)]
    for run in runs:
        out, err = run.communicate(timeout=240)
        assert run.returncode in (0, 1), err
        assert json.loads(out)["host"]["hostname"] == "k8s-cp-1"
    # One unpacked copy stays, no staging directory is left beside it.
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([zipapp.name,
                                                                zipapp.name + ".d"])


def test_the_same_installation_builds_the_same_zipapp(tmp_path, monkeypatch):
    """Nodes keep the zipapp under its hash: a second check, a day later, must find it."""
    monkeypatch.setattr(time, "time", lambda: 1_800_000_000.0)
    first = build_zipapp(tmp_path / "first.pyz")
    monkeypatch.setattr(time, "time", lambda: 1_800_086_400.0)
    second = build_zipapp(tmp_path / "second.pyz")
    assert bundle_name(first) == bundle_name(second)


def test_the_zipapp_is_built_once_per_content_of_the_installation(tmp_path, monkeypatch,
                                                                   isolated_cache):
    from wizard.cluster import bundle

    first = bundle.cached_zipapp(tmp_path / "first.pyz")
    assert first.read_bytes() == build_zipapp(tmp_path / "built.pyz").read_bytes()
    [kept] = (isolated_cache / "kubeadm-wizard" / "bundles").glob("*.pyz")

    def no_build(*_args):
        raise AssertionError("built again although no file changed")

    monkeypatch.setattr(bundle, "build_zipapp", no_build)
    assert bundle.cached_zipapp(tmp_path / "second.pyz").read_bytes() == first.read_bytes()

    # A changed file (here: one more) makes a new zipapp, which replaces the kept one.
    monkeypatch.undo()
    monkeypatch.setenv("XDG_CACHE_HOME", str(isolated_cache))
    extra = tmp_path / "added.py"
    extra.write_text("ADDED = True\n")
    entries = bundle._entries()
    monkeypatch.setattr(bundle, "_entries", lambda: [*entries, ("wizard/added.py", extra)])
    third = bundle.cached_zipapp(tmp_path / "third.pyz")
    assert bundle_name(third) != bundle_name(first)
    assert [p.name for p in kept.parent.glob("*.pyz")] != [kept.name]
    assert len(list(kept.parent.iterdir())) == 1

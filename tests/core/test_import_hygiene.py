"""The core must never pull in the UI: it is used headless by the CLI and by tests."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import wizard


def test_no_wizard_module_imports_textual_or_screens():
    modules = [m.name for m in pkgutil.walk_packages(wizard.__path__, "wizard.")
               if m.name != "wizard.__main__"]
    assert len(modules) > 10
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'screens'))\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""

"""mypy --strict passes on the core: running it here makes CI keep the type hints honest.

The settings (files = ["wizard"], the few third-party overrides) live in pyproject.toml, so
this runs what a developer runs as plain `mypy`; --strict is also given on the command line
so that loosening the config cannot quietly turn the check off.
"""

import subprocess
import sys
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[2]


def test_mypy_strict_finds_no_errors() -> None:
    result = subprocess.run([sys.executable, "-m", "mypy", "--strict"], cwd=REPOSITORY,
                            capture_output=True, text=True, timeout=600, check=False)
    output = result.stdout + result.stderr
    assert result.returncode == 0, f"mypy exited {result.returncode}:\n{output}"
    assert "Success: no issues found" in result.stdout, output

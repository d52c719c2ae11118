"""The layer contracts in pyproject.toml hold: running lint-imports here makes CI check them."""

import shutil
import subprocess
import sys
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[2]


def test_import_contracts_are_kept():
    lint_imports = (shutil.which("lint-imports")
                    or str(Path(sys.executable).with_name("lint-imports")))
    result = subprocess.run([lint_imports], cwd=REPOSITORY, capture_output=True, text=True,
                            check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout, result.stdout

"""The scratch copy of a demo when several processes open it at once.

`cluster check` over the nodes of a demo inventory and a class on `serve` start many wizards
on one demo at the same moment; each must see a whole copy (a half-made one read as hostname
"localhost" once), and resets at the same moment must each end with a whole copy in place.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from wizard.host.simulated import STATE_FILE, SimulatedHost

READ_HOSTNAME = (
    "import sys\n"
    "from pathlib import Path\n"
    "from wizard.host.simulated import SimulatedHost\n"
    "host = SimulatedHost('rpi4-bookworm', scratch=Path(sys.argv[1]), reset=sys.argv[2] == '1')\n"
    "if sys.argv[2] == '0':\n"
    "    print(host.read_text('/etc/hostname').strip(), len(host.state.get('services', {})))\n"
)
"""Opens the demo; without a reset also reads it (a reset's copy is another reset's to
replace at once, so only the copy left in place at the end is looked at)."""


def _start(scratch: Path, reset: bool) -> subprocess.Popen[str]:
    argv = [sys.executable, "-c", READ_HOSTNAME, str(scratch), "1" if reset else "0"]
    return subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[2])})


def test_processes_starting_one_demo_at_once_each_see_a_whole_copy(tmp_path):
    scratch = tmp_path / "demos" / "rpi4-bookworm"
    processes = [_start(scratch, reset=False) for _ in range(8)]
    answers = [process.communicate(timeout=120) for process in processes]
    for (stdout, stderr), process in zip(answers, processes, strict=True):
        assert process.returncode == 0, stderr
        assert stdout.split() == ["raspberrypi", "8"], (stdout, stderr)
    assert (scratch / STATE_FILE).is_file()
    assert [p.name for p in scratch.parent.iterdir()] == ["rpi4-bookworm"]  # nothing left over


def test_resets_at_the_same_moment_leave_one_whole_copy(tmp_path):
    scratch = tmp_path / "demos" / "rpi4-bookworm"
    SimulatedHost("rpi4-bookworm", scratch=scratch).write_file("/etc/hostname", b"changed\n")
    processes = [_start(scratch, reset=True) for _ in range(6)]
    for process in processes:
        stderr = process.communicate(timeout=120)[1]
        assert process.returncode == 0, stderr
    assert SimulatedHost("rpi4-bookworm", scratch=scratch).read_text("/etc/hostname") == \
        "raspberrypi\n"
    assert [p.name for p in scratch.parent.iterdir()] == ["rpi4-bookworm"]


def test_a_half_made_copy_from_a_crash_is_replaced(tmp_path):
    scratch = tmp_path / "rpi4-bookworm"
    (scratch / "root" / "etc").mkdir(parents=True)  # no state file: the copy never finished
    host = SimulatedHost("rpi4-bookworm", scratch=scratch)
    assert host.read_text("/etc/hostname").strip() == "raspberrypi"

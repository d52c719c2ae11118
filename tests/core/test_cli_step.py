"""`apply --step` and `apply --handout` on a demo host, driven as an operator drives them.

The wizard runs as a child process whose standard input is a real pseudo-terminal (that is
what --step asks for); the test types into it and reads what the wizard prints, so a pause
that does not wait, or a narration without the verify output, makes it fail.
"""

from __future__ import annotations

import os
import pty
import re
import select
import subprocess
import sys
import time

import pytest

from wizard.cli import main
from wizard.host.simulated import SimulatedHost
from wizard.steps.journal import Journal

DEMO = "rpi4-bookworm"


class Operator:
    """The wizard under a terminal: `expect` waits for text on its stdout, `type` answers."""

    def __init__(self, *args: str) -> None:
        self.master, slave = pty.openpty()
        self.child = subprocess.Popen([sys.executable, "-m", "wizard", *args], stdin=slave,
                                      stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        os.close(slave)
        self.seen = ""

    def expect(self, text: str, timeout: float = 60.0) -> str:
        """Everything printed up to and including the next `text`."""
        assert self.child.stdout is not None
        deadline = time.monotonic() + timeout
        while text not in self.seen:
            left = deadline - time.monotonic()
            assert left > 0, f"never printed {text!r}; printed:\n{self.seen}"
            ready, _, _ = select.select([self.child.stdout], [], [], left)
            if ready:
                chunk = os.read(self.child.stdout.fileno(), 65536).decode(errors="replace")
                assert chunk, f"exited before printing {text!r}; printed:\n{self.seen}"
                self.seen += chunk
        before, _, self.seen = self.seen.partition(text)
        return before + text

    def type(self, line: str) -> None:
        os.write(self.master, line.encode() + b"\n")

    def finish(self, timeout: float = 60.0) -> tuple[int, str]:
        assert self.child.stdout is not None
        rest = self.child.stdout.read().decode(errors="replace")
        code = self.child.wait(timeout)
        os.close(self.master)
        return code, self.seen + rest


@pytest.fixture
def operator():
    started: list[Operator] = []

    def start(*args: str) -> Operator:
        started.append(Operator(*args))
        return started[-1]

    yield start
    for one in started:
        if one.child.poll() is None:
            one.child.kill()
            one.child.wait()


def journaled_steps() -> list[str]:
    return [e["step"] for e in Journal(SimulatedHost(DEMO)).entries()
            if e["event"] == "step-begin"]


def test_step_pauses_after_each_step_with_its_verify_output(operator):
    wizard = operator("apply", "--demo", DEMO, "--demo-reset", "--step")
    wizard.expect("[y/N]")
    wizard.type("y")
    first = wizard.expect("Press Enter for the next step")
    assert "── Step 1/" in first and "(applied)" in first
    assert "Verify: systemctl is-enabled dphys-swapfile" in first
    assert "$ systemctl is-enabled dphys-swapfile\n  disabled" in first
    time.sleep(0.5)
    assert wizard.child.poll() is None, "the apply must wait for Enter"
    assert len(journaled_steps()) == 1, "nothing after the pause may have run"
    narrations = [first]
    while True:
        wizard.type("")
        narrations.append(wizard.expect("Press Enter "))
        if wizard.expect(" ") == "to ":
            break
    wizard.type("")
    code, rest = wizard.finish()
    text = "".join(narrations)
    assert "$ sysctl net.ipv4.ip_forward" in text and "net.ipv4.ip_forward = 1" in text
    assert "$ grep -E '^(br_netfilter|overlay) ' /proc/modules\n  br_netfilter " in text
    assert "What changed:\n  --- a/boot/firmware/cmdline.txt" in text
    shown = re.findall(r"── Step (\d+)/(\d+): (.*) \((\w+)\) ──", text)
    assert len(shown) == int(shown[0][1]), "every step of the plan is narrated"
    assert "Takes effect after a reboot" in rest
    assert code in (0, 1)


def test_q_stops_the_apply_after_the_step_just_shown(operator):
    wizard = operator("apply", "--demo", DEMO, "--demo-reset", "--step", "--yes")
    wizard.expect("Press Enter for the next step")
    wizard.type("q")
    code, rest = wizard.finish()
    assert "Stopped after step 1 of" in rest
    assert len(journaled_steps()) == 1
    assert code == 1  # swap is still on: the checks still fail


def test_step_without_a_terminal_is_a_usage_error(capsys, monkeypatch):
    monkeypatch.setattr("sys.stdin", open("/dev/null"))  # noqa: SIM115
    assert main(["apply", "--demo", DEMO, "--yes", "--step"]) == 2
    err = capsys.readouterr().err
    assert "--step" in err and "terminal" in err
    assert journaled_steps() == []


def test_handout_has_every_applied_step_with_its_commands_and_diffs(tmp_path, capsys):
    handout = tmp_path / "workshop.md"
    main(["apply", "--demo", DEMO, "--demo-reset", "--yes", "--handout", str(handout)])
    out = capsys.readouterr().out
    assert f"Handout written to {handout}" in out
    text = handout.read_text(encoding="utf-8")
    applied = re.findall(r"^  (?:applied|deferred)  (.*)$", out, re.M)
    assert len(applied) >= 5
    for title in applied:
        section = text.split(f". {title}\n", 1)[1].split("\n## ", 1)[0]
        assert "**Commands**\n\n```sh\n" in section, title
        assert "**Verify:**" in section, title
    cmdline = text.split("Enable the memory cgroup", 1)[1].split("\n## ", 1)[0]
    assert "```diff\n--- a/boot/firmware/cmdline.txt" in cmdline
    assert "+console=serial0" in cmdline and "cgroup_enable=memory" in cmdline
    assert "sudo dphys-swapfile swapoff" in text


@pytest.mark.parametrize("args, needle", [
    (["--dry-run", "--handout", "h.md"], "--dry-run applies nothing"),
    (["--handout", "/does/not/exist/h.md"], "is not a directory"),
    (["--handout", ""], "needs a file name"),
    (["--handout", "/tmp"], "is a directory"),
])
def test_handout_usage_errors(args, needle, capsys):
    assert main(["apply", "--demo", DEMO, "--demo-reset", "--yes", *args]) == 2
    assert needle in capsys.readouterr().err
    assert journaled_steps() == []  # refused before anything was applied


def test_the_handout_never_replaces_the_answers_file(tmp_path, capsys):
    answers = tmp_path / "answers.yaml"
    answers.write_text("role: control-plane\n")
    assert main(["apply", "--demo", DEMO, "--demo-reset", "--yes", "--answers", str(answers),
                 "--handout", str(answers)]) == 2
    assert "that is the answers file" in capsys.readouterr().err
    assert answers.read_text() == "role: control-plane\n"
    assert journaled_steps() == []

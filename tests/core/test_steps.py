"""The step engine: dry run, atomic writes, backups, journal, idempotence and byte-exact undo."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

from wizard.host.base import Host
from wizard.steps import FileWrite, RunCommand, Step, apply_steps, preview, undo_all
from wizard.steps.journal import Journal

FSTAB = "UUID=abc / ext4 defaults 0 1\n/swap.img none swap sw 0 0\n"


def fstab_step(content: str = "UUID=abc / ext4 defaults 0 1\n# /swap.img none swap sw 0 0\n"):
    return Step(id="fstab", title="Comment out swap", why="The kubelet refuses swap.",
                actions=(FileWrite("/etc/fstab", content),), verify="grep swap /etc/fstab")


def new_file_step():
    return Step(id="sysctl", title="Persist ip_forward", why="Pods need forwarding.",
                actions=(FileWrite("/etc/sysctl.d/k8s.conf", "net.ipv4.ip_forward = 1\n"),),
                verify="sysctl net.ipv4.ip_forward")


def make_host(tmp_path) -> Host:
    (tmp_path / "etc").mkdir()
    fstab = tmp_path / "etc/fstab"
    fstab.write_text(FSTAB)
    fstab.chmod(0o640)
    return Host(tmp_path)


def test_preview_changes_nothing_and_shows_diffs(tmp_path):
    host = make_host(tmp_path)
    entries = preview(host, [fstab_step(), new_file_step()])
    assert [e.already_done for e in entries] == [False, False]
    assert "-/swap.img none swap sw 0 0" in entries[0].diffs[0]
    assert "+# /swap.img none swap sw 0 0" in entries[0].diffs[0]
    assert entries[1].diffs[0].startswith("--- /dev/null")
    assert (tmp_path / "etc/fstab").read_text() == FSTAB
    assert not (tmp_path / "etc/sysctl.d").exists()


def test_apply_writes_keeps_mode_backs_up_and_journals(tmp_path):
    host = make_host(tmp_path)
    outcomes = apply_steps(host, [fstab_step(), new_file_step()])
    assert [o.status for o in outcomes] == ["applied", "applied"]
    assert "# /swap.img" in (tmp_path / "etc/fstab").read_text()
    assert (tmp_path / "etc/fstab").stat().st_mode & 0o777 == 0o640
    events = [e["event"] for e in Journal(host).entries()]
    assert events == ["step-begin", "file-begin", "file-done", "step-done",
                      "step-begin", "file-begin", "file-done", "step-done"]
    backups = list((tmp_path / "var/lib/kubeadm-wizard/backups").iterdir())
    assert [b.read_text() for b in backups] == [FSTAB]
    assert not list((tmp_path / "etc").glob(".*kw-tmp"))


def test_second_apply_changes_nothing(tmp_path):
    host = make_host(tmp_path)
    apply_steps(host, [fstab_step(), new_file_step()])
    journal_before = Journal(host).entries()
    outcomes = apply_steps(host, [fstab_step(), new_file_step()])
    assert [o.status for o in outcomes] == ["unchanged", "unchanged"]
    assert Journal(host).entries() == journal_before


def test_undo_restores_every_byte_and_removes_created_files(tmp_path):
    host = make_host(tmp_path)
    original = (tmp_path / "etc/fstab").read_bytes()
    apply_steps(host, [fstab_step(), new_file_step()])
    apply_steps(host, [fstab_step("# emptied by a second step\n")])
    done = undo_all(host)
    assert (tmp_path / "etc/fstab").read_bytes() == original
    assert (tmp_path / "etc/fstab").stat().st_mode & 0o777 == 0o640
    assert not (tmp_path / "etc/sysctl.d/k8s.conf").exists()
    assert any("restored /etc/fstab" in line for line in done)
    assert undo_all(host) == []


def test_dry_run_changes_nothing(tmp_path):
    host = make_host(tmp_path)
    outcomes = apply_steps(host, [fstab_step()], dry_run=True)
    assert outcomes[0].status == "dry-run"
    assert (tmp_path / "etc/fstab").read_text() == FSTAB
    assert Journal(host).entries() == []


def test_runtime_commands_are_deferred_under_another_root(tmp_path):
    host = make_host(tmp_path)
    step = Step(id="swapoff", title="Swap off now", why="…", verify="cat /proc/swaps",
                actions=(RunCommand(("swapoff", "-a"), undo_argv=("swapon", "-a")),))
    [outcome] = apply_steps(host, [step])
    assert outcome.status == "deferred"
    assert "takes effect when that system boots" in outcome.messages[0]
    [entry] = [e for e in Journal(host).entries() if e["event"] == "command"]
    assert entry["ran"] is False


def test_a_failed_command_stops_the_plan(tmp_path):
    host = Host("/", state_dir=str(tmp_path / "state"))  # keep the journal out of /var/lib
    failing = Step(id="bad", title="Bad", why="…", verify="…",
                   actions=(RunCommand(("false",)),))
    never = Step(id="never", title="Never", why="…", verify="…",
                 actions=(RunCommand(("true",)),))
    outcomes = apply_steps(host, [failing, never])
    assert [o.status for o in outcomes] == ["failed"]
    assert "exit 1" in outcomes[0].messages[0]


KILLER = textwrap.dedent("""
    import sys
    from wizard.host.base import Host
    from wizard.steps import FileWrite, Step, apply_steps
    root, size = sys.argv[1], int(sys.argv[2])
    host = Host(root)
    steps = [Step(id=f"s{i}", title="big", why="test", verify="-",
                  actions=(FileWrite("/etc/big", chr(65 + i % 26) * size),)) for i in range(400)]
    print("ready", flush=True)
    apply_steps(host, steps)
""")


def test_a_kill_mid_apply_leaves_old_or_new_never_torn(tmp_path):
    size = 2_000_000
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc/big").write_text("Z" * size)
    proc = subprocess.Popen([sys.executable, "-c", KILLER, str(tmp_path), str(size)],
                            stdout=subprocess.PIPE, env=dict(os.environ, PYTHONPATH=os.getcwd()))
    assert proc.stdout.readline().strip() == b"ready"
    time.sleep(0.4)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    content = (tmp_path / "etc/big").read_text()
    assert len(content) == size and len(set(content)) == 1
    entries = Journal(Host(tmp_path)).entries()
    begun = [e for e in entries if e["event"] == "file-begin"]
    assert begun, "the child should have journaled at least one write before the kill"
    assert undo_all(Host(tmp_path))
    assert (tmp_path / "etc/big").read_text() == "Z" * size


def test_a_removed_file_is_backed_up_and_undo_puts_it_back(tmp_path):
    from wizard.steps import FileRemove

    host = make_host(tmp_path)
    original = (tmp_path / "etc/fstab").read_bytes()
    step = Step(id="rm", title="Remove fstab", why="a test", verify="-",
                actions=(FileRemove("/etc/fstab"),))
    [entry] = preview(host, [step])
    assert entry.diffs[0].endswith("-/swap.img none swap sw 0 0\n")
    assert step.shell_commands == ("sudo rm /etc/fstab",)
    assert [o.status for o in apply_steps(host, [step])] == ["applied"]
    assert not (tmp_path / "etc/fstab").exists()
    assert [o.status for o in apply_steps(host, [step])] == ["unchanged"]
    undo_all(host)
    assert (tmp_path / "etc/fstab").read_bytes() == original


class RecordingHost(Host):
    """A running system whose commands are recorded, not run (nothing real to swap here),
    together with what /etc/fstab said at the moment each ran."""

    kind = "live"

    def __init__(self, root):
        super().__init__(root)
        self.seen: list[tuple[tuple[str, ...], str]] = []

    def change(self, argv, *, runtime_only=True, timeout=300.0):
        from wizard.host.commands import CommandResult

        self.seen.append((tuple(argv), self.read_optional("/etc/fstab") or ""))
        return CommandResult(tuple(argv), 0)


def test_undo_restores_files_before_the_commands_that_read_them(tmp_path):
    make_host(tmp_path)
    host = RecordingHost(tmp_path)
    swap_off = Step(id="swap", title="Turn swap off", why="The kubelet refuses swap.",
                    actions=(RunCommand(("swapoff", "-a"), undo_argv=("swapon", "-a")),),
                    verify="swapon --show")
    apply_steps(host, [fstab_step(), swap_off])  # as the swap fix does: fstab, then swapoff
    undo_all(host)
    swapon = [fstab for argv, fstab in host.seen if argv == ("swapon", "-a")]
    assert swapon == [FSTAB]  # swapon -a saw the fstab with its swap line back


def test_undo_removes_the_directories_a_write_created(tmp_path):
    host = make_host(tmp_path)
    nested = Step(id="kubeadm-config", title="Write the kubeadm config", why="kubeadm reads it.",
                  actions=(FileWrite("/etc/kubernetes/conf.d/kubeadm.yaml", "kind: x\n"),),
                  verify="cat /etc/kubernetes/conf.d/kubeadm.yaml")
    apply_steps(host, [nested, new_file_step()])
    (tmp_path / "etc/sysctl.d/operator.conf").write_text("# put here by someone else\n")
    undo_all(host)
    assert not (tmp_path / "etc/kubernetes").exists()
    assert (tmp_path / "etc/sysctl.d/operator.conf").exists()  # not empty: kept
    assert (tmp_path / "etc").is_dir()

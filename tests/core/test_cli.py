"""The CLI frame: version, usage errors, and plan/apply/undo on demo hosts and fixture roots."""

from __future__ import annotations

import json
import subprocess
import sys
import sysconfig

import pytest

from wizard import __version__
from wizard.cli import main
from wizard.resources import asset


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "wizard", *args], capture_output=True,
                          text=True, timeout=120)


def test_version_and_help():
    done = run_cli("--version")
    assert done.returncode == 0 and done.stdout.strip() == f"kubeadm-wizard {__version__}"
    helped = run_cli("--help")
    assert helped.returncode == 0
    for command in ("check", "plan", "apply", "undo"):
        assert command in helped.stdout


@pytest.mark.parametrize("args, needle", [
    (["--no-such-flag"], "unrecognized arguments"),
    (["check", "--role", "boss"], "invalid choice"),
    (["check", "--demo", "nope"], "unknown demo 'nope'"),
    (["check", "--root", "/does/not/exist"], "not a directory"),
    (["check", "--kubernetes-version", "banana"], "banana"),
    (["check", "--demo", "ready", "--root", "/tmp"], "not allowed with"),
    # An empty or contradictory choice of host must never fall through to this machine.
    (["plan", "--demo", ""], "--demo needs a value"),
    (["plan", "--root", ""], "--root needs a value"),
    (["--demo", "ready", "plan", "--root", "/tmp"], "two different hosts"),
    (["--demo", "ready", "check", "--demo", "rpi4-bookworm"],
     "--demo is given twice ('ready' and 'rpi4-bookworm')"),
    (["--role=worker", "check", "--demo", "ready", "--role", "control-plane"],
     "--role is given twice"),
    (["check", "--demo", "ready", "--kubernetes-version", "1.036"], "is not a Kubernetes version"),
    (["plan", "--demo-reset"], "give it with --demo NAME"),
    (["--demo", "ready", "route", "get", "192.0.2.1", "--netns", "x"], "namespace of this"),
    (["route", "get", "192.0.2.1", "--from", "::1"], "not of one address family"),
    (["route", "get", "a\udcffb"], "is not an IP address"),  # a byte that is no UTF-8
    (["--demo", "ready", "route", "get", "10.0.0.0/8"],
     "a lookup takes one address, such as 10.0.0.1"),
    (["--demo", "ready", "route", "get", "999.1.1.1"], "four numbers from 0 to 255"),
    (["serve", "--demo", "ready", "--port", "99999"], "invalid port value"),
    # Judged as text: a name would have been looked up by the system's resolver.
    (["serve", "--demo", "ready", "--host", "not-a-host.invalid"], "is not an address"),
    (["check", "--demo", "a" * 300], "unknown demo 'aaaa"),
    # What a tab's session would not take is refused, not dropped.
    (["serve", "--root", "/tmp"], "--root would be ignored"),
    (["--answers", "a.yaml", "serve", "--demo", "ready"], "--answers would be ignored"),
    # A browser cannot be sent to 0.0.0.0: the page names its scripts by that URL.
    (["serve", "--demo", "ready", "--host", "0.0.0.0"], "give --public-url"),
    (["serve", "--demo", "ready", "--public-url", "pi.local:8000"], "give a whole URL"),
    (["--demo", "ready", "--role", "worker", "kubeadm", "init"], "its role is worker"),
    (["--demo", "ready", "check", "--facts"], "give --json too"),
    (["check", "--netns", "kw-no-such-namespace"], "'kw-no-such-namespace' does not exist"),
    (["--demo", "ready", "check", "--json", "--probe", "127.0.0.1:99999"],
     "The port must be a number from 1 to 65535"),
])
def test_usage_errors_exit_2_with_one_line(args, needle):
    done = run_cli(*args)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0], done.stderr


def test_bad_answers_file_is_a_usage_error(tmp_path, capsys):
    answers = tmp_path / "answers.yaml"
    answers.write_text("role: boss\n")
    assert main(["check", "--demo", "ready", "--answers", str(answers)]) == 2
    assert (f"{answers}:1: role: 'boss' must be one of control-plane, worker"
            in capsys.readouterr().err)


@pytest.mark.parametrize("content, needle", [
    (b"role: \xff\xfe\n", "is not UTF-8 text"),
    (b'kubernetes_version: "1.5"\n', "1: kubernetes_version: '1.5' is not a version the "
                                      "wizard knows: choose 1.30 to 1.36"),
])
def test_an_answers_file_that_cannot_be_used_is_one_line_exit_2(tmp_path, content, needle):
    answers = tmp_path / "answers.yaml"
    answers.write_bytes(content)
    done = run_cli("check", "--demo", "ready", "--answers", str(answers))
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert needle in done.stderr and len(done.stderr.strip().splitlines()) == 1


def test_answers_kubeadm_would_refuse_are_one_line_exit_2(tmp_path):
    answers = tmp_path / "answers.yaml"
    answers.write_text('node_name: "My_Node"\n')
    done = run_cli("--demo", "ready", "--answers", str(answers), "kubeadm", "init")
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "node name 'My_Node' must be a lowercase DNS name" in done.stderr


def test_check_json_on_a_demo_host(capsys):
    code = main(["check", "--demo", "rpi4-bookworm", "--json"])
    report = json.loads(capsys.readouterr().out)
    assert report["host"]["hostname"] == "raspberrypi"
    assert report["host"]["architecture"] == "aarch64"
    statuses = {c["id"]: c["status"] for c in report["checks"]}
    assert statuses["Swap"] == "fail"
    assert set(report["checks"][0]) >= {"id", "status", "observed", "expected", "message",
                                        "fixable"}
    assert code == 1


def test_ready_demo_passes_every_check(capsys):
    assert main(["check", "--demo", "ready", "--json"]) == 0
    checks = json.loads(capsys.readouterr().out)["checks"]
    assert {c["screen"] for c in checks} == {"requirements", "network", "bridge", "runtime",
                                             "cgroups", "init"}
    assert [c["id"] for c in checks if c["status"] not in ("pass", "skip")] == []
    assert main(["plan", "--demo", "ready"]) == 0
    assert "Nothing to do" in capsys.readouterr().out


def test_an_empty_plan_names_what_still_fails(capsys):
    # Calico's default pod CIDR over the home LAN: a choice to change, no step to apply.
    assert main(["plan", "--demo", "calico-home-lan"]) == 0
    out = capsys.readouterr().out
    assert "Nothing to do: no step is planned." in out
    assert "Still failing, and no planned step fixes it (1; `check` says what to do): " \
           "PodSubnetOverlap" in out
    assert main(["apply", "--demo", "calico-home-lan", "--yes"]) == 0
    assert "PodSubnetOverlap" in capsys.readouterr().out


def test_apply_needs_yes_without_a_terminal(capsys, monkeypatch):
    monkeypatch.setattr("sys.stdin", open("/dev/null"))  # noqa: SIM115
    assert main(["apply", "--demo", "ubuntu-vagrant"]) == 2
    assert "--yes" in capsys.readouterr().err


def test_plan_apply_undo_round_trip_on_a_demo(capsys, isolated_cache):
    assert main(["plan", "--demo", "ubuntu-vagrant", "--demo-reset"]) == 0
    plan = capsys.readouterr().out
    assert "why:" in plan and "$ sudo swapoff -a" in plan
    fstab = (isolated_cache / "kubeadm-wizard/demos/ubuntu-vagrant/root/etc/fstab")
    original = fstab.read_bytes()

    main(["apply", "--demo", "ubuntu-vagrant", "--yes"])
    assert "applied" in capsys.readouterr().out
    assert fstab.read_bytes() != original
    main(["check", "--demo", "ubuntu-vagrant", "--json"])
    statuses = {c["id"]: c["status"] for c in json.loads(capsys.readouterr().out)["checks"]}
    assert statuses["Swap"] == "pass" and statuses["SwapOnBoot"] == "pass"

    assert main(["apply", "--demo", "ubuntu-vagrant", "--yes", "--dry-run"]) == 0
    assert main(["undo", "--demo", "ubuntu-vagrant", "--yes"]) == 0
    assert fstab.read_bytes() == original


def test_pip_install_gives_a_working_command(tmp_path):
    """`pip install .` (a wheel, not editable) finds every asset inside the installed package.

    The new venv borrows the test venv's dependencies through a .pth line (no network needed);
    the wheel itself is built from this checkout.
    """
    wheels = tmp_path / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps",
                    "--no-build-isolation", "-w", str(wheels), "."], check=True, timeout=300)
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    venv_site = next(venv.glob("lib/python*/site-packages"))
    (venv_site / "borrowed-deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run([venv / "bin/python", "-m", "pip", "install", "-q", "--no-deps",
                    *wheels.glob("*.whl")], check=True, timeout=300)
    done = subprocess.run([venv / "bin/kubeadm-wizard", "demos"], capture_output=True,
                          text=True, cwd=tmp_path, timeout=60)
    assert done.returncode == 0, done.stderr
    assert {"rpi4-bookworm", "ubuntu-vagrant", "ready"} <= {
        line.split()[0] for line in done.stdout.splitlines()}
    located = subprocess.run(
        [venv / "bin/python", "-c", "import wizard.resources as r; print(r.assets_dir())"],
        capture_output=True, text=True, cwd=tmp_path, check=True)
    assert located.stdout.strip() == str(venv_site / "wizard" / "assets")
    assert (venv_site / "wizard/assets/tcss/wizard.tcss").is_file()
    assert not (venv_site / "assets").exists()


def test_diagnose_reads_a_file_or_stdin():
    data = str(asset("kubeadm-output", "preflight-failure-v1.21.1-mem.txt"))
    done = run_cli("diagnose", data, "--json")
    report = json.loads(done.stdout)
    assert done.returncode == 1 and report["failed_phase"] == "preflight"
    assert [e["check"] for e in report["preflight_errors"]] == ["Mem"]
    with asset("kubeadm-output", "init-success-v1.35.7.txt").open() as handle:
        piped = subprocess.run([sys.executable, "-m", "wizard", "diagnose", "-"], stdin=handle,
                               capture_output=True, text=True, timeout=60)
    assert piped.returncode == 0 and piped.stdout.startswith("kubeadm succeeded.")
    missing = run_cli("diagnose", "/no/such/file")
    assert missing.returncode == 2 and "cannot read /no/such/file" in missing.stderr


def test_without_a_terminal_the_tui_says_so_and_exits_2_at_once(tmp_path):
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "wizard", "--demo", "ready"],
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=20)
    assert done.returncode == 2
    assert done.stderr.strip().endswith("needs a terminal; use check, plan or apply")
    assert done.stdout == ""

"""Streamed kubeadm runs against the fake kubeadm on PATH: progress, outcome, masking, cancel.

The host is a "live root": files go to a temporary root (so the journal and the private join
configuration land there), while commands run for real, which is how the fake kubeadm in
assets/kubeadm-replay is found through PATH exactly as the real one would be.
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from wizard.host.base import Host
from wizard.host.simulated import SimulatedHost
from wizard.host.stream import StreamedCommand, mask_argv
from wizard.kubeadm.config import KubeadmConfigParams
from wizard.kubeadm.run import (
    CERTIFICATE_KEY_LIFETIME,
    TOKEN_LIFETIME,
    KubeadmRun,
    RunProgress,
    SecretMasker,
    fresh_join_command,
    prepared_command,
    reset_command,
)
from wizard.resources import asset

FAKES = asset("kubeadm-replay")
INIT = ["kubeadm", "init", "--config", "/etc/kubernetes/kubeadm-config.yaml"]
UPLOAD_TOKEN_SECRET = "yzjycysxsnu0cxze"  # init-success-v1.28.12-control-plane-join.txt
UPLOAD_CERT_KEY = "c4fa3b3c313a4586481087c051808223240235bd182eac5f7d08022056c2008f"
JOIN_TOKEN = "q1w2e3.r4t5y6u7i8o9p0a1"
CA_HASH = "sha256:" + "ab" * 32


@pytest.fixture
def host(tmp_path: Path, live_root) -> Host:
    return live_root(tmp_path / "root")


@pytest.fixture
def scenario(monkeypatch):
    """Put the fake kubeadm first on PATH, without pauses; `scenario(name)` picks a recording."""
    monkeypatch.setenv("PATH", f"{FAKES}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("FAKE_KUBEADM_DELAY", "0")
    monkeypatch.delenv("FAKE_KUBEADM_SCENARIO", raising=False)

    def choose(name: str) -> None:
        monkeypatch.setenv("FAKE_KUBEADM_SCENARIO", name)

    return choose


def journal(host: Host) -> list[dict]:
    text = host.read_optional(f"{host.state_dir}/journal.jsonl") or ""
    return [json.loads(line) for line in text.splitlines()]


def test_a_successful_init_streams_its_phases_and_returns_the_join_command(host, scenario):
    scenario("init-success")
    seen: list[RunProgress] = []
    result = KubeadmRun(host, INIT).execute(seen.append)

    assert result.succeeded and result.ran and result.returncode == 0
    assert seen[0].line.startswith("I0811 ")  # kubeadm's stderr, merged in order
    assert seen[1].line == "[init] Using Kubernetes version: v1.35.7"  # no markup ate it
    fractions = [p.fraction for p in seen]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert [p.phase for p in seen if p.phase][:3] == ["init", "preflight", "preflight"]
    assert result.phases[-1] == "addons" and result.failed_phase is None
    assert [(c.endpoint, c.control_plane) for c in result.join_commands] == [
        ("192.168.1.146:6443", False)]
    assert result.token_expires == result.finished + TOKEN_LIFETIME
    assert result.certificate_key_expires is None
    assert result.likely_cause is None
    recorded = host.command_log[-1]
    assert recorded.argv == tuple(INIT) and recorded.ok
    assert journal(host)[-1] | {"time": 0} == {
        "event": "kubeadm-run", "time": 0, "command": "init", "argv": INIT, "ran": True,
        "rc": 0, "succeeded": True, "cancelled": False, "failed_phase": None, "error": None}


def test_upload_certs_masks_the_token_and_the_certificate_key_everywhere(host, scenario):
    scenario("init-upload-certs")
    seen: list[RunProgress] = []
    result = KubeadmRun(host, INIT + ["--upload-certs"]).execute(seen.append)

    assert result.succeeded
    control_plane = next(c for c in result.join_commands if c.control_plane)
    assert control_plane.certificate_key == UPLOAD_CERT_KEY  # kept for the operator, in memory
    assert result.certificate_key_expires == result.finished + CERTIFICATE_KEY_LIFETIME
    key_line = seen.index(next(p for p in seen if p.line.endswith("Using certificate key:")))
    assert seen[key_line + 1].line == "*" * 64  # printed alone on the next line
    saved = [p.line for p in seen] + result.output + [host.command_log[-1].stdout,
                                                      json.dumps(journal(host))]
    for text in saved:
        assert UPLOAD_TOKEN_SECRET not in text and UPLOAD_CERT_KEY not in text


@pytest.mark.parametrize(("name", "phase", "screen"), [
    ("init-preflight", "preflight", "requirements"),
    ("init-timeout", "wait-control-plane", "cgroups"),
])
def test_a_failed_init_names_its_phase_cause_and_screen(host, scenario, name, phase, screen):
    scenario(name)
    result = KubeadmRun(host, INIT).execute()

    assert not result.succeeded and result.returncode == 1
    assert result.failed_phase == phase
    assert result.likely_cause is not None and result.likely_cause["screen"] == screen
    assert result.join_commands == [] and result.token_expires is None
    assert journal(host)[-1]["failed_phase"] == phase


def test_a_join_reads_its_secrets_from_a_private_file_that_is_gone_afterwards(host, scenario):
    scenario("join-success")
    params = KubeadmConfigParams(role="join", kubeadm_minor=35, join_endpoint="10.0.0.1:6443",
                                 token=JOIN_TOKEN, ca_cert_hashes=(CA_HASH,))
    during: list[tuple[str, int]] = []
    with prepared_command(host, params) as argv:
        private = Path(argv[-1])
        during.append((private.read_text(), stat.S_IMODE(private.stat().st_mode)))
        result = KubeadmRun(host, argv, secrets=[JOIN_TOKEN]).execute()

    assert argv[:3] == ["kubeadm", "join", "--config"]
    assert private.parent == host.path("/run/kubeadm-wizard")
    assert stat.S_IMODE(private.parent.stat().st_mode) == 0o700
    content, mode = during[0]
    assert JOIN_TOKEN in content and mode == 0o600
    assert not private.exists()
    assert result.succeeded and result.join_commands == []
    assert JOIN_TOKEN not in json.dumps(journal(host)) + str(host.command_log)


def test_an_init_without_secrets_runs_on_the_journaled_file(host):
    params = KubeadmConfigParams(role="init", kubeadm_minor=35, kubernetes_version="v1.35.7",
                                 pod_subnet="10.244.0.0/16")
    with prepared_command(host, params) as argv:
        assert argv == ["kubeadm", "init", "--config",
                        str(host.path("/etc/kubernetes/kubeadm-config.yaml"))]
    assert not host.exists("/run/kubeadm-wizard")


def test_cancel_stops_kubeadm_and_says_so(host, scenario, monkeypatch):
    scenario("init-success")
    monkeypatch.setenv("FAKE_KUBEADM_DELAY", "5")  # about a minute if nobody stops it
    run = KubeadmRun(host, INIT)
    result = run.execute(lambda progress: run.cancel())

    assert result.cancelled and not result.succeeded
    assert result.elapsed.total_seconds() < 10
    assert result.returncode < 0  # ended by the signal


def test_a_host_that_is_not_running_records_the_run_as_not_run(tmp_path):
    host = Host(tmp_path)
    result = KubeadmRun(host, INIT).execute()

    assert not result.ran and not result.succeeded
    assert "not a running system" in result.note and result.error == result.note
    assert host.command_log[-1].ran is False
    assert journal(host) == []


def test_a_demo_host_runs_the_fake_kubeadm_only_when_it_asks_for_it(tmp_path):
    pi = SimulatedHost("rpi4-bookworm", scratch=tmp_path / "pi")
    assert "demo rpi4-bookworm has no kubeadm" in KubeadmRun(pi, INIT).execute().note

    ready = SimulatedHost("ready", scratch=tmp_path / "ready")
    assert ready.state["kubeadm_fake"]["scenario"] == "init-success"  # shipped for workshops
    ready.state["kubeadm_fake"] = {"scenario": "init-preflight", "delay": 0}
    result = KubeadmRun(ready, INIT).execute()
    assert result.ran and result.failed_phase == "preflight"


def test_kubeadm_missing_from_path_is_a_clear_error(host, monkeypatch):
    monkeypatch.setenv("PATH", str(host.path("/nowhere")))
    result = KubeadmRun(host, INIT).execute()

    assert result.returncode == 127 and result.error == "kubeadm: command not found"


def test_a_fresh_join_command_is_returned_but_logged_masked(host, scenario):
    command = fresh_join_command(host)

    assert not isinstance(command, str)
    assert command.endpoint == "192.168.1.146:6443" and len(command.ca_cert_hashes) == 1
    secret = command.token.split(".")[1]
    assert secret not in host.command_log[-1].stdout
    assert host.command_log[-1].stdout.startswith("kubeadm join 192.168.1.146:6443 --token ")


def test_reset_answers_kubeadms_question_itself_and_has_no_progress_steps(host, scenario):
    argv = reset_command("unix:///var/run/crio/crio.sock")
    result = KubeadmRun(host, argv).execute(lambda p: None)

    assert argv == ["kubeadm", "reset", "--force", "--cri-socket",
                    "unix:///var/run/crio/crio.sock"]
    assert result.succeeded and result.command == "reset"


def test_the_masker_knows_the_key_that_kubeadm_prints_on_its_own_line():
    masker = SecretMasker(["s3cr3t"])
    lines = ["[upload-certs] Using certificate key:", UPLOAD_CERT_KEY,
             f"--control-plane --certificate-key {UPLOAD_CERT_KEY}", "token s3cr3t",
             UPLOAD_CERT_KEY.upper()]
    masked = [masker(line) for line in lines]

    assert masked[1] == masked[2].split()[-1] == "*" * 64
    assert masked[3] == "token ******"
    assert masked[4] == UPLOAD_CERT_KEY.upper()  # a bare hex line elsewhere is not a key


def test_streamed_argv_is_masked_even_when_the_key_is_a_separate_word(host):
    argv = ["kubeadm", "join", "--token", JOIN_TOKEN, "--certificate-key", UPLOAD_CERT_KEY]
    masked = mask_argv(argv)

    assert JOIN_TOKEN not in masked and UPLOAD_CERT_KEY not in masked
    assert masked[3] == "q1w2e3." + "*" * 16


def test_a_consumer_that_stops_reading_does_not_leave_the_program_running(host, scenario,
                                                                          monkeypatch):
    monkeypatch.setenv("FAKE_KUBEADM_DELAY", "5")
    stream = StreamedCommand(host, INIT)
    for _line in stream:
        break

    assert stream.cancelled and stream.result is not None and stream.result.returncode < 0


def test_a_program_still_exiting_after_its_last_line_is_not_cancelled(host):
    stream = StreamedCommand(host, ["sh", "-c", "echo done; exec >&- 2>&-; sleep 0.3"])

    assert [line.text for line in stream] == ["done"]
    assert not stream.cancelled and stream.result is not None and stream.result.ok

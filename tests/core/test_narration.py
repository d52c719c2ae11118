"""Narration in the core: what each step ran, its diff, its verify commands' real output, the
pause that can stop an apply, and the Markdown handout (secrets masked)."""

from __future__ import annotations

import re

from wizard.checks.runner import default_fixes, run_checks
from wizard.host.base import Host
from wizard.host.simulated import SimulatedHost
from wizard.model import WizardChoices
from wizard.steps import FileWrite, RunCommand, Step, apply_steps, preview
from wizard.steps.handout import apply_handout, narration_text
from wizard.steps.journal import Journal
from wizard.steps.verify import Inspect, ReadSysctl, ShowFile, probes

TOKEN = "abcdef.0123456789abcdef"
CERT_KEY = "c4fa3b3c313a4586481087c051808223240235bd182eac5f7d08022056c2008f"


def pi(tmp_path) -> SimulatedHost:
    return SimulatedHost("rpi4-bookworm", scratch=tmp_path / "pi")


def planned(host) -> list[Step]:
    return default_fixes(run_checks(host, WizardChoices()), [])


def by_title(outcomes, words: str):
    return next(o for o in outcomes if words in o.title)


def test_each_outcome_carries_its_diff_and_the_real_verify_output(tmp_path):
    host = pi(tmp_path)
    steps = planned(host)
    before = {e.step.id: e.diffs for e in preview(host, steps)}
    assert host.read_text("/proc/sys/net/ipv4/ip_forward").strip() == "0"
    assert len(host.read_text("/proc/swaps").splitlines()) > 1, "the Pi demo swaps"

    outcomes = apply_steps(host, steps)

    for outcome in outcomes:
        if outcome.status == "applied":
            assert tuple(outcome.diffs) == before[outcome.step_id], outcome.title
    sysctl = by_title(outcomes, "net.ipv4.ip_forward=1")
    asked = {looked.command: looked.output for looked in sysctl.verified}
    key = next(c for c in asked if c.startswith("sysctl "))
    assert "net.ipv4.ip_forward = 1" in asked[key].splitlines()
    swap = by_title(outcomes, "dphys-swapfile")
    answers = {looked.command: looked.output for looked in swap.verified}
    assert answers["cat /proc/swaps"].strip() == host.read_text("/proc/swaps").strip()
    assert len(answers["cat /proc/swaps"].strip().splitlines()) == 1  # only the header now
    assert answers["systemctl is-enabled dphys-swapfile"] == "disabled\n"
    modules = by_title(outcomes, "br_netfilter")
    grep = next(v for v in modules.verified if v.command.startswith("grep -E"))
    assert [line.split()[0] for line in grep.output.splitlines()] == ["br_netfilter", "overlay"]


def test_unchanged_steps_are_not_verified_again(tmp_path):
    host = pi(tmp_path)
    steps = planned(host)
    apply_steps(host, steps)
    again = [o for o in apply_steps(host, steps) if o.status == "unchanged"]
    assert len(again) > len(steps) // 2
    assert all(not o.verified and not o.diffs for o in again)


def test_after_step_sees_each_outcome_and_can_stop_the_apply(tmp_path):
    host = pi(tmp_path)
    steps = planned(host)
    seen = []

    def stop_after_first(outcome) -> bool:
        seen.append(outcome.step_id)
        return outcome.status == "unchanged"

    outcomes = apply_steps(host, steps, after_step=stop_after_first)
    assert [o.step_id for o in outcomes] == seen
    assert outcomes[-1].status == "applied" and len(outcomes) < len(steps)
    begun = [e["step"] for e in Journal(host).entries() if e["event"] == "step-begin"]
    assert begun == [outcomes[-1].step_id], "nothing after the stop may have run"


def test_probes_follow_the_actions():
    step = Step(id="s", title="t", why="w", verify="v", actions=(
        FileWrite("/etc/sysctl.d/k8s.conf", "net.ipv4.ip_forward = 1\n"),
        RunCommand(("sysctl", "-w", "net.ipv4.ip_forward=1")),
        RunCommand(("systemctl", "enable", "--now", "containerd")),
        RunCommand(("swapoff", "-a"))))
    assert probes(step) == [ReadSysctl(("net.ipv4.ip_forward",)),
                            Inspect(("systemctl", "is-enabled", "containerd")),
                            Inspect(("systemctl", "is-active", "containerd")),
                            ShowFile("/proc/swaps")]
    only_file = Step(id="f", title="t", why="w", verify="v",
                     actions=(FileWrite("/etc/modules-load.d/k8s.conf", "overlay\n"),))
    assert probes(only_file) == [ShowFile("/etc/modules-load.d/k8s.conf")]


def test_an_image_says_its_kernel_cannot_be_asked(tmp_path):
    (tmp_path / "proc/sys/net/ipv4").mkdir(parents=True)
    (tmp_path / "proc/sys/net/ipv4/ip_forward").write_text("0\n")  # a stale file on an image
    image = Host(tmp_path)
    for probe in (ReadSysctl(("net.ipv4.ip_forward",)), ShowFile("/proc/swaps")):
        looked = probe.look(image)
        assert looked.output == "" and "not a running system" in looked.note


def secret_step() -> Step:
    config = (f"kind: JoinConfiguration\ndiscovery:\n  bootstrapToken:\n    token: {TOKEN}\n"
              f"controlPlane:\n  certificateKey: {CERT_KEY}\n")
    return Step(id="cfg", title="Write a join configuration", why="kubeadm reads it.",
                actions=(FileWrite("/etc/kubernetes/join.yaml", config),),
                verify="cat /etc/kubernetes/join.yaml",
                commands=(f"kubeadm join 10.0.0.1:6443 --token {TOKEN} "
                          f"--certificate-key {CERT_KEY}",))


def test_the_handout_has_every_applied_step_and_no_secret(tmp_path):
    host = pi(tmp_path)
    steps = [*planned(host), secret_step()]
    outcomes = apply_steps(host, steps)
    text = apply_handout(steps, outcomes, host=host.label, target="Kubernetes 1.36")
    assert text.startswith("# ") and "Host: demo rpi4-bookworm" in text
    assert TOKEN not in text and CERT_KEY not in text
    assert "abcdef." + "*" * 16 in text and "*" * 64 in text
    diff_blocks = re.findall(r"^```diff\n(.*?)^```$", text, re.S | re.M)
    for step, outcome in zip(steps, outcomes, strict=True):
        assert f". {step.title}\n" in text
        if outcome.status != "applied":
            continue
        for command in step.shell_commands:
            assert command.replace(TOKEN, "abcdef." + "*" * 16).replace(
                CERT_KEY, "*" * 64) in text
        for diff in outcome.diffs:
            masked = diff.replace(TOKEN, "abcdef." + "*" * 16).replace(CERT_KEY, "*" * 64)
            assert masked.rstrip() + "\n" in diff_blocks
        for looked in outcome.verified:
            assert f"$ {looked.command}\n" in text
    assert "net.ipv4.ip_forward = 1" in text


def test_a_stopped_apply_names_what_did_not_run(tmp_path):
    host = pi(tmp_path)
    steps = planned(host)
    outcomes = apply_steps(host, steps, after_step=lambda outcome: outcome.status != "applied")
    text = apply_handout(steps, outcomes, host=host.label)
    assert "## Not run" in text
    for step in steps[len(outcomes):]:
        assert f"- {step.title}" in text.split("## Not run", 1)[1]


def test_a_fence_inside_a_file_does_not_end_the_block(tmp_path):
    host = pi(tmp_path)
    readme = Step(id="md", title="Write notes", why="w", verify="cat /etc/notes.md",
                  actions=(FileWrite("/etc/notes.md", "```sh\nls\n```\n"),))
    outcomes = apply_steps(host, [readme])
    text = apply_handout([readme], outcomes, host=host.label)
    assert "````diff\n" in text and "+```sh\n" in text


def test_narration_text_shows_what_ran_changed_and_answered(tmp_path):
    host = pi(tmp_path)
    steps = [secret_step()]
    outcome = apply_steps(host, steps)[0]
    text = narration_text(steps[0], outcome, 1, 1)
    assert text.splitlines()[0].startswith("── Step 1/1: Write a join configuration (applied)")
    assert "wrote /etc/kubernetes/join.yaml" in text and "+kind: JoinConfiguration" in text
    assert "$ cat /etc/kubernetes/join.yaml" in text
    assert TOKEN not in text and CERT_KEY not in text

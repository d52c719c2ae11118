"""Phase prefixes and the live tracker, against recorded kubeadm output.

The recordings are in assets/kubeadm-output (sources in its README.md).
"""

from __future__ import annotations

import pytest

from wizard.kubeadm.phases import (
    INIT_PHASES,
    INIT_STEPS,
    JOIN_CONTROL_PLANE_STEPS,
    JOIN_PHASES,
    PHASE_PREFIX_RE,
    PhaseTracker,
    clean_line,
    phase_of,
    stack_phase,
    steps_for,
)
from wizard.resources import asset

DATA = asset("kubeadm-output")


def recorded(name: str) -> list[str]:
    return (DATA / name).read_text(encoding="utf-8").splitlines()


def feed_all(tracker: PhaseTracker, lines: list[str]) -> list[float]:
    """Feed every line and return the progress after each one."""
    fractions = []
    for line in lines:
        tracker.feed(line)
        fractions.append(tracker.fraction)
    return fractions


class TestPrefix:
    @pytest.mark.parametrize(
        ("line", "phase"),
        [
            (
                "[control-plane-check] kube-apiserver is healthy after 1.501645283s",
                "control-plane-check",
            ),
            ('[certs] Generating "etcd/ca" certificate and key', "certs"),
            ("[upload-certs] Skipping phase. Please see --upload-certs", "upload-certs"),
            ("[kubelet-check] Initial timeout of 40s passed.", "kubelet-check"),
        ],
    )
    def test_phase_lines_match(self, line, phase):
        assert PHASE_PREFIX_RE.match(line).group(1) == phase

    @pytest.mark.parametrize(
        "line",
        [
            "\t[WARNING Swap]: swap is enabled",  # a preflight finding, not a phase
            "[root@m01 data]# systemctl status containerd.service",  # a CentOS prompt
            'Run "kubectl apply -f [podnetwork].yaml" with one of the options listed at:',
            "[ERROR CRI]: container runtime is not running",
        ],
    )
    def test_other_bracketed_text_is_no_phase(self, line):
        assert phase_of(line) is None

    def test_indented_line_keeps_its_phase(self):
        # kubeadm#574: the output pasted as an indented Markdown code block
        assert phase_of("    [kubelet-start] Starting the kubelet") == "kubelet-start"


class TestCleanLine:
    def test_removes_colour_codes_and_carriage_return(self):
        line = "\x1b[0;31m[preflight]\x1b[0m Running pre-flight checks\r"
        assert clean_line(line) == "[preflight] Running pre-flight checks"

    def test_removes_klog_header_at_line_start(self):
        line = "I0811 02:19:48.048528    4159 version.go:260] remote version is much newer: v1.36.3"
        assert clean_line(line) == "remote version is much newer: v1.36.3"

    def test_removes_wrapper_text_before_a_klog_header(self):
        # minikube#21261 prints its spinner, then kubeadm's line behind a klog header
        line = (
            "    ▪ Generating certificates and keys ...◝I0807 14:29:01.347249   19360 "
            'kubeadm.go:310] [kubeconfig] Writing "admin.conf" kubeconfig file'
        )
        assert phase_of(line) == "kubeconfig"

    def test_keeps_a_klog_line_quoted_inside_a_preflight_error(self):
        # containerd#8139: the CRI error quotes crictl's own klog line
        line = next(
            raw for raw in recorded("preflight-failure-v1.24.13-cri.txt") if "[ERROR CRI]" in raw
        )
        assert clean_line(line).startswith("\t[ERROR CRI]: container runtime is not running")

    def test_keeps_indentation(self):
        assert clean_line("\t- 'journalctl -xeu kubelet'  ") == "\t- 'journalctl -xeu kubelet'"


class TestPhaseLists:
    @pytest.mark.parametrize(
        "name",
        [
            "init-success-v1.26.3.txt",
            "init-success-v1.28.12-control-plane-join.txt",
            "init-success-v1.32.13-api-check.txt",
            "init-success-v1.35.7.txt",
        ],
    )
    def test_every_prefix_of_a_real_init_is_listed(self, name):
        seen = {phase_of(line) for line in recorded(name)} - {None}
        assert seen <= set(INIT_PHASES)
        assert set(INIT_STEPS) <= seen  # these runs used local etcd and the CoreDNS addon

    @pytest.mark.parametrize(
        "name",
        [
            "init-success-v1.28.12-control-plane-join.txt",
            "init-success-v1.32.13-api-check.txt",
            "init-success-v1.35.7.txt",
        ],
    )
    def test_current_versions_print_phases_in_listed_order(self, name):
        order = list(dict.fromkeys(p for p in map(phase_of, recorded(name)) if p))
        assert order == [p for p in INIT_PHASES if p in order]

    def test_1_26_printed_kubelet_start_before_control_plane(self):
        order = list(
            dict.fromkeys(p for p in map(phase_of, recorded("init-success-v1.26.3.txt")) if p)
        )
        assert order.index("kubelet-start") < order.index("control-plane") < order.index("etcd")

    @pytest.mark.parametrize("name", ["join-success-v1.35.7.txt", "join-success-v1.24.txt"])
    def test_every_prefix_of_a_real_join_is_listed(self, name):
        seen = {phase_of(line) for line in recorded(name)} - {None}
        assert seen and seen <= set(JOIN_PHASES)

    def test_steps_for_rejects_other_commands(self):
        with pytest.raises(ValueError, match="'reset'"):
            steps_for("reset")


class TestTracker:
    def test_follows_a_1_35_init_to_the_end(self):
        tracker = PhaseTracker("init")
        lines = recorded("init-success-v1.35.7.txt")
        fractions = feed_all(tracker, lines)
        assert fractions == sorted(fractions)  # never moves backwards
        wait_line = next(
            i for i, line in enumerate(lines) if line.startswith("[wait-control-plane]")
        )
        # preflight, certs, kubeconfig, etcd, control-plane, kubelet-start, wait-control-plane
        assert fractions[wait_line] == pytest.approx(7 / 13)
        assert tracker.succeeded and tracker.finished
        assert tracker.fraction == 1.0
        assert tracker.current_phase == "addons"
        assert tracker.failed_phase is None
        assert tracker.phases_seen[:3] == ["init", "preflight", "certs"]
        assert "control-plane-check" in tracker.phases_seen

    def test_old_phase_order_still_only_moves_forward(self):
        tracker = PhaseTracker("init")
        fractions = feed_all(tracker, recorded("init-success-v1.26.3.txt"))
        assert fractions == sorted(fractions)
        assert fractions[-1] == 1.0

    def test_feed_returns_the_phase_of_the_line(self):
        tracker = PhaseTracker("init")
        assert tracker.feed('[certs] Using certificateDir folder "/etc/kubernetes/pki"') == "certs"
        assert tracker.feed("\t[WARNING Swap]: swap is enabled") is None
        assert tracker.current_phase == "certs"

    def test_reports_a_wait_control_plane_failure(self):
        tracker = PhaseTracker("init")
        feed_all(tracker, recorded("init-timeout-v1.34.0-beta.0-control-plane-check.txt"))
        assert tracker.failed_phase == "wait-control-plane"
        assert tracker.finished and not tracker.succeeded
        assert tracker.fraction < 1.0
        assert tracker.current_phase == "control-plane-check"

    def test_follows_a_worker_join(self):
        tracker = PhaseTracker("join")
        lines = recorded("join-success-v1.35.7.txt")
        fractions = feed_all(tracker, lines)
        first_preflight = next(i for i, line in enumerate(lines) if line.startswith("[preflight]"))
        assert fractions[first_preflight] == 0.5
        assert fractions[-1] == 1.0
        assert tracker.succeeded
        assert tracker.phases_seen == ["preflight", "kubelet-start", "patches", "kubelet-check"]

    def test_control_plane_join_counts_its_own_steps(self):
        tracker = PhaseTracker("join", control_plane=True)
        tracker.feed("[preflight] Running pre-flight checks")
        tracker.feed('[download-certs] Downloading the certificates in Secret "kubeadm-certs"')
        tracker.feed('[certs] Using certificateDir folder "/etc/kubernetes/pki"')
        assert tracker.fraction == pytest.approx(2 / len(JOIN_CONTROL_PLANE_STEPS))

    def test_a_failure_after_the_banner_wins(self):
        tracker = PhaseTracker("init")
        tracker.feed("Your Kubernetes control-plane has initialized successfully!")
        tracker.feed("error execution phase upload-config/kubelet: Error writing Crisocket")
        assert not tracker.succeeded
        assert tracker.failed_phase == "upload-config/kubelet"

    def test_the_kubelet_failure_text_alone_fails_the_phase_around_its_step(self):
        tracker = PhaseTracker("init")
        feed_all(tracker, recorded("init-timeout-wait-control-plane-stdout-only.txt"))
        assert tracker.failed_phase == "wait-control-plane"
        assert tracker.finished and not tracker.succeeded

    def test_a_printed_join_command_alone_is_a_finished_success(self):
        tracker = PhaseTracker("init")
        feed_all(tracker, recorded("token-create-print-join-command-v1.9.txt"))
        assert tracker.succeeded and tracker.finished and tracker.fraction == 1.0

    def test_a_typed_join_command_is_no_success(self):
        tracker = PhaseTracker("join")
        tracker.feed("root@node:~# kubeadm join 10.0.0.1:6443 --token abcdef.0123456789abcdef")
        assert not tracker.succeeded and not tracker.finished

    def test_a_stack_frame_names_the_failed_phase(self):
        tracker = PhaseTracker("init")
        feed_all(tracker, recorded("init-timeout-stack-trace-kind.txt"))
        assert tracker.failed_phase == "wait-control-plane" and not tracker.succeeded

    @pytest.mark.parametrize(
        ("frame", "phase"),
        [
            ("k8s.io/kubernetes/cmd/kubeadm/app/cmd/phases/init.runWaitControlPlanePhase",
             "wait-control-plane"),
            ("k8s.io/kubernetes/cmd/kubeadm/app/cmd/phases/join.runKubeletStartJoinPhase",
             "kubelet-start"),
            ("k8s.io/kubernetes/cmd/kubeadm/app/cmd/phases/init.runPreflight", "preflight"),
            ("k8s.io/kubernetes/cmd/kubeadm/app/cmd/phases/workflow.(*Runner).Run.func1", None),
        ],
    )
    def test_stack_phase(self, frame, phase):
        assert stack_phase(frame) == phase

"""diagnose() against recorded kubeadm output, and against messier pastes made from it.

The recordings are in assets/kubeadm-output; README.md there gives each one's source and
kubeadm version. ``messy()`` below turns a recording into what a user might really paste: a
prompt and the typed command (with continuation lines), klog lines from ``--v=5``, colour
codes, tabs turned into spaces and CRLF line ends. The diagnosis must not change.
"""

from __future__ import annotations

import json

import pytest

from wizard.kubeadm.diagnose import Diagnosis, diagnose
from wizard.kubeadm.phases import PhaseTracker
from wizard.resources import asset

DATA = asset("kubeadm-output")
RECORDINGS = sorted(p.name for p in DATA.glob("*.txt"))

JOURNALCTL = {
    "problem": (
        "The kubelet or a control-plane component never became healthy; the usual cause is a "
        "cgroup-driver mismatch between the kubelet and the container runtime (both must use "
        "systemd)."
    ),
    "screen": "cgroups",
    "command": "journalctl -xeu kubelet",
}
SWAP = {
    "problem": (
        "Swap is on; the kubelet will not start with swap unless it is configured for it, so "
        "turn swap off for good (kubeadm before 1.23 stops here; later ones only warn, and "
        "the kubelet still refuses)."
    ),
    "screen": "requirements",
    "command": "swapon --show",
}
BRIDGE = {
    "problem": (
        "Bridged traffic is not passed to iptables; load br_netfilter and set the "
        "bridge-nf-call sysctls."
    ),
    "screen": "bridge",
    "command": "lsmod | grep br_netfilter",
}
CRI_UNIMPLEMENTED = {
    "problem": (
        "The container runtime answers but does not serve the CRI API; containerd's packaged "
        'config.toml often disables it with disabled_plugins = ["cri"].'
    ),
    "screen": "runtime",
    "command": "containerd config dump | grep -n disabled_plugins",
}
FRESH_JOIN_COMMAND = {
    "problem": (
        "This node could not confirm the API server's identity with the token and CA hash it "
        "was given; use a fresh, complete join command."
    ),
    "screen": "init",
    "command": "kubeadm token create --print-join-command",
}


def recorded(name: str) -> str:
    return (DATA / name).read_text(encoding="utf-8")


def diag(name: str) -> Diagnosis:
    return diagnose(recorded(name))


def crictl(endpoint: str | None) -> dict[str, str]:
    runtime = f"crictl --runtime-endpoint {endpoint}" if endpoint else "crictl"
    return {
        "problem": (
            "A control-plane container may have crashed; list the Kubernetes containers and "
            "read the logs of the one that keeps exiting."
        ),
        "screen": "runtime",
        "command": f"{runtime} ps -a | grep kube | grep -v pause",
    }


def checks(issues: list[dict[str, str]]) -> list[str]:
    return [issue["check"] for issue in issues]


class TestSuccess:
    def test_1_26_init(self):
        result = diag("init-success-v1.26.3.txt")
        assert result.succeeded
        assert result.phases == [
            "init", "preflight", "certs", "kubeconfig", "kubelet-start", "control-plane", "etcd",
            "wait-control-plane", "apiclient", "upload-config", "kubelet", "upload-certs",
            "mark-control-plane", "bootstrap-token", "kubelet-finalize", "addons",
        ]  # fmt: skip
        assert (result.failed_phase, result.error) == (None, None)
        assert result.preflight_errors == result.preflight_warnings == result.advice == []
        assert result.join_commands == [
            {
                "control_plane": False,
                "endpoint": "172.31.57.89:6443",
                "token": "if9hn9.xhxo6s89byj9rsmd",
                "ca_cert_hashes": [
                    "sha256:ad583497a4171d1fc7d21e2ca2ea7b32bdc8450a1a4ca4cfa2022748a99fa477"
                ],
                "certificate_key": None,
            }
        ]

    def test_1_28_init_with_uploaded_certs(self):
        result = diag("init-success-v1.28.12-control-plane-join.txt")
        assert result.succeeded and "upload-certs" in result.phases
        assert [(c["control_plane"], c["certificate_key"]) for c in result.join_commands] == [
            (True, "c4fa3b3c313a4586481087c051808223240235bd182eac5f7d08022056c2008f"),
            (False, None),
        ]
        assert {c["token"] for c in result.join_commands} == {"zn9nc8.yzjycysxsnu0cxze"}

    def test_1_32_init_with_api_check(self):
        result = diag("init-success-v1.32.13-api-check.txt")
        assert result.succeeded
        assert result.phases[result.phases.index("wait-control-plane") :][:3] == [
            "wait-control-plane",
            "kubelet-check",
            "api-check",
        ]
        assert result.preflight_warnings == [
            {"check": "FileExisting-ethtool", "message": "ethtool not found in system path"}
        ]
        assert result.advice == []  # a missing ethtool only warns, and needs no action
        assert result.join_commands[0]["endpoint"] == "10.60.63.1:6443"

    def test_1_35_init_with_control_plane_check(self):
        result = diag("init-success-v1.35.7.txt")
        assert result.succeeded
        health_checks = ("kubelet-check", "control-plane-check", "api-check")
        assert [p for p in result.phases if p in health_checks] == list(health_checks[:2])
        assert "patches" in result.phases and result.phases[-1] == "addons"
        (command,) = result.join_commands
        assert command["endpoint"] == "192.168.1.146:6443"
        assert command["token"] == "b1eoah.svrtbhp8vxjte3in"

    def test_1_35_worker_join(self):
        result = diag("join-success-v1.35.7.txt")
        assert result.succeeded
        assert result.phases == ["preflight", "kubelet-start", "patches", "kubelet-check"]
        assert result.join_commands == []  # kubeadm join prints none; the one shown was typed
        assert result.command == (
            "kubeadm join 192.168.1.146:6443 --token b1eoah.svrtbhp8vxjte3in "
            "--discovery-token-ca-cert-hash "
            "sha256:7abee9aaed71ed5c84a873ad11bbcb67322d1b4125dad4286f5184e8e4249823 "
            "--cri-socket unix:///run/containerd/containerd.sock"
        )
        assert result.advice == []

    def test_1_24_worker_join_indented(self):
        result = diag("join-success-v1.24.txt")
        assert result.succeeded
        assert result.phases == ["preflight", "kubelet-start"]
        assert result.join_commands == []

    def test_three_banners_with_crlf(self):
        result = diag("init-success-three-banners.txt")
        assert result.succeeded
        assert [c["token"][:6] for c in result.join_commands] == ["of75sb", "c5y5qa", "hj4dwn"]


class TestPreflightFailures:
    def test_not_enough_memory(self):
        result = diag("preflight-failure-v1.21.1-mem.txt")
        assert not result.succeeded
        assert result.failed_phase == "preflight"
        assert result.preflight_errors == [
            {"check": "Mem", "message": "the system RAM (978 MB) is less than the minimum 1700 MB"}
        ]
        assert checks(result.preflight_warnings) == ["NumCPU", "IsDockerSystemdCheck"]
        assert result.error == (
            "[preflight] Some fatal errors occurred: [ERROR Mem]: the system RAM (978 MB) is "
            "less than the minimum 1700 MB"
        )
        assert result.advice == [
            {
                "problem": (
                    "A control-plane node needs at least 1700 MB of RAM (this host has 978 MB)."
                ),
                "screen": "requirements",
                "command": "free -m",
            }
        ]

    def test_leftovers_of_an_earlier_cluster(self):
        result = diag("preflight-failure-v1.17.3-leftover-cluster.txt")
        assert checks(result.preflight_errors) == [
            "Port-6443",
            "Port-10259",
            "Port-10257",
            "FileAvailable--etc-kubernetes-manifests-kube-apiserver.yaml",
            "FileAvailable--etc-kubernetes-manifests-kube-controller-manager.yaml",
            "FileAvailable--etc-kubernetes-manifests-kube-scheduler.yaml",
            "FileAvailable--etc-kubernetes-manifests-etcd.yaml",
            "Port-10250",
            "Port-2379",
            "Port-2380",
            "DirAvailable--var-lib-etcd",
        ]
        assert result.preflight_errors[0]["message"] == "Port 6443 is in use"
        assert result.advice == [
            {
                "problem": (
                    "Files from an earlier kubeadm run are still on this host; if it should "
                    "start fresh, reset it first (reset leaves CNI config and iptables rules "
                    "behind)."
                ),
                "screen": "init",
                "command": "kubeadm reset",
            },
            {
                "problem": (
                    "Ports 6443, 10259, 10257, 10250, 2379 and 2380 are already in use, by an "
                    "earlier cluster or another program."
                ),
                "screen": "requirements",
                "command": (
                    "ss -ltnp '( sport = :6443 or sport = :10259 or sport = :10257 or "
                    "sport = :10250 or sport = :2379 or sport = :2380 )'"
                ),
            },
        ]

    def test_cri_not_serving_v1alpha2(self):
        result = diag("preflight-failure-v1.24.13-cri.txt")
        assert checks(result.preflight_errors) == ["CRI"]
        assert result.preflight_errors[0]["message"].startswith(
            "container runtime is not running: output: E0502 08:12:08.411082"
        )
        assert result.preflight_warnings == [
            {"check": "SystemVerification", "message": "missing optional cgroups: blkio"}
        ]
        assert result.advice == [CRI_UNIMPLEMENTED]

    def test_cri_not_serving_v1_and_swap_warning(self):
        result = diag("preflight-failure-v1.25.6-cri.txt")
        assert result.failed_phase == "preflight"
        assert checks(result.preflight_errors) == ["CRI"]
        assert checks(result.preflight_warnings) == ["Swap"]
        assert result.advice == [SWAP, CRI_UNIMPLEMENTED]

    def test_bridge_and_ip_forward(self):
        result = diag("preflight-errors-bridge-ip-forward.txt")
        assert checks(result.preflight_errors) == [
            "FileContent--proc-sys-net-bridge-bridge-nf-call-iptables",
            "FileContent--proc-sys-net-ipv4-ip_forward",
        ]
        assert result.preflight_errors[1]["message"] == (
            "/proc/sys/net/ipv4/ip_forward contents are not set to 1"
        )
        assert result.advice == [
            BRIDGE,
            {
                "problem": "IPv4 forwarding is off.",
                "screen": "bridge",
                "command": "sysctl net.ipv4.ip_forward",
            },
        ]

    def test_join_bridge_and_swap_in_backticks(self):
        result = diag("join-preflight-failure-bridge-swap.txt")
        assert result.failed_phase == "preflight"
        assert result.preflight_errors == [
            {
                "check": "FileContent--proc-sys-net-bridge-bridge-nf-call-iptables",
                "message": "/proc/sys/net/bridge/bridge-nf-call-iptables does not exist",
            },
            {
                "check": "Swap",
                "message": "running with swap on is not supported. Please disable swap",
            },
        ]
        assert result.advice == [BRIDGE, SWAP]

    def test_raspberry_pi_without_memory_cgroup(self):
        result = diag("join-failure-v1.34-rpi-memory-cgroup.txt")
        assert result.failed_phase == "preflight"
        assert result.error == "preflight checks failed"
        assert result.preflight_errors == [
            {"check": "SystemVerification", "message": "missing required cgroups: memory"}
        ]
        assert result.preflight_warnings == [
            {"check": "SystemVerification", "message": "missing optional cgroups: hugetlb"}
        ]
        (advice,) = result.advice
        assert advice["screen"] == "cgroups"
        assert "cgroup_enable=memory cgroup_memory=1" in advice["problem"]
        assert "/boot/firmware/cmdline.txt" in advice["problem"]
        assert result.join_commands == []  # the one in the paste is the command typed
        assert result.command.startswith(
            "kubeadm join 192.168.0.150:6443 --token li3aej.ajg8jjyrwqlp08lw "
            "--discovery-token-ca-cert-hash sha256:e76fcd"
        )


class TestControlPlaneTimeouts:
    def test_1_2x_wait_control_plane_timeout(self):
        result = diag("init-timeout-wait-control-plane.txt")
        assert not result.succeeded
        assert result.phases == ["wait-control-plane", "kubelet-check"]
        assert result.failed_phase == "wait-control-plane"
        assert result.error == "couldn't initialize a Kubernetes cluster"
        assert result.advice == [
            JOURNALCTL,
            crictl("unix:///var/run/containerd/containerd.sock"),
        ]

    def test_1_34_control_plane_check_timeout(self):
        result = diag("init-timeout-v1.34.0-beta.0-control-plane-check.txt")
        assert result.failed_phase == "wait-control-plane"
        assert result.error == (
            "failed while waiting for the control plane to start: kube-apiserver check failed "
            "at https://192.168.105.74:8443/livez: client rate limiter Wait returned an error: "
            "context deadline exceeded"
        )
        assert checks(result.preflight_warnings) == ["Service-Kubelet"]
        assert result.advice == [JOURNALCTL, crictl("unix:///var/run/cri-dockerd.sock")]

    def test_1_30_api_check_timeout_cut_before_the_error(self):
        result = diag("init-api-check-timeout-v1.30.5.txt")
        assert not result.succeeded
        assert (result.failed_phase, result.error) == (None, None)
        assert result.phases == ["init", "preflight", "kubelet-check", "api-check"]
        assert checks(result.preflight_warnings) == ["SystemVerification", "Hostname", "Hostname"]
        assert result.advice == [JOURNALCTL, crictl(None)]


class TestKubeletFailureWithoutTheErrorLine:
    """The 1.2x "Unfortunately, an error has occurred:" text alone, as pastes of stdout show it.

    kubeadm prints that text on stdout and ``error execution phase`` on stderr, so a
    ``| tee`` log or a copy of one stream has no phase line; the failure is still readable.
    """

    def test_stdout_only_in_markdown_backticks(self):
        result = diag("init-timeout-wait-control-plane-stdout-only.txt")
        assert not result.succeeded
        assert result.failed_phase == "wait-control-plane"  # not its kubelet-check step
        assert result.error == "timed out waiting for the condition"
        assert result.advice == [JOURNALCTL, crictl(None)]

    def test_message_on_the_same_line(self):
        result = diag("init-timeout-wait-control-plane-one-line.txt")
        assert (result.failed_phase, result.error) == (
            "wait-control-plane",
            "timed out waiting for the condition",
        )

    def test_the_error_line_still_names_the_error_when_it_follows(self):
        result = diag("init-timeout-wait-control-plane.txt")
        assert result.error == "couldn't initialize a Kubernetes cluster"

    def test_a_join_fails_in_kubelet_start(self):
        # Constructed, not recorded: the 1.2x join prints the same text from its kubelet-start
        # phase (cmd/kubeadm/app/cmd/phases/join/kubelet.go, kubeadmJoinFailMsg).
        text = (
            "[preflight] Running pre-flight checks\n"
            "[kubelet-start] Starting the kubelet\n"
            "[kubelet-check] Initial timeout of 40s passed.\n\n"
            "Unfortunately, an error has occurred:\n"
            "\ttimed out waiting for the condition\n"
        )
        result = diagnose(text)
        assert (result.failed_phase, result.error) == (
            "kubelet-start",
            "timed out waiting for the condition",
        )

    def test_a_v5_stack_trace_cut_before_the_phase_line(self):
        result = diag("init-timeout-stack-trace-kind.txt")
        assert result.recognised and not result.succeeded
        assert (result.failed_phase, result.error) == (
            "wait-control-plane",
            "couldn't initialize a Kubernetes cluster",
        )
        assert result.advice == [JOURNALCTL, crictl("unix:///run/containerd/containerd.sock")]

    def test_a_bare_phase_line_after_a_trace_keeps_the_error(self):
        # The recorded 1.2x timeout as --v=5 ends it (kind#2625 shows the bare line and frame)
        text = recorded("init-timeout-wait-control-plane.txt").replace(
            "error execution phase wait-control-plane: couldn't initialize a Kubernetes cluster",
            "error execution phase wait-control-plane\n"
            "k8s.io/kubernetes/cmd/kubeadm/app/cmd/phases/workflow.(*Runner).Run.func1",
        )
        result = diagnose(text)
        assert (result.failed_phase, result.error) == (
            "wait-control-plane",
            "timed out waiting for the condition",
        )

    def test_a_join_trace_with_the_error_above_the_bare_phase_line(self):
        result = diag("join-kubelet-start-timeout-v1.16.14-trace.txt")
        assert result.phases == ["kubelet-check"]
        assert (result.failed_phase, result.error) == (
            "kubelet-start",
            "timed out waiting for the condition",
        )
        assert result.advice[0] == JOURNALCTL

    def test_a_later_success_banner_wins(self):
        text = recorded("init-timeout-wait-control-plane-stdout-only.txt") + recorded(
            "init-success-v1.26.3.txt"
        )
        result = diagnose(text)
        assert result.succeeded and result.failed_phase is None


class TestPrintedJoinCommands:
    def test_token_create_print_join_command_is_a_success(self):
        result = diag("token-create-print-join-command-v1.9.txt")
        assert result.succeeded
        assert result.phases == [] and result.advice == []
        assert result.join_commands == [
            {
                "control_plane": False,
                "endpoint": "192.168.99.100:8443",
                "token": "447067.20b55955bd6abe6c",
                "ca_cert_hashes": [
                    "sha256:17023a5c90b996e50c514e63e161e46f78be216fd48c0c3df3be67e008b28889"
                ],
                "certificate_key": None,
            }
        ]

    def test_token_create_with_a_klog_line_and_no_prompt(self):
        result = diag("token-create-print-join-command-klog.txt")
        assert result.succeeded
        assert [c["endpoint"] for c in result.join_commands] == ["10.1.3.2:6443"]
        assert result.command == "kubeadm token create --print-join-command"

    def test_withheld_token_and_key_in_a_banner(self):
        result = diag("init-banner-withheld-sealos.txt")
        (command,) = result.join_commands
        assert command["control_plane"]
        assert command["token"] == command["certificate_key"] == "<value withheld>"
        assert command["ca_cert_hashes"] == [
            "sha256:ddb9e783e25d2731f0a9473ee7dacb9eb2821b5b353e5f335f0305ae42b5628a"
        ]
        assert result.succeeded  # kubeadm prints join commands only when the cluster is up

    @pytest.mark.parametrize("placeholder", ["<redacted>", "[REDACTED]", "<your token>"])
    def test_redacted_token_is_still_a_join_command(self, placeholder):
        # Constructed, not recorded: a worker join line as kubeadm prints it, with the token
        # replaced the way people redact one before they post it.
        text = (
            f"kubeadm join 192.168.56.10:6443 --token {placeholder} \\\n"
            "\t--discovery-token-ca-cert-hash sha256:<redacted>\n"
        )
        result = diagnose(text)
        (command,) = result.join_commands
        assert (command["endpoint"], command["token"]) == ("192.168.56.10:6443", placeholder)
        assert command["ca_cert_hashes"] == ["sha256:<redacted>"]
        assert result.masked().join_commands[0]["token"] == placeholder


class TestTypedCommand:
    def test_the_typed_join_is_reported_apart_from_the_printed_one(self):
        result = diag("token-create-print-join-command-v1.9.txt")
        printed = result.join_commands[0]
        assert result.command == (
            "kubeadm join --token 447067.20b55955bd6abe6c 192.168.99.100:8443 "
            "--discovery-token-ca-cert-hash "
            "sha256:17023a5c90b996e50c514e63e161e46f78be216fd48c0c3df3be67e008b28889"
        )
        assert len(result.join_commands) == 1 and printed["token"] in result.command

    @pytest.mark.parametrize(
        ("line", "typed"),
        [
            ("root@host:~# kubeadm join 10.0.0.1:6443 --token abcdef.0123456789abcdef", True),
            ("$ sudo kubeadm join 10.0.0.1:6443 --token abcdef.0123456789abcdef", True),
            ("[root@m01 data]# kubeadm join 10.0.0.1:6443 --token abcdef.0123456789abcdef", True),
            ("+ sudo kubeadm join 10.0.0.1:6443 --token abcdef.0123456789abcdef", True),
            ("sudo kubeadm join 10.0.0.1:6443 --token abcdef.0123456789abcdef", True),
            ("kubeadm join 10.0.0.1:6443 --token abcdef.0123456789abcdef", False),
            ("\tkubeadm join 10.0.0.1:6443 --token abcdef.0123456789abcdef", False),
            # wrappers label kubeadm's own lines (sealos#1355, a Terraform remote-exec)
            ("172.16.112.205:22:   kubeadm join 10.0.0.1:6443 --token abcdef.0123456789abcdef",
             False),
            ("module.k8s (remote-exec): kubeadm join 10.0.0.1:6443 --token abcdef.0123456789abcdef",
             False),
            # kubeadm#1128: a root prompt on openSUSE Kubic and a kubeadm in the current directory
            ("kubic-node-0:~ # ./kubeadm join 10.0.0.1:6443 --token abcdef.0123456789abcdef",
             True),
        ],
    )
    def test_a_prompt_makes_a_join_typed(self, line, typed):
        result = diagnose(line + " --discovery-token-ca-cert-hash sha256:" + "a" * 64)
        assert (result.command is not None, len(result.join_commands)) == (typed, int(not typed))

    def test_the_command_is_masked_with_the_rest(self):
        masked = diag("join-success-v1.35.7.txt").masked()
        typed = "kubeadm join 192.168.1.146:6443 --token b1eoah." + "*" * 16
        assert masked.command.startswith(typed)

    def test_a_typed_command_alone_is_recognised(self):
        result = diagnose("root@cp:~# kubeadm join 10.0.0.1:6443 --token abcdef.0123456789abcdef")
        assert result.recognised and not result.succeeded and result.join_commands == []

    def test_the_text_report_shows_it(self):
        from wizard.report import diagnosis_text

        report = diagnosis_text(diag("join-success-v1.35.7.txt"))
        assert "Command typed: kubeadm join 192.168.1.146:6443 --token b1eoah." in report
        assert "Join command (" not in report


class TestJoinFailures:
    def test_identity_timeout(self):
        result = diag("join-failure-identity-timeout.txt")
        assert result.failed_phase == "preflight"
        assert result.error.startswith("couldn't validate the identity of the API Server: Get ")
        assert result.join_commands == []  # the paste reads "ubeadm join"
        assert result.advice == [
            FRESH_JOIN_COMMAND,
            {
                "problem": (
                    "This node could not reach the API server at 172.31.20.26:6443; check the "
                    "address, the route to it and that the control plane's firewall lets the "
                    "port through."
                ),
                "screen": "network",
                "command": "curl -k https://172.31.20.26:6443/livez",
            },
        ]

    def test_connection_refused_on_virtualbox_nat_address(self):
        result = diag("join-failure-connection-refused.txt")
        assert result.failed_phase == "preflight"
        fresh, network = result.advice
        assert fresh == FRESH_JOIN_COMMAND
        assert network["screen"] == "network"
        assert network["command"] == "curl -k https://10.0.2.15:6443/livez"
        assert "10.0.2.15 is VirtualBox's NAT address" in network["problem"]

    def test_token_unknown_to_the_cluster(self):
        result = diag("join-token-jws-v1.33-kind.txt")
        assert result.phases == ["discovery", "preflight"]
        assert result.advice == [
            {
                "problem": "The bootstrap token is invalid or has expired (tokens last 24 hours).",
                "screen": "init",
                "command": "kubeadm token create --print-join-command",
            }
        ]


class TestWrappedOutput:
    """Lines of kubeadm output labelled by the tool that ran it on another machine."""

    def test_sealos_3_join_failure(self):
        result = diag("join-failure-v1.18.3-sealos-wrapped.txt")
        assert result.phases == ["preflight"]
        assert result.failed_phase == "preflight"
        assert result.error.startswith("unable to fetch the kubeadm-config ConfigMap: ")
        assert checks(result.preflight_warnings) == ["IsDockerSystemdCheck"]
        assert result.join_commands == []  # the "[ssh][host]" line is the command sealos ran
        assert result.command.startswith("kubeadm join 172.16.50.37:6443 --token gejmzx.")
        assert result.command.endswith("--control-plane --certificate-key " + "9756ecb4027d4935"
                                       "4a1802c2184bd77ab555932a9dbf2bf4e3aa1ba503454baf")
        assert result.advice == [
            {
                "problem": (
                    "This node cannot resolve apiserver.cluster.local; add it to /etc/hosts or "
                    "to the DNS this node uses, with the control plane's address."
                ),
                "screen": "network",
                "command": "getent hosts apiserver.cluster.local",
            }
        ]

    def test_sealos_4_success_banner(self):
        result = diag("init-success-sealos-wrapped.txt")
        assert result.succeeded
        assert result.phases == ["bootstrap-token", "kubelet-finalize", "addons"]

    @pytest.mark.parametrize(
        "label",
        ["    master-0: ", "==> master: ", "module.k8s.null_resource.bootstrap (remote-exec): "],
    )
    def test_vagrant_and_terraform_labels(self, label):
        # Labels as kubevirt#43 (Vagrant) and tibordp/terraform-hcloud-dualstack-k8s#19 show
        # them, put before each line of a recorded failure.
        text = "\n".join(
            label + line for line in recorded("preflight-failure-v1.21.1-mem.txt").splitlines()
        )
        expected = diag("preflight-failure-v1.21.1-mem.txt").to_json()
        assert diagnose(text).to_json() == expected

    def test_error_lines_and_urls_are_not_labels(self):
        text = (
            "    error: your configuration file uses an old API spec: \"kubeadm.k8s.io/v1beta3\"\n"
            "    https://kubernetes.io/docs/concepts/cluster-administration/addons/\n"
        )
        result = diagnose(text)
        assert result.error.startswith("your configuration file uses an old API spec")


class TestConfigErrors:
    def test_deprecated_api_in_a_wrapped_klog_line(self):
        result = diag("init-join-banner-v1.18.0-sealos.txt")
        assert not result.succeeded  # the excerpt starts after the banner's first line
        assert [c["control_plane"] for c in result.join_commands] == [True, False]
        assert result.advice == [
            {
                "problem": (
                    "The kubeadm config file uses the deprecated API version "
                    "kubeadm.k8s.io/v1beta1; convert it while this kubeadm can still read it."
                ),
                "screen": "init",
                "command": (
                    "kubeadm config migrate --old-config kubeadm.yaml --new-config kubeadm-new.yaml"
                ),
            }
        ]

    def test_removed_api_version(self):
        result = diag("config-old-api-v1.37.0.txt")
        assert result.error.startswith(
            'your configuration file uses an old API spec: "kubeadm.k8s.io/v1beta3"'
        )
        (advice,) = result.advice
        assert advice["screen"] == "init"
        assert "kubeadm.k8s.io/v1beta3, which this kubeadm no longer reads" in advice["problem"]
        assert advice["command"].startswith("kubeadm config migrate")

    def test_unknown_field(self):
        result = diag("config-unknown-field-v1.31.1.txt")
        assert result.advice == [
            {
                "problem": (
                    "The kubeadm config file has a field this kubeadm does not know: certSANs; "
                    "check its spelling and the apiVersion."
                ),
                "screen": "init",
                "command": "kubeadm config validate --config kubeadm.yaml",
            }
        ]


def messy(text: str, typed: str) -> str:
    """What a user pastes: prompt, typed command, --v=5 klog lines, colours, spaces, CRLF."""
    klog = (
        "I0125 10:00:00.000000    1234 checks.go:280] validating the existence of file /etc/hosts"
    )
    lines = ["root@cp:~# " + typed.replace("\n", "\n    "), klog]
    for line in text.splitlines():
        for tag in ("[ERROR ", "[WARNING "):
            line = line.replace(tag, "\x1b[31m" + tag).replace("]:", "]\x1b[0m:", 1)
        if line.startswith("["):
            line = "\x1b[32m" + line.replace("] ", "]\x1b[0m ", 1)
        lines.append(line.replace("\t", "    "))
        if "Running pre-flight checks" in line:
            lines.append(klog)
    lines.append("root@cp:~# ")
    return "\r\n".join(lines)


TYPED_INIT = "sudo kubeadm init --config kubeadm-config.yaml \\\n--upload-certs --v=5"
TYPED_JOIN = (
    "sudo kubeadm join 10.20.30.40:6443 --token abcdef.0123456789abcdef \\\n"
    "--discovery-token-ca-cert-hash sha256:" + "0" * 64 + " --v=5"
)
# The typed commands as diagnose reports them: one line, without the prompt and sudo.
TYPED_AS_REPORTED = {
    TYPED_INIT: "kubeadm init --config kubeadm-config.yaml --upload-certs --v=5",
    TYPED_JOIN: (
        "kubeadm join 10.20.30.40:6443 --token abcdef.0123456789abcdef "
        "--discovery-token-ca-cert-hash sha256:" + "0" * 64 + " --v=5"
    ),
}


@pytest.mark.parametrize("name", RECORDINGS)
@pytest.mark.parametrize("typed", [TYPED_INIT, TYPED_JOIN], ids=["init", "join"])
def test_messy_paste_gives_the_same_diagnosis(name, typed):
    expected = diag(name).to_json()
    # The typed command is reported apart, never as a join command kubeadm printed; a command
    # typed later in the recording (its own prompt line) is the one that produced the output.
    expected["command"] = expected["command"] or TYPED_AS_REPORTED[typed]
    assert diagnose(messy(recorded(name), typed)).to_json() == expected


def test_messy_helper_really_adds_noise():
    text = messy(recorded("preflight-failure-v1.25.6-cri.txt"), TYPED_JOIN)
    assert "\r\n" in text and "\t" not in text and "\x1b[31m[ERROR CRI]\x1b[0m:" in text
    assert text.count("checks.go:280]") == 2


@pytest.mark.parametrize("name", RECORDINGS)
def test_tracker_sees_the_same_phases_and_outcome(name):
    tracker = PhaseTracker("init")
    for line in recorded(name).splitlines():
        tracker.feed(line)
    result = diag(name)
    assert tracker.phases_seen == result.phases
    assert tracker.succeeded == result.succeeded
    assert tracker.failed_phase == result.failed_phase


class TestJsonAndMasking:
    def test_to_json_has_exactly_the_documented_keys(self):
        data = diag("init-success-v1.28.12-control-plane-join.txt").to_json()
        assert list(data) == [
            "command",
            "succeeded",
            "phases",
            "preflight_errors",
            "preflight_warnings",
            "failed_phase",
            "error",
            "join_commands",
            "advice",
        ]
        assert json.loads(json.dumps(data)) == data

    def test_masked_hides_secrets_but_keeps_hashes(self):
        result = diag("init-success-v1.28.12-control-plane-join.txt")
        dumped = json.dumps(result.masked().to_json())
        assert "yzjycysxsnu0cxze" not in dumped
        assert "c4fa3b3c313a4586481087c051808223240235bd182eac5f7d08022056c2008f" not in dumped
        assert dumped.count("zn9nc8." + "*" * 16) == 2
        assert dumped.count("9273b274f38a86f1a4244b8f5861846b03df185a5fae65ec7abda7c775159343") == 2

    def test_masked_leaves_the_original_alone(self):
        result = diag("init-success-v1.28.12-control-plane-join.txt")
        result.masked()
        assert result.join_commands[0]["token"] == "zn9nc8.yzjycysxsnu0cxze"

    def test_masked_error_text(self):
        text = (
            "error execution phase preflight: couldn't validate the identity of the API Server: "
            'token id "abcdef" is invalid; tried --token abcdef.0123456789abcdef'
        )
        masked = diagnose(text).masked()
        assert masked.error.endswith("--token abcdef." + "*" * 16)


class TestEdgeCases:
    def test_empty_text(self):
        assert diagnose("").to_json() == Diagnosis().to_json()

    def test_the_last_outcome_wins(self):
        failed_then_fixed = recorded("preflight-failure-v1.21.1-mem.txt") + recorded(
            "init-success-v1.26.3.txt"
        )
        result = diagnose(failed_then_fixed)
        assert result.succeeded
        assert (result.failed_phase, result.error) == (None, None)

    def test_retries_before_a_successful_join_need_no_advice(self):
        # kind logs discovery retries (kueue#10296) before joins that then succeed
        retried = recorded("join-token-jws-v1.33-kind.txt") + recorded("join-success-v1.35.7.txt")
        result = diagnose(retried)
        assert result.succeeded
        assert result.advice == []

    def test_single_port_in_use(self):
        # lework/kainstall#30 (kubeadm v1.23.3)
        text = (
            "error execution phase preflight: [preflight] Some fatal errors occurred:\n"
            "\t[ERROR Port-6443]: Port 6443 is in use\n"
        )
        assert diagnose(text).advice == [
            {
                "problem": "Port 6443 is already in use, by an earlier cluster or another program.",
                "screen": "requirements",
                "command": "ss -ltnp '( sport = :6443 )'",
            }
        ]

    @pytest.mark.parametrize(
        ("line", "screen", "command", "words"),
        [
            (
                "\t[ERROR NumCPU]: the number of available CPUs 1 is less than the required 2",
                "requirements",
                "nproc",
                "at least 2 CPUs (this host has 1)",
            ),
            (
                "\t[ERROR IsPrivilegedUser]: user is not running as root",
                "requirements",
                "sudo -i",
                "must run as root",
            ),
            (
                "\t[ERROR FileExisting-conntrack]: conntrack not found in system path",
                "requirements",
                "kubeadm-wizard check",
                "conntrack is not installed",
            ),
            (
                "\t[ERROR FileContent--proc-sys-net-ipv6-conf-default-forwarding]: "
                "/proc/sys/net/ipv6/conf/default/forwarding contents are not set to 1",
                "bridge",
                "sysctl net.ipv6.conf.default.forwarding",
                "IPv6 forwarding is off",
            ),
            (
                "\t[WARNING SystemVerification]: cgroups v1 support is in maintenance mode, "
                "please migrate to cgroups v2",
                "cgroups",
                "stat -fc %T /sys/fs/cgroup",
                "cgroup v1",
            ),
            (
                "\t[ERROR SystemVerification]: missing required cgroups: pids",
                "cgroups",
                "cat /proc/cgroups",
                "pids cgroup controller",
            ),
            (
                "[preflight] WARNING: Couldn't create the interface used for talking to the "
                "container runtime: failed to create new CRI runtime service",
                "runtime",
                "systemctl status containerd",
                "could not talk to the container runtime",
            ),
        ],
    )
    def test_check_messages_from_the_reference(self, line, screen, command, words):
        # Message texts from cmd/kubeadm/app/preflight/checks.go and system-validators,
        # as quoted in /work/shared/reference/kubeadm.md section 1.
        (advice,) = diagnose(line).advice
        assert (advice["screen"], advice["command"]) == (screen, command)
        assert words in advice["problem"]

    def test_other_warnings_need_no_advice(self):
        # kubernetes#127530: Hostname warnings alone are not a failure
        text = '\t[WARNING Hostname]: hostname "ubuntu" could not be reached\n'
        assert diagnose(text).advice == []


NOT_KUBEADM = "remember to buy milk\nls -l\ntotal 0\n$ kubectl get nodes\n"


def test_text_that_is_not_kubeadm_output_is_a_usage_error(tmp_path, capsys):
    from wizard.cli import main

    pasted = tmp_path / "notes.txt"
    pasted.write_text(NOT_KUBEADM)
    assert main(["diagnose", str(pasted)]) == 2
    assert "is not kubeadm output" in capsys.readouterr().err
    assert not diagnose(pasted.read_text()).recognised


def test_stdin_that_is_not_kubeadm_output_is_a_usage_error(monkeypatch, capsys):
    import io

    from wizard.cli import main

    monkeypatch.setattr("sys.stdin", io.StringIO(NOT_KUBEADM))
    assert main(["diagnose", "-", "--json"]) == 2
    captured = capsys.readouterr()
    assert "the input is not kubeadm output" in captured.err and captured.out == ""


def test_token_create_output_exits_0(tmp_path, capsys):
    from wizard.cli import main

    assert main(["diagnose", str(DATA / "token-create-print-join-command-v1.9.txt")]) == 0
    report = capsys.readouterr().out
    assert report.startswith("kubeadm succeeded.")
    assert "Join command (worker): endpoint 192.168.99.100:8443" in report

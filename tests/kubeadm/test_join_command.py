"""Join-command parsing and the join form's validators.

Most inputs are recorded kubeadm output (sources in assets/kubeadm-output/README.md); the
rest are built from the join-command template in kubeadm's cmd/kubeadm/app/cmd/util/join.go.
"""

from __future__ import annotations

import pytest

from wizard.kubeadm.join_command import (
    WITHHELD,
    JoinCommand,
    find_join_commands,
    parse_pasted_join,
    validate_ca_cert_hash,
    validate_certificate_key,
    validate_endpoint,
    validate_token,
)
from wizard.resources import asset

DATA = asset("kubeadm-output")

HA_TOKEN = "zn9nc8.yzjycysxsnu0cxze"
HA_HASH = "sha256:9273b274f38a86f1a4244b8f5861846b03df185a5fae65ec7abda7c775159343"
HA_KEY = "c4fa3b3c313a4586481087c051808223240235bd182eac5f7d08022056c2008f"
TOKEN = "abcdef.0123456789abcdef"
HASH_FLAG = "--discovery-token-ca-cert-hash"
HASH_A = "sha256:" + "a" * 64
HASH_B = "sha256:" + "b" * 64


def recorded(name: str) -> str:
    return (DATA / name).read_text(encoding="utf-8")


class TestFindInRecordedOutput:
    def test_control_plane_and_worker_commands_of_an_upload_certs_banner(self):
        control_plane, worker = find_join_commands(
            recorded("init-success-v1.28.12-control-plane-join.txt")
        )
        assert control_plane == JoinCommand(True, "172.31.42.243:6443", HA_TOKEN, [HA_HASH], HA_KEY)
        assert worker == JoinCommand(False, "172.31.42.243:6443", HA_TOKEN, [HA_HASH], None)

    def test_continuation_indented_with_spaces(self):
        # 1.35.7 banner, the tab already turned into 8 spaces
        (command,) = find_join_commands(recorded("init-success-v1.35.7.txt"))
        assert command.to_dict() == {
            "control_plane": False,
            "endpoint": "192.168.1.146:6443",
            "token": "b1eoah.svrtbhp8vxjte3in",
            "ca_cert_hashes": [
                "sha256:7abee9aaed71ed5c84a873ad11bbcb67322d1b4125dad4286f5184e8e4249823"
            ],
            "certificate_key": None,
        }

    def test_typed_command_with_prompt_sudo_and_extra_flag(self):
        # "oracle@worker148:~$ sudo kubeadm join ... \ --cri-socket unix:///run/..."
        (command,) = find_join_commands(recorded("join-success-v1.35.7.txt"))
        assert command.endpoint == "192.168.1.146:6443"
        assert command.token == "b1eoah.svrtbhp8vxjte3in"
        assert not command.control_plane

    def test_three_banners_give_three_commands_in_order(self):
        text = recorded("init-success-three-banners.txt")  # CRLF, tabs as spaces
        tokens = [c.token for c in find_join_commands(text)]
        assert tokens == [
            "of75sb.was2mtjz1fbijd40",
            "c5y5qa.4y8c4gf3rb2jhrk6",
            "hj4dwn.y9r878dztu81u0ji",
        ]

    def test_dns_endpoint_and_four_space_continuation(self):
        commands = find_join_commands(recorded("init-join-banner-v1.18.0-sealos.txt"))
        assert [(c.endpoint, c.control_plane) for c in commands] == [
            ("apiserver.cluster.local:6443", True),
            ("apiserver.cluster.local:6443", False),
        ]
        assert commands[0].certificate_key == (
            "6a08913b76edd4901e39217a227b7accb29b2fd75908a84e5aceb73db64c1c45"
        )

    def test_misspelled_command_is_not_taken_for_a_join(self):
        # kubeadm#2740: the pasted command reads "ubeadm join ..."
        assert find_join_commands(recorded("join-failure-identity-timeout.txt")) == []

    def test_identical_commands_are_reported_once(self):
        text = recorded("init-success-v1.35.7.txt") + recorded("join-success-v1.35.7.txt")
        assert len(find_join_commands(text)) == 1


class TestFindInPastedText:
    def test_several_ca_hashes(self):
        text = (
            "kubeadm join 10.0.0.10:6443 --token abcdef.0123456789abcdef \\\n"
            f"\t--discovery-token-ca-cert-hash {HASH_A} --discovery-token-ca-cert-hash {HASH_B} "
        )
        (command,) = find_join_commands(text)
        assert command.ca_cert_hashes == [HASH_A, HASH_B]

    def test_withheld_token(self):
        text = (
            f"kubeadm join 10.0.0.10:6443 --token {WITHHELD} \\\n"
            f"\t--discovery-token-ca-cert-hash {HASH_A} "
        )
        (command,) = find_join_commands(text)
        assert command.token == WITHHELD
        assert command.ca_cert_hashes == [HASH_A]

    @pytest.mark.parametrize("placeholder", ["<redacted>", "<REDACTED>", "[REDACTED]"])
    def test_redacted_token(self, placeholder):
        text = f"kubeadm join 10.0.0.10:6443 --token {placeholder} {HASH_FLAG} {HASH_A}"
        (command,) = find_join_commands(text)
        assert command.token == placeholder
        assert "left out" in parse_pasted_join(text)

    def test_printed_only_leaves_out_a_typed_command(self):
        text = recorded("token-create-print-join-command-v1.9.txt")
        assert len(find_join_commands(text)) == 1  # the same command, typed and printed
        assert len(find_join_commands(text, printed_only=True)) == 1
        typed = recorded("join-success-v1.35.7.txt")
        assert len(find_join_commands(typed)) == 1
        assert find_join_commands(typed, printed_only=True) == []

    def test_root_prompt_crlf_and_blanks_after_the_backslash(self):
        text = (
            "root@cp:~# kubeadm join [fd00::10]:6443 --token abcdef.0123456789abcdef \\  \r\n"
            f"    --discovery-token-ca-cert-hash {HASH_A} \\\r\n"
            f"    --control-plane --certificate-key {'e' * 64}\r\n"
            "root@cp:~# "
        )
        (command,) = find_join_commands(text)
        assert command == JoinCommand(
            True, "[fd00::10]:6443", "abcdef.0123456789abcdef", [HASH_A], "e" * 64
        )

    def test_equals_form_old_flag_order_and_markdown_backticks(self):
        text = (
            "retornou o comando: `sudo kubeadm join --token=abcdef.0123456789abcdef "
            f"10.1.2.3:6443 --discovery-token-ca-cert-hash={HASH_A}`\\\n"
        )
        (command,) = find_join_commands(text)
        assert (command.endpoint, command.token, command.ca_cert_hashes) == (
            "10.1.2.3:6443",
            "abcdef.0123456789abcdef",
            [HASH_A],
        )

    def test_shell_syntax_after_the_command_is_ignored(self):
        text = f"kubeadm join k8s.lan:6443 --token {TOKEN} {HASH_FLAG} {HASH_A} && echo ok"
        (command,) = find_join_commands(text)
        assert command.argv() == [
            "kubeadm",
            "join",
            "k8s.lan:6443",
            "--token",
            "abcdef.0123456789abcdef",
            "--discovery-token-ca-cert-hash",
            HASH_A,
        ]

    @pytest.mark.parametrize(
        "text",
        [
            f"kubeadm join <control-plane-ip>:6443 --token <token> {HASH_FLAG} sha256:<hash>",
            "kubeadm join phase preflight --config join.yaml",
            "kubeadm token create --print-join-command",
        ],
    )
    def test_placeholders_and_other_commands_are_skipped(self, text):
        assert find_join_commands(text) == []


class TestParsePasted:
    def test_picks_the_command_for_the_node_kind(self):
        text = recorded("init-success-v1.28.12-control-plane-join.txt")
        control_plane = parse_pasted_join(text, control_plane=True)
        worker = parse_pasted_join(text, control_plane=False)
        assert isinstance(control_plane, JoinCommand) and control_plane.certificate_key == HA_KEY
        assert isinstance(worker, JoinCommand) and worker.certificate_key is None

    def test_asks_which_one_when_several_match(self):
        text = recorded("init-success-v1.28.12-control-plane-join.txt")
        assert parse_pasted_join(text) == (
            "The text holds 2 different join commands; paste only the one meant for this node."
        )

    def test_says_when_there_is_none(self):
        message = parse_pasted_join(recorded("join-failure-identity-timeout.txt"))
        assert message == "No `kubeadm join` command with an endpoint and a token is in the text."
        worker_only = recorded("init-success-v1.26.3.txt")
        assert "No control-plane `kubeadm join`" in parse_pasted_join(worker_only, True)

    def test_reports_a_withheld_token(self):
        text = f"kubeadm join 10.0.0.10:6443 --token {WITHHELD} {HASH_FLAG} {HASH_A}"
        message = parse_pasted_join(text)
        assert isinstance(message, str) and "kubeadm token create --print-join-command" in message

    def test_reports_a_missing_hash(self):
        text = "kubeadm join 10.0.0.10:6443 --token abcdef.0123456789abcdef"
        assert "--discovery-token-ca-cert-hash" in parse_pasted_join(text)

    def test_reports_a_truncated_hash(self):
        text = f"kubeadm join 10.0.0.10:6443 --token {TOKEN} {HASH_FLAG} sha256:abc"
        assert parse_pasted_join(text) == (
            "After 'sha256:' the CA certificate hash needs 64 hex digits, not 3."
        )


class TestJoinCommand:
    def test_argv_of_a_control_plane_join(self):
        command = JoinCommand(True, "172.31.42.243:6443", HA_TOKEN, [HA_HASH], HA_KEY)
        assert command.argv() == [
            "kubeadm",
            "join",
            "172.31.42.243:6443",
            "--token",
            HA_TOKEN,
            "--discovery-token-ca-cert-hash",
            HA_HASH,
            "--control-plane",
            "--certificate-key",
            HA_KEY,
        ]

    def test_masked_hides_token_secret_and_key_only(self):
        masked = JoinCommand(True, "172.31.42.243:6443", HA_TOKEN, [HA_HASH], HA_KEY).masked()
        assert masked.to_dict() == {
            "control_plane": True,
            "endpoint": "172.31.42.243:6443",
            "token": "zn9nc8." + "*" * 16,
            "ca_cert_hashes": [HA_HASH],
            "certificate_key": "*" * 64,
        }

    def test_masked_command_is_still_found_in_masked_text(self):
        command = JoinCommand(False, "10.0.0.1:6443", HA_TOKEN, [HA_HASH]).masked()
        assert find_join_commands(" ".join(command.argv())) == [command]


class TestValidators:
    @pytest.mark.parametrize("value", ["abcdef.0123456789abcdef", " b1eoah.svrtbhp8vxjte3in "])
    def test_valid_token(self, value):
        assert validate_token(value) is None

    @pytest.mark.parametrize(
        ("value", "expected"),
        [
            ("", "Enter the bootstrap token"),
            ("ABCDEF.0123456789ABCDEF", "lower case"),
            ("abcdef0123456789abcdef", "6 lower-case letters or digits, a dot, then 16 more"),
            ("abcdef.0123456789", "6 lower-case letters or digits, a dot, then 16 more"),
            (WITHHELD, "withheld"),
            ("<redacted>", "left out (<redacted>)"),
            ("abcdef." + "*" * 16, "masked"),
        ],
    )
    def test_invalid_token(self, value, expected):
        assert expected in validate_token(value)

    @pytest.mark.parametrize("value", [HA_HASH, "sha256:" + "AB" * 32])
    def test_valid_hash(self, value):
        assert validate_ca_cert_hash(value) is None

    @pytest.mark.parametrize(
        ("value", "expected"),
        [
            ("", "Enter the CA certificate hash: 'sha256:' followed by 64 hex digits."),
            ("9273b274" * 8, "must start with 'sha256:'"),
            ("md5:" + "a" * 32, "must start with 'sha256:'"),
            ("sha256:" + "g" * 64, "only hex digits"),
            ("sha256:" + "a" * 63, "needs 64 hex digits, not 63"),
        ],
    )
    def test_invalid_hash(self, value, expected):
        assert expected in validate_ca_cert_hash(value)

    def test_valid_certificate_key(self):
        assert validate_certificate_key(HA_KEY) is None

    @pytest.mark.parametrize(
        ("value", "expected"),
        [
            ("", "Enter the certificate key"),
            (HA_KEY[:-1], "needs 64 hex digits, not 63"),
            ("z" * 64, "only hex digits"),
            (WITHHELD, "kubeadm init phase upload-certs --upload-certs"),
            ("*" * 64, "masked"),
        ],
    )
    def test_invalid_certificate_key(self, value, expected):
        assert expected in validate_certificate_key(value)

    @pytest.mark.parametrize(
        "value",
        ["192.168.1.146:6443", "apiserver.cluster.local:6443", "[fd00::10]:6443", "k8s:443"],
    )
    def test_valid_endpoint(self, value):
        assert validate_endpoint(value) is None

    @pytest.mark.parametrize(
        ("value", "expected"),
        [
            ("", "Enter the API server endpoint as host:port"),
            ("https://10.0.0.1:6443", "Leave out the scheme"),
            ("10.0.0.1", "Add the API server port after a colon, e.g. 10.0.0.1:6443."),
            ("fd00::10:6443", "Put an IPv6 address in brackets"),
            ("[fd00::10:6443", "Close the IPv6 address with ']'"),
            ("[fd00::zz]:6443", "'fd00::zz' in brackets is not a valid IPv6 address."),
            ("300.1.1.1:6443", "'300.1.1.1' is not a valid IPv4 address."),
            ("10.0.0.1:70000", "from 1 to 65535, not '70000'"),
            ("10.0.0.1:", "from 1 to 65535, not ''"),
            ("my_host:6443", "neither an IP address nor a valid host name"),
        ],
    )
    def test_invalid_endpoint(self, value, expected):
        assert expected in validate_endpoint(value)


@pytest.mark.parametrize(("text", "reason"), [
    ("kubeadm join 192.168.56.10:99999 --token abcdef.0123456789abcdef",
     "its endpoint '192.168.56.10:99999': The port must be a number from 1 to 65535"),
    ("kubeadm join 192.168.56.10:6443 --token ABCDEF.0123 --discovery-token-ca-cert-hash x",
     "its token 'ABCDEF.0123' is not of the form abcdef.0123456789abcdef."),
    ("kubeadm join 192.168.56.10:6443", "the one there has no --token."),
    ("kubeadm join --token abcdef.0123456789abcdef", "names no endpoint (HOST:PORT)."),
])
def test_a_pasted_join_that_is_no_command_says_which_part_is_wrong(text, reason):
    assert reason in parse_pasted_join(text)

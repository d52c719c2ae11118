"""Secret masking, on recorded kubeadm output (sources in assets/kubeadm-output/README.md)."""

from __future__ import annotations

import pytest

from wizard.kubeadm.secrets import mask_certificate_key, mask_secrets, mask_token
from wizard.resources import asset

DATA = asset("kubeadm-output")
UPLOAD_CERTS_OUTPUT = (DATA / "init-success-v1.28.12-control-plane-join.txt").read_text()
TOKEN_SECRET = "yzjycysxsnu0cxze"
CERT_KEY = "c4fa3b3c313a4586481087c051808223240235bd182eac5f7d08022056c2008f"
CA_HASH = "sha256:9273b274f38a86f1a4244b8f5861846b03df185a5fae65ec7abda7c775159343"


class TestRecordedOutput:
    def test_token_secret_is_masked_everywhere_and_its_id_kept(self):
        masked = mask_secrets(UPLOAD_CERTS_OUTPUT)
        assert UPLOAD_CERTS_OUTPUT.count(TOKEN_SECRET) == 3  # "Using token:" and two joins
        assert TOKEN_SECRET not in masked
        assert masked.count("zn9nc8." + "*" * 16) == 3

    def test_certificate_key_is_masked_in_both_places(self):
        # once after "[upload-certs] Using certificate key:" (next line), once in the join command
        masked = mask_secrets(UPLOAD_CERTS_OUTPUT)
        assert UPLOAD_CERTS_OUTPUT.count(CERT_KEY) == 2
        assert CERT_KEY not in masked
        assert "--certificate-key " + "*" * 64 in masked
        assert "Using certificate key:\n" + "*" * 64 in masked

    def test_ca_hash_stays_visible(self):
        assert mask_secrets(UPLOAD_CERTS_OUTPUT).count(CA_HASH) == 2

    def test_masking_is_idempotent(self):
        once = mask_secrets(UPLOAD_CERTS_OUTPUT)
        assert mask_secrets(once) == once

    def test_only_secrets_change(self):
        masked = mask_secrets(UPLOAD_CERTS_OUTPUT)
        assert len(masked) == len(UPLOAD_CERTS_OUTPUT)
        unchanged = UPLOAD_CERTS_OUTPUT.replace(TOKEN_SECRET, "").replace(CERT_KEY, "")
        assert masked.replace("*", "") == unchanged


class TestForms:
    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            (
                "certificateKey: " + "ab" * 32,
                "certificateKey: " + "*" * 64,
            ),
            (
                'certificateKey: "' + "AB" * 32 + '"',
                'certificateKey: "' + "*" * 64 + '"',
            ),
            (
                '{"certificateKey": "' + "0f" * 32 + '"}',
                '{"certificateKey": "' + "*" * 64 + '"}',
            ),
            (
                "--control-plane --certificate-key=" + "e" * 64,
                "--control-plane --certificate-key=" + "*" * 64,
            ),
            (
                "  token: abcdef.0123456789abcdef",
                "  token: abcdef." + "*" * 16,
            ),
            (
                "kubeadm join 10.0.0.1:6443 --token=abcdef.0123456789abcdef",
                "kubeadm join 10.0.0.1:6443 --token=abcdef." + "*" * 16,
            ),
        ],
    )
    def test_masks(self, text, expected):
        assert mask_secrets(text) == expected

    @pytest.mark.parametrize(
        "text",
        [
            # the token id alone is public (kubeadm#574 / CKS join output)
            'User "system:bootstrap:b1eoah" cannot get resource "configmaps"',
            # host names that happen to contain a dot
            "kubernetes.default.svc kubernetes.default.svc.cluster.local",
            # a 64-hex value with no certificate-key keyword: a CA hash or an image digest
            "--discovery-token-ca-cert-hash " + CA_HASH,
            "registry.k8s.io/pause@sha256:" + "7" * 64,
            "--token <value withheld>",
        ],
    )
    def test_leaves_public_values(self, text):
        assert mask_secrets(text) == text


class TestSingleValues:
    def test_mask_token(self):
        assert mask_token("abcdef.0123456789abcdef") == "abcdef." + "*" * 16
        assert mask_token("<value withheld>") == "<value withheld>"

    def test_mask_certificate_key(self):
        assert mask_certificate_key(CERT_KEY) == "*" * 64
        assert mask_certificate_key("<value withheld>") == "<value withheld>"

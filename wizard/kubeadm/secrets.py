"""Masking of kubeadm secrets before text is logged, journaled or saved.

Two values in kubeadm output grant access to a cluster:

* the bootstrap token (``abcdef.0123456789abcdef``): its secret half lets anyone who can
  reach the API server join a node for 24 hours. The 6-character id before the dot is public
  (it names the ``bootstrap-token-<id>`` Secret), so it stays readable for troubleshooting;
* the certificate key (64 hex digits): it decrypts the control-plane certificates that
  ``--upload-certs`` stores in the ``kubeadm-certs`` Secret for two hours.

The CA certificate hash (``sha256:<64 hex>``) is a hash of a public key and stays visible:
an operator needs it to check they are joining the right cluster.
"""

from __future__ import annotations

import re

_TOKEN_SECRET_MASK = "*" * 16
_CERTIFICATE_KEY_MASK = "*" * 64

# A bootstrap token not glued to other word characters or dots (so not part of a host name).
_TOKEN_RE = re.compile(r"(?<![A-Za-z0-9.])([a-z0-9]{6})\.([a-z0-9]{16})(?![A-Za-z0-9.])")
_HEX64 = r"([0-9a-fA-F]{64})(?![0-9a-fA-F])"
_CERTIFICATE_KEY_RES = (
    # kubeadm join ... --certificate-key <key>   (also --certificate-key=<key>)
    re.compile(r"(--certificate-key(?:\s+|=)[\"']?)" + _HEX64),
    # certificateKey: <key> in a JoinConfiguration / InitConfiguration, YAML or JSON
    re.compile(r"(certificateKey[\"']?\s*[:=]\s*[\"']?)" + _HEX64),
    # "[upload-certs] Using certificate key:" prints the key on the next line
    re.compile(r"(Using certificate key:\s*)" + _HEX64),
)
_TOKEN_SHAPE_RE = re.compile(r"[a-z0-9]{6}\.[a-z0-9]{16}")
_HEX64_RE = re.compile(r"[0-9a-fA-F]{64}")


def mask_token(token: str) -> str:
    """Mask the secret half of a bootstrap token; return anything else unchanged."""
    if _TOKEN_SHAPE_RE.fullmatch(token):
        return f"{token[:6]}.{_TOKEN_SECRET_MASK}"
    return token


def mask_certificate_key(key: str) -> str:
    """Mask a 64-hex-digit certificate key; return anything else (``<value withheld>``) as is."""
    return _CERTIFICATE_KEY_MASK if _HEX64_RE.fullmatch(key) else key


def mask_secrets(text: str) -> str:
    """Return ``text`` with bootstrap-token secrets and certificate keys replaced by ``*``.

    Token ids and CA certificate hashes are left as they are. Masking is idempotent.
    """
    text = _TOKEN_RE.sub(lambda m: f"{m.group(1)}.{_TOKEN_SECRET_MASK}", text)
    for pattern in _CERTIFICATE_KEY_RES:
        text = pattern.sub(lambda m: m.group(1) + _CERTIFICATE_KEY_MASK, text)
    return text

"""What every requirements check shares: the screen it belongs to and the skip wording.

One wording for an unreadable file keeps the skips of all groups alike.
"""

from __future__ import annotations

from wizard.checks.base import CheckResult, Status
from wizard.host.base import Host
from wizard.kube.versions import Severity

SCREEN = "requirements"


def _status(severity: Severity) -> Status:
    """kubeadm's error stops init/join (fail); its warning does not (warn)."""
    return Status.FAIL if severity == "error" else Status.WARN


def _unreadable(host: Host, path: str) -> str:
    """The skip reason for a file that is not there, saying why when that is expected."""
    if host.kind == "root" and path.startswith(("/proc/", "/sys/")):
        return f"{path} is missing: a root directory has no running kernel to fill /proc and /sys"
    return f"{path} is missing or unreadable"


def _skip(check_id: str, reason: str, lesson: str, expected: str = "") -> CheckResult:
    return CheckResult(check_id, Status.SKIP, expected=expected, message=f"not checked: {reason}",
                       lesson=lesson)

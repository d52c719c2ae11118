"""What an image that is not running will run, read from its own package database."""

from __future__ import annotations

import json
import subprocess
import sys

from real_programs import chroot

from wizard.facts.packages import dpkg_installed
from wizard.host.base import Host


def test_the_runtime_version_of_an_image_is_what_dpkg_installed(debian_root):
    queried = chroot(debian_root, "dpkg-query", "-W", "-f", "${Version}", "containerd").stdout
    upstream = queried.split("~")[0].split("-")[0]  # 1.6.20~ds1-1+deb12u3 -> 1.6.20
    report = json.loads(subprocess.run(
        [sys.executable, "-m", "wizard", "check", "--root", str(debian_root), "--json"],
        capture_output=True, text=True, timeout=120).stdout)
    version_check = next(c for c in report["checks"] if c["id"] == "ContainerRuntimeVersion")
    assert version_check["status"] != "skip"
    assert version_check["observed"] == f"containerd {upstream} (installed, enabled at boot)"
    assert "running" not in json.dumps([c["observed"] for c in report["checks"]
                                        if c["id"] in ("CRI", "ContainerRuntimeVersion")])


def test_dpkg_status_is_read_as_dpkg_query_lists_it(debian_root):
    listed = chroot(debian_root, "dpkg-query", "-W", "-f", "${db:Status-Abbrev}\t${Package}\t"
                    "${Version}\n").stdout.splitlines()
    expected = {package: version for status, package, version
                in (line.split("\t") for line in listed) if status.strip() == "ii"}
    assert dpkg_installed(Host(debian_root)) == expected

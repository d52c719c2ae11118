"""Who the host is: name, distribution, architecture, board, and whether we may change it.

Everything is read from files under the host's root so that the same code describes the running
machine, a mounted SD-card image and a simulated host.
"""

from __future__ import annotations

import shlex
import struct
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from wizard.host.base import Host

# ELF e_machine values for the architectures Kubernetes is built for (and 32-bit ARM, which
# it no longer is: the Arch64 check needs to tell them apart).
_ELF_MACHINES = {3: "i686", 40: "armv7l", 62: "x86_64", 183: "aarch64", 21: "ppc64le",
                 22: "s390x", 243: "riscv64"}


@dataclass(frozen=True)
class HostIdentity:
    hostname: str
    os_release: dict[str, str] = field(default_factory=dict)
    kernel_architecture: str = ""
    userland_architecture: str = ""
    kernel_release: str = ""
    board_model: str = ""
    is_root: bool = False

    @property
    def distro(self) -> str:
        return self.os_release.get("PRETTY_NAME") or self.os_release.get("NAME") or "unknown Linux"

    @property
    def distro_id(self) -> str:
        return self.os_release.get("ID", "")

    @property
    def distro_family(self) -> str:
        """'debian' or 'rhel' (which package manager to plan for), or '' when unknown."""
        ids = {self.distro_id, *self.os_release.get("ID_LIKE", "").split()}
        if ids & {"debian", "ubuntu", "raspbian"}:
            return "debian"
        if ids & {"fedora", "rhel", "centos", "rocky", "almalinux"}:
            return "rhel"
        return ""

    @property
    def is_raspberry_pi(self) -> bool:
        return self.board_model.startswith("Raspberry Pi")


def parse_os_release(text: str) -> dict[str, str]:
    """os-release is shell-quoted KEY=value lines; shlex undoes the quoting."""
    values: dict[str, str] = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, raw = line.partition("=")
        try:
            parts = shlex.split(raw)
        except ValueError:
            parts = [raw.strip("\"'")]
        values[key.strip()] = parts[0] if parts else ""
    return values


def elf_architecture(header: bytes) -> str:
    """The architecture an ELF binary was built for ('' when it is not ELF)."""
    if len(header) < 20 or header[:4] != b"\x7fELF":
        return ""
    endian = "<" if header[5] == 1 else ">"
    (machine,) = struct.unpack_from(endian + "H", header, 18)
    return _ELF_MACHINES.get(machine, f"elf-{machine}")


def read_identity(host: Host, *, kernel_architecture: str, is_root: bool) -> HostIdentity:
    """Collect the identity from the host's files; missing files give empty values."""
    hostname = (host.read_optional("/etc/hostname") or "").strip() or (
        host.read_optional("/proc/sys/kernel/hostname") or ""
    ).strip()
    os_release = parse_os_release(
        host.read_optional("/etc/os-release") or host.read_optional("/usr/lib/os-release") or ""
    )
    model = (host.read_optional("/proc/device-tree/model") or "").rstrip("\x00\n")
    userland = ""
    for binary in ("/usr/bin/env", "/bin/sh", "/usr/bin/dpkg"):
        header = host.read_bytes_optional(binary, limit=64)
        if header:
            userland = elf_architecture(header)
            if userland:
                break
    return HostIdentity(
        hostname=hostname or "localhost",
        os_release=os_release,
        kernel_architecture=kernel_architecture,
        userland_architecture=userland or kernel_architecture,
        kernel_release=(host.read_optional("/proc/sys/kernel/osrelease") or "").strip(),
        board_model=model,
        is_root=is_root,
    )

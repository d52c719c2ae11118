"""Installing the programs kubeadm's FileExisting-<tool> checks look for.

kubeadm only says "X not found in system path"; the operator has to know which package of
their distribution ships X. This module holds that mapping and builds one install step.
"""

from __future__ import annotations

import shlex
from collections.abc import Iterable

from wizard.host.base import Host
from wizard.i18n import _
from wizard.steps.step import RunCommand, Step

INSTALLERS = {
    "debian": ("apt-get", "install", "-y"),
    "rhel": ("dnf", "install", "-y"),
}
"""The install command of each distro family (wizard.host.identity.HostIdentity.distro_family)."""

TOOL_PACKAGES: dict[str, dict[str, str]] = {
    "conntrack": {"debian": "conntrack", "rhel": "conntrack-tools"},
    "crictl": {"debian": "cri-tools", "rhel": "cri-tools"},
    "cp": {"debian": "coreutils", "rhel": "coreutils"},
    "ebtables": {"debian": "ebtables", "rhel": "ebtables"},
    "ethtool": {"debian": "ethtool", "rhel": "ethtool"},
    "ip": {"debian": "iproute2", "rhel": "iproute"},
    "iptables": {"debian": "iptables", "rhel": "iptables"},
    "losetup": {"debian": "mount", "rhel": "util-linux"},
    "mount": {"debian": "mount", "rhel": "util-linux"},
    "nsenter": {"debian": "util-linux", "rhel": "util-linux"},
    "socat": {"debian": "socat", "rhel": "socat"},
    "tc": {"debian": "iproute2", "rhel": "iproute-tc"},
    "touch": {"debian": "coreutils", "rhel": "coreutils"},
}
"""Which package ships each tool. crictl's cri-tools comes from the pkgs.k8s.io repository."""


def package_for(tool: str, family: str) -> str:
    """The package that puts `tool` on PATH in this distro family (the tool's name if unknown)."""
    return TOOL_PACKAGES.get(tool, {}).get(family, tool)


def install_tools_step(host: Host, tools: Iterable[str]) -> Step | None:
    """One step installing the packages for every missing tool, or None for an unknown distro."""
    family = host.identity.distro_family
    installer = INSTALLERS.get(family)
    tools = sorted(tools)
    if installer is None or not tools:
        return None
    packages = tuple(dict.fromkeys(package_for(tool, family) for tool in tools))
    repository = (" " + _("cri-tools comes from the Kubernetes package repository "
                          "(pkgs.k8s.io), which must be set up first.")
                  if "crictl" in tools else "")
    return Step(
        id="install-tools",
        title=f"Install {', '.join(packages)}",
        why=_("kubeadm's preflight looks for {tools} in PATH (FileExisting-<tool>); kubeadm, "
              "the kubelet or kube-proxy run them while setting up the node.").format(
                  tools=", ".join(tools)) + repository,
        actions=(RunCommand(installer + packages, runtime_only=False),),
        verify="; ".join(f"command -v {shlex.quote(tool)}" for tool in tools),
        undo=f"sudo {installer[0]} remove {' '.join(packages)}  (only if nothing else needs them)",
        done_when=lambda h: all(h.which(tool) for tool in tools),
        fixes=", ".join(f"FileExisting-{tool}" for tool in tools),
    )

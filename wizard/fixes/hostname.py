"""Host names: what Kubernetes accepts as a node name, and the steps that set or resolve one.

The node registers under its host name unless told otherwise, and a Node's name must be a
DNS-1123 subdomain: lower case letters, digits, '-' and '.', at most 253 characters.
"""

from __future__ import annotations

import re

from wizard.host.base import Host
from wizard.i18n import N_, _
from wizard.steps.step import FileWrite, RunCommand, Step

HOSTS = "/etc/hosts"
HOSTNAME_FILE = "/etc/hostname"
LOOPBACK_NAME_ADDRESS = "127.0.1.1"
"""Debian's convention: the machine's own name resolves through this /etc/hosts line."""

_LABEL = r"[a-z0-9](?:[-a-z0-9]*[a-z0-9])?"
_SUBDOMAIN = re.compile(rf"{_LABEL}(?:\.{_LABEL})*")
MAX_LENGTH = 253
MAX_LABEL = 63


def hostname_problem(name: str) -> str | None:
    """Why `name` cannot be a node name, or None when it is a valid DNS-1123 subdomain."""
    if not name:
        return "the name is empty"
    if len(name) > MAX_LENGTH:
        return f"it is {len(name)} characters long (at most {MAX_LENGTH})"
    if name != name.lower():
        return "it contains upper-case letters"
    if not _SUBDOMAIN.fullmatch(name):
        return ("it may only contain a-z, 0-9, '-' and '.', and each dot-separated part must "
                "start and end with a letter or digit")
    return None


def suggest_hostname(name: str) -> str:
    """A valid name close to `name`: lower-cased, other characters turned into '-'."""
    cleaned = re.sub(r"[^a-z0-9.-]", "-", name.lower())
    labels = [re.sub(r"-+", "-", label).strip("-")[:MAX_LABEL].strip("-")
              for label in cleaned.split(".")]
    suggestion = ".".join(label for label in labels if label)[:MAX_LENGTH].strip(".-")
    return suggestion or "node"


def _host_lines(hosts_text: str) -> list[list[str]]:
    """The fields of each /etc/hosts entry, comments removed."""
    return [fields for line in hosts_text.splitlines()
            if (fields := line.split("#", 1)[0].split())]


def hosts_addresses(hosts_text: str, name: str) -> list[str]:
    """The addresses /etc/hosts gives `name`, in file order."""
    wanted = name.lower()
    return [fields[0] for fields in _host_lines(hosts_text)
            if wanted in (alias.lower() for alias in fields[1:])]


def in_hosts_file(hosts_text: str, name: str) -> bool:
    """Whether an /etc/hosts entry maps `name` (host names compare case-insensitively)."""
    wanted = name.lower()
    return any(wanted in (alias.lower() for alias in fields[1:])
               for fields in _host_lines(hosts_text))


def hosts_with_name(hosts_text: str, name: str) -> str:
    """/etc/hosts with the 127.0.1.1 entry naming `name`; every other line kept as it was."""
    entry = f"{LOOPBACK_NAME_ADDRESS}\t{name}"
    lines = hosts_text.splitlines(keepends=True)
    for index, line in enumerate(lines):
        fields = line.split("#", 1)[0].split()
        if fields and fields[0] == LOOPBACK_NAME_ADDRESS:
            lines[index] = entry + line[len(line.rstrip("\r\n")):]
            return "".join(lines)
    separator = "" if not hosts_text or hosts_text.endswith("\n") else "\n"
    return hosts_text + separator + entry + "\n"


def hosts_entry_step(host: Host, name: str) -> Step:
    """Make `name` resolve locally through /etc/hosts, as kubeadm's Hostname check wants."""
    return Step(
        id="hostname-hosts",
        title=f"Map {name} to {LOOPBACK_NAME_ADDRESS} in /etc/hosts",
        why=(N_("kubeadm's Hostname check looks the node name up; an /etc/hosts entry answers "
             "without depending on DNS.")),
        actions=(FileWrite(HOSTS, hosts_with_name(host.read_optional(HOSTS) or "", name)),),
        verify=f"getent hosts {name}",
        fixes="Hostname",
    )


def set_hostname_step(host: Host, current: str, new: str) -> Step:
    """Rename the host to the valid `new`: /etc/hostname, /etc/hosts, and the running name."""
    return Step(
        id="hostname-set",
        title=f"Rename the host from {current} to {new}",
        why=_("The node registers under its host name, and Kubernetes accepts only DNS-1123 "
              "names; {current} is not one. (Alternatively keep the host name and choose a "
              "valid node name for kubeadm.)").format(current=repr(current)),
        actions=(
            FileWrite(HOSTNAME_FILE, new + "\n"),
            FileWrite(HOSTS, hosts_with_name(host.read_optional(HOSTS) or "", new)),
            # Runtime only: the files above already carry the name to the next boot.
            RunCommand(("hostnamectl", "set-hostname", new),
                       undo_argv=("hostnamectl", "set-hostname", current)),
        ),
        verify=f"hostname  prints {new}",
        undo=f"sudo hostnamectl set-hostname {current}; kubeadm-wizard undo restores the files",
        done_when=lambda h: (h.read_optional("/proc/sys/kernel/hostname") or new).strip() == new,
        fixes="Hostname",
    )

"""Package-manager commands as actions that undo can reverse, or say why it leaves them.

`apt-get install` on a host that already had some of the packages must not remove those on
undo, so the undo is decided when the plan is made, from the package database: it removes
exactly the packages that were missing. Other commands of a package plan (refreshing the
lists, holding versions, enabling the kubelet) get their reverse, or the reason they have none.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from wizard.facts.packages import DPKG_STATUS, dpkg_installed
from wizard.host.base import Host
from wizard.steps.step import RunCommand

LISTS_ONLY = "it only refreshes the package manager's lists"
DIRECTORY_KEPT = "the directory stays; Debian 12 and Ubuntu 22.04 have it by default"
ALREADY_THERE = "every package it names was installed before, so undo leaves them"
DATABASE_UNREADABLE = ("the package database could not be read, so which of these the wizard "
                       "installed is not known; remove them by hand if nothing else needs them")

_REVERSE_PAIRS = (
    (("apt-mark", "hold"), ("apt-mark", "unhold")),
    (("apt-mark", "unhold"), ("apt-mark", "hold")),
    (("dnf", "versionlock", "add"), ("dnf", "versionlock", "delete")),
    (("dnf", "versionlock", "delete"), ("dnf", "versionlock", "add")),
    (("systemctl", "enable", "--now"), ("systemctl", "disable", "--now")),
)
"""Commands whose reverse is the same words with the verb swapped."""


def package_action(host: Host, argv: Sequence[str], *, kept_because: str = "") -> RunCommand:
    """The action for one command of a package plan, with its undo or the reason it has none."""
    words = tuple(argv)
    if _is_install(words):
        return install_action(host, words)
    if words[:2] in (("apt-get", "update"), ("dnf", "makecache")):
        return RunCommand(words, runtime_only=False, kept_because=LISTS_ONLY)
    if words[:2] == ("mkdir", "-p"):
        return RunCommand(words, runtime_only=False, kept_because=DIRECTORY_KEPT)
    for verb, reverse in _REVERSE_PAIRS:
        if words[:len(verb)] == verb:
            return RunCommand(words, undo_argv=reverse + words[len(verb):], runtime_only=False)
    return RunCommand(words, runtime_only=False, kept_because=kept_because)


def install_action(host: Host, argv: Sequence[str]) -> RunCommand:
    """`apt-get|dnf [options] install -y PKG...`, undone by removing the ones missing now."""
    words = tuple(argv)
    manager = words[0]
    names = [_package_name(manager, w) for w in words[words.index("install") + 1:]
             if not w.startswith("-")]
    missing = missing_packages(host, manager, names)
    if missing is None:
        return RunCommand(words, runtime_only=False, kept_because=DATABASE_UNREADABLE)
    if not missing:
        return RunCommand(words, runtime_only=False, kept_because=ALREADY_THERE)
    return RunCommand(words, undo_argv=(manager, "remove", "-y", *missing), runtime_only=False)


def missing_packages(host: Host, manager: str, names: Sequence[str]) -> list[str] | None:
    """Which of `names` the package database does not list; None when it cannot be read.

    dpkg's status file is read directly (it works on an offline image too); RPM's database
    is only asked through `rpm -q`, which needs a system that runs.
    """
    if manager == "apt-get":
        if not host.exists(DPKG_STATUS):
            return None
        installed = dpkg_installed(host)
        return [name for name in names if name not in installed]
    result = host.run(["rpm", "-q", *names])
    if not result.ran:
        return None
    absent = {m.group(1) for m in re.finditer(r"^package (\S+) is not installed$",
                                              result.stdout, re.MULTILINE)}
    return [name for name in names if name in absent]


def _is_install(words: tuple[str, ...]) -> bool:
    return words[:1] in (("apt-get",), ("dnf",)) and "install" in words


def _package_name(manager: str, word: str) -> str:
    """kubelet from apt's `kubelet=1.36.1-*` or dnf's `kubelet-1.36.1-*`."""
    if manager == "apt-get":
        return word.split("=", 1)[0]
    return re.sub(r"-\d[^-]*(-[^-]*)?$", "", word)

"""Which .network file systemd-networkd applies to a link: the first one, in file-name order,
whose [Match] section the link satisfies (systemd.network(5)).

The rules are networkd's own (src/shared/net-condition.c): a list key holds shell globs; a
word starting with "!" (or every word of a line starting with "!") is a negative rule, and a
link matches when no negative rule matches it and, if there are positive rules, one of them
does. Repeated keys accumulate; an empty assignment resets the list. A [Match] with no keys
matches every link. Keys the wizard cannot evaluate for this link (a udev property, the
virtualisation, a device path) give `Unknown`, so the caller can say so instead of guessing.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import TYPE_CHECKING

from wizard.network.managers.base import is_content

if TYPE_CHECKING:
    from wizard.host.base import Host
    from wizard.host.network import Link

NETWORKD_DIRS = ("/etc/systemd/network", "/run/systemd/network", "/usr/local/lib/systemd/network",
                 "/usr/lib/systemd/network", "/lib/systemd/network")
"""Where networkd looks, highest priority first: a name in /etc hides the same name below."""

_GLOB_KEYS = ("Name", "Type", "Kind", "Driver", "Host")
_MAC_KEYS = ("MACAddress",)

_TYPE_OF_KIND = {"physical": "ether", "virtual": "ether", "veth": "ether", "dummy": "ether",
                 "macvlan": "ether", "vxlan": "ether", "wireless": "wlan",
                 "loopback": "loopback", "bridge": "bridge", "vlan": "vlan", "bond": "bond",
                 "wireguard": "wireguard"}
"""Our link kinds as networkd's Type= words (udev's DEVTYPE, else the ARPHRD name)."""

_NO_NETLINK_KIND = frozenset({"physical", "wireless", "loopback", "virtual"})


@dataclass(frozen=True)
class Unknown:
    """The file might match; `key` cannot be decided here."""

    key: str
    value: str


def match_section(text: str) -> dict[str, list[str]]:
    """Every [Match] key with its words, repeated keys and sections accumulated in order."""
    found: dict[str, list[str]] = {}
    section = ""
    for line in _logical_lines(text):
        stripped = line.strip()
        if stripped.startswith("[") and stripped.endswith("]"):
            section = stripped[1:-1]
            continue
        key, sep, value = stripped.partition("=")
        if section != "Match" or not sep:
            continue
        key, value = key.strip(), value.strip()
        if not value:
            found[key] = []  # an empty assignment resets the list
            continue
        words = value.split()
        if value.startswith("!"):
            words = ["!" + word.lstrip("!") for word in words]
        found.setdefault(key, []).extend(words)
    return found


def link_matches(host: Host, match: dict[str, list[str]], dev: str,
                 link: Link | None) -> bool | Unknown:
    """Whether networkd would apply a file with this [Match] to `dev`: False as soon as one
    key the wizard can evaluate rules the link out, Unknown when only an undecidable key is
    left (packaged files such as 80-container-host0.network are ruled out by Name=)."""
    undecided: Unknown | None = None
    for key, words in match.items():
        if not words:
            continue
        verdict = _key_matches(host, key, words, dev, link)
        if verdict is False:
            return False
        if isinstance(verdict, Unknown):
            undecided = undecided or verdict
    return undecided or True


def _key_matches(host: Host, key: str, words: list[str], dev: str,
                 link: Link | None) -> bool | Unknown:
    if key in _MAC_KEYS:
        if link is None or not link.mac:
            return Unknown(key, " ".join(words))
        return link.mac.lower() in {word.lower() for word in words}
    if key not in _GLOB_KEYS:
        return Unknown(key, " ".join(words))
    value = _link_value(host, key, dev, link)
    if isinstance(value, Unknown):
        return Unknown(key, " ".join(words))
    return _test_globs(words, value)


def _link_value(host: Host, key: str, dev: str, link: Link | None) -> str | None | Unknown:
    if key == "Name":
        return dev
    if key == "Host":
        return host.identity.hostname
    if key == "Type":
        kind = link.kind if link is not None else _kind_from_name(dev)
        return _TYPE_OF_KIND.get(kind) or Unknown(key, kind)
    if link is None:
        return Unknown(key, "")
    if key == "Kind":
        return None if link.kind in _NO_NETLINK_KIND else link.kind
    driver = host.link_target(f"/sys/class/net/{dev}/device/driver")
    return PurePosixPath(driver).name if driver else Unknown(key, "")


def _kind_from_name(dev: str) -> str:
    """The kind that udev's naming scheme implies, for an interface not present here (an
    image): eth*/en* are Ethernet, wl* wireless, lo the loopback; anything else unknown."""
    if dev == "lo":
        return "loopback"
    if dev.startswith(("eth", "en")):
        return "physical"
    return "wireless" if dev.startswith("wl") else ""


def _test_globs(patterns: list[str], value: str | None) -> bool:
    matched, has_positive = False, False
    for pattern in patterns:
        negative = pattern.startswith("!")
        pattern = pattern.lstrip("!")
        has_positive = has_positive or not negative
        if value is not None and fnmatch.fnmatchcase(value, pattern):
            if negative:
                return False
            matched = True
    return matched if has_positive else True


def _logical_lines(text: str) -> list[str]:
    """Lines with comments dropped and trailing-backslash continuations joined."""
    lines: list[str] = []
    pending = ""
    for raw in text.splitlines():
        if not pending and (not is_content(raw) or raw.lstrip().startswith(";")):
            continue
        if raw.endswith("\\"):
            pending += raw[:-1] + " "
            continue
        lines.append(pending + raw)
        pending = ""
    if pending:
        lines.append(pending)
    return lines


def network_files(host: Host) -> dict[str, str]:
    """file name -> the path networkd reads it from (a higher directory hides a lower one)."""
    by_name: dict[str, str] = {}
    for directory in reversed(NETWORKD_DIRS):
        for path in host.glob(directory, "*.network"):
            by_name[path.rsplit("/", 1)[1]] = path
    return dict(sorted(by_name.items()))


def drop_ins(host: Host, name: str) -> list[str]:
    """The drop-ins of `name` in the order networkd applies them (by file name)."""
    by_name: dict[str, str] = {}
    for directory in reversed(NETWORKD_DIRS):
        for path in host.glob(f"{directory}/{name}.d", "*.conf"):
            by_name[path.rsplit("/", 1)[1]] = path
    return [by_name[key] for key in sorted(by_name)]

"""Who brings an interface up at boot, and how that program's file spells a static route.

Why: a route added through netlink is gone at the next reboot (and systemd-networkd drops
routes it did not configure whenever it reconfigures the link). To keep it, the route has to
go into the configuration of whatever manages that interface: netplan, ifupdown,
NetworkManager, systemd-networkd or dhcpcd. Which one is decided from the files under the
host's root, so it works on a mounted SD-card image too.

Every edit is a careful text edit, never a parse-and-rewrite: comments, order, quoting and
indentation stay as the operator left them, adding a route and deleting it again gives the
file back byte for byte, and deleting removes exactly the lines an add would write. Netplan
edits are checked by parsing the result: it must equal the old YAML plus (or minus) the route.
"""

from __future__ import annotations

import fnmatch
import ipaddress
import re
import shlex
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

import yaml

from wizard.network.rtnetlink.constants import RT_TABLE_MAIN

if TYPE_CHECKING:
    from wizard.host.base import Host
    from wizard.host.network import Link
    from wizard.network.route_spec import RouteSpec


class PersistError(Exception):
    """The route cannot be written to the interface's configuration; says what to do instead."""


@dataclass(frozen=True)
class Manager:
    """One program's configuration of one interface, and how to add or remove a route in it."""

    kind: ClassVar[str] = ""
    path: str
    dev: str

    @property
    def label(self) -> str:
        return f"{self.kind} ({self.path})"

    @property
    def why(self) -> str:
        return f"{self.kind} configures {self.dev} at boot and puts this route back each time."

    def edit(self, text: str | None, spec: RouteSpec, op: str) -> str:
        """The file's new text with the route added (op "add") or removed (op "del")."""
        raise NotImplementedError

    def commands(self, spec: RouteSpec, op: str) -> tuple[str, ...]:
        """What a person would type for the same persistent change (empty: edit the file)."""
        return ()

    def reload_argv(self, host: Host) -> tuple[str, ...] | None:
        """A command that makes the running manager re-read the file without touching links."""
        return None


def _lines_without(text: str, lines: list[str], what: str, path: str) -> str:
    """`text` without the first run of exactly these lines; PersistError when they are absent."""
    have = text.splitlines(keepends=True)
    for start in range(len(have) - len(lines) + 1):
        if have[start:start + len(lines)] == lines:
            return "".join(have[:start] + have[start + len(lines):])
    raise PersistError(f"{path} has no {what} written the way the wizard writes it; remove it "
                       "there by hand.")


def _with_newline(text: str) -> str:
    return text if not text or text.endswith("\n") else text + "\n"


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" \t"))


def _is_content(line: str) -> bool:
    stripped = line.strip()
    return bool(stripped) and not stripped.startswith("#")


# ------------------------------------------------------------------------- netplan
_KEY = re.compile(r"""^\s*(?:"(?P<dq>[^"]*)"|'(?P<sq>[^']*)'|(?P<plain>[^\s#'"-][^:#]*?))"""
                  r"""\s*:(?:\s+(?P<rest>.*?))?\s*$""")
NETPLAN_SECTIONS = ("ethernets", "wifis", "bonds", "bridges", "vlans", "vrfs", "tunnels",
                    "modems", "dummy-devices", "virtual-ethernets")


@dataclass(frozen=True)
class _Block:
    """A block-style mapping key in a YAML text: its line, one past its block, its indent."""

    start: int
    end: int
    indent: int
    inline: bool  # the value is on the key's own line (flow style or a scalar)


@dataclass(frozen=True)
class Netplan(Manager):
    """An interface defined under network.<section>.<key> in a netplan YAML file."""

    kind: ClassVar[str] = "netplan"
    section: str = "ethernets"
    key: str = ""

    @property
    def label(self) -> str:
        return f"netplan ({self.path}, {self.section}.{self.key})"

    @property
    def why(self) -> str:
        return (f"netplan generates the configuration of {self.dev} at every boot from "
                f"{self.path}, whose routes are listed under {self.section}.{self.key}.routes.")

    @staticmethod
    def item(spec: RouteSpec) -> dict[str, str | int]:
        item: dict[str, str | int] = {"to": "default" if spec.dst == "default" else spec.prefix}
        if spec.gateway:
            item["via"] = spec.gateway
        if spec.metric is not None:
            item["metric"] = spec.metric
        if spec.table_id != RT_TABLE_MAIN:
            item["table"] = spec.table_id
        return item

    def edit(self, text: str | None, spec: RouteSpec, op: str) -> str:
        if text is None or not self.path.startswith("/etc/"):
            raise PersistError(f"{self.key} is defined in {self.path}, which the wizard does not "
                               "edit (only /etc/netplan is the administrator's); add the route "
                               "there by hand.")
        lines = _with_newline(text).splitlines(keepends=True)
        iface = _find_block(lines, ("network", self.section, self.key))
        routes = _find_block(lines, ("network", self.section, self.key, "routes"))
        if iface is None or iface.inline or (routes is not None and routes.inline):
            raise PersistError(f"{self.path} writes {self.section}.{self.key} in flow style; "
                               "add the route there by hand.")
        item = self.item(spec)
        new_lines = (self._add(lines, iface, routes, item) if op == "add"
                     else self._delete(lines, routes, item))
        new_text = "".join(new_lines)
        if yaml.safe_load(new_text) != self._expected(text, item, op):
            raise PersistError(f"{self.path} is laid out in a way the wizard cannot edit "
                               "safely; add the route there by hand.")
        return new_text

    def _expected(self, text: str, item: dict[str, str | int], op: str) -> object:
        """The old YAML's data with the route appended to (or removed from) the routes."""
        data = yaml.safe_load(text)
        entries = data["network"][self.section]
        node = entries[self.key] or {}
        routes = list(node.get("routes") or [])
        if op == "add":
            routes.append(item)
        else:
            routes.remove(next(r for r in routes if _same_item(r, item)))
        node.pop("routes", None)
        node.update({"routes": routes} if routes else {})
        entries[self.key] = node or None
        return data

    def _add(self, lines: list[str], iface: _Block, routes: _Block | None,
             item: dict[str, str | int]) -> list[str]:
        if routes is not None:
            dashes = [_indent(line) for line in lines[routes.start + 1:routes.end]
                      if line.lstrip().startswith("- ")]
            dash = dashes[0] if dashes else routes.indent + 2
            return lines[:routes.end] + _item_lines(item, dash) + lines[routes.end:]
        children = [_indent(line) for line in lines[iface.start + 1:iface.end]
                    if _is_content(line)]
        child = children[0] if children else iface.indent + 2
        dash = child + _sequence_offset(lines, child - iface.indent)
        block = [" " * child + "routes:\n", *_item_lines(item, dash)]
        return lines[:iface.end] + block + lines[iface.end:]

    def _delete(self, lines: list[str], routes: _Block | None,
                item: dict[str, str | int]) -> list[str]:
        items = [] if routes is None else [
            index for index in range(routes.start + 1, routes.end)
            if lines[index].lstrip().startswith("- ")]
        for position, first in enumerate(items):
            last = items[position + 1] if position + 1 < len(items) else routes.end
            parsed = yaml.safe_load("".join(line[_indent(lines[first]):]
                                            for line in lines[first:last]))
            if isinstance(parsed, list) and parsed and _same_item(parsed[0], item):
                if len(items) == 1:
                    return lines[:routes.start] + lines[routes.end:]
                return lines[:first] + lines[last:]
        raise PersistError(f"{self.path} has no route to {item['to']} under {self.key}; "
                           "remove it there by hand.")


def _find_block(lines: list[str], path: tuple[str, ...]) -> _Block | None:
    """The block of a nested mapping key, following `path` from the top of the document."""
    block = _Block(-1, len(lines), -1, False)
    for name in path:
        if block.inline:
            return None
        child_indent = None
        found = None
        for index in range(block.start + 1, block.end):
            line = lines[index]
            if not _is_content(line) or line.startswith(("---", "...")):
                continue
            child_indent = _indent(line) if child_indent is None else child_indent
            match = _KEY.match(line)
            if match and _indent(line) == child_indent and name == next(
                    g for g in (match["dq"], match["sq"], match["plain"]) if g is not None):
                found = (index, match)
                break
        if found is None:
            return None
        index, match = found
        rest = (match["rest"] or "").strip()
        indent = _indent(lines[index])
        block = _Block(index, _block_end(lines, index, indent), indent,
                       bool(rest) and not rest.startswith("#"))
    return block


def _block_end(lines: list[str], start: int, indent: int) -> int:
    """One past the last content line belonging to the key at `start`.

    A "- " item at the key's own indent still belongs to it (an indentless sequence).
    """
    last = start
    for index in range(start + 1, len(lines)):
        line = lines[index]
        if not _is_content(line):
            continue
        if _indent(line) < indent or (_indent(line) == indent
                                      and not line.lstrip().startswith("- ")):
            break
        last = index
    return last + 1


def _item_lines(item: dict[str, str | int], dash: int) -> list[str]:
    """A route item as block YAML; addresses with ":" (IPv6) are quoted."""
    lines = []
    for number, (key, value) in enumerate(item.items()):
        text = f'"{value}"' if ":" in str(value) else str(value)
        lead = " " * dash + ("- " if number == 0 else "  ")
        lines.append(f"{lead}{key}: {text}\n")
    return lines


def _sequence_offset(lines: list[str], default: int) -> int:
    """How far this file indents a "- " item past its key (0 or the mapping step, usually)."""
    for index, line in enumerate(lines[:-1]):
        following = lines[index + 1]
        if line.rstrip().endswith(":") and following.lstrip().startswith("- "):
            return _indent(following) - _indent(line)
    return default


def _same_item(found: object, item: dict[str, str | int]) -> bool:
    """Whether a netplan route item is this route (to/via/metric/table compared as values)."""
    if not isinstance(found, dict):
        return False
    keys = ("to", "via", "metric", "table")
    return all(_normal(found.get(key)) == _normal(item.get(key)) for key in keys)


def _normal(value: object) -> str | None:
    if value is None:
        return None
    text = str(value)
    if text in ("default", "0.0.0.0/0", "::/0"):
        return "default"
    try:
        return str(ipaddress.ip_network(text, strict=False)) if "/" in text else str(
            ipaddress.ip_address(text))
    except ValueError:
        return text


def _netplan_for(host: Host, dev: str, link: Link | None) -> Netplan | None:
    found = None
    for path in _netplan_files(host):
        try:
            data = yaml.safe_load(host.read_optional(path) or "") or {}
        except yaml.YAMLError:
            continue
        network = data.get("network") if isinstance(data, dict) else None
        for section in NETPLAN_SECTIONS:
            entries = (network or {}).get(section) if isinstance(network, dict) else None
            for key, value in (entries or {}).items() if isinstance(entries, dict) else ():
                if _netplan_matches(str(key), value, dev, link):
                    found = Netplan(path, dev, section=section, key=str(key))
    return found  # the last file wins, as netplan reads them in order


def _netplan_files(host: Host) -> list[str]:
    by_name: dict[str, str] = {}
    for directory in ("/lib/netplan", "/etc/netplan", "/run/netplan"):
        for path in host.glob(directory, "*.yaml"):
            by_name[path.rsplit("/", 1)[1]] = path  # /etc shadows /lib, /run shadows /etc
    return [by_name[name] for name in sorted(by_name)]


def _netplan_matches(key: str, value: object, dev: str, link: Link | None) -> bool:
    if not isinstance(value, dict):
        return key == dev
    if value.get("set-name"):
        return value["set-name"] == dev
    match = value.get("match")
    if isinstance(match, dict):
        name, mac = match.get("name"), match.get("macaddress")
        if name and not fnmatch.fnmatchcase(dev, str(name)):
            return False
        if mac and (link is None or link.mac.lower() != str(mac).lower()):
            return False
        return bool(name or mac)
    return key == dev


# ------------------------------------------------------------------------ ifupdown
_STANZA = re.compile(r"^\s*(iface|auto|allow-\S+|mapping|source|source-directory|"
                     r"no-auto-down|no-scripts)\b")


@dataclass(frozen=True)
class Ifupdown(Manager):
    """An `iface DEV inet|inet6 ...` stanza: `up`/`down` lines run `ip route` with the link."""

    kind: ClassVar[str] = "ifupdown"
    stanza: str = ""

    @property
    def label(self) -> str:
        return f"ifupdown ({self.path}, {self.stanza.strip()})"

    @property
    def why(self) -> str:
        return (f"ifupdown brings {self.dev} up at boot from {self.path}, where an `up` line "
                "adds a route each time and a `down` line removes it with the link.")

    @staticmethod
    def route_lines(spec: RouteSpec, indent: str) -> list[str]:
        add, delete = spec.change("add").shell_text, spec.change("del").shell_text
        return [f"{indent}up {add}\n", f"{indent}down {delete}\n"]

    def edit(self, text: str | None, spec: RouteSpec, op: str) -> str:
        lines = _with_newline(text or "").splitlines(keepends=True)
        start = next((i for i, line in enumerate(lines) if line.strip() == self.stanza.strip()),
                     None)
        if start is None:
            raise PersistError(f"{self.path} no longer has the stanza {self.stanza.strip()!r}.")
        end = start + 1
        last = start
        while end < len(lines) and not _STANZA.match(lines[end]):
            if _is_content(lines[end]):
                last = end
            end += 1
        options = [line for line in lines[start + 1:last + 1] if _is_content(line)]
        indent = options[0][:_indent(options[0])] if options else "    "
        new = self.route_lines(spec, indent)
        if op == "add":
            return "".join(lines[:last + 1] + new + lines[last + 1:])
        stanza_text = "".join(lines[start:end])
        return "".join(lines[:start]) + _lines_without(
            stanza_text, new, f"up/down lines for {spec.describe()}", self.path) + "".join(
            lines[end:])


def _ifupdown_for(host: Host, dev: str, family: int) -> Ifupdown | None:
    wanted = "inet" if family == 4 else "inet6"
    fallback = None
    for path in _interfaces_files(host):
        for line in (host.read_optional(path) or "").splitlines():
            words = line.split()
            if len(words) >= 4 and words[0] == "iface" and words[1] == dev:
                if words[3] == "manual":
                    continue  # another program (dhcpcd, NetworkManager) configures it
                if words[2] == wanted:
                    return Ifupdown(path, dev, stanza=line)
                fallback = fallback or Ifupdown(path, dev, stanza=line)
    return fallback


def _interfaces_files(host: Host) -> list[str]:
    main = "/etc/network/interfaces"
    found = [main]
    for line in (host.read_optional(main) or "").splitlines():
        words = line.split()
        if len(words) == 2 and words[0] in ("source", "source-directory"):
            directory, _, pattern = words[1].rpartition("/") if words[0] == "source" else (
                words[1], "", "*")
            found += [p for p in host.glob(directory or "/", pattern or "*")
                      if not host.is_dir(p)]
    return found


# ------------------------------------------------------------------ NetworkManager
_NM_DIR = "/etc/NetworkManager/system-connections"
_NM_TYPES = {"wireless": ("wifi", "802-11-wireless"), "physical": ("ethernet", "802-3-ethernet")}


def _ini_sections(lines: list[str]) -> dict[str, tuple[int, int]]:
    """section name -> (header line, one past its last line)."""
    headers = [(i, line.strip()[1:-1]) for i, line in enumerate(lines)
               if line.strip().startswith("[") and line.strip().endswith("]")]
    bounds = {}
    for number, (index, name) in enumerate(headers):
        end = headers[number + 1][0] if number + 1 < len(headers) else len(lines)
        bounds.setdefault(name, (index, end))
    return bounds


def _ini_values(text: str, section: str) -> dict[str, str]:
    lines = text.splitlines()
    start, end = _ini_sections(lines).get(section, (0, 0))
    values = {}
    for line in lines[start + 1:end]:
        key, sep, value = line.partition("=")
        if sep and _is_content(line):
            values.setdefault(key.strip(), value.strip())
    return values


def _insert_in_section(text: str, section: str, new: list[str]) -> str:
    """Lines appended after a section's last key (before its trailing blank lines)."""
    lines = _with_newline(text).splitlines(keepends=True)
    bounds = _ini_sections(lines)
    if section not in bounds:
        gap = ["\n"] if lines and lines[-1].strip() else []
        return "".join(lines + gap + [f"[{section}]\n", *new])
    start, end = bounds[section]
    last = max([i for i in range(start, end) if _is_content(lines[i])], default=start)
    return "".join(lines[:last + 1] + new + lines[last + 1:])


@dataclass(frozen=True)
class NetworkManager(Manager):
    """A keyfile connection profile: routeN=dst[,gateway[,metric]] in [ipv4] or [ipv6]."""

    kind: ClassVar[str] = "NetworkManager"
    connection: str = ""

    @property
    def label(self) -> str:
        return f"NetworkManager (connection {self.connection!r}, {self.path})"

    @property
    def why(self) -> str:
        return (f"NetworkManager brings {self.dev} up with the connection {self.connection!r}, "
                "whose routes come back whenever the connection is activated.")

    @staticmethod
    def value(spec: RouteSpec) -> str:
        """routeN's value: NM's keyfile form, "0.0.0.0"/"::" standing for no gateway."""
        parts = [spec.prefix]
        if spec.gateway or spec.metric is not None:
            parts.append(spec.gateway or ("0.0.0.0" if spec.family == 4 else "::"))
        if spec.metric is not None:
            parts.append(str(spec.metric))
        return ",".join(parts)

    def edit(self, text: str | None, spec: RouteSpec, op: str) -> str:
        text = text or ""
        section = "ipv4" if spec.family == 4 else "ipv6"
        values = _ini_values(text, section)
        options = f"table={spec.table_id}" if spec.table_id != RT_TABLE_MAIN else None
        if op == "add":
            numbers = [int(m.group(1)) for key in values
                       if (m := re.fullmatch(r"routes?(\d+)", key))]
            number = max(numbers, default=0) + 1
            new = [f"route{number}={self.value(spec)}\n"]
            new += [f"route{number}_options={options}\n"] if options else []
            return _insert_in_section(text, section, new)
        for key, value in values.items():
            m = re.fullmatch(r"routes?(\d+)", key)
            if m and value == self.value(spec) and values.get(f"{key}_options") == options:
                lines = [f"{key}={value}\n"] + ([f"{key}_options={options}\n"] if options else [])
                return _lines_without(text, lines, f"{key} for {spec.describe()}", self.path)
        raise PersistError(f"the connection {self.connection!r} has no route "
                           f"{self.value(spec)}; remove it with nmcli by hand.")

    def commands(self, spec: RouteSpec, op: str) -> tuple[str, ...]:
        words = [spec.prefix] + ([spec.gateway] if spec.gateway else [])
        words += [str(spec.metric)] if spec.metric is not None else []
        words += [f"table={spec.table_id}"] if spec.table_id != RT_TABLE_MAIN else []
        sign = "+" if op == "add" else "-"
        family = "ipv4" if spec.family == 4 else "ipv6"
        return (shlex.join(["sudo", "nmcli", "connection", "modify", self.connection,
                            f"{sign}{family}.routes", " ".join(words)])
                + "   # the same change as the diff",)

    def reload_argv(self, host: Host) -> tuple[str, ...] | None:
        """`nmcli connection reload` re-reads profiles; without it a later nmcli edit of this
        connection would write back NetworkManager's copy and drop the route."""
        return ("nmcli", "connection", "reload") if host.which("nmcli") else None


def _nm_for(host: Host, dev: str, link: Link | None) -> NetworkManager | None:
    by_type = []
    for path in host.glob(_NM_DIR, "*.nmconnection"):
        text = host.read_optional(path) or ""
        connection = _ini_values(text, "connection")
        name = connection.get("id") or path.rsplit("/", 1)[1].removesuffix(".nmconnection")
        manager = NetworkManager(path, dev, connection=name)
        if connection.get("interface-name") == dev:
            return manager
        if connection.get("interface-name"):
            continue
        mac = next((v for s in ("ethernet", "wifi", "802-3-ethernet", "802-11-wireless")
                    if (v := _ini_values(text, s).get("mac-address"))), None)
        if mac and link is not None and mac.lower() == link.mac.lower():
            return manager
        kind = link.kind if link is not None else (
            "wireless" if dev.startswith(("wl", "wlan")) else "physical")
        if not mac and connection.get("type") in _NM_TYPES.get(kind, ()):
            by_type.append(manager)
    if len(by_type) > 1:
        names = ", ".join(repr(m.connection) for m in by_type)
        raise PersistError(f"several NetworkManager connections could bring up {dev} ({names}); "
                           "add the route to the one in use with nmcli connection modify.")
    return by_type[0] if by_type else None


# ---------------------------------------------------------------- systemd-networkd
_NETWORKD_DIRS = ("/etc/systemd/network", "/run/systemd/network", "/usr/lib/systemd/network",
                  "/lib/systemd/network")


@dataclass(frozen=True)
class Networkd(Manager):
    """A .network file whose [Match] selects the link; each route is one [Route] section.

    A file outside /etc (shipped by a package) is not edited: a drop-in beside it in /etc
    carries the route.
    """

    kind: ClassVar[str] = "systemd-networkd"

    @property
    def why(self) -> str:
        return (f"systemd-networkd configures {self.dev} from {self.path} at boot (and drops "
                "routes it did not configure whenever it reconfigures the link).")

    @staticmethod
    def section(spec: RouteSpec) -> list[str]:
        lines = ["\n", "[Route]\n", f"Destination={spec.prefix}\n"]
        lines += [f"Gateway={spec.gateway}\n"] if spec.gateway else []
        lines += [f"Metric={spec.metric}\n"] if spec.metric is not None else []
        lines += [f"Table={spec.table_id}\n"] if spec.table_id != RT_TABLE_MAIN else []
        return lines

    def edit(self, text: str | None, spec: RouteSpec, op: str) -> str:
        text = _with_newline(text or "")
        section = self.section(spec)
        if op == "add":
            return text + "".join(section if text else section[1:])
        if text.startswith("".join(section[1:])):
            return _lines_without(text, section[1:], f"[Route] for {spec.describe()}", self.path)
        return _lines_without(text, section, f"[Route] for {spec.describe()}", self.path)


def _networkd_for(host: Host, dev: str, link: Link | None) -> Networkd | None:
    by_name: dict[str, str] = {}
    for directory in reversed(_NETWORKD_DIRS):
        for path in host.glob(directory, "*.network"):
            by_name[path.rsplit("/", 1)[1]] = path  # earlier directories shadow later ones
    for name in sorted(by_name):
        path = by_name[name]
        match = _ini_values(host.read_optional(path) or "", "Match")
        if _networkd_matches(match, dev, link):
            if not path.startswith("/etc/"):
                path = f"/etc/systemd/network/{name}.d/50-kubeadm-wizard-routes.conf"
            return Networkd(path, dev)
    return None


def _networkd_matches(match: dict[str, str], dev: str, link: Link | None) -> bool:
    names = match.get("Name", "").split()
    if names:
        negate = names[0].startswith("!")
        hit = any(fnmatch.fnmatchcase(dev, n.lstrip("!")) for n in names)
        if hit == negate:
            return False
    macs = match.get("MACAddress", "").lower().split()
    if macs and (link is None or link.mac.lower() not in macs):
        return False
    return bool(names or macs) or not match


# -------------------------------------------------------------------------- dhcpcd
DHCPCD_HOOK = "/etc/dhcpcd.exit-hook"


@dataclass(frozen=True)
class Dhcpcd(Manager):
    """dhcpcd runs /etc/dhcpcd.exit-hook after every event; the hook adds the route.

    dhcpcd's own `static routes=` is not used: it is IPv4 only, has no metric or table, and
    (dhcpcd's ipv4.c) any static route replaces every route the DHCP server sends, the default
    route included.
    """

    kind: ClassVar[str] = "dhcpcd"

    @property
    def why(self) -> str:
        return (f"dhcpcd configures {self.dev}; its exit hook ({self.path}) runs after every "
                "DHCP event, and adds a route whenever the interface comes up.")

    @staticmethod
    def hook_lines(spec: RouteSpec, dev: str) -> list[str]:
        add, delete = spec.change("add").shell_text, spec.change("del").shell_text
        test = f'[ "$interface" = {shlex.quote(dev)} ]'
        return [f"# kubeadm-wizard route {spec.describe()}\n",
                f"if {test} && $if_up; then {add.replace('route add', 'route replace')}; fi\n",
                f"if {test} && $if_down; then {delete} 2>/dev/null; fi\n"]

    def edit(self, text: str | None, spec: RouteSpec, op: str) -> str:
        text = _with_newline(text or "")
        lines = self.hook_lines(spec, self.dev)
        if op == "add":
            return text + "".join(lines)
        return _lines_without(text, lines, f"hook lines for {spec.describe()}", self.path)


def _dhcpcd_for(host: Host, dev: str) -> Dhcpcd | None:
    conf = host.read_optional("/etc/dhcpcd.conf")
    enabled = any(host.glob("/etc/systemd/system", "*.wants/dhcpcd*.service"))
    if conf is None or not enabled:
        return None
    for line in conf.splitlines():
        words = line.replace(",", " ").split()
        if words[:1] == ["denyinterfaces"] and any(fnmatch.fnmatchcase(dev, p) for p in words[1:]):
            return None
        if words[:1] == ["allowinterfaces"] and not any(fnmatch.fnmatchcase(dev, p)
                                                         for p in words[1:]):
            return None
    return Dhcpcd(DHCPCD_HOOK, dev)


# ------------------------------------------------------------------------ choosing
def manager_for(host: Host, dev: str, family: int = 4, link: Link | None = None
                ) -> Manager | None:
    """Who configures `dev` at boot, in the order the programs yield to each other.

    netplan first (it generates the others' files), then ifupdown (NetworkManager leaves the
    interfaces it lists alone), NetworkManager, systemd-networkd, dhcpcd. None: nothing on
    this host configures `dev` from a file the wizard can read.
    """
    return (_netplan_for(host, dev, link) or _ifupdown_for(host, dev, family)
            or _nm_for(host, dev, link) or _networkd_for(host, dev, link)
            or _dhcpcd_for(host, dev))

"""netplan: the YAML under /etc/netplan that netplan's generator turns into networkd or
NetworkManager files at every boot. Edits are checked by parsing the result: it must equal the
old YAML plus (or minus) the route."""

from __future__ import annotations

import fnmatch
import ipaddress
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

import yaml

from wizard.i18n import _
from wizard.network.managers.base import (
    Manager,
    PersistError,
    indent_of,
    is_content,
    with_newline,
)
from wizard.network.rtnetlink.constants import RT_TABLE_MAIN

if TYPE_CHECKING:
    from wizard.host.base import Host
    from wizard.host.network import Link
    from wizard.network.route_spec import RouteSpec

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
        return _("netplan generates the configuration of {dev} at every boot from {path}, "
                 "whose routes are listed under {where}.routes.").format(
                     dev=self.dev, path=self.path, where=f"{self.section}.{self.key}")

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
        lines = with_newline(text).splitlines(keepends=True)
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
            dashes = [indent_of(line) for line in lines[routes.start + 1:routes.end]
                      if line.lstrip().startswith("- ")]
            dash = dashes[0] if dashes else routes.indent + 2
            return lines[:routes.end] + _item_lines(item, dash) + lines[routes.end:]
        children = [indent_of(line) for line in lines[iface.start + 1:iface.end]
                    if is_content(line)]
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
            assert routes is not None  # there are items only under a routes block
            last = items[position + 1] if position + 1 < len(items) else routes.end
            parsed = yaml.safe_load("".join(line[indent_of(lines[first]):]
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
            if not is_content(line) or line.startswith(("---", "...")):
                continue
            child_indent = indent_of(line) if child_indent is None else child_indent
            match = _KEY.match(line)
            if match and indent_of(line) == child_indent and name == next(
                    g for g in (match["dq"], match["sq"], match["plain"]) if g is not None):
                found = (index, match)
                break
        if found is None:
            return None
        index, match = found
        rest = (match["rest"] or "").strip()
        indent = indent_of(lines[index])
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
        if not is_content(line):
            continue
        if indent_of(line) < indent or (indent_of(line) == indent
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
            return indent_of(following) - indent_of(line)
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


NETPLAN_PROGRAMS = ("/usr/lib/systemd/system-generators/netplan",
                    "/lib/systemd/system-generators/netplan", "/usr/sbin/netplan",
                    "/usr/bin/netplan")
"""netplan's boot-time generator (or its command): without it nothing reads the YAML."""


def netplan_for(host: Host, dev: str, link: Link | None) -> Netplan | None:
    """The last netplan file that defines `dev`, when netplan is there to read it."""
    if not any(host.exists(path) for path in NETPLAN_PROGRAMS):
        return None
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
        return bool(value["set-name"] == dev)
    match = value.get("match")
    if isinstance(match, dict):
        name, mac = match.get("name"), match.get("macaddress")
        if name and not fnmatch.fnmatchcase(dev, str(name)):
            return False
        if mac and (link is None or link.mac.lower() != str(mac).lower()):
            return False
        return bool(name or mac)
    return key == dev

"""Checking a hand-written answers file as a whole, before any of it is used.

Instructors hand these files out and students edit them, so a mistake must come back as one
line per problem with the file, the line and the key, all at once, never as a traceback later.
YAML's own typing is the usual trap: `kubernetes_version: 1.30` is the float 1.3, so a value
that should be text but arrived as a number is reported with its text as it was written.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Mapping
from typing import Any

import yaml

from wizard.kube.versions import SUPPORTED_MINORS

Validator = Callable[[Any], str | None]

VERSION_FORMAT = re.compile(r"^1\.\d{1,2}$")


def _choice(allowed: tuple[str, ...]) -> Validator:
    def check(value: Any) -> str | None:
        return None if value in allowed else f"must be one of {', '.join(allowed)}"
    return check


def _cidr(value: Any) -> str | None:
    """One CIDR, or an IPv4 and an IPv6 one separated by a comma (dual stack)."""
    for part in str(value).split(","):
        try:
            ipaddress.ip_network(part.strip(), strict=True)
        except ValueError as error:
            return f"is not a network in CIDR form ({error})"
    return None


def address_or_empty(value: Any) -> str | None:
    """What is wrong with an address answer (empty is fine: the wizard picks one), or None."""
    if value == "":
        return None
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return "is not an IP address"
    return None


def _version_or_empty(value: Any) -> str | None:
    if value == "":
        return None
    if not VERSION_FORMAT.match(value):
        return 'must be a Kubernetes minor such as "1.36"'
    if int(value.split(".")[1]) not in SUPPORTED_MINORS:  # every rule would be a guess
        return (f"is not a version the wizard knows: choose 1.{SUPPORTED_MINORS[0]} to "
                f"1.{SUPPORTED_MINORS[-1]}")
    return None


ROUTE_KEYS = {"dst": str, "gateway": str, "dev": str, "metric": int, "table": str}


def text_fields(roles: tuple[str, ...], runtimes: tuple[str, ...],
                cnis: tuple[str, ...]) -> dict[str, Validator | None]:
    """The text answers and how each is checked beyond being text (None: any text)."""
    return {
        "role": _choice(roles), "kubernetes_version": _version_or_empty,
        "advertise_address": address_or_empty, "node_name": None,
        "control_plane_endpoint": None, "pod_subnet": _cidr, "service_subnet": _cidr,
        "dns_domain": None, "cni": _choice(cnis), "runtime": _choice(runtimes),
        "cri_socket": None, "cgroup_driver": _choice(("systemd", "cgroupfs")),
        "join_endpoint": None,
    }


FLAG_FIELDS = {"dual_stack": False, "upload_certs": False,
               "fail_swap_on": True, "fail_cgroup_v1": True}
"""Yes/no answers; True means the answer may also be left empty (null: the kubelet default)."""

LIST_FIELDS = ("routes", "skipped_fixes")


def file_layout(text: str) -> tuple[dict[str, int], dict[str, str]]:
    """Where each key is and how its value was typed, read from the YAML as written.

    Lines: each top-level key, and each route's key as 'routes[N].key'. Scalars: each
    top-level value as typed, for 'write "1.30" in quotes'.
    """
    try:
        node = yaml.compose(text)
    except yaml.YAMLError:
        return {}, {}
    lines: dict[str, int] = {}
    scalars: dict[str, str] = {}
    if not isinstance(node, yaml.MappingNode):
        return lines, scalars
    for key, value in node.value:
        lines[str(key.value)] = key.start_mark.line + 1
        if isinstance(value, yaml.ScalarNode):
            scalars[str(key.value)] = value.value
        if key.value == "routes" and isinstance(value, yaml.SequenceNode):
            for index, item in enumerate(value.value):
                lines[f"routes[{index}]"] = item.start_mark.line + 1
                if isinstance(item, yaml.MappingNode):
                    for route_key, _ in item.value:
                        lines[f"routes[{index}].{route_key.value}"] = (
                            route_key.start_mark.line + 1)
    return lines, scalars


def _type_name(value: Any) -> str:
    if isinstance(value, bool):
        return "a yes/no value"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return "empty" if value is None else "text"


def problems(data: Mapping[str, Any], *, text_checks: Mapping[str, Validator | None],
             raw: Mapping[str, str] | None = None) -> list[tuple[str, str]]:
    """(key, problem) for everything wrong with the answers, in the file's key order."""
    raw = raw or {}
    found: list[tuple[str, str]] = []
    for key, value in data.items():
        if key == "version":
            continue
        if key in text_checks:
            if not isinstance(value, str):
                written = raw.get(key, repr(value))
                if isinstance(value, (int, float)) and not isinstance(value, bool):
                    found.append((key, f"{key}: {value} is a number; "
                                       f'write "{written}" in quotes'))
                else:
                    found.append((key, f"{key}: must be text, not {_type_name(value)}"))
                continue
            check = text_checks[key]
            problem = check(value) if check else None
            if problem:
                found.append((key, f"{key}: {value!r} {problem}"))
        elif key in FLAG_FIELDS:
            if not (isinstance(value, bool) or (value is None and FLAG_FIELDS[key])):
                found.append((key, f"{key}: must be true or false, not {_type_name(value)}"))
        elif key == "skipped_fixes":
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                found.append((key, f"{key}: must be a list of step ids"))
        elif key == "routes":
            found += _route_problems(value)
        else:
            found.append((key, f"{key}: unknown answer"))
    return found


def _route_problems(routes: Any) -> list[tuple[str, str]]:
    if routes is None:
        return []
    if not isinstance(routes, list):
        return [("routes", "routes: must be a list of routes (dst, gateway, dev, metric, table)")]
    found: list[tuple[str, str]] = []
    for index, route in enumerate(routes):
        where = f"routes[{index}]"
        if not isinstance(route, dict):
            found.append((where, f"{where}: must be a mapping with at least dst"))
            continue
        if "dst" not in route:
            found.append((where, f"{where}: dst is missing"))
        for key, value in route.items():
            name = f"{where}.{key}"
            kind = ROUTE_KEYS.get(key)
            if kind is None:
                found.append((name, f"{name}: unknown key (known: {', '.join(ROUTE_KEYS)})"))
            elif value is not None and not (isinstance(value, kind)
                                            and not isinstance(value, bool)):
                found.append((name, f"{name}: must be {'a number' if kind is int else 'text'}"))
            elif (key == "dst" and value not in (None, "default")
                  and (problem := _cidr(value))):
                found.append((name, f"{name}: {value!r} {problem}"))
    return found

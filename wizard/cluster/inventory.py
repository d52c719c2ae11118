"""The cluster's nodes, read from an ordinary Ansible inventory by Ansible itself.

Why `ansible-inventory --list` and no parser of our own: an inventory may be YAML, INI, a
directory with group_vars/host_vars, or a plugin, and the operator's kubespray inventory must
mean here exactly what it means to ansible-playbook. The wizard only interprets its result:

- `control_plane` / `workers` (kubespray's `kube_control_plane` / `kube_node` too) give each
  node its role; a node in both is a control-plane node (kubespray lists it in both);
- `kubeadm_wizard_role` on a host overrides its groups;
- `kubeadm_wizard_root` is where that node's files are (default `/`, the running system);
- `kubeadm_wizard_advertise_address` is its answer for the API server's address;
- `kubeadm_wizard_demo` makes the node a simulated host (a workshop table without machines);
- `kubeadm_wizard_home` is the node's cache folder (default ~/.cache): the wizard's copy
  sent by `cluster check` and a demo's scratch copy live there;
- `ansible_host`, `ansible_user`, `ansible_connection` are Ansible's, used by Ansible.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wizard.answers_schema import address_or_empty
from wizard.resources import demo_names

if TYPE_CHECKING:
    from wizard.host.base import Host

CONTROL_PLANE_GROUPS = ("control_plane", "kube_control_plane")
WORKER_GROUPS = ("workers", "kube_node")
VAR_PREFIX = "kubeadm_wizard_"
KNOWN_VARS = ("root", "role", "advertise_address", "python", "demo", "home")

# Unparsable sources are errors, not the empty inventory Ansible falls back to by default.
_STRICT = {"LC_ALL": "C.UTF-8", "LANG": "C.UTF-8",  # Ansible refuses any other encoding
           "ANSIBLE_INVENTORY_UNPARSED_FAILED": "True",
           "ANSIBLE_INVENTORY_ANY_UNPARSED_IS_FAILED": "True",
           "ANSIBLE_NOCOLOR": "True", "ANSIBLE_DEPRECATION_WARNINGS": "False",
           # Python's warnings from Ansible's own libraries (cryptography's deprecations)
           # say nothing of the inventory, and would end up in the reason told the operator.
           "PYTHONWARNINGS": "ignore"}


class InventoryError(ValueError):
    """An inventory that cannot be used, with Ansible's own reason."""


@dataclass
class Node:
    """One cluster node as the inventory describes it."""

    name: str
    role: str
    root: str = "/"
    advertise_address: str = ""
    address: str = ""  # ansible_host, or the name itself
    python: str = "python3"
    demo: str = ""
    home: str = ""
    variables: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "role": self.role, "root": self.root,
                "advertise_address": self.advertise_address, "address": self.address,
                "connection": self.variables.get("ansible_connection", "ssh")}


@dataclass
class Inventory:
    path: Path
    nodes: list[Node]

    @property
    def control_plane(self) -> list[Node]:
        return [n for n in self.nodes if n.role == "control-plane"]

    @property
    def workers(self) -> list[Node]:
        return [n for n in self.nodes if n.role == "worker"]


def _members(listing: dict[str, Any], group: str, seen: set[str] | None = None) -> list[str]:
    """Hosts of a group and of its child groups, in the inventory's order."""
    seen = set() if seen is None else seen
    if group in seen or group not in listing:
        return []
    seen.add(group)
    entry = listing[group] or {}
    found = list(entry.get("hosts", []))
    for child in entry.get("children", []):
        found += [h for h in _members(listing, child, seen) if h not in found]
    return found


def nodes_from_listing(listing: dict[str, Any], path: Path) -> Inventory:
    """The nodes in `ansible-inventory --list` output (pure: the tests feed it directly)."""
    hostvars = (listing.get("_meta") or {}).get("hostvars") or {}
    control = {h for g in CONTROL_PLANE_GROUPS for h in _members(listing, g)}
    workers = {h for g in WORKER_GROUPS for h in _members(listing, g)}
    order = [h for g in (*CONTROL_PLANE_GROUPS, *WORKER_GROUPS) for h in _members(listing, g)]
    order += sorted(h for h, v in hostvars.items() if f"{VAR_PREFIX}role" in (v or {}))
    nodes: list[Node] = []
    problems: list[str] = []
    for name in dict.fromkeys(order):
        variables = hostvars.get(name) or {}
        role = variables.get(f"{VAR_PREFIX}role") or (
            "control-plane" if name in control else "worker" if name in workers else "")
        if role not in ("control-plane", "worker"):
            problems.append(f"{name}: {VAR_PREFIX}role is {role!r}; "
                            "write control-plane or worker")
            continue
        root = str(variables.get(f"{VAR_PREFIX}root") or "/")
        if not root.startswith("/"):
            problems.append(f"{name}: {VAR_PREFIX}root {root!r} is not an absolute path")
        advertise = str(variables.get(f"{VAR_PREFIX}advertise_address") or "")
        wrong = address_or_empty(advertise)  # the same rule as the answer it overrides
        if wrong:
            problems.append(f"{name}: {VAR_PREFIX}advertise_address {advertise!r} {wrong}")
        demo = str(variables.get(f"{VAR_PREFIX}demo") or "")
        if demo and f"{VAR_PREFIX}root" in variables:  # as --demo with --root on one host
            problems.append(f"{name}: {VAR_PREFIX}demo and {VAR_PREFIX}root name two "
                            "different hosts: give one")
        elif demo and demo not in demo_names():
            problems.append(f"{name}: unknown demo {demo!r}; choose one of: "
                            f"{', '.join(demo_names())}")
        unknown = sorted(k for k in variables if k.startswith(VAR_PREFIX)
                         and k[len(VAR_PREFIX):] not in KNOWN_VARS)
        problems += [f"{name}: unknown variable {k} (known: "
                     f"{', '.join(VAR_PREFIX + v for v in KNOWN_VARS)})" for k in unknown]
        nodes.append(Node(name=name, role=role, root=root,
                          advertise_address=advertise,
                          address=str(variables.get("ansible_host") or name),
                          python=str(variables.get(f"{VAR_PREFIX}python") or "python3"),
                          demo=demo,
                          home=str(variables.get(f"{VAR_PREFIX}home") or ""),
                          variables=dict(variables)))
    if problems:
        raise InventoryError("\n".join(f"{path}: {p}" for p in problems))
    if not nodes:
        raise InventoryError(
            f"{path}: no cluster nodes: put hosts in the groups "
            f"{' / '.join(CONTROL_PLANE_GROUPS)} and {' / '.join(WORKER_GROUPS)}")
    return Inventory(path, nodes)


def read_inventory(controller: Host, path: Path, program: str) -> Inventory:
    """Ask `program` (ansible-inventory) what the inventory at `path` holds."""
    if not path.exists():
        raise InventoryError(f"{path}: no such file or directory")
    result = controller.run([program, "-i", str(path), "--list"], timeout=120, env=_STRICT)
    if not result.ok:
        lines = [line.strip() for line in (result.stderr or result.stdout).splitlines()
                 if line.strip()]
        reason = " ".join(lines[-3:]) if lines else f"exit code {result.returncode}"
        raise InventoryError(f"{path}: Ansible cannot read this inventory: {reason}")
    try:
        listing = json.loads(result.stdout)
    except ValueError as error:
        raise InventoryError(f"{path}: ansible-inventory printed no JSON ({error})") from None
    return nodes_from_listing(listing, path)

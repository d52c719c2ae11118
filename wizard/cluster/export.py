"""`cluster export`: the Ansible project `cluster apply` runs, written out to keep and review.

The project is the same playbooks `cluster apply` uses (one implementation, nothing written
twice), the wizard as a zipapp, each node's arguments, a copy of the inventory, and
group_vars with the cluster's answers. Plain `ansible-playbook -i inventory site.yml` runs it
without the TUI. Nothing secret is in it: the join commands are made during the run and only
ever held in Ansible's memory.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml

from wizard.cluster.inventory import Inventory
from wizard.cluster.stages import PLAYBOOKS, write_work_dir
from wizard.model import WizardChoices

PROJECT_FILES = ("run_wizard.yml", "join.yml", "stop_node.yml")
"""The task files site.yml (a copy of playbooks/apply.yml) includes."""

README = """\
# kubeadm-wizard cluster project

Written by `kubeadm-wizard cluster export`. It does what `kubeadm-wizard cluster apply` does:

1. every node applies the wizard's planned steps (`kubeadm-wizard apply --yes`),
2. the first control plane ({first}) runs `kubeadm init`,
3. the join commands go to the other nodes in Ansible's memory only (no_log), and
4. the other control planes join one at a time, then the workers.

Run it with:

    ansible-playbook -i {inventory} site.yml

Review first: `nodes/NAME.yml` holds each node's arguments and answers,
`group_vars/all.yml` the cluster's answers. `kubeadm-wizard.pyz` is the wizard itself; it
runs on each node from a scratch directory that is removed afterwards. No file here holds a
token or a certificate key.
"""


def export_project(inventory: Inventory, choices: WizardChoices, target: Path) -> list[Path]:
    """Write the project into `target` (created; must be empty); return the files written."""
    from wizard.cluster.runner import node_choices

    if target.exists() and any(target.iterdir()):
        raise FileExistsError(f"{target} is not empty; export into a new directory")
    target.mkdir(parents=True, exist_ok=True)
    write_work_dir(target, inventory, choices, node_choices)
    shutil.copyfile(PLAYBOOKS / "apply.yml", target / "site.yml")
    for name in PROJECT_FILES:
        shutil.copyfile(PLAYBOOKS / name, target / name)
    inventory_copy = _copy_inventory(inventory.path, target / "inventory")
    first = inventory.control_plane[0].name if inventory.control_plane else ""
    (target / "group_vars").mkdir()
    (target / "group_vars" / "all.yml").write_text(yaml.safe_dump({
        "kw_work": "{{ playbook_dir }}", "kw_first_node": first,
        "kubeadm_wizard_answers": choices.to_dict()}, sort_keys=False), encoding="utf-8")
    (target / "README.md").write_text(README.format(
        first=first or "none", inventory=inventory_copy.relative_to(target)), encoding="utf-8")
    return sorted(path for path in target.rglob("*") if path.is_file())


def _copy_inventory(source: Path, directory: Path) -> Path:
    """The inventory as given: one file, or a directory with its group_vars/host_vars."""
    if source.is_dir():
        shutil.copytree(source, directory)
        return directory
    directory.mkdir()
    copy = directory / source.name
    shutil.copyfile(source, copy)
    return copy

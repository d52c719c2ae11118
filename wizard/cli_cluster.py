"""`kubeadm-wizard cluster check`: every node of an Ansible inventory, then the cluster.

Kept out of wizard.cli so the single-host commands do not grow; like them it only parses
arguments, calls the core (wizard.cluster) and prints.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from wizard.cluster.inventory import Inventory
    from wizard.model import WizardChoices


def add_cluster_commands(sub: Callable[[str, str], argparse.ArgumentParser]) -> None:
    cluster = sub("cluster", "check, plan, apply and undo several nodes at once, from an "
                           "Ansible inventory")
    actions = cluster.add_subparsers(dest="cluster_command", metavar="ACTION",
                                     parser_class=type(cluster))
    check = actions.add_parser("check", help="run the checks on every node, then compare them",
                               description="Run `kubeadm-wizard check` on every node of the "
                                           "inventory through Ansible, then the cross-node "
                                           "checks (unique names and IDs, ranges, reachability, "
                                           "versions, clocks).")
    _inventory_options(check)
    check.add_argument("--json", action="store_true", help="machine-readable output")
    stages = {
        "plan": "show every node's planned steps (changes nothing)",
        "apply": "apply every node's steps, kubeadm init on the first control plane, then join "
                 "the others (the join commands stay in Ansible's memory)",
        "undo": "undo every node's journal",
    }
    for name, text in stages.items():
        stage = actions.add_parser(name, help=text, description=text)
        _inventory_options(stage)
        stage.add_argument("--json", action="store_true", help="machine-readable output")
        if name != "plan":
            stage.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    export = actions.add_parser("export", help="write the Ansible project `cluster apply` runs",
                                description="Write a self-contained Ansible project (playbook, "
                                            "the wizard, a copy of the inventory, the answers) "
                                            "that plain ansible-playbook runs.")
    _inventory_options(export)
    export.add_argument("-o", "--output", required=True, metavar="DIR",
                        help="a new (or empty) directory")


def _inventory_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-i", "--inventory", required=True, metavar="INVENTORY",
                        help="an Ansible inventory (YAML, INI or a directory)")
    parser.add_argument("--answers", metavar="FILE", help="the cluster's answers file")


def cmd_cluster(args: argparse.Namespace, usage_error: type[Exception]) -> int:
    from wizard.cluster.checks import run_cluster_checks
    from wizard.cluster.inventory import InventoryError, read_inventory
    from wizard.cluster.report import cluster_json, cluster_text, failed
    from wizard.cluster.runner import check_nodes
    from wizard.host.ansible import AnsibleMissing, ansible_program
    from wizard.host.base import Host
    from wizard.model import AnswersError, WizardChoices

    action = getattr(args, "cluster_command", None)
    if action not in ("check", "plan", "apply", "undo", "export"):
        raise usage_error("cluster needs an action: check, plan, apply, undo or export")
    try:
        choices = WizardChoices.load(Path(args.answers)) if args.answers else WizardChoices()
        inventory = read_inventory(Host("/"), Path(args.inventory),
                                   ansible_program("ansible-inventory"))
    except (InventoryError, AnswersError, AnsibleMissing) as error:
        raise usage_error(str(error)) from None
    if action == "export":
        return _export(inventory, choices, Path(args.output), usage_error)
    if action != "check":
        return _stage(action, inventory, choices, args, usage_error)
    if not args.json:
        print(f"Checking {len(inventory.nodes)} node(s) through Ansible ...", file=sys.stderr)
    results = check_nodes(inventory, choices)
    document = cluster_json(results, run_cluster_checks(results, choices))
    print(json.dumps(document, indent=2) if args.json else cluster_text(document))
    return 1 if failed(document) else 0


def _export(inventory: Inventory, choices: WizardChoices, target: Path,
            usage_error: type[Exception]) -> int:
    from wizard.cluster.export import export_project

    try:
        written = export_project(inventory, choices, target)
    except FileExistsError as error:
        raise usage_error(str(error)) from None
    inventory_copy = target / "inventory" / (
        "" if inventory.path.is_dir() else inventory.path.name)
    print(f"Wrote {len(written)} files to {target}. Review them, then run, from {target}:\n"
          f"  ansible-playbook -i {inventory_copy.relative_to(target)} site.yml")
    return 0


def _stage(action: str, inventory: Inventory, choices: WizardChoices,
           args: argparse.Namespace, usage_error: type[Exception]) -> int:
    from wizard.cluster.stages import run_stage

    names = ", ".join(node.name for node in inventory.nodes)
    if action != "plan" and not args.yes:
        if not sys.stdin.isatty():
            raise usage_error(f"cluster {action} changes {names}; confirm with --yes")
        answer = input(f"cluster {action} on {names}? [y/N] ")
        if answer.strip().lower() not in ("y", "yes"):
            print("Nothing changed.")
            return 1
    print(f"cluster {action} on {len(inventory.nodes)} node(s) through Ansible ...",
          file=sys.stderr)
    run = run_stage(inventory, choices, f"{action}.yml",
                    on_event=None if args.json else _progress_printer())
    rows = {name: {"role": node_run.node.role, "unreachable": node_run.unreachable,
                   "stages": [vars(stage) for stage in node_run.stages]}
            for name, node_run in run.nodes.items()}
    if args.json:
        print(json.dumps({"nodes": rows, "failed": run.failed}, indent=2))
    else:
        print(_summary_table(rows))
    return 1 if run.failed else 0


def _progress_printer() -> Callable[[dict[str, Any]], None]:
    """One line per node and play as it finishes or fails."""
    from wizard.cluster.stages import Progress, progress_of

    seen: set[Progress] = set()

    def progress(event: dict[str, Any]) -> None:
        step = progress_of(event)
        if step is not None and step not in seen:
            seen.add(step)
            print(f"  {step.node}: {step.play}: {step.word}", file=sys.stderr)

    return progress


def _summary_table(rows: dict[str, dict[str, Any]]) -> str:
    lines = [f"{'node':<16} {'role':<14} {'stage':<8} result"]
    for name, row in rows.items():
        stages = row["stages"] or [{"stage": "-", "ok": False,
                                    "detail": row["unreachable"] or "not reached"}]
        if row["unreachable"]:
            stages = [{"stage": "-", "ok": False, "detail": f"unreachable: {row['unreachable']}"}]
        for number, stage in enumerate(stages):
            label = f"{'ok' if stage['ok'] else 'FAILED'}  {stage['detail']}"
            lines.append(f"{name if number == 0 else '':<16} "
                         f"{row['role'] if number == 0 else '':<14} {stage['stage']:<8} {label}")
    return "\n".join(lines)

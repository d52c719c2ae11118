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


def add_cluster_commands(sub: Callable[[str, str], argparse.ArgumentParser]) -> None:
    cluster = sub("cluster", "check several nodes at once, from an Ansible inventory")
    actions = cluster.add_subparsers(dest="cluster_command", metavar="ACTION",
                                     parser_class=type(cluster))
    check = actions.add_parser("check", help="run the checks on every node, then compare them",
                               description="Run `kubeadm-wizard check` on every node of the "
                                           "inventory through Ansible, then the cross-node "
                                           "checks (unique names and IDs, ranges, reachability, "
                                           "versions, clocks).")
    check.add_argument("-i", "--inventory", required=True, metavar="INVENTORY",
                       help="an Ansible inventory (YAML, INI or a directory)")
    check.add_argument("--answers", metavar="FILE", help="the cluster's answers file")
    check.add_argument("--json", action="store_true", help="machine-readable output")


def cmd_cluster(args: argparse.Namespace, usage_error: type[Exception]) -> int:
    from wizard.cluster.checks import run_cluster_checks
    from wizard.cluster.inventory import InventoryError, read_inventory
    from wizard.cluster.report import cluster_json, cluster_text, failed
    from wizard.cluster.runner import check_nodes
    from wizard.host.ansible import AnsibleMissing, ansible_program
    from wizard.host.base import Host
    from wizard.model import AnswersError, WizardChoices

    if getattr(args, "cluster_command", None) != "check":
        raise usage_error("cluster needs an action: check")
    try:
        choices = WizardChoices.load(Path(args.answers)) if args.answers else WizardChoices()
        inventory = read_inventory(Host("/"), Path(args.inventory),
                                   ansible_program("ansible-inventory"))
    except (InventoryError, AnswersError, AnsibleMissing) as error:
        raise usage_error(str(error)) from None
    if not args.json:
        print(f"Checking {len(inventory.nodes)} node(s) through Ansible ...", file=sys.stderr)
    results = check_nodes(inventory, choices)
    document = cluster_json(results, run_cluster_checks(results, choices))
    print(json.dumps(document, indent=2) if args.json else cluster_text(document))
    return 1 if failed(document) else 0

"""`kubeadm-wizard kubeadm init|join|join-command`: the Init / Join page without the TUI.

`cluster apply` runs these on every node through Ansible, and an operator can run them by
hand. Join secrets travel on standard input only (`join --from-stdin` reads the join command
that `join-command` prints), never on the command line, in a file the wizard keeps, or in
the journal; everything printed about a run is masked.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from wizard.host.base import Host
    from wizard.model import WizardChoices


def add_kubeadm_commands(sub: Callable[[str, str], argparse.ArgumentParser],
                         host_options: Callable[[argparse.ArgumentParser], None]) -> None:
    kubeadm = sub("kubeadm", "run kubeadm init or join the way the Init / Join page does")
    actions = kubeadm.add_subparsers(dest="kubeadm_command", metavar="ACTION",
                                     parser_class=type(kubeadm))
    init = actions.add_parser("init", help="write the kubeadm configuration, run kubeadm init")
    init.add_argument("--json", action="store_true", help="print the outcome as JSON")
    join = actions.add_parser("join", help="join with the command read from standard input")
    join.add_argument("--from-stdin", action="store_true", required=True,
                      help="read the `kubeadm join ...` command (with its secrets) from stdin")
    join.add_argument("--json", action="store_true", help="print the outcome as JSON")
    command = actions.add_parser("join-command",
                                 help="print a fresh join command (it holds a secret token)")
    command.add_argument("--control-plane", action="store_true",
                         help="upload the certificates and add --control-plane and the key")
    for parser in (init, join, command):
        host_options(parser)


def cmd_kubeadm(host: Host, choices: WizardChoices, args: argparse.Namespace,
                usage_error: type[Exception]) -> int:
    from wizard.kubeadm.join_command import find_join_commands
    from wizard.kubeadm.run import fresh_join_command, upload_certificates
    from wizard.kubeadm.session import run_kubeadm
    from wizard.model import JoinSecrets

    action = getattr(args, "kubeadm_command", None)
    if action == "join-command":
        join = fresh_join_command(host)
        if isinstance(join, str):
            print(f"kubeadm-wizard: no join command: {join}", file=sys.stderr)
            return 1
        if args.control_plane:
            key = upload_certificates(host)
            if key is None:
                print("kubeadm-wizard: kubeadm printed no certificate key", file=sys.stderr)
                return 1
            join.control_plane, join.certificate_key = True, key
        print(" ".join(join.argv()))
        return 0
    if action not in ("init", "join"):
        raise usage_error("kubeadm needs an action: init, join or join-command")
    if action == "init" and choices.role == "worker":
        raise usage_error("kubeadm init makes this node the first control plane, but its role "
                          "is worker (--role or the answers): give --role control-plane")
    secrets = None
    if action == "join":
        found = find_join_commands(sys.stdin.read())
        if not found:
            raise usage_error("standard input holds no `kubeadm join` command")
        join = found[0]
        secrets = JoinSecrets(token=join.token, certificate_key=join.certificate_key or "",
                              ca_cert_hashes=list(join.ca_cert_hashes))
        choices.join_endpoint = join.endpoint
        choices.role = "control-plane" if join.control_plane else "worker"
    outcome = run_kubeadm(host, choices, action, secrets=secrets,
                          say=lambda line: print(line, file=sys.stderr),
                          on_progress=lambda progress: print(progress.line, file=sys.stderr))
    if args.json:
        print(json.dumps(outcome.summary(), indent=2))
    else:
        result = outcome.result
        verdict = "succeeded" if outcome.succeeded else "failed"
        reason = outcome.refusal or (result.error if result and result.error else "")
        print(f"kubeadm {action} {verdict}" + (f": {reason}" if reason else ""))
        for note in outcome.notes:
            print(f"  {note}")
    return 0 if outcome.succeeded else 1

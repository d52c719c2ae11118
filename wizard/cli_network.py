"""The network subcommands: routes, route get|add|del, links (fields as iproute2's JSON)."""

from __future__ import annotations

import argparse
import json
import socket
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TextIO

from wizard.network.route_words import describe_route_get, not_an_address

if TYPE_CHECKING:
    from wizard.host.base import Host
    from wizard.host.network import NetworkView
    from wizard.steps.step import Step


def add_network_commands(sub: Callable[[str, str], argparse.ArgumentParser],
                         add_host_options: Callable[[argparse.ArgumentParser], None]) -> None:
    """Register the subcommands; `sub(name, help)` makes a parser with the host options."""
    routes = sub("routes", "show the routing tables (all of them by default)")
    routes.add_argument("--table", default="all", metavar="all|main|local|ID",
                        help="which table (default: all)")
    family = routes.add_mutually_exclusive_group()
    family.add_argument("-4", dest="family", action="store_const", const=4, help="IPv4 only")
    family.add_argument("-6", dest="family", action="store_const", const=6, help="IPv6 only")
    routes.add_argument("--json", action="store_true", help="as `ip -j route show`")
    routes.add_argument("--netstat", action="store_true",
                        help="as `netstat -rn` (the main table, IPv4; with -6 as "
                        "`netstat -rn -A inet6`)")
    route = sub("route", "ask or change the routing table")
    actions = route.add_subparsers(dest="route_action", metavar="ACTION", required=True,
                                   parser_class=type(route))
    get = actions.add_parser("get", help="where would a packet to ADDRESS go?")
    add_host_options(get)
    get.add_argument("addresses", nargs="+", metavar="ADDRESS")
    get.add_argument("--from", dest="source", metavar="SRC", help="source address")
    get.add_argument("--json", action="store_true", help="as `ip -j route get`")
    for op, help_text in (("add", "add a route (live, and with --persist at boot too)"),
                          ("del", "delete a route (live, and with --persist at boot too)")):
        change = actions.add_parser(op, help=help_text, description=help_text)
        add_host_options(change)
        change.add_argument("prefix", metavar="PREFIX", help="destination, e.g. 10.96.0.0/12")
        change.add_argument("words", nargs="*", metavar="via GW | dev IF | metric N | table T",
                            help="as `ip route add` takes them")
        change.add_argument("--dry-run", action="store_true",
                            help="show the steps and diffs, change nothing")
        change.add_argument("--persist", action="store_true",
                            help="also write the route into whatever configures the interface")
    links = sub("links", "show the network adapters and their addresses")
    links.add_argument("--json", action="store_true", help="machine-readable output")


def network_of(host: Host) -> NetworkView:
    from wizard.cli import UsageError

    if host.network is None:
        raise UsageError(f"{host.label} is not a running system: it has no live routing table")
    return host.network


def cmd_routes(host: Host, args: argparse.Namespace) -> int:
    from wizard.cli import UsageError
    from wizard.network.rtnetlink.iproute_format import iproute_text_lines, write_iproute_json
    from wizard.network.rtnetlink.names import table_id

    if args.netstat:
        return _netstat_routes(host, args)
    table = network_of(host).routes(args.family)
    if args.table != "all":
        try:
            table = table.filter(table=table_id(args.table))
        except (KeyError, ValueError) as error:
            raise UsageError(f"--table {args.table}: {error}") from None
    if args.json:
        write_iproute_json(table, sys.stdout)
        sys.stdout.write("\n")
        return 0
    for line in iproute_text_lines(table):
        sys.stdout.write(line + "\n")
    print(f"{len(table)} route(s)")
    return 0


def _netstat_routes(host: Host, args: argparse.Namespace) -> int:
    from wizard.cli import UsageError
    from wizard.network.rtnetlink.netstat_format import netstat_rn6_text, netstat_rn_text

    if args.json or args.table != "all":
        raise UsageError("--netstat shows what `netstat -rn` shows; it takes neither --json "
                         "nor --table")
    if args.family == 6:
        print(netstat_rn6_text(network_of(host).routes(6)))
    else:
        print(netstat_rn_text(network_of(host).routes(4)))
    return 0


def cmd_route(host: Host, args: argparse.Namespace) -> int:
    if args.route_action == "get":
        return _route_get(host, args)
    return _route_change(host, args, args.route_action)


def _route_change(host: Host, args: argparse.Namespace, op: str) -> int:
    """Validate, show the plan, apply, verify; over SSH, keep only what the operator confirms."""
    from wizard.cli import UsageError, _refuse_read_only
    from wizard.network.route_plan import PersistError, route_steps, verify_route
    from wizard.network.route_spec import RouteContext, RouteRequest, validate
    from wizard.network.ssh_guard import changes_ssh_path, guard_plan
    from wizard.report import plan_text
    from wizard.steps import preview

    try:
        request = RouteRequest.from_words([args.prefix, *args.words])
    except ValueError as error:
        raise UsageError(str(error)) from None
    context = RouteContext.from_host(host)
    verdict = validate(request, context, op)
    if verdict.spec is None:
        raise UsageError(" ".join(p.message for p in verdict.errors))
    for warning in verdict.warnings:
        print(f"warning: {warning.message}", file=sys.stderr)
    try:
        steps = route_steps(host, verdict.spec, op, persist=args.persist, context=context)
    except PersistError as error:
        raise UsageError(f"--persist: {error}") from None
    print(plan_text(preview(host, steps)), end="")
    explanation = changes_ssh_path(host, verdict.spec, op, context=context)
    if args.dry_run:
        print(f"{explanation}\n" if explanation else "", end="")
        print("Dry run: nothing was changed.")
        return 0
    _refuse_read_only(host)
    guard = guard_plan(steps, explanation) if explanation else None
    if not _apply(host, list(guard.now) if guard else steps):
        return 1
    problem = None
    if host.changes_running_kernel:
        problem = verify_route(host, verdict.spec, op)
        print(f"verify: {problem}" if problem else "verify: the host's own lookup agrees.")
    if guard is not None:
        print(guard.explanation)
        if not ask_to_keep("Does the SSH session still answer? Keep the change?"):
            _apply(host, list(guard.on_revert))
            print("Not confirmed: the route change was reverted.")
            return 1
        if not _apply(host, list(guard.on_keep)):
            return 1
    return 1 if problem else 0


def _apply(host: Host, steps: list[Step]) -> bool:
    from wizard.report import outcome_text
    from wizard.steps import apply_steps

    if not steps:
        return True
    outcomes = apply_steps(host, steps)
    print(outcome_text(outcomes))
    return not any(outcome.failed for outcome in outcomes)


def ask_to_keep(question: str, timeout: float | None = None,
                stream: TextIO | None = None) -> bool:
    """Ask on the terminal; no answer within `timeout` seconds (or no terminal) means no."""
    import select

    from wizard.network.ssh_guard import REVERT_SECONDS

    timeout = REVERT_SECONDS if timeout is None else timeout
    stream = stream or sys.stdin
    print(f"{question} [y/N] (reverting in {timeout:g} s) ", end="", flush=True)
    try:
        ready, _, _ = select.select([stream], [], [], timeout)
    except (OSError, ValueError):  # no stdin at all
        ready = []
    answer = stream.readline() if ready else ""
    if not ready:
        print()
    return answer.strip().lower() in ("y", "yes")


def _route_get(host: Host, args: argparse.Namespace) -> int:
    from wizard.cli import UsageError

    network = network_of(host)
    for address in [*args.addresses, *([args.source] if args.source else [])]:
        try:  # inet_pton: a thousand addresses are judged in well under a millisecond
            socket.inet_pton(socket.AF_INET6 if ":" in address else socket.AF_INET, address)
        except (OSError, UnicodeEncodeError):  # not an address, or bytes that are no text
            raise UsageError(not_an_address(address) or address) from None
    if args.source:
        other = [address for address in args.addresses
                 if (":" in address) != (":" in args.source)]
        if other:  # the kernel looks an address up in one family, with a source of it
            raise UsageError(f"--from {args.source} and {other[0]} are not of one address "
                             "family (IPv4 and IPv6)")
    answers = [_plain(answer) for answer in network.route_get_many(args.addresses, args.source)]
    if args.json:
        print(json.dumps(answers))
        return 0
    for answer in answers:
        print(describe_route_get(answer))
    return 0


def _plain(answer: dict[str, Any]) -> dict[str, Any]:
    """Only the JSON fields (a simulated lookup also carries the matched Route object, and
    its trace is a LookupTrace, worded when read: a list here)."""
    plain = {key: value for key, value in answer.items() if key not in ("route", "route_index")}
    if "trace" in plain:
        plain["trace"] = list(plain["trace"])
    return plain


def cmd_links(host: Host, args: argparse.Namespace) -> int:
    links = network_of(host).links()
    if args.json:
        print(json.dumps([{"ifindex": link.index, "ifname": link.name, "kind": link.kind,
                           "address": link.mac, "mtu": link.mtu, "operstate": link.state,
                           "master": link.master or None,
                           "addr_info": [{"family": "inet" if a.family == 4 else "inet6",
                                          "local": a.address, "prefixlen": a.prefixlen,
                                          "scope": a.scope} for a in link.addresses]}
                          for link in links], indent=2))
        return 0
    rows = [("Name", "Kind", "State", "MAC", "MTU", "Addresses")]
    rows += [(link.name, link.kind, link.state, link.mac, str(link.mtu),
              " ".join(a.cidr for a in link.addresses)) for link in links]
    print(_columns(rows))
    return 0


def _columns(rows: Sequence[tuple[str, ...]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(cell.ljust(width) for cell, width in zip(row, widths,
                                                                         strict=True)).rstrip()
                     for row in rows)

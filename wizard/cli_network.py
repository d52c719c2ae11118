"""The network subcommands: routes, route get, links (fields as iproute2's JSON)."""

from __future__ import annotations

import argparse
import json
import socket
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from wizard.host.base import Host


def add_network_commands(sub, add_host_options) -> None:
    """Register the subcommands; `sub(name, help)` makes a parser with the host options."""
    routes = sub("routes", "show the routing tables (all of them by default)")
    routes.add_argument("--table", default="all", metavar="all|main|local|ID",
                        help="which table (default: all)")
    family = routes.add_mutually_exclusive_group()
    family.add_argument("-4", dest="family", action="store_const", const=4, help="IPv4 only")
    family.add_argument("-6", dest="family", action="store_const", const=6, help="IPv6 only")
    routes.add_argument("--json", action="store_true", help="as `ip -j route show`")
    route = sub("route", "ask or change the routing table")
    actions = route.add_subparsers(dest="route_action", metavar="ACTION", required=True,
                                   parser_class=type(route))
    get = actions.add_parser("get", help="where would a packet to ADDRESS go?")
    add_host_options(get)
    get.add_argument("addresses", nargs="+", metavar="ADDRESS")
    get.add_argument("--from", dest="source", metavar="SRC", help="source address")
    get.add_argument("--json", action="store_true", help="as `ip -j route get`")
    links = sub("links", "show the network adapters and their addresses")
    links.add_argument("--json", action="store_true", help="machine-readable output")


def network_of(host: Host):
    from wizard.cli import UsageError

    if host.network is None:
        raise UsageError(f"{host.label} is not a running system: it has no live routing table")
    return host.network


def cmd_routes(host: Host, args: argparse.Namespace) -> int:
    from wizard.cli import UsageError
    from wizard.network.rtnetlink import (
        IPROUTE_COLUMNS,
        iproute_row,
        table_id,
        write_iproute_json,
    )

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
    rows = [IPROUTE_COLUMNS, *(iproute_row(route) for route in table)]
    print(_columns(rows))
    print(f"{len(table)} route(s)")
    return 0


def cmd_route(host: Host, args: argparse.Namespace) -> int:
    if args.route_action == "get":
        return _route_get(host, args)
    raise AssertionError(args.route_action)


def _route_get(host: Host, args: argparse.Namespace) -> int:
    from wizard.cli import UsageError

    network = network_of(host)
    for address in [*args.addresses, *([args.source] if args.source else [])]:
        try:
            socket.inet_pton(socket.AF_INET6 if ":" in address else socket.AF_INET, address)
        except OSError:
            raise UsageError(f"{address!r} is not an IP address") from None
    answers = [_plain(network.route_get(address, args.source)) for address in args.addresses]
    if args.json:
        print(json.dumps(answers))
        return 0
    for answer in answers:
        print(describe_route_get(answer))
    return 0


def _plain(answer: dict[str, Any]) -> dict[str, Any]:
    """Only the JSON fields (a simulated lookup also carries the matched Route object)."""
    return {key: value for key, value in answer.items() if key not in ("route", "route_index")}


REJECT_MEANING = {
    "blackhole": "dropped without a word (a blackhole route)",
    "unreachable": "refused: the sender is told the host is unreachable",
    "prohibit": "refused: the sender is told it is administratively prohibited",
    "throw": "no route in this table, and no later rule had one",
}


def describe_route_get(answer: dict[str, Any]) -> str:
    if answer.get("error"):
        kind = answer.get("type", "unreachable")
        meaning = REJECT_MEANING.get(kind, "no route")
        return f"{answer['dst']}: {meaning} (kernel: {answer['error']})"
    parts = [answer["dst"]]
    if answer.get("gateway"):
        parts.append(f"via {answer['gateway']}")
    if answer.get("dev"):
        parts.append(f"dev {answer['dev']}")
    if answer.get("prefsrc"):
        parts.append(f"src {answer['prefsrc']}")
    if answer.get("table"):
        parts.append(f"table {answer['table']}")
    if answer.get("type") and answer["type"] != "unicast":
        parts.insert(0, answer["type"])
    return " ".join(parts)


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


def _columns(rows: list[tuple[str, ...]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(cell.ljust(width) for cell, width in zip(row, widths,
                                                                         strict=True)).rstrip()
                     for row in rows)

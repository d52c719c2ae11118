"""A validated route as planned steps: the live netlink change, then (optionally) the file that
keeps it across reboots, each with the `ip route get` answer that proves it worked.

Why predict: a new route can be right and still never be used (a more specific route, a lower
metric or a policy rule wins), and a deleted one can take more traffic with it than meant. The
prediction replays the kernel's lookup on this host's tables with the change made
(`wizard.network.lookup`), so the step says before it runs what `ip route get` will answer,
and `verify_route` asks the kernel the same question afterwards.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from wizard.i18n import _
from wizard.network.lookup import lookup
from wizard.network.managers.base import PersistError
from wizard.network.managers.choose import manager_for
from wizard.network.route_spec import RouteContext, RouteSpec
from wizard.network.route_words import describe_route_get
from wizard.network.rtnetlink.constants import RT_TABLE_MAIN
from wizard.network.rtnetlink.iproute_format import to_iproute_json
from wizard.network.rtnetlink.route_table import RouteTable
from wizard.steps.step import Action, FileRemove, FileWrite, RunCommand, Step

if TYPE_CHECKING:
    from wizard.host.base import Host

__all__ = ["PersistError", "Prediction", "in_table", "predict", "predicted_lookup",
           "route_steps", "verify_route"]

_DOCUMENTATION = {4: "198.51.100.1", 6: "2001:db8::1"}  # probes for a default route


@dataclass(frozen=True)
class Prediction:
    """`ip route get PROBE` before and after the change, and whether the route decides it."""

    probe: str
    before: dict[str, Any]
    after: dict[str, Any]
    decides: bool  # add: the new route answers the probe; del: the old one answered it


def predicted_lookup(context: RouteContext, dst: str, src: str | None = None,
                     change: tuple[RouteSpec, str] | None = None) -> dict[str, Any]:
    """The kernel's answer for `ip route get DST [from SRC]` with `change` (spec, op) made.

    Only the routes that cover DST (and, with a source, the local routes that own it) can take
    part in that lookup, so only they are copied: cheap even beside a full Internet table.
    """
    family = socket.AF_INET6 if ":" in dst else socket.AF_INET
    routes = {route.index: route for route in context.routes.filter(match=dst, family=family)}
    if src:
        routes.update((route.index, route) for route in context.routes.filter(
            match=src, table="local", family=family))
    kept = list(routes.values())
    if change is not None and change[1] == "del":
        gone = next((route for route in kept if change[0].matches(route)), None)
        kept = [route for route in kept if route is not gone]
    dicts = [to_iproute_json(route) for route in kept]
    if change is not None and change[1] == "add":
        dicts.append(change[0].as_iproute_dict())
    return lookup(RouteTable.from_iproute_json(dicts), context.rules or None, dst, src,
                  context.address_map())


def _probes(spec: RouteSpec) -> list[str]:
    """Addresses inside the prefix to ask about: the first, the middle, the last usable."""
    network = spec.network
    base, size = int(network.network_address), network.num_addresses
    offsets = [1, size // 2 + 1, size - 2] if size > 2 else [0, size - 1]
    found = [_DOCUMENTATION[spec.family]] if network.prefixlen == 0 else []
    found += [str(ipaddress.ip_address(base + offset)) for offset in offsets]
    return list(dict.fromkeys(found))


def _decides(answer: dict[str, Any], spec: RouteSpec) -> bool:
    route = answer.get("route")
    return route is not None and spec.matches(route)


def predict(context: RouteContext, spec: RouteSpec, op: str) -> Prediction:
    """The first probe the route decides, or the first probe when it decides none."""

    def at(probe: str) -> Prediction:
        before = predicted_lookup(context, probe)
        after = predicted_lookup(context, probe, change=(spec, op))
        return Prediction(probe, before, after, _decides(after if op == "add" else before, spec))

    predictions = map(at, _probes(spec))
    first = next(predictions)
    return first if first.decides else next((p for p in predictions if p.decides), first)


def _table_text(spec: RouteSpec) -> str:
    return "main" if spec.table_id == RT_TABLE_MAIN else str(spec.table)


def _unused_reason(context: RouteContext, spec: RouteSpec) -> str:
    if spec.table_id != RT_TABLE_MAIN and not any(
            str(rule.get("table")) in (str(spec.table), str(spec.table_id))
            for rule in context.rules):
        return (f"no policy rule sends packets to table {spec.table} yet (ip rule add ... "
                f"lookup {spec.table_id})")
    return "a more specific route, a lower metric or a policy rule wins for every address tried"


def _live_step(spec: RouteSpec, op: str, context: RouteContext | None) -> Step:
    change = spec.change(op)
    adding = op == "add"
    listing = f"ip route show {spec.prefix} table {_table_text(spec)}"
    if context is None:
        why = (_("Packets for {prefix} get this route; the host is not running, so its network "
                 "configuration brings the change at boot.") if adding else
               _("Packets for {prefix} lose this route; the host is not running, so its network "
                 "configuration brings the change at boot.")).format(prefix=spec.prefix)
        verify = f"{listing} {'lists' if adding else 'no longer lists'} it"
    else:
        prediction = predict(context, spec, op)
        why = _("Today `ip route get {probe}` answers: {before}. After the change: "
                "{after}.").format(probe=prediction.probe,
                                   before=describe_route_get(prediction.before),
                                   after=describe_route_get(prediction.after))
        if adding and not prediction.decides:
            why += " " + _("Nothing would use the new route yet: {reason}.").format(
                reason=_unused_reason(context, spec))
        verify = (f"ip route get {prediction.probe} answers: {describe_route_get(prediction.after)}"
                  if adding and prediction.decides
                  else f"{listing} {'lists' if adding else 'no longer lists'} it")
    return Step(
        id=f"route-{op}-{spec.dst}", title=f"{'Add' if adding else 'Delete'} the route "
        f"{spec.describe()}", why=why, actions=(change,), verify=verify,
        undo=f"kubeadm-wizard undo {'deletes the route again' if adding else 'puts it back'} "
             f"({change.reversed().shell_text}).",
        done_when=lambda host: in_table(host, spec) == adding)


def in_table(host: Host, spec: RouteSpec) -> bool:
    """Whether the running system's table has the route (never, without one)."""
    network = host.network
    return network is not None and any(
        spec.matches(route)
        for route in network.routes(spec.family).filter(match=spec.prefix, table=spec.table_id))


def _persist_step(host: Host, spec: RouteSpec, op: str, context: RouteContext | None) -> Step:
    dev = spec.out_dev
    if not dev:
        raise PersistError("Name the interface (dev): with no running system to ask, the "
                           "wizard cannot tell which interface's configuration keeps the route.")
    manager = manager_for(host, dev, spec.family, context.link(dev) if context else None)
    if manager is None:
        raise PersistError(f"Nothing on {host.label} configures {dev} from a file the wizard "
                           "knows (netplan, ifupdown, NetworkManager, systemd-networkd, dhcpcd), "
                           "so the route cannot be kept across reboots here.")
    content = manager.edit(host.read_optional(manager.path), spec, op)
    reload = manager.reload_argv(host)
    # A file that held nothing but this route (a hook or drop-in the add created) goes away.
    removing = op == "del" and not content.strip()
    actions: tuple[Action, ...] = ((FileRemove(manager.path),) if removing
                      else (FileWrite(manager.path, content),))
    actions += (RunCommand(reload, undo_argv=reload),) if reload else ()
    adding = op == "add"
    return Step(
        id=f"route-{op}-{spec.dst}-persist",
        title=f"{'Keep' if adding else 'Remove'} the route in {manager.label}",
        why=manager.why, actions=actions, commands=manager.commands(spec, op),
        verify=f"{manager.path} {'has' if adding else 'no longer has'} the route; the next boot "
               f"{'adds' if adding else 'leaves out'} {spec.describe()}")


def route_steps(host: Host, spec: RouteSpec, op: str = "add", persist: bool = False,
                context: RouteContext | None = None) -> list[Step]:
    """The live change, and with `persist` the config-file edit; PersistError says why not.

    `context` saves reading the routing table again when the caller already has it.
    """
    context = context if context is not None else RouteContext.from_host(host)
    steps = [_live_step(spec, op, context)]
    if persist:
        steps.append(_persist_step(host, spec, op, context))
    return steps


def verify_route(host: Host, spec: RouteSpec, op: str = "add") -> str | None:
    """After applying: the problem in one sentence, or None when the host agrees.

    Deleted: the route is gone from its table. Added: it is in its table and, when a lookup
    would use it, the host's own `ip route get` for a probe inside the prefix goes through it.
    """
    context = RouteContext.from_host(host)
    if context is None:
        return f"{host.label} is not a running system: the route takes effect when it boots."
    table = _table_text(spec)
    present = any(spec.matches(route) for route in context.routes_covering(
        spec.prefix, spec.family, spec.table_id))
    if op != "add":
        return f"{spec.describe()} is still in table {table}." if present else None
    if not present:
        return f"{spec.describe()} is not in table {table}."
    probe = next((p for p in _probes(spec) if _decides(predicted_lookup(context, p), spec)), None)
    if probe is None or host.network is None:
        return None
    answer = host.network.route_get(probe)
    if answer.get("error") or (spec.gateway and answer.get("gateway") != spec.gateway) or (
            spec.out_dev and answer.get("dev") != spec.out_dev):
        return (f"ip route get {probe} answers '{describe_route_get(answer)}', not through the new "
                "route.")
    return None

"""Routes the answers file asks for: each is in the routing table, or its fix adds it.

The source tutorial's case: the cluster network is not on the default route, so every node
needs a route to it. An answers file carries those routes (`routes:`), and replaying it on a
fresh node plans the same `route add` (and the file that keeps it across reboots) that
`kubeadm-wizard route add --persist` would, validated against this host's own table.
"""

from __future__ import annotations

from wizard.checks.base import CheckContext, CheckResult, Status, check
from wizard.i18n import N_
from wizard.model import RouteChoice
from wizard.network.route_plan import PersistError, in_table, route_steps
from wizard.network.route_spec import RouteContext, RouteRequest, validate

SCREEN = "network"
_LESSON = N_("A node whose cluster network is not behind its default route needs a route to "
             "it, or its packets to the other nodes leave through the wrong adapter. The "
             "answers file keeps the route, so every node of the class gets the same one.")


@check(SCREEN, "routes")
def answer_routes(ctx: CheckContext) -> list[CheckResult]:
    if not ctx.choices.routes:
        return []
    context = RouteContext.from_host(ctx.host)
    return [_route_result(ctx, choice, context) for choice in ctx.choices.routes]


def route_choice(request: RouteRequest) -> RouteChoice:
    """What the route helper's form asked for, as the answers file keeps it."""
    metric = request.metric.strip()
    return RouteChoice(dst=request.dst.strip(), gateway=request.gateway.strip() or None,
                       dev=request.dev.strip() or None, metric=int(metric) if metric else None,
                       table=request.table.strip() or None)


def _route_result(ctx: CheckContext, choice: RouteChoice,
                  context: RouteContext | None) -> CheckResult:
    request = RouteRequest(dst=choice.dst, gateway=choice.gateway or "", dev=choice.dev or "",
                           metric="" if choice.metric is None else str(choice.metric),
                           table=choice.table or "")
    words = " ".join(filter(None, (choice.dst, choice.gateway and f"via {choice.gateway}",
                                   choice.dev and f"dev {choice.dev}")))
    result = CheckResult(f"Route-{choice.dst}", Status.PASS, expected=f"a route {words}",
                         lesson=_LESSON, group="routes")
    syntax = validate(request)
    if syntax.spec is None:
        result.status = Status.FAIL
        result.message = "the answers file's route: " + " ".join(
            p.message for p in syntax.errors)
        return result
    if in_table(ctx.host, syntax.spec):
        result.observed = "in the table"
        return result
    result.status, result.observed = Status.FAIL, "not in the table"
    on_host = validate(request, context, "add")
    if on_host.spec is None:
        result.message = "this host refuses it: " + " ".join(p.message for p in on_host.errors)
        return result
    try:
        result.fixes = tuple(route_steps(ctx.host, on_host.spec, "add", persist=True,
                                         context=context))
    except PersistError as error:
        result.fixes = tuple(route_steps(ctx.host, on_host.spec, "add", context=context))
        result.message = f"added until the next reboot only: {error}"
    return result

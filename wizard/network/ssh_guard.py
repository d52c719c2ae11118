"""Don't saw off the branch you sit on: route changes that move the path back to an SSH client.

Why: over SSH, a route that sends the replies to the operator's address somewhere else (a
wrong gateway, a default route through a VPN) freezes the session the moment it is applied,
and with it the only way to undo it. The guard predicts, from the simulated lookup, whether the
path back to the client changes; such a change is applied alone, and reverted unless the
operator confirms within REVERT_SECONDS that the session still answers. The countdown is the
caller's (a dialog in the TUI, a prompt on the command line); this module decides and plans.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from wizard.i18n import N_
from wizard.network.route_plan import predicted_lookup
from wizard.network.route_spec import RouteContext, RouteSpec
from wizard.steps.step import RouteChange, Step

if TYPE_CHECKING:
    from wizard.host.base import Host

REVERT_SECONDS = 30


def _endpoints(env: Mapping[str, str]) -> tuple[str, str] | None:
    """(client, server) addresses from SSH_CONNECTION="client port server port"."""
    words = env.get("SSH_CONNECTION", "").split()
    if len(words) != 4:
        return None
    try:
        client, server = (str(ipaddress.ip_address(w.split("%")[0])) for w in words[0::2])
    except ValueError:
        return None
    return client, server


def ssh_client(env: Mapping[str, str] | None = None) -> str | None:
    """The address the operator's SSH session comes from, or None when not over SSH."""
    endpoints = _endpoints(os.environ if env is None else env)
    return endpoints[0] if endpoints else None


def _path(answer: dict[str, Any]) -> tuple[object, bool, object, object]:
    return (answer.get("type"), bool(answer.get("error")), answer.get("gateway"),
            answer.get("dev"))


def _words(answer: dict[str, Any]) -> str:
    if answer.get("error"):
        return f"nowhere ({answer.get('type') or 'unreachable'}: {answer['error']})"
    hop = f"via {answer['gateway']} " if answer.get("gateway") else ""
    return f"{hop}dev {answer.get('dev')}"


def changes_ssh_path(host: Host, spec: RouteSpec, op: str, *,
                     env: Mapping[str, str] | None = None,
                     context: RouteContext | None = None) -> str | None:
    """Why this change may cut the operator's SSH session, or None when it cannot.

    Only a route whose prefix holds the client's address can change the path back to it, and
    only when the session's server address belongs to this host's network (not, say, when
    the wizard looks into another namespace with --netns).
    """
    endpoints = _endpoints(os.environ if env is None else env)
    if endpoints is None:
        return None
    client, server = endpoints
    if ipaddress.ip_address(client) not in spec.network:
        return None
    context = context if context is not None else RouteContext.from_host(host)
    if context is None or not any(a.address == server for a in context.addresses):
        return None
    before = predicted_lookup(context, client, server)
    after = predicted_lookup(context, client, server, change=(spec, op))
    if _path(before) == _path(after):
        return None
    return (f"You are connected over SSH from {client}: replies to it leave {_words(before)} "
            f"now and would leave {_words(after)} after this change. If that path does not "
            f"reach you the session freezes, so the change is reverted after {REVERT_SECONDS} s "
            "unless you confirm that it still answers.")


@dataclass(frozen=True)
class GuardedPlan:
    """A risky plan split in three: apply `now`, then `on_keep` or `on_revert`."""

    explanation: str
    now: tuple[Step, ...]
    on_keep: tuple[Step, ...]
    on_revert: tuple[Step, ...]


def guard_plan(steps: Sequence[Step], explanation: str) -> GuardedPlan:
    """The live route change alone first; config files are written only once it is kept.

    Reverting then means reversing netlink changes only: nothing on disk was touched.
    """
    live = [s for s in steps if any(isinstance(a, RouteChange) for a in s.actions)]
    rest = [s for s in steps if s not in live]
    revert = [Step(id=f"{step.id}-revert", title=f"Revert: {step.title}",
                   why=N_("The change was not confirmed over SSH in time, so it is taken back."),
                   actions=tuple(a.reversed() for a in reversed(step.actions)
                                 if isinstance(a, RouteChange)),
                   verify="the SSH session answers again")
              for step in reversed(live)]
    return GuardedPlan(explanation, tuple(live), tuple(rest), tuple(revert))

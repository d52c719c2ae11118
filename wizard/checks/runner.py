"""Running the registered checks against a host."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from wizard.checks.base import REGISTRY, CheckContext, CheckResult, Status
from wizard.model import WizardChoices
from wizard.steps.step import Step

if TYPE_CHECKING:
    from wizard.host.base import Host


SCREEN_ORDER = ("requirements", "network", "bridge", "runtime", "cgroups", "init")


def _load_check_modules() -> None:
    """Importing the modules registers their checks."""
    import wizard.checks.requirements  # noqa: F401, I001
    import wizard.checks.network  # noqa: F401
    import wizard.checks.answer_routes  # noqa: F401
    import wizard.checks.kernel_networking  # noqa: F401
    import wizard.checks.container_runtime  # noqa: F401
    import wizard.checks.cgroups  # noqa: F401
    import wizard.checks.init_join  # noqa: F401


def run_checks(host: Host, choices: WizardChoices | None = None, *,
               screens: Iterable[str] | None = None) -> list[CheckResult]:
    _load_check_modules()
    if host.network is None:
        return _run(host, choices, screens)
    with host.network.snapshot():
        return _run(host, choices, screens)


def _run(host: Host, choices: WizardChoices | None,
         screens: Iterable[str] | None) -> list[CheckResult]:
    context = CheckContext(host, choices or WizardChoices())
    wanted = set(screens) if screens is not None else None
    results: list[CheckResult] = []
    # Screen order is the plan's order (swap before modules before the runtime before
    # kubeadm), whichever module happened to be imported first.
    for registered in sorted(REGISTRY, key=lambda r: SCREEN_ORDER.index(r.screen)):
        if wanted is not None and registered.screen not in wanted:
            continue
        produced = registered.function(context)
        if produced is None:
            continue
        for result in [produced] if isinstance(produced, CheckResult) else produced:
            result.group = result.group or registered.group
            result.screen = result.screen or registered.screen
            results.append(result)
    return results


def default_fixes(results: Iterable[CheckResult], skipped: Iterable[str] = ()) -> list[Step]:
    """The plan: the fix steps of every failing or warning check, each step once, in order."""
    skipped = set(skipped)
    steps: list[Step] = []
    seen: set[str] = set()
    for result in results:
        if result.status not in (Status.FAIL, Status.WARN):
            continue
        for step in result.fixes:
            if step.id not in seen and step.id not in skipped:
                seen.add(step.id)
                steps.append(step)
    return steps

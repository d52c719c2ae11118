"""`kubeadm-wizard reboot --demo NAME`: a simulated boot of a demo host, for a workshop.

Only demo hosts reboot here: the running state is rebuilt from the files that survive a boot
(wizard.host.simulated_boot), so "it worked until the reboot" can be shown on purpose. The
real machine is never rebooted, whatever the options say.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable


def add_demo_commands(sub: Callable[[str, str], argparse.ArgumentParser]) -> None:
    sub("reboot", "simulate a reboot of a demo host (--demo NAME): what survives it, and what "
                  "was only set at runtime")


def cmd_reboot(args: argparse.Namespace, usage_error: type[Exception]) -> int:
    from wizard.host.simulated import SimulatedHost
    from wizard.host.simulated_boot import simulate_boot

    demo = getattr(args, "demo", None)
    if not demo:
        raise usage_error("reboot only simulates a demo host's boot: give --demo NAME (it never "
                          "reboots this machine)")
    host = SimulatedHost(demo, reset=bool(getattr(args, "demo_reset", False)))
    print("\n".join(simulate_boot(host)))
    print(f"Now run: kubeadm-wizard check --demo {demo}")
    return 0

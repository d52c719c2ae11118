"""The Bridge & iptables step."""

from __future__ import annotations

from screens.page import StepPage


class BridgePage(StepPage):
    STEP_ID = "bridge"
    TITLE = "Bridge & iptables"
    INTRO = "Kernel modules and sysctls that let Kubernetes route pod traffic through this host."

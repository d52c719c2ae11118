"""The Requirements step."""

from __future__ import annotations

from screens.page import StepPage


class RequirementsPage(StepPage):
    STEP_ID = "requirements"
    TITLE = "Requirements"
    INTRO = ("What kubeadm's preflight will ask of this host (CPUs, memory, swap, ports, tools, "
             "identity), checked before kubeadm ever runs.")

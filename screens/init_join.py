"""The Init / Join step."""

from __future__ import annotations

from screens.page import StepPage


class InitJoinPage(StepPage):
    STEP_ID = "init"
    TITLE = "Init / Join"
    INTRO = "Packages, the kubeadm configuration, and the run of kubeadm init or join."

"""The Container runtime step."""

from __future__ import annotations

from screens.page import StepPage


class RuntimePage(StepPage):
    STEP_ID = "runtime"
    TITLE = "Container runtime"
    INTRO = ("The CRI runtime the kubelet will talk to (containerd, CRI-O, or Docker with "
             "cri-dockerd).")

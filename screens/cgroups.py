"""The Cgroups step."""

from __future__ import annotations

from screens.page import StepPage


class CgroupsPage(StepPage):
    STEP_ID = "cgroups"
    TITLE = "Cgroups"
    INTRO = "cgroup v2, and the systemd cgroup driver set the same in the runtime and the kubelet."

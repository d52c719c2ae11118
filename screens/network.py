"""The Network step."""

from __future__ import annotations

from screens.page import StepPage


class NetworkPage(StepPage):
    STEP_ID = "network"
    TITLE = "Network"
    INTRO = "Adapters, the routing table, and which address the cluster will use."

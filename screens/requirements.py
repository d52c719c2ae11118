"""The Requirements step: kubeadm's preflight, explained, with the role and version to check for."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Label, Select

from screens.page import StepPage
from screens.widgets.check_list import CheckList
from wizard.kube.versions import SUPPORTED_MINORS, resolve_minor

ROLE_OPTIONS = [("control plane", "control-plane"), ("worker", "worker")]
VERSION_OPTIONS = [(f"1.{minor}", f"1.{minor}") for minor in reversed(SUPPORTED_MINORS)]


class RequirementsPage(StepPage):
    STEP_ID = "requirements"
    TITLE = "Requirements"
    INTRO = "kubeadm's preflight, checked before kubeadm runs. space: fix in/out of the plan."

    # Compact selects, one line high and no wider than their longest option: with the
    # bordered ones "(kubeadm init)" was cut at 80 columns ("(kube").
    DEFAULT_CSS = """
    RequirementsPage #target { height: 1; margin: 0 0 1 0; }
    RequirementsPage #target Label { padding: 0 1 0 0; }
    RequirementsPage #role { width: 17; margin: 0 1 0 0; }
    RequirementsPage #version { width: 8; margin: 0 1 0 0; }
    """

    def compose_body(self) -> ComposeResult:
        choices = self.app.choices
        with Horizontal(id="target"):
            yield Label("Check for a")
            yield Select(ROLE_OPTIONS, value=choices.role, allow_blank=False, compact=True,
                         id="role")
            yield Select(VERSION_OPTIONS, value=f"1.{resolve_minor(choices.kubernetes_version)}",
                         allow_blank=False, compact=True, id="version")
            yield Label("(kubeadm init)" if choices.role == "control-plane" else "(kubeadm join)",
                        id="role-hint")
        yield CheckList()

    @on(Select.Changed, "#role")
    def _role_changed(self, event: Select.Changed) -> None:
        if event.value != self.app.choices.role:
            self.app.choices.role = str(event.value)
            self.query_one("#role-hint", Label).update(
                "(kubeadm init)" if event.value == "control-plane" else "(kubeadm join)")
            self.app.target_changed()

    @on(Select.Changed, "#version")
    def _version_changed(self, event: Select.Changed) -> None:
        if event.value != f"1.{resolve_minor(self.app.choices.kubernetes_version)}":
            self.app.choices.kubernetes_version = str(event.value)
            self.app.target_changed()

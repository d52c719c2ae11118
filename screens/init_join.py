"""The Init / Join step: packages, the kubeadm configuration, and a watched init or join.

Tabs keep it usable at 80x24 with the keyboard: the checks; the configuration (init or join,
the pod network, the YAML and its diff); the join form; the run (log, progress, end panel);
the reset preview with its opt-in cleanups; and a box that diagnoses pasted kubeadm output.
Everything that touches the host runs in a thread worker and reports back with a message; the
join secrets stay inside the join form and the run, never in the wizard's choices.
"""

from __future__ import annotations

import dataclasses

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.timer import Timer
from textual.widgets import Button, TabbedContent, TabPane
from textual.worker import Worker, WorkerState

from screens.init_join_after import AfterRunActions
from screens.init_join_messages import ConfigReady, OwnAddressesRead, RunEnded
from screens.init_join_run import RunActions
from screens.page import StepPage
from screens.widgets.check_list import CheckList
from screens.widgets.join_probe import JoinProbe
from screens.widgets.kubeadm_config_view import ConfigView, mode_index
from screens.widgets.kubeadm_diagnose import DiagnoseBox
from screens.widgets.kubeadm_join_form import JoinForm
from screens.widgets.kubeadm_reset import ResetPanel
from screens.widgets.kubeadm_run_panel import RunEnd, RunPanel
from screens.widgets.subnet_fields import SubnetFields
from wizard.checks.base import CheckResult
from wizard.kube.versions import KubeVersion, Role
from wizard.kubeadm.cni import get_cni
from wizard.kubeadm.join_endpoint import endpoint_problem_here
from wizard.kubeadm.plan import (
    config_preview,
    installed_tools,
    kubeadm_action,
    params_from_choices,
)
from wizard.kubeadm.run import KubeadmRun
from wizard.model import JoinSecrets, WizardChoices


class InitJoinPage(RunActions, AfterRunActions, StepPage):
    STEP_ID = "init"
    TITLE = "Init / Join"
    INTRO = "Packages, the kubeadm config, then init or join."

    DEFAULT_CSS = """
    InitJoinPage TabbedContent { height: 1fr; }
    InitJoinPage TabbedContent > ContentSwitcher { height: 1fr; }
    InitJoinPage TabPane { height: 1fr; padding: 0; }
    InitJoinPage .pane-scroll { height: 1fr; }
    """

    BINDINGS = [
        Binding("g", "go_fix", "Go to the fix"),
        Binding("j", "fresh_join", "New join"),
        Binding("s", "reveal", "Secrets"),
        Binding("c", "install_cni", "Install CNI"),
    ]

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._run: KubeadmRun | None = None
        self._busy = False
        self._end: RunEnd | None = None
        self._reveal = False
        self._kubeadm: KubeVersion | None = None
        self._action: Role | None = None
        self._config_timer: Timer | None = None
        self._own_addresses: list[str] = []  # until the worker has read them

    # ---------------------------------------------------------------------- layout
    def compose_body(self) -> ComposeResult:
        choices = self.app.choices
        mode = mode_index(kubeadm_action(choices), choices.role)
        with TabbedContent(id="ij-tabs"):
            with TabPane("Checks", id="ij-checks"):
                yield CheckList()
            with TabPane("Config", id="ij-config"), VerticalScroll(classes="pane-scroll"):
                yield ConfigView(mode=mode, cni=choices.cni)
                yield SubnetFields(self.app.host, choices.pod_subnet, choices.service_subnet)
            with TabPane("Join", id="ij-join"), _form_scroll():
                yield JoinForm(endpoint=choices.join_endpoint,
                               control_plane=choices.role == "control-plane",
                               endpoint_rule=self._endpoint_problem)
                yield JoinProbe()
            with TabPane("Run", id="ij-run"):
                yield RunPanel()
            with TabPane("Reset", id="ij-reset"), _form_scroll():
                yield ResetPanel()
            with TabPane("Diagnose", id="ij-diagnose"), _form_scroll():
                yield DiagnoseBox()

    def _endpoint_problem(self, endpoint: str) -> str | None:
        """The join endpoint checked against this host's addresses (once read) and the
        answers' ranges."""
        choices = self.app.choices
        return endpoint_problem_here(endpoint, own_addresses=self._own_addresses,
                                     pod_subnet=choices.pod_subnet,
                                     service_subnet=choices.service_subnet)

    @work(thread=True, exclusive=True, group="init-addresses", exit_on_error=False)
    def _addresses_worker(self) -> None:
        network = self.app.host.network  # None: a root without a network to read
        try:
            addresses = [a.address for a in network.addresses()] if network else []
        except OSError:  # a namespace that is gone: the Network page says so
            addresses = []
        self.post_message(OwnAddressesRead(addresses))

    def on_own_addresses_read(self, message: OwnAddressesRead) -> None:
        self._own_addresses = message.addresses
        self.query_one(JoinForm).recheck_endpoint()

    def on_tabbed_content_tab_activated(self, _event: TabbedContent.TabActivated) -> None:
        self.refresh_bindings()  # the run's keys come and go with the Run tab

    def on_mount(self) -> None:
        self.query_one(RunPanel).set_action(self.action)
        self.refresh_config(read_tools=True)
        self._addresses_worker()

    def results_shown(self, results: list[CheckResult]) -> None:
        self.refresh_config(read_tools=True)

    # -------------------------------------------------------------- the node's mode
    @property
    def action(self) -> Role:
        """init or join, as chosen on the Config tab (at first: what the choices imply)."""
        return self._action or kubeadm_action(self.app.choices)

    def on_config_view_mode_chosen(self, event: ConfigView.ModeChosen) -> None:
        choices = self.app.choices
        self._action = event.action
        choices.role = event.role
        choices.join_endpoint = self.query_one(JoinForm).endpoint if event.action == "join" else ""
        self.query_one(JoinForm).set_control_plane(event.role == "control-plane")
        self.query_one(RunPanel).set_action(event.action)
        self._choices_changed()

    def on_config_view_cni_chosen(self, event: ConfigView.CniChosen) -> None:
        choices = self.app.choices
        choices.cni = event.key
        plugin = get_cni(event.key)
        if plugin.manifest_url is not None:  # Cilium takes its pool from podSubnet instead
            choices.pod_subnet = plugin.default_pod_subnet
            self.query_one(SubnetFields).set_ranges(choices.pod_subnet, choices.service_subnet)
        self._choices_changed()

    def on_subnet_fields_changed(self, event: SubnetFields.Changed) -> None:
        choices = self.app.choices
        if (event.pod_subnet, event.service_subnet) == (choices.pod_subnet,
                                                        choices.service_subnet):
            return
        choices.pod_subnet, choices.service_subnet = event.pod_subnet, event.service_subnet
        self._choices_changed()

    def on_join_form_changed(self, event: JoinForm.Changed) -> None:
        if self.action != "join":
            return  # the form only feeds a join's configuration
        self.app.choices.join_endpoint = event.endpoint
        # Rebuild the YAML once typing pauses, not on every key.
        if self._config_timer is not None:
            self._config_timer.stop()
        self._config_timer = self.set_timer(0.4, self.refresh_config)

    def _choices_changed(self) -> None:
        self.refresh_config()
        self.app.refresh_banner()
        self.app.action_recheck()

    # ------------------------------------------------------------------ config tab
    def refresh_config(self, *, read_tools: bool = False) -> None:
        self._config_worker(self.action, dataclasses.replace(self.app.choices),
                            self.query_one(JoinForm).secrets(),
                            None if read_tools else self._kubeadm, read_tools)

    @work(thread=True, exclusive=True, group="init-config", exit_on_error=False)
    def _config_worker(self, action: Role, choices: WizardChoices, secrets: JoinSecrets,
                       kubeadm: KubeVersion | None, read_tools: bool) -> None:
        if read_tools:
            kubeadm = installed_tools(self.app.host)["kubeadm"].version
        try:
            params = params_from_choices(choices, kubeadm=kubeadm, secrets=secrets, action=action)
        except ValueError as error:  # an unsupported Kubernetes version in the choices
            self.post_message(ConfigReady(None, kubeadm, str(error)))
            return
        self.post_message(ConfigReady(config_preview(self.app.host, params), kubeadm))

    def on_config_ready(self, message: ConfigReady) -> None:
        self._kubeadm = message.kubeadm
        self.query_one(ConfigView).show(message.preview, self.app.choices, message.error)

    # --------------------------------------------------------------------- buttons
    def on_button_pressed(self, event: Button.Pressed) -> None:
        handlers = {
            "run-start": self.action_run, "run-cancel": self.action_cancel,
            "run-go-fix": self.action_go_fix, "run-fresh-join": self.action_fresh_join,
            "run-cni": self.action_install_cni, "reset-run": self.action_reset,
            "reset-cleanup": self.action_cleanup,
        }
        handler = handlers.get(event.button.id or "")
        if handler is not None:
            event.stop()
            handler()

    def _may_change_host(self) -> bool:
        if self.app.host.read_only:
            self.notify("Not running as root: this wizard is read-only here.",
                        severity="warning")
            return False
        if self._busy:
            self.notify("kubeadm is still running.", severity="warning")
            return False
        return True

    # --------------------------------------------------------------------- workers
    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state != WorkerState.ERROR:
            return
        error = f"{type(event.worker.error).__name__}: {event.worker.error}"
        self.notify(error, title="Init / Join", severity="error", markup=False)
        if event.worker.group == "kubeadm-run":
            self.post_message(RunEnded(RunEnd(None, notes=[error])))


def _form_scroll() -> VerticalScroll:
    """A pane of fields: not a tab stop itself (an invisible one took the first Tab, and
    the text typed next went to the app's keys); it scrolls to whichever field has focus."""
    return VerticalScroll(classes="pane-scroll", can_focus=False)

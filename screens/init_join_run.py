"""kubeadm init or join on the Init / Join page: the confirmation, the run in a thread worker
with its log and progress streamed back by messages, and what the end panel focuses next.

A mixin of InitJoinPage, which provides the join form, the run panel, the chosen action and
`_may_change_host`; kept apart so the page module holds the tabs and the choices.
"""

from __future__ import annotations

import dataclasses

from textual import work
from textual.widgets import Button, TabbedContent

from screens.dialogs.confirm import ConfirmDialog
from screens.init_join_messages import RunEnded, RunLine, RunOutput
from screens.widgets.kubeadm_join_form import JoinForm
from screens.widgets.kubeadm_run_panel import RunEnd, RunPanel
from wizard.kube.versions import Role
from wizard.kubeadm.plan import CONFIG_PATH, cni_install_step
from wizard.kubeadm.run import KubeadmRun
from wizard.kubeadm.session import run_kubeadm
from wizard.model import JoinSecrets, WizardChoices


class RunActions:
    """Mixed into InitJoinPage (a Widget), which provides these attributes."""

    _end: RunEnd | None
    _reveal: bool
    _busy: bool
    _run: KubeadmRun | None
    action: Role

    def action_run(self) -> None:
        if not self._may_change_host():
            return
        action = self.action
        host = self.app.host
        if action == "join":
            problems = self.query_one(JoinForm).problems()
            if problems:
                self.query_one(TabbedContent).active = "ij-join"
                self.notify(problems[0], title="The join form is not complete",
                            severity="warning", markup=False)
                return
            what = ("checks the route and the TCP port of the API server, then runs kubeadm "
                    "join with a private copy of the configuration that holds the token")
        else:
            what = ("runs kubeadm init, and on success copies admin.conf to your "
                    "~/.kube/config")
        question = (f"Run kubeadm {action} on {host.label}?\n\nThe wizard writes {CONFIG_PATH}, "
                    f"{what}. kubeadm then changes the host: /etc/kubernetes, the kubelet and "
                    "the static Pods of the control plane.")
        self.app.push_screen(ConfirmDialog(question, yes=f"Run kubeadm {action}"),
                             callback=lambda yes: self._start(action) if yes else None)

    def _start(self, action: Role) -> None:
        self._busy, self._reveal = True, False
        self.query_one(TabbedContent).active = "ij-run"
        self.query_one(RunPanel).begin(f"kubeadm {action} --config {CONFIG_PATH}", counted=True)
        self._run_worker(action, dataclasses.replace(self.app.choices),
                         self.query_one(JoinForm).secrets())

    @work(thread=True, exclusive=True, group="kubeadm-run", exit_on_error=False)
    def _run_worker(self, action: Role, choices: WizardChoices, secrets: JoinSecrets) -> None:
        outcome = run_kubeadm(self.app.host, choices, action, secrets=secrets, say=self._say,
                              on_progress=lambda p: self.post_message(RunOutput(p)),
                              started=self._started)
        self._run = None
        if outcome.result is None:
            self.post_message(RunEnded(RunEnd(None, refusal=outcome.fix,
                                                   notes=outcome.notes)))
            return
        self.post_message(RunEnded(RunEnd(outcome.result, notes=outcome.notes,
                                               cni=cni_install_step(choices))))

    def _started(self, run: KubeadmRun) -> None:
        self._run = run

    def _say(self, line: str) -> None:
        self.post_message(RunLine(line))

    def action_cancel(self) -> None:
        if self._run is not None:
            self._run.cancel()
            self.query_one(RunPanel).write("(cancelling: SIGTERM sent to kubeadm)")

    def on_run_line(self, message: RunLine) -> None:
        self.query_one(RunPanel).write(message.line)

    def on_run_output(self, message: RunOutput) -> None:
        self.query_one(RunPanel).add(message.progress)

    def on_run_ended(self, message: RunEnded) -> None:
        self._busy = False
        self._end = message.end
        panel = self.query_one(RunPanel)
        panel.finish(message.end, reveal=self._reveal)
        # Focus what comes next, so Enter does it and the page's keys (g, j, s, c) work.
        succeeded = message.end.result is not None and message.end.result.succeeded
        next_button = ("#run-fresh-join" if message.end.init_succeeded else
                       "#run-go-fix" if message.end.fix_screen and not succeeded else
                       "#run-start")
        self.query_one(next_button, Button).focus()
        self.refresh_bindings()
        self.refresh_reset()
        self.app.action_recheck()

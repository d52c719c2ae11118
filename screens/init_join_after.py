"""What follows a kubeadm run on the Init / Join page: the end panel's keys (go to the fix,
show the secrets, a fresh join command, install the CNI), kubeadm reset and its opt-in
cleanups, and the journaled steps they apply.

A mixin of InitJoinPage, which provides the run panel, the busy flag and `_may_change_host`;
kept apart so the page module holds the tabs and the choices.
"""

from __future__ import annotations

from datetime import datetime

from textual import work
from textual.widgets import TabbedContent

from screens.dialogs.confirm import ConfirmDialog
from screens.init_join_messages import FreshJoin, RunEnded, RunOutput, StepsApplied
from screens.widgets.kubeadm_reset import ResetPanel
from screens.widgets.kubeadm_run_panel import RunEnd, RunPanel
from wizard.i18n import _
from wizard.kubeadm.plan import cni_install_step
from wizard.kubeadm.run import TOKEN_LIFETIME, KubeadmRun, fresh_join_command, reset_command
from wizard.steps.engine import apply_steps
from wizard.steps.step import Step

_RUN_KEYS = frozenset({"go_fix", "fresh_join", "reveal", "install_cni"})


class AfterRunActions:
    """Mixed into InitJoinPage (a Widget), which provides these attributes."""

    _end: RunEnd | None
    _reveal: bool
    _busy: bool
    _run: KubeadmRun | None

    # -------------------------------------------------------------------- end panel
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The run's keys act on the Run tab, where its outcome is shown; so the footer has
        room for them beside the app's keys at 80 columns."""
        tabs = next(iter(self.query("#ij-tabs").results(TabbedContent)), None)
        if action in _RUN_KEYS and (tabs is None or tabs.active != "ij-run"):
            return False
        end = self._end
        if action == "go_fix":
            return bool(end and end.fix_screen and not (end.result and end.result.succeeded))
        if action in ("fresh_join", "install_cni"):
            return bool(end and end.init_succeeded)
        if action == "reveal":
            return bool(end and (end.fresh or (end.result and end.result.join_commands)))
        return True

    def action_go_fix(self) -> None:
        if self._end is not None and self._end.fix_screen:
            self.app.action_go(self._end.fix_screen)

    def action_reveal(self) -> None:
        if self._end is not None:
            self._reveal = not self._reveal
            self.query_one(RunPanel).show_outcome(self._end, reveal=self._reveal)

    def action_fresh_join(self) -> None:
        self.query_one(RunPanel).write("$ kubeadm token create --print-join-command")
        self._fresh_worker()

    @work(thread=True, exclusive=True, group="init-join-command", exit_on_error=False)
    def _fresh_worker(self) -> None:
        self.post_message(FreshJoin(fresh_join_command(self.app.host),
                                         datetime.now().astimezone()))

    def on_fresh_join(self, message: FreshJoin) -> None:
        if isinstance(message.command, str):
            self.notify(message.command, title="No fresh join command", severity="error",
                        markup=False)
            return
        if self._end is not None:
            self._end.fresh = message.command
            self._end.fresh_expires = message.at + TOKEN_LIFETIME
            self.query_one(RunPanel).show_outcome(self._end, reveal=self._reveal)
        self.query_one(RunPanel).write("(a fresh join command is in the panel below)")

    def action_install_cni(self) -> None:
        if not self._may_change_host():
            return
        step = cni_install_step(self.app.choices)
        commands = "\n".join(step.shell_commands)
        self._confirm_steps([step], f"{step.title}?\n\n{_(step.why)}\n\n{commands}", "Install")

    # ------------------------------------------------------------------------ reset
    def refresh_reset(self) -> None:
        self.query_one(ResetPanel).refresh_preview()

    def action_reset(self) -> None:
        if not self._may_change_host():
            return
        question = (f"Run kubeadm reset --force on {self.app.host.label}?\n\nIt stops the "
                    "kubelet, removes the Kubernetes containers, /etc/kubernetes' certificates "
                    "and kubeconfig files and the etcd data (the Reset tab lists them).")
        self.app.push_screen(ConfirmDialog(question, yes="Reset"),
                             callback=lambda yes: self._start_reset() if yes else None)

    def _start_reset(self) -> None:
        self._busy = True
        self.query_one(TabbedContent).active = "ij-run"
        argv = reset_command(self.app.choices.cri_socket or None)
        self.query_one(RunPanel).begin(" ".join(argv), counted=False)
        self._reset_run_worker(argv)

    @work(thread=True, exclusive=True, group="kubeadm-run", exit_on_error=False)
    def _reset_run_worker(self, argv: list[str]) -> None:
        run = KubeadmRun(self.app.host, argv)
        self._run = run
        result = run.execute(on_progress=lambda p: self.post_message(RunOutput(p)))
        self._run = None
        self.post_message(RunEnded(RunEnd(result)))

    def action_cleanup(self) -> None:
        if not self._may_change_host():
            return
        steps = self.query_one(ResetPanel).selected()
        if steps:
            titles = "\n".join(f"- {step.title}" for step in steps)
            self._confirm_steps(steps, f"Apply these cleanups?\n\n{titles}", "Apply")

    # ------------------------------------------------------------- applying steps
    def _confirm_steps(self, steps: list[Step], question: str, yes: str) -> None:
        def confirmed(answer: bool | None) -> None:
            if answer:
                self.query_one(TabbedContent).active = "ij-run"
                self.query_one(RunPanel).write(f"$ applying: {', '.join(s.title for s in steps)}")
                self._apply_worker(steps)

        self.app.push_screen(ConfirmDialog(question, yes=yes), callback=confirmed)

    @work(thread=True, exclusive=True, group="init-apply", exit_on_error=False)
    def _apply_worker(self, steps: list[Step]) -> None:
        self.post_message(StepsApplied(apply_steps(self.app.host, steps)))

    def on_steps_applied(self, message: StepsApplied) -> None:
        panel = self.query_one(RunPanel)
        for outcome in message.outcomes:
            panel.write(f"{outcome.status}: {outcome.title}")
            for line in outcome.messages:
                panel.write(f"    {line}")
        self.refresh_reset()
        self.app.action_recheck()


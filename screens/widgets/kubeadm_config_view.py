"""What this node does (init or join), its pod network, and the kubeadm configuration as YAML.

The configuration is shown exactly as it will be written (secrets as <hidden>), with a diff
against the file already on disk, so the operator reviews the change before it happens. The
pod network choice shows whether it agrees with podSubnet and the command that installs it.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.console import Group, RenderableType
from rich.syntax import Syntax
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Label, RadioButton, RadioSet, Static

from wizard.kube.versions import Role
from wizard.kubeadm.cni import CNI_PLUGINS, cni_subnet_warning, get_cni
from wizard.kubeadm.plan import ConfigPreview, cni_install_step
from wizard.model import WizardChoices

MODES: tuple[tuple[Role, str, str], ...] = (
    ("init", "control-plane", "kubeadm init: the first control plane"),
    ("join", "worker", "kubeadm join as a worker"),
    ("join", "control-plane", "kubeadm join as another control plane"),
)
"""What this node does: kubeadm's action, the wizard's role, the label."""


def mode_index(action: Role, role: str) -> int:
    return next(i for i, (a, r, _) in enumerate(MODES) if a == action and r == role)


def render_config(preview: ConfigPreview) -> Group:
    if preview.problems:
        return Group(Text("kubeadm would refuse this configuration:", style="bold red"),
                     *(Text(f"  - {problem}") for problem in preview.problems))
    parts: list[RenderableType] = [
        Text(f"{preview.path} ({preview.api_version}); secrets show as <hidden>:", style="bold"),
        Syntax(preview.text.rstrip("\n"), "yaml", theme="ansi_dark", word_wrap=True)]
    if preview.existing is None:
        parts.append(Text("There is no such file yet: the run writes it.", style="dim"))
    elif preview.diff:
        parts += [Text("Changes against the file on disk:", style="bold"),
                  Syntax(preview.diff.rstrip("\n"), "diff", theme="ansi_dark", word_wrap=True)]
    else:
        parts.append(Text("Same as the file on disk.", style="green"))
    return Group(*parts)


def render_cni(choices: WizardChoices) -> Group:
    cni = get_cni(choices.cni)
    warning = cni_subnet_warning(cni, choices.pod_subnet or None)
    parts = [Text(warning, style="yellow") if warning else
             Text(f"{cni.name} and podSubnet {choices.pod_subnet} agree.", style="green"),
             Text("Installed after init with:", style="bold")]
    parts += [Text("  " + command) for command in cni_install_step(choices).shell_commands]
    return Group(*parts)


class ConfigView(Vertical):
    """The init / join switch, the CNI choice, and the generated configuration."""

    DEFAULT_CSS = """
    ConfigView { height: auto; }
    ConfigView RadioSet { width: 100%; }
    ConfigView #config-cni-note, ConfigView #config-body { margin-top: 1; }
    """

    @dataclass
    class ModeChosen(Message):
        action: Role
        role: str

    @dataclass
    class CniChosen(Message):
        key: str

    def __init__(self, *, mode: int, cni: str, **kwargs) -> None:
        super().__init__(**kwargs)
        self._mode = mode
        self._cni = cni

    def compose(self) -> ComposeResult:
        yield Label("This node:")
        yield RadioSet(*(RadioButton(label, value=index == self._mode)
                         for index, (_, _, label) in enumerate(MODES)), id="config-mode")
        yield Label("Pod network (CNI):")
        yield RadioSet(*(RadioButton(f"{plugin.name} {plugin.version}", value=key == self._cni,
                                     name=key)
                         for key, plugin in CNI_PLUGINS.items()), id="config-cni")
        yield Static("", id="config-cni-note", markup=False)
        yield Static("Building the configuration…", id="config-body", markup=False)

    def on_radio_set_changed(self, event: RadioSet.Changed) -> None:
        event.stop()
        if event.radio_set.id == "config-mode":
            action, role, _ = MODES[event.index]
            self.post_message(self.ModeChosen(action, role))
        elif event.pressed.name:
            self.post_message(self.CniChosen(event.pressed.name))

    def show(self, preview: ConfigPreview | None, choices: WizardChoices, error: str = "") -> None:
        self.query_one("#config-cni-note", Static).update(render_cni(choices))
        body = self.query_one("#config-body", Static)
        body.update(render_config(preview) if preview is not None else Text(error, style="red"))

"""What the Init / Join page's host workers send back to the UI thread."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from textual.message import Message

from screens.widgets.kubeadm_run_panel import RunEnd
from wizard.kube.versions import KubeVersion
from wizard.kubeadm.join_command import JoinCommand
from wizard.kubeadm.plan import ConfigPreview
from wizard.kubeadm.run import RunProgress
from wizard.steps.engine import StepOutcome


@dataclass
class ConfigReady(Message):
    """The Config tab's YAML for the current choices, or why there is none."""

    preview: ConfigPreview | None
    kubeadm: KubeVersion | None
    error: str = ""


@dataclass
class OwnAddressesRead(Message):
    """This host's addresses, which a join endpoint must not be (empty when unreadable)."""

    addresses: list[str]


@dataclass
class RunLine(Message):
    """A line of the wizard's own about a run (a step written, the probe's answer)."""

    line: str


@dataclass
class RunOutput(Message):
    """A line of kubeadm's output, masked, and where the run stands."""

    progress: RunProgress


@dataclass
class RunEnded(Message):
    end: RunEnd


@dataclass
class FreshJoin(Message):
    """`kubeadm token create --print-join-command`: its command, or why there is none."""

    command: JoinCommand | str
    at: datetime


@dataclass
class StepsApplied(Message):
    """A CNI install or reset cleanups, applied as journaled steps."""

    outcomes: list[StepOutcome]

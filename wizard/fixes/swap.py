"""Swap: what is on now, what brings it back at boot, and the steps that turn each one off.

The kubelet refuses to start while swap is on (unless told `failSwapOn: false`), and
`swapoff -a` alone lasts only until the next reboot: every place that turns swap on at boot
(/etc/fstab, systemd swap units, dphys-swapfile, zram, rpi-swap) needs its own fix.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from wizard.facts.systemd import STARTS_AT_BOOT, unit_state
from wizard.host.base import Host
from wizard.i18n import N_, _
from wizard.steps.step import FileWrite, RunCommand, Step

FSTAB = "/etc/fstab"
FSTAB_MARKER = "# kubeadm-wizard: swap disabled for the kubelet"
DPHYS_UNIT = "dphys-swapfile.service"
ZRAM_GENERATOR_CONF = "/etc/systemd/zram-generator.conf"
RPI_SWAP_CONF = "/etc/rpi/swap.conf"
RPI_SWAP_DROPIN = "/etc/rpi/swap.conf.d/99-kubeadm-wizard.conf"
RPI_SWAP_GENERATORS = ("/usr/lib/systemd/system-generators/rpi-swap-generator",
                       "/lib/systemd/system-generators/rpi-swap-generator")

SWAP_WHY = N_("The kubelet refuses to start while swap is on (failSwapOn defaults to true), "
            "because memory limits and evictions assume pages stay in RAM.")


@dataclass(frozen=True)
class SwapArea:
    """One line of /proc/swaps."""

    name: str
    kind: str
    size_kib: int

    def describe(self) -> str:
        return f"{self.name} ({self.kind}, {self.size_kib // 1024} MiB)"


@dataclass(frozen=True)
class BootSwap:
    """Something that turns swap on at boot, and the step that stops it."""

    source: str
    step: Step


# ------------------------------------------------------------------------------ swap now
def active_swaps(host: Host) -> list[SwapArea] | None:
    """The swap areas in use, or None when /proc/swaps cannot be read."""
    text = host.read_optional("/proc/swaps")
    if text is None:
        return None
    areas = []
    for line in text.splitlines()[1:]:
        fields = line.split()
        if len(fields) >= 3:
            size = int(fields[2]) if fields[2].isdigit() else 0
            areas.append(SwapArea(fields[0], fields[1], size))
    return areas


def swap_off_now_step() -> Step:
    """`swapoff -a`: frees the kubelet to start now; the boot fixes keep it off afterwards."""
    return Step(
        id="swap-off-now",
        title="Turn swap off now",
        why=_(SWAP_WHY) + " " + _("swapoff -a moves swapped pages back to RAM and stops "
                                   "using swap until the next boot."),
        actions=(RunCommand(("swapoff", "-a"), undo_argv=("swapon", "-a")),),
        verify="cat /proc/swaps shows only its header line",
        undo="sudo swapon -a",
        done_when=lambda host: not active_swaps(host),
        fixes="Swap",
    )


# ------------------------------------------------------------------------------- fstab
def _is_boot_swap_line(line: str) -> bool:
    """An fstab entry of type swap that `swapon -a` and systemd activate at boot."""
    fields = line.split()
    if len(fields) < 3 or fields[0].startswith("#") or fields[2] != "swap":
        return False
    return len(fields) < 4 or "noauto" not in fields[3].split(",")


def fstab_swap_lines(fstab_text: str) -> list[str]:
    """The swap entries of an fstab that come back at boot."""
    return [line.strip() for line in fstab_text.splitlines() if _is_boot_swap_line(line)]


def comment_out_swap(fstab_text: str) -> str:
    """The same fstab with each boot swap line commented out, and a marker line above it.

    Every other byte is kept (other lines, their endings, a missing final newline), and a
    second pass changes nothing because a commented line is no longer a swap line.
    """
    out = []
    for line in fstab_text.splitlines(keepends=True):
        if _is_boot_swap_line(line):
            ending = line[len(line.rstrip("\r\n")):] or "\n"
            out.append(FSTAB_MARKER + ending + "# " + line)
        else:
            out.append(line)
    return "".join(out)


def _fstab_sources(host: Host) -> list[BootSwap]:
    text = host.read_optional(FSTAB)
    if text is None or not fstab_swap_lines(text):
        return []
    step = Step(
        id="swap-fstab",
        title="Comment out the swap lines in /etc/fstab",
        why=_(SWAP_WHY) + " " + _("Lines of type swap in /etc/fstab are turned on again at "
                                   "every boot; commenting them out keeps the line for later "
                                   "and changes nothing else."),
        actions=(FileWrite(FSTAB, comment_out_swap(text)),),
        verify="grep -v '^#' /etc/fstab | grep -w swap  prints nothing",
        fixes="SwapOnBoot",
    )
    return [BootSwap(f"{FSTAB}: {line}", step) for line in fstab_swap_lines(text)]


# ----------------------------------------------------------------------- systemd units
def _unit_names(host: Host) -> list[str]:
    """*.swap units the administrator added or enabled in /etc/systemd/system."""
    names = {path.rsplit("/", 1)[1] for path in host.glob("/etc/systemd/system", "*.swap")}
    for wants in host.glob("/etc/systemd/system", "*.wants"):
        names.update(n for n in host.listdir(wants) if n.endswith(".swap"))
    return sorted(names)


def _unit_sources(host: Host) -> list[BootSwap]:
    sources = []
    for unit in _unit_names(host):
        if unit_state(host, unit) not in STARTS_AT_BOOT:
            continue
        step = Step(
            id=f"swap-unit-{unit}",
            title=f"Disable the swap unit {unit}",
            why=_(SWAP_WHY) + " " + _("systemd activates {unit} at every boot; disabling it "
                                       "(with --now) turns it off and keeps it off.").format(
                                           unit=unit),
            actions=(RunCommand(("systemctl", "disable", "--now", unit),
                                undo_argv=("systemctl", "enable", "--now", unit),
                                runtime_only=False),),
            verify=f"systemctl is-enabled {unit}  says disabled",
            undo=f"sudo systemctl enable --now {unit}",
            done_when=_off_at_boot(unit),
            fixes="SwapOnBoot",
        )
        sources.append(BootSwap(f"systemd unit {unit}", step))
    return sources


def _off_at_boot(unit: str) -> Callable[[Host], bool]:
    """done_when for one unit (a function per unit: the step is made in a loop)."""
    return lambda h: unit_state(h, unit) not in STARTS_AT_BOOT


def _zram_unit_off(unit: str) -> Callable[[Host], bool]:
    return lambda h: _zram_stays_off(unit_state(h, unit))


def _dphys_sources(host: Host) -> list[BootSwap]:
    if unit_state(host, DPHYS_UNIT) not in STARTS_AT_BOOT:
        return []
    step = Step(
        id="swap-dphys-swapfile",
        title="Stop and disable dphys-swapfile",
        why=_(SWAP_WHY) + " " + _("Raspberry Pi OS up to Bookworm creates /var/swap with "
                                   "dphys-swapfile and turns it on at every boot. (Removing "
                                   "the package, apt purge dphys-swapfile, works too.)"),
        actions=(
            RunCommand(("dphys-swapfile", "swapoff"), undo_argv=("dphys-swapfile", "swapon")),
            RunCommand(("systemctl", "disable", "--now", "dphys-swapfile"),
                       undo_argv=("systemctl", "enable", "--now", "dphys-swapfile"),
                       runtime_only=False),
        ),
        verify="systemctl is-enabled dphys-swapfile  says disabled",
        undo="sudo systemctl enable --now dphys-swapfile",
        done_when=lambda h: unit_state(h, DPHYS_UNIT) not in STARTS_AT_BOOT,
        fixes="SwapOnBoot",
    )
    return [BootSwap("dphys-swapfile (enabled)", step)]


# -------------------------------------------------------------------------------- zram
def zram_devices(conf_text: str) -> list[str]:
    """The [zramN] sections of zram-generator.conf that make swap (no mount-point)."""
    devices: list[str] = []
    section = ""
    for raw in conf_text.splitlines():
        line = raw.strip()
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1].strip()
            if section.startswith("zram"):
                devices.append(section)
        elif section in devices and line.split("=", 1)[0].strip() == "mount-point":
            devices.remove(section)
    return devices


def _zram_stays_off(state: str) -> bool:
    """A generated zram swap unit is off for good once masked (or disabled)."""
    return state in ("masked", "disabled")


def _zram_sources(host: Host) -> list[BootSwap]:
    text = host.read_optional(ZRAM_GENERATOR_CONF)
    if text is None:
        return []
    sources = []
    for device in zram_devices(text):
        unit = f"dev-{device}.swap"
        if _zram_stays_off(unit_state(host, unit)):
            continue
        step = Step(
            id=f"swap-zram-{device}",
            title=f"Mask the zram swap unit {unit}",
            why=_(SWAP_WHY) + " " + _("zram-generator creates {unit} from {conf} at every boot; "
                                       "masking the unit stops it from being activated.").format(
                                           unit=unit, conf=ZRAM_GENERATOR_CONF),
            # Stop, then mask: undone backwards, unmask and then start brings the device back
            # now (an unmask alone would wait for the next boot).
            actions=(RunCommand(("systemctl", "stop", unit),
                                undo_argv=("systemctl", "start", unit)),
                     RunCommand(("systemctl", "mask", unit),
                                undo_argv=("systemctl", "unmask", unit), runtime_only=False)),
            verify=f"systemctl is-enabled {unit}  says masked",
            undo=f"sudo systemctl unmask {unit} && sudo systemctl start {unit}",
            done_when=_zram_unit_off(unit),
            fixes="SwapOnBoot",
        )
        sources.append(BootSwap(f"zram-generator {device} ({ZRAM_GENERATOR_CONF})", step))
    return sources


def rpi_swap_mechanism(host: Host) -> str | None:
    """rpi-swap's effective [Main] Mechanism (later drop-ins win), or None without rpi-swap."""
    installed = host.exists(RPI_SWAP_CONF) or any(host.exists(g) for g in RPI_SWAP_GENERATORS)
    if not installed:
        return None
    mechanism = "auto"
    for path in [RPI_SWAP_CONF, *host.glob("/etc/rpi/swap.conf.d", "*.conf")]:
        section = ""
        for raw in (host.read_optional(path) or "").splitlines():
            line = raw.strip()
            if line.startswith("[") and line.endswith("]"):
                section = line[1:-1].strip()
            elif section == "Main" and line.split("=", 1)[0].strip() == "Mechanism":
                mechanism = line.split("=", 1)[1].strip() if "=" in line else mechanism
    return mechanism


def _rpi_swap_sources(host: Host) -> list[BootSwap]:
    mechanism = rpi_swap_mechanism(host)
    if mechanism is None or mechanism == "none":
        return []
    step = Step(
        id="swap-rpi-swap",
        title="Set rpi-swap's mechanism to none",
        why=_(SWAP_WHY) + " " + _("Raspberry Pi OS Trixie sets up zram and/or a swap file with "
                                   "rpi-swap at every boot; Mechanism=none in a drop-in turns "
                                   "that off from the next boot."),
        actions=(FileWrite(RPI_SWAP_DROPIN, "[Main]\nMechanism=none\n"),),
        verify="after a reboot, cat /proc/swaps shows only its header line",
        reboot_required=True,
        fixes="SwapOnBoot",
    )
    return [BootSwap(f"rpi-swap (Mechanism={mechanism})", step)]


# ----------------------------------------------------------------------------- summary
def boot_swap_sources(host: Host) -> list[BootSwap]:
    """Everything that turns swap on at the next boot, each with the step that stops it."""
    return [*_fstab_sources(host), *_unit_sources(host), *_dphys_sources(host),
            *_zram_sources(host), *_rpi_swap_sources(host)]


def boot_swap_steps(sources: list[BootSwap]) -> tuple[Step, ...]:
    """The fix steps of these sources, each once (several fstab lines share one step)."""
    steps: dict[str, Step] = {}
    for source in sources:
        steps.setdefault(source.step.id, source.step)
    return tuple(steps.values())

"""Who brings an interface up at boot: the first program, in the order they yield to each
other, that is enabled at boot and has a configuration for the interface.

"Enabled" is what `systemctl is-enabled` says (offline: `systemctl --root`, else the unit
links). A program whose unit is disabled or masked reads nothing at boot, so its files are
passed over; one whose unit cannot be found is not ruled out (a demo or a minimal tree may
simply not ship unit files).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from wizard.facts.systemd import unit_state
from wizard.network.managers.base import Manager, PersistError
from wizard.network.managers.dhcpcd import dhcpcd_for
from wizard.network.managers.ifupdown import ifupdown_for
from wizard.network.managers.netplan import netplan_for
from wizard.network.managers.network_manager import network_manager_for
from wizard.network.managers.networkd import networkd_for

if TYPE_CHECKING:
    from wizard.host.base import Host
    from wizard.host.network import Link

_OFF_AT_BOOT = frozenset({"disabled", "masked", "masked-runtime", "static", "indirect"})


def off_at_boot(host: Host, unit: str) -> bool:
    """Whether `unit` is known not to start at boot (unknown units are not ruled out)."""
    return unit_state(host, unit) in _OFF_AT_BOOT


def manager_for(host: Host, dev: str, family: int = 4, link: Link | None = None
                ) -> Manager | None:
    """Who configures `dev` at boot, in the order the programs yield to each other.

    netplan first (its generator writes the others' files at boot), then ifupdown
    (NetworkManager leaves the interfaces it lists alone), NetworkManager, systemd-networkd,
    dhcpcd. None: nothing on this host configures `dev` from a file the wizard can read.
    """
    found: Manager | None = netplan_for(host, dev, link)
    if found is None and not off_at_boot(host, "networking.service"):
        found = ifupdown_for(host, dev, family)
    network_manager_on = not off_at_boot(host, "NetworkManager.service")
    if found is None and network_manager_on:
        found = network_manager_for(host, dev, link)
    if found is None and not off_at_boot(host, "systemd-networkd.service"):
        found = networkd_for(host, dev, link)
    if found is None and network_manager_on and unit_state(host, "NetworkManager.service") in (
            "enabled", "enabled-runtime"):
        raise PersistError(
            f"NetworkManager brings {dev} up at boot but keeps no profile for it on disk (its "
            "automatic \"Wired connection\" lives in memory). Save the route into the "
            "connection it uses, which also writes the profile: `nmcli connection modify "
            f"\"$(nmcli -g GENERAL.CONNECTION device show {dev})\" "
            f"+ipv{family}.routes \"DESTINATION GATEWAY\"`.")
    return found or dhcpcd_for(host, dev)

"""Who brings an interface up at boot, and how that program's file spells a static route.

Why: a route added through netlink is gone at the next reboot (and systemd-networkd drops
routes it did not configure whenever it reconfigures the link). To keep it, the route has to
go into the configuration of whatever manages that interface: netplan, ifupdown,
NetworkManager, systemd-networkd or dhcpcd, one module each; `choose` decides which, from
the files under the host's root and the units enabled at boot, so it works on a mounted
SD-card image too.
"""

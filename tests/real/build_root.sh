#!/usr/bin/env bash
# Builds a pristine Debian root with debootstrap, once, into a cache folder; prints its path.
#
#   tests/real/build_root.sh SUITE CACHE_DIR
#
# The tests copy the pristine tree per test (cp -a) and ask the real programs inside it
# (systemd-sysctl, systemctl --root, netplan, ifquery, NetworkManager, containerd) what a
# machine booted from it would do. The mirror is the one this machine's apt already uses, so
# nothing is fetched from anywhere apt would not fetch from. Nothing in the root is started:
# a policy-rc.d that exits 101 stops every maintainer script from starting a service.
set -euo pipefail
suite=${1:?suite (bookworm or trixie)}
cache=${2:?cache dir}
target="$cache/$suite"
stamp="$target/.kubeadm-wizard-root-v1"
if [ -e "$stamp" ]; then echo "$target"; exit 0; fi

mirror=$( (cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list \
             /etc/apt/sources.list.d/*.sources 2>/dev/null || true) \
         | grep -oE '^(URIs:|deb) +[^ ]+/debian/?( |$)' | awk '{print $2}' | head -n1 || true)
mirror=${mirror:-http://deb.debian.org/debian}
# A URI line may carry a scheme debootstrap does not speak (mirror+file:); fall back.
case "$mirror" in http://*|https://*|file:/*) ;; *) mirror=http://deb.debian.org/debian ;; esac

rm -rf "$target.partial"
mkdir -p "$cache"
debootstrap --variant=minbase \
    --include=systemd,systemd-sysv,procps,kmod,iproute2,udev,dbus \
    "$suite" "$target.partial" "$mirror" >"$cache/$suite.debootstrap.log" 2>&1 || {
        tail -n 30 "$cache/$suite.debootstrap.log" >&2; exit 1; }

printf '#!/bin/sh\nexit 101\n' >"$target.partial/usr/sbin/policy-rc.d"
chmod 755 "$target.partial/usr/sbin/policy-rc.d"
cp /etc/resolv.conf "$target.partial/etc/resolv.conf" 2>/dev/null || true
mount_guard() { umount -l "$target.partial/proc" 2>/dev/null || true; }
trap mount_guard EXIT
mount -t proc proc "$target.partial/proc"
chroot "$target.partial" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
    --no-install-recommends containerd dphys-swapfile ifupdown netplan.io network-manager \
    systemd-resolved >"$cache/$suite.packages.log" 2>&1 || {
        tail -n 30 "$cache/$suite.packages.log" >&2; exit 1; }
chroot "$target.partial" apt-get clean
mount_guard
trap - EXIT
touch "$target.partial/.kubeadm-wizard-root-v1"
mv "$target.partial" "$target"
echo "$target"

"""Hardware requirements: CPUs, memory, swap and the architecture kubeadm ships for."""

from __future__ import annotations

import re

from wizard.checks.base import CheckContext, CheckResult, Status, check
from wizard.checks.requirements.common import SCREEN, _skip, _unreadable
from wizard.fixes.swap import active_swaps, boot_swap_sources, boot_swap_steps, swap_off_now_step
from wizard.i18n import N_

MIN_CPUS = 2
MIN_MEMORY_MIB = 1700


def _count_cpu_list(text: str) -> int:
    """CPUs in a kernel CPU list such as "0-3,6" (the format of .../cpu/online)."""
    count = 0
    for part in text.strip().split(","):
        first, _, last = part.partition("-")
        if first.strip().isdigit():
            count += int(last) - int(first) + 1 if last.strip().isdigit() else 1
    return count


@check(SCREEN, "hardware")
def num_cpu(ctx: CheckContext) -> CheckResult | None:
    if not ctx.control_plane:
        return None
    lesson = (N_("The API server, etcd, the scheduler and the controller manager share the control "
              "plane's CPUs; kubeadm requires at least two so they do not starve each other."))
    online = ctx.host.read_optional("/sys/devices/system/cpu/online")
    if online is not None:
        count, source = _count_cpu_list(online), "/sys/devices/system/cpu/online"
    else:
        cpuinfo = ctx.host.read_optional("/proc/cpuinfo")
        if cpuinfo is None:
            return _skip("NumCPU", _unreadable(ctx.host, "/proc/cpuinfo"), lesson,
                         f">= {MIN_CPUS} CPUs")
        count = sum(1 for line in cpuinfo.splitlines() if line.startswith("processor"))
        source = "/proc/cpuinfo"
    ok = count >= MIN_CPUS
    return CheckResult(
        "NumCPU", Status.PASS if ok else Status.FAIL,
        observed=f"{count} CPU(s) ({source})", expected=f">= {MIN_CPUS} CPUs on a control plane",
        message="" if ok else (f"the number of available CPUs {count} is less than the required "
                               f"{MIN_CPUS}; use this machine as a worker or a bigger one"),
        lesson=lesson)


@check(SCREEN, "hardware")
def memory(ctx: CheckContext) -> CheckResult | None:
    if not ctx.control_plane:
        return None
    lesson = (N_("The control-plane components and etcd need about 1.7 GiB between them; with "
              "less, the kernel's out-of-memory killer ends them under load."))
    expected = f">= {MIN_MEMORY_MIB} MiB on a control plane"
    meminfo = ctx.host.read_optional("/proc/meminfo")
    match = re.search(r"^MemTotal:\s+(\d+)\s*kB", meminfo or "", re.MULTILINE)
    if match is None:
        return _skip("Mem", _unreadable(ctx.host, "/proc/meminfo"), lesson, expected)
    mib = int(match.group(1)) // 1024
    ok = mib >= MIN_MEMORY_MIB
    return CheckResult(
        "Mem", Status.PASS if ok else Status.FAIL,
        observed=f"{mib} MiB (MemTotal)", expected=expected,
        message="" if ok else (f"the system RAM ({mib} MB) is less than the minimum "
                               f"{MIN_MEMORY_MIB} MB; use this machine as a worker"),
        lesson=lesson)


def _keeps_swap(ctx: CheckContext) -> bool:
    """Whether the operator chose to keep swap (kubelet failSwapOn: false)."""
    return ctx.choices.fail_swap_on is False


SWAP_LESSON = (N_("The kubelet refuses to start while swap is on unless its configuration says "
               "failSwapOn: false, because Pod memory limits assume pages stay in RAM."))


@check(SCREEN, "hardware")
def swap(ctx: CheckContext) -> CheckResult:
    areas = active_swaps(ctx.host)
    expected = "no active swap (/proc/swaps has only its header)"
    if areas is None:
        return _skip("Swap", _unreadable(ctx.host, "/proc/swaps"), SWAP_LESSON, expected)
    if not areas:
        return CheckResult("Swap", Status.PASS, observed="no swap in use", expected=expected,
                           lesson=SWAP_LESSON)
    observed = "; ".join(area.describe() for area in areas)
    if _keeps_swap(ctx):
        return CheckResult(
            "Swap", Status.WARN, observed=observed, expected=expected, lesson=SWAP_LESSON,
            message="swap is on and you chose to keep it: kubeadm warns, and the kubelet starts "
                    "only because its configuration gets failSwapOn: false")
    # The boot sources first: dphys-swapfile and swap units turn off their own swap, then
    # swapoff -a catches whatever remains.
    steps = (*boot_swap_steps(boot_swap_sources(ctx.host)), swap_off_now_step())
    return CheckResult(
        "Swap", Status.FAIL, observed=observed, expected=expected, lesson=SWAP_LESSON,
        message="swap is on. kubeadm only warns (since 1.23), but the kubelet will not start "
                "with swap unless failSwapOn: false; turn swap off now and at boot",
        fixes=steps)


@check(SCREEN, "hardware")
def swap_on_boot(ctx: CheckContext) -> CheckResult:
    lesson = (N_("swapoff lasts until the next reboot; if /etc/fstab, a swap unit, dphys-swapfile "
              "or zram turns swap back on, the kubelet stops starting after a reboot."))
    sources = boot_swap_sources(ctx.host)
    expected = "nothing turns swap on at boot"
    if not sources:
        return CheckResult("SwapOnBoot", Status.PASS, observed="no swap configured for boot",
                           expected=expected, lesson=lesson)
    observed = "; ".join(source.source for source in sources)
    if _keeps_swap(ctx):
        return CheckResult("SwapOnBoot", Status.PASS, observed=observed, expected=expected,
                           message="swap stays on at boot, as you chose", lesson=lesson)
    return CheckResult("SwapOnBoot", Status.FAIL, observed=observed, expected=expected,
                       message="swap will be turned on again at the next boot",
                       lesson=lesson, fixes=boot_swap_steps(sources))


KUBERNETES_ARCHES = {"x86_64": "amd64", "aarch64": "arm64", "ppc64le": "ppc64le",
                     "s390x": "s390x"}
"""The architectures pkgs.k8s.io and registry.k8s.io build for (32-bit ARM ended with 1.27)."""


@check(SCREEN, "hardware")
def arch64(ctx: CheckContext) -> CheckResult:
    lesson = (N_("Kubernetes has published no 32-bit ARM binaries, images or packages since 1.27; "
              "a Raspberry Pi needs the 64-bit OS, not just a 64-bit kernel."))
    identity = ctx.host.identity
    userland, kernel = identity.userland_architecture, identity.kernel_architecture
    expected = "a 64-bit userland: " + ", ".join(KUBERNETES_ARCHES)
    if not userland:
        return _skip("Arch64", "no ELF program (/usr/bin/env, /bin/sh) to read the architecture "
                     "from", lesson, expected)
    observed = f"userland {userland}" + (f", kernel {kernel}" if kernel else "")
    if userland in KUBERNETES_ARCHES:
        return CheckResult("Arch64", Status.PASS, observed=observed, expected=expected,
                           lesson=lesson)
    mixed = " (a 64-bit kernel does not help: the programs are 32-bit)" if kernel in (
        KUBERNETES_ARCHES) else ""
    return CheckResult("Arch64", Status.FAIL, observed=observed, expected=expected, lesson=lesson,
                       message=f"Kubernetes 1.{ctx.minor} has no {userland} builds{mixed}; "
                               "install a 64-bit OS (Raspberry Pi OS 64-bit, arm64)")


@check(SCREEN, "hardware")
def page_size(ctx: CheckContext) -> CheckResult | None:
    """Only a page size other than 4K is worth a row: it is what every image is built for,
    and the Pi 5's default kernel (kernel_2712.img) uses 16K pages."""
    answer = ctx.host.run(["getconf", "PAGESIZE"])
    size = answer.stdout.strip()
    if not answer.ok or not size.isdigit() or int(size) == 4096:
        return None
    return CheckResult(
        "PageSize", Status.WARN, observed=f"{int(size) // 1024}K memory pages (getconf PAGESIZE "
        f"says {size})", expected="4K pages, which container images are built for",
        message="kubeadm and the kubelet run on it, but images built for 4K pages "
                "(programs linked with jemalloc) crash; on a Pi 5, kernel=kernel8.img in "
                "/boot/firmware/config.txt boots the 4K-page kernel",
        lesson=N_("Most container images are built and tested on kernels with 4K memory pages. "
                  "Programs that align memory to the page size they were built for, such as "
                  "those linked with jemalloc, crash on a 16K-page kernel."))

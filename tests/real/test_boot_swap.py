"""Which fstab lines turn swap on at boot is what systemd-fstab-generator says, and after the
wizard's fix it says none: asked of the generator of a debootstrapped Debian root."""

from __future__ import annotations

from real_programs import fstab_boot_swaps

from wizard.fixes.swap import boot_swap_sources, fstab_swap_lines
from wizard.host.base import Host
from wizard.steps import apply_steps, undo_all

FSTAB = ("/dev/sda1 / ext4 defaults 0 1\n"
         "/swapfile none swap sw 0 0\n"
         "UUID=1234-abcd none swap sw,nofail 0 0\n"
         "/dev/sdb2 none swap noauto 0 0\n"
         "# /old none swap sw 0 0\n"
         "/dev/sdc1\tnone\tswap\tdefaults,pri=5\t0\t0\n")


def _device(spec: str) -> str:
    """fstab's UUID=/LABEL= shorthand as the /dev/disk/by-* path the generator writes."""
    kind, _, value = spec.partition("=")
    return f"/dev/disk/by-{kind.lower()}/{value}" if value and kind in ("UUID", "LABEL") else spec


def test_the_wizard_finds_the_swap_lines_the_generator_activates_and_its_fix_leaves_none(
        debian_root):
    (debian_root / "etc/fstab").write_text(FSTAB)
    assert {_device(line.split()[0]) for line in fstab_swap_lines(FSTAB)} == fstab_boot_swaps(
        debian_root) == {"/swapfile", "/dev/disk/by-uuid/1234-abcd", "/dev/sdc1"}

    host = Host(debian_root)
    [fix] = {source.step for source in boot_swap_sources(host) if source.step.id == "swap-fstab"}
    apply_steps(host, [fix])
    assert fstab_boot_swaps(debian_root) == set()
    undo_all(host)
    assert (debian_root / "etc/fstab").read_text() == FSTAB

"""Requirements: kubeadm's preflight checks, run before kubeadm ever runs, plus the traps it misses.

Where kubeadm has the check, the id is kubeadm's printed name (so a result matches
`--ignore-preflight-errors`) and the severity is kubeadm's for the chosen version. The wizard's
own checks (SwapOnBoot, CgroupMemory, Arch64, ProductUUID, MachineID, MACAddress, DNSResolver)
catch what makes the kubelet or the cluster fail later. Every file is read through the host,
so the same checks run on this machine, a mounted image (--root) and a demo host; a file that
cannot be read gives `skip` with the reason.

Importing this package registers the checks; the imports below are in the order the
screen lists the groups, which is the order the registry keeps.
"""

# isort: off
from wizard.checks.requirements import hardware  # noqa: F401
from wizard.checks.requirements import identity  # noqa: F401
from wizard.checks.requirements import ports  # noqa: F401
from wizard.checks.requirements import tools  # noqa: F401
from wizard.checks.requirements import kernel_cgroups  # noqa: F401
# isort: on

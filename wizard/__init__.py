"""kubeadm-wizard's core: everything that reads or changes a host, free of any UI."""

__version__ = "0.1.0"

"""Checks: what kubeadm (and the kubelet after it) will demand of this host, and the fixes."""

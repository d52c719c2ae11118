"""Several nodes at once: an Ansible inventory in, the wizard's checks on each node, then the
checks that compare the nodes (see wizard.cluster.checks)."""

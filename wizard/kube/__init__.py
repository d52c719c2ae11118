"""Facts about Kubernetes releases that the wizard's other modules look up instead of repeating."""

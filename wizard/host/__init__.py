"""The host door: every read and change of a machine goes through these objects."""

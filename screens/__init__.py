"""The Textual front end: thin screens over the wizard core (which never imports this)."""

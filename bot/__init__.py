"""Signpost bot: the wiring — the application factory, `python -m bot` and the list of every table module."""

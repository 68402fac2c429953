"""Signpost bot: application wiring, configuration and persistence."""

"""Signpost - Telegram handlers, one module per conversation; thin wrappers over domain functions."""

"""Signpost - Telegram handlers, one module per conversation; thin wrappers over domain functions."""

from __future__ import annotations

import importlib

from telegram.ext import Application

# Each module exposes `register(application) -> None`. Order matters where handlers could match the same update.
HANDLER_MODULES = [
    "handlers.ratelimit",
    "handlers.basic",
    "handlers.client",
    "handlers.staff",
    "handlers.referral",
    "handlers.inbox",
    "handlers.followup",
    "handlers.report",
    "handlers.privacy",
    "handlers.router",
    "handlers.errors",  # last: catches unknown commands and buttons
]


def register_all(application: Application) -> None:
    """Register every handler module's handlers on `application`."""
    for module_name in HANDLER_MODULES:
        importlib.import_module(module_name).register(application)

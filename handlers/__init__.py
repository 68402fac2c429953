"""Signpost - Telegram handlers, one module per conversation; thin: parse -> call a domain function -> reply."""

from __future__ import annotations

from telegram.ext import Application

from handlers import (
    basic,
    client,
    errors,
    followup,
    handout,
    inbox,
    language,
    privacy,
    provider,
    referral,
    report,
    router,
    signposting,
    staff,
    support,
    talk,
)

# Order matters where handlers could match the same update: errors last (it catches what nothing else took).
# Flood protection and redelivered updates are handled in every handler's transaction (handlers/kit.py).
HANDLER_MODULES = (basic, client, talk, language, staff, referral, inbox, signposting, support, handout, followup,
                   provider, report, privacy, router, errors)


def register_all(application: Application) -> None:
    """Register every handler module's handlers on `application`."""
    for module in HANDLER_MODULES:
        module.register(application)

"""Per-person rate limiting: a flood of messages or taps from one person is politely slowed down."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, ApplicationHandlerStop, TypeHandler

from core.flood import WINDOW_SECONDS, SlidingWindow
from handlers.context import SignpostContext

SLOW_DOWN = "You're sending messages very quickly. Please wait a minute, then try again."
__all__ = ["SLOW_DOWN", "WINDOW_SECONDS", "SlidingWindow", "register"]


async def check_rate(update: Update, context: SignpostContext) -> None:
    """Runs before every other handler (in memory, no database): stops the update when the person floods."""
    user = update.effective_user
    if user is None:
        return
    window = context.services.flood
    if window.allow(user.id):
        return
    if user.id not in window.warned:
        window.warned.add(user.id)
        if update.callback_query is not None:
            await update.callback_query.answer(SLOW_DOWN[:190])
        elif update.effective_chat is not None:
            await update.effective_chat.send_message(SLOW_DOWN)
    raise ApplicationHandlerStop


def register(application: Application) -> None:
    application.add_handler(TypeHandler(Update, check_rate), group=-1)

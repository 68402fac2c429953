"""`/ping`: a liveness check for operators — the bot is receiving updates and can answer."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CommandHandler

from handlers.context import SignpostContext


async def ping(update: Update, _context: SignpostContext) -> None:
    """Answered straight away, without the database: it shows the bot itself is alive."""
    if update.effective_message:
        await update.effective_message.reply_text("pong")


def register(application: Application) -> None:
    application.add_handler(CommandHandler("ping", ping))

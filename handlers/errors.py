"""Last-resort handlers: unknown commands, unknown buttons, and the global error handler (no personal data logged)."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, MessageHandler, filters

from handlers.common import STALE_BUTTON, Context, answer_callback, reply

log = logging.getLogger(__name__)
SORRY = "Sorry, something went wrong on our side. Nothing you sent has been shared. Please try again in a moment."


async def unknown_command(update: Update, context: Context) -> None:
    if update.effective_chat is not None and update.effective_chat.type == "private":
        await reply(update, "Sorry, I don't know that command. Send /help to see what I can do.")


async def unknown_button(update: Update, context: Context) -> None:
    assert update.callback_query is not None
    await answer_callback(update.callback_query, "That button has expired.")
    await reply(update, STALE_BUTTON)


async def on_error(update: object, context: Context) -> None:
    """Log the failure by type and update id only, and tell the user kindly."""
    error = context.error
    update_id = update.update_id if isinstance(update, Update) else None
    log.error("error handling update %s: %s", update_id, type(error).__name__, exc_info=_safe_exc_info(error))
    if isinstance(update, Update) and update.effective_chat is not None:
        try:
            await update.effective_chat.send_message(SORRY)
        except Exception:
            log.warning("could not tell the user about the error")


def _safe_exc_info(error: BaseException | None) -> tuple | None:
    """The traceback without the exception message (messages can quote user text)."""
    if error is None:
        return None
    return (type(error), type(error)(), error.__traceback__) if _constructible(type(error)) else None


def _constructible(kind: type[BaseException]) -> bool:
    try:
        kind()
    except Exception:
        return False
    return True


def register(application: Application) -> None:
    """Register after all other handlers: these catch whatever nothing else took."""
    application.add_handler(MessageHandler(filters.COMMAND, unknown_command))
    application.add_handler(CallbackQueryHandler(unknown_button))
    application.add_error_handler(on_error)

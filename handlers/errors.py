"""Last-resort handlers: unknown commands, unknown buttons, and the global error handler (no personal data logged)."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, MessageHandler, filters

from handlers.context import SignpostContext
from handlers.kit import STALE_BUTTON, Turn, on_update

log = logging.getLogger(__name__)
SORRY = "Sorry, something went wrong on our side. Nothing you sent has been shared. Please try again in a moment."


@on_update()
def unknown_command(turn: Turn) -> None:
    if turn.is_private:
        turn.say("Sorry, I don't know that command. Send /help to see what I can do.")


@on_update()
def unknown_button(turn: Turn) -> None:
    turn.toast("That button has expired.")
    turn.say(STALE_BUTTON)


async def on_error(update: object, context: SignpostContext) -> None:
    """Log the failure by type and update id only, and tell the person kindly."""
    error = context.error
    update_id = update.update_id if isinstance(update, Update) else None
    log.error("error handling update %s: %s", update_id, type(error).__name__, exc_info=_safe_exc_info(error))
    if isinstance(update, Update) and update.effective_chat is not None:
        try:
            await update.effective_chat.send_message(SORRY)
        except Exception:
            log.warning("could not tell the person about the error")


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

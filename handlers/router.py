"""Routes typed text: to the conversation the user is in (resumable after restarts), otherwise to search."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, MessageHandler, filters

from casework.dialogs import active_dialog
from handlers.common import DIALOG_TEXT_HANDLERS, MAX_MESSAGE_CHARS, TEXT_ONLY, Context, db, ids, message_text, reply

NOT_TEXT_CLIENT = 'I can only read typed words. Type what you need help with — for example "help with bills".'


async def on_text(update: Update, context: Context) -> None:
    text = message_text(update) or ""
    if len(text) > MAX_MESSAGE_CHARS:
        await reply(
            update,
            f"That message is very long. Could you say it in a few words (under {MAX_MESSAGE_CHARS} "
            "characters)? Nothing has been saved.",
        )
        return
    chat_id, user_id = ids(update)
    with db(context) as session:
        dialog = active_dialog(session, chat_id, user_id, tuple(DIALOG_TEXT_HANDLERS))
    if dialog is not None and await DIALOG_TEXT_HANDLERS[dialog.name](update, context, dialog):
        return
    from handlers.client import on_crisis_or_search

    await on_crisis_or_search(update, context, text)


async def on_not_text(update: Update, context: Context) -> None:
    """Stickers, photos, voice notes, files: explain kindly; nothing changes."""
    chat_id, user_id = ids(update)
    with db(context) as session:
        dialog = active_dialog(session, chat_id, user_id, tuple(DIALOG_TEXT_HANDLERS))
    in_conversation = dialog is not None and dialog.name != "search"
    await reply(update, TEXT_ONLY if in_conversation else NOT_TEXT_CLIENT)


def register(application: Application) -> None:
    private = filters.ChatType.PRIVATE
    application.add_handler(MessageHandler(private & filters.TEXT & ~filters.COMMAND, on_text), group=1)
    not_text = private & ~filters.TEXT & ~filters.StatusUpdate.ALL
    application.add_handler(MessageHandler(not_text, on_not_text), group=1)

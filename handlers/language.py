"""/language: the person chooses the language the bot speaks to them in (otherwise Telegram's language_code)."""

from __future__ import annotations

from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from core.i18n import LANGUAGE_NAMES, N_, translator
from core.preferences import remember
from handlers.kit import STALE_BUTTON, Turn, callback_parts, chunk, on_update

CHOOSE = N_("Which language would you like? Service details stay as each organisation wrote them (mostly English).")
CHOSEN = N_("Thank you — I'll use English from now on. Type what you need help with, or send /language to change.")


@on_update()
def language_command(turn: Turn) -> None:
    offered = turn.settings.languages
    rows = chunk([(LANGUAGE_NAMES.get(code, code), f"lang:{code}") for code in offered], 2)
    turn.say(turn.t(CHOOSE), rows)


@on_update()
def on_language(turn: Turn) -> None:
    parts = callback_parts(turn, "lang", 1)
    if parts is None or parts[0] not in turn.settings.languages:
        turn.say(STALE_BUTTON)
        return
    remember(turn.session, turn.user_id, language=parts[0])
    turn.edit(translator(parts[0])(CHOSEN))


def register(application: Application) -> None:
    application.add_handler(CommandHandler("language", language_command))
    application.add_handler(CallbackQueryHandler(on_language, pattern=r"^lang:"))

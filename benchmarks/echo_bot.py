"""PTB's own floor for the load benchmark: a bot that answers every message with one sendMessage and does nothing
else (no database, no search), concurrent updates, on the same fake Bot API. Started by `load_bench.py`; reads
TELEGRAM_BOT_TOKEN, TELEGRAM_API_BASE_URL and CONCURRENT_UPDATES like the real bot, and logs the same ready line."""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from telegram import Update
from telegram.ext import Application, ContextTypes, MessageHandler, filters

from bot.app import READY_LOG


async def echo(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message is not None
    await update.effective_message.reply_text(update.effective_message.text or "?")


async def ready(application: Application) -> None:  # type: ignore[type-arg]
    logging.getLogger(__name__).info("%s as @%s (polling)", READY_LOG, application.bot.username)


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    application = (
        Application.builder().token(os.environ["TELEGRAM_BOT_TOKEN"]).base_url(os.environ["TELEGRAM_API_BASE_URL"])
        .concurrent_updates(int(os.environ.get("CONCURRENT_UPDATES", "16"))).post_init(ready).build()
    )
    application.add_handler(MessageHandler(filters.TEXT, echo))
    application.run_polling(allowed_updates=Update.ALL_TYPES)


if __name__ == "__main__":
    main()

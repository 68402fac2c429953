"""PTB's own floor for the load benchmark: a bot that answers every message with one sendMessage and does nothing
else (no database, no search), concurrent updates, on the same fake Bot API. Started by `load_bench.py`; reads
TELEGRAM_BOT_TOKEN, TELEGRAM_API_BASE_URL, CONCURRENT_UPDATES and (webhook mode) WEBHOOK_URL, WEBHOOK_LISTEN,
WEBHOOK_PORT and WEBHOOK_SECRET like the real bot, and logs the same ready line. In webhook mode it is PTB's own
webhook server (tornado), `Application.run_webhook`. ECHO_HTTP_CLIENT=aiohttp talks to the Bot API through the
client Signpost uses (bot/telegram_request.py) instead of PTB's default (httpx)."""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from telegram import Update
from telegram.ext import Application, ContextTypes, MessageHandler, filters

from bot.app import READY_LOG
from bot.telegram_request import AiohttpRequest


async def echo(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message is not None
    await update.effective_message.reply_text(update.effective_message.text or "?")


async def ready(application: Application) -> None:  # type: ignore[type-arg]
    mode = "webhook" if os.environ.get("WEBHOOK_URL") else "polling"
    logging.getLogger(__name__).info("%s as @%s (%s)", READY_LOG, application.bot.username, mode)


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    builder = Application.builder()
    if os.environ.get("ECHO_HTTP_CLIENT") == "aiohttp":
        builder = builder.request(AiohttpRequest(256)).get_updates_request(AiohttpRequest(1))
    application = (
        builder.token(os.environ["TELEGRAM_BOT_TOKEN"]).base_url(os.environ["TELEGRAM_API_BASE_URL"])
        .concurrent_updates(int(os.environ.get("CONCURRENT_UPDATES", "16"))).post_init(ready).build()
    )
    application.add_handler(MessageHandler(filters.TEXT, echo))
    url = os.environ.get("WEBHOOK_URL")
    if url:  # the ready line comes just before the port opens: the fake POSTs again until it is accepted
        application.run_webhook(
            listen=os.environ.get("WEBHOOK_LISTEN", "127.0.0.1"), port=int(os.environ["WEBHOOK_PORT"]),
            url_path=urlsplit(url).path.lstrip("/"), webhook_url=url, secret_token=os.environ["WEBHOOK_SECRET"],
            allowed_updates=Update.ALL_TYPES,
        )
    else:
        application.run_polling(allowed_updates=Update.ALL_TYPES)


if __name__ == "__main__":
    main()

"""How the dispatcher sends: a small protocol, and its implementation over PTB's `Bot`."""

from __future__ import annotations

from typing import Protocol

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup

from scheduler.messages import Keyboard


class Sender(Protocol):
    """Sends one plain-text message with optional inline buttons; returns the Telegram message id.

    Raises `telegram.error` exceptions on failure (the dispatcher decides whether to retry).
    """

    async def send(self, chat_id: int, text: str, buttons: Keyboard) -> int: ...


class TelegramSender:
    """A `Sender` over `application.bot` (so PTB's rate limiter, when configured, applies)."""

    def __init__(self, bot: Bot) -> None:
        self._bot = bot

    async def send(self, chat_id: int, text: str, buttons: Keyboard) -> int:
        rows = [[InlineKeyboardButton(label, callback_data=data) for label, data in row] for row in buttons if row]
        markup = InlineKeyboardMarkup(rows) if rows else None
        message = await self._bot.send_message(chat_id=chat_id, text=text, reply_markup=markup)
        return message.message_id

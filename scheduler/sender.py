"""How the dispatcher sends: a small protocol, and its implementation over PTB's `Bot`."""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict
from collections.abc import Callable
from typing import Protocol

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup

from scheduler.messages import Keyboard

PER_CHAT_INTERVAL_SECONDS = 1.0  # Telegram: about one message per second to the same chat


class Sender(Protocol):
    """Sends one plain-text message with optional inline buttons; returns the Telegram message id.

    Raises `telegram.error` exceptions on failure (the dispatcher decides whether to retry).
    """

    async def send(self, chat_id: int, text: str, buttons: Keyboard) -> int: ...


class PerChatPacer:
    """Spaces messages to the same chat at least `interval` seconds apart; different chats are not delayed."""

    def __init__(
        self, interval: float = PER_CHAT_INTERVAL_SECONDS, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.interval, self._clock = interval, clock
        self._locks: defaultdict[int, asyncio.Lock] = defaultdict(asyncio.Lock)
        self._last_sent: dict[int, float] = {}

    async def wait_turn(self, chat_id: int) -> asyncio.Lock:
        """Acquire the chat's turn (release the returned lock after sending)."""
        lock = self._locks[chat_id]
        await lock.acquire()
        wait = self._last_sent.get(chat_id, float("-inf")) + self.interval - self._clock()
        if wait > 0:
            await asyncio.sleep(wait)
        return lock

    def sent(self, chat_id: int) -> None:
        self._last_sent[chat_id] = self._clock()


class TelegramSender:
    """A `Sender` over `application.bot`: PTB's rate limiter caps the overall rate, the pacer each chat's."""

    def __init__(self, bot: Bot, pacer: PerChatPacer | None = None) -> None:
        self._bot = bot
        self._pacer = pacer or PerChatPacer()

    async def send(self, chat_id: int, text: str, buttons: Keyboard) -> int:
        rows = [[InlineKeyboardButton(label, callback_data=data) for label, data in row] for row in buttons if row]
        markup = InlineKeyboardMarkup(rows) if rows else None
        lock = await self._pacer.wait_turn(chat_id)
        try:
            message = await self._bot.send_message(chat_id=chat_id, text=text, reply_markup=markup)
        finally:
            self._pacer.sent(chat_id)
            lock.release()
        return message.message_id

"""How the bot sends: the dispatcher's `Sender` over PTB's `Bot`, Telegram's send limits shared by every process
through the database, and what an error says about whether a message arrived.

Telegram allows a bot about 30 messages a second overall, 20 a minute in a group and about one a second to the same
chat. PTB's `AIORateLimiter` counts per process, so N processes would send N times too fast; here the counts live in
the database (`core.rate_limits`): `SharedRateLimiter` books every message on the overall limit (and its group's),
and the dispatcher's `SharedPacer` also spaces messages to each chat before a row is marked as sending.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, Protocol

import aiohttp
import httpx
from sqlalchemy.engine import Engine
from sqlmodel import Session
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden, RetryAfter
from telegram.ext import AIORateLimiter

from core.db import session_scope
from core.message_limits import check_callback_data, split_message
from core.rate_limits import Rate, Slot, reserve
from core.settings import Settings
from scheduler.messages import Keyboard

# Requests that put a message in a chat (what Telegram's flood limits count).
MESSAGE_ENDPOINTS = frozenset(
    {"sendMessage", "sendPhoto", "sendDocument", "editMessageText", "editMessageCaption",
     "editMessageReplyMarkup", "copyMessage", "forwardMessage"}
)
PACED = "signpost:paced"  # `rate_limit_args` of a send the dispatcher has already booked
OVERALL_KEY = "send:all"
# (chat, slot start) of the next message this task sends, already booked in the update's own transaction
_BOOKED_AHEAD: ContextVar[tuple[int, float] | None] = ContextVar("signpost_booked_ahead", default=None)
# Errors raised before a request was written, so the message cannot have reached Telegram: the bot's Bot API client's
# (aiohttp, bot/telegram_request.py: no connection could be opened, none came free in time, or the address is not
# HTTP) and PTB's default client's (httpx), for a bot built with that.
_NOT_SENT_CAUSES = (
    aiohttp.ClientConnectorError, aiohttp.ConnectionTimeoutError, aiohttp.InvalidURL,
    httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.UnsupportedProtocol,
)


def overall_rate(per_second: int) -> Rate:
    """The overall send limit at `per_second` (`SEND_RATE_PER_SECOND`): slots evenly `1 / per_second` apart, no
    burst, so any one-second window [t, t + 1) holds at most `per_second` booked sends across all processes (a
    closed second [t, t + 1] can hold one more, the first and the one exactly a second later)."""
    return Rate.per_second(per_second, burst=1)


OVERALL = overall_rate(Settings.model_fields["send_rate_per_second"].default)  # the default, 30 a second
PER_GROUP = Rate.per_minute(10, burst=10)  # at most 20 in any minute in one group
PER_PERSON = Rate(1.0)  # the dispatcher's sends to one person: at least a second apart
# How late a slot booked ahead may still be used, in overall intervals (a booking made on the spot is late by its own
# thread hop, too): a later slot is left unused rather than bunched up with the ones after it.
LATE_SLOTS = 2


@dataclass(frozen=True)
class SendLimits:
    """Telegram's limits (`Rate` bounds any window: burst + window / interval)."""

    overall: Rate = OVERALL
    group: Rate = PER_GROUP
    private: Rate = PER_PERSON

    @classmethod
    def from_settings(cls, settings: Settings) -> SendLimits:
        """The deployment's limits: the overall cap from `SEND_RATE_PER_SECOND`."""
        return cls(overall=overall_rate(settings.send_rate_per_second))

    def for_chat(self, chat_id: int) -> Rate:
        return self.group if chat_id < 0 else self.private

    @property
    def late_slot_seconds(self) -> float:
        """How late a slot booked ahead may still be used (`LATE_SLOTS` overall intervals)."""
        return LATE_SLOTS * self.overall.interval


class Sender(Protocol):
    """Sends one plain-text message with optional inline buttons; returns the Telegram message id.

    Raises `telegram.error` exceptions on failure (the dispatcher decides whether to retry).
    """

    async def send(self, chat_id: int, text: str, buttons: Keyboard) -> int: ...


@dataclass(frozen=True)
class Turn:
    """A send booked `wait` seconds from now (`booked`), or — not booked — the chat (or the overall limit) can take
    it only `wait` seconds from now."""

    wait: float
    booked: bool


class Pacer(Protocol):
    """Books the dispatcher's sends on Telegram's limits."""

    async def book_turn(self, chat_id: int, within: float, *, keep_overall_busy: bool = True) -> Turn:
        """Book the next send to `chat_id` if it can go within `within` seconds and (`keep_overall_busy`) the
        overall limit would not sit idle waiting for this chat; otherwise book nothing and say when the chat can
        take it."""
        ...

    def spacing(self, chat_id: int) -> float:
        """Seconds between two sends to `chat_id` (its limit's interval)."""
        ...

    @property
    def overall_spacing(self) -> float:
        """Seconds between two sends overall (the overall limit's interval)."""
        ...


def never_sent(error: BaseException) -> bool:
    """Whether `error` proves Telegram did not take the message, so sending it again cannot make a duplicate.

    Flood control (429) and refusals (400, 403) are answers about a message not sent; a connection that could not
    be opened never carried it. Anything else — a read time-out, a reset connection, a 5xx — may have come after
    Telegram accepted it.
    """
    if isinstance(error, RetryAfter | BadRequest | Forbidden):
        return True
    return isinstance(error.__cause__, _NOT_SENT_CAUSES)


def _overall_and_group(limits: SendLimits, chat_id: object) -> list[tuple[str, Rate]]:
    booked = [(OVERALL_KEY, limits.overall)]
    if isinstance(chat_id, int) and chat_id < 0:
        booked.append((f"send:chat:{chat_id}", limits.group))
    return booked


class SharedPacer:
    """The dispatcher's pacing: each chat's and the overall limit, booked in the database before a row is sent.

    Telegram's limits are in real seconds, so this reads the wall clock (`clock`), never the app's `utcnow`, which
    tests may freeze."""

    def __init__(self, engine: Engine, limits: SendLimits | None = None, clock: Callable[[], float] = time.time):
        self.engine, self.limits, self.clock = engine, limits or SendLimits(), clock

    async def book_turn(self, chat_id: int, within: float, *, keep_overall_busy: bool = True) -> Turn:
        wanted = [*_overall_and_group(self.limits, chat_id)]
        if chat_id > 0:
            wanted.append((f"send:chat:{chat_id}", self.limits.private))
        now = self.clock()
        # One overall interval of slack: a chat free a moment after the overall slot is worth waiting for; a chat
        # busy for longer goes back to the queue, so the overall rate is spent on chats that can take a message.
        slack = self.limits.overall.interval if keep_overall_busy else None
        slot = await asyncio.to_thread(self.book, wanted, now, now + within, slack)
        return Turn(max(0.0, slot.start - now), slot.reserved)

    async def wait_turn(self, chat_id: int, within: float) -> float | None:
        """Book the chat's next turn within `within` seconds even if the overall limit idles meanwhile, and wait
        for it (None); when not booked, the seconds until the chat's turn."""
        turn = await self.book_turn(chat_id, within, keep_overall_busy=False)
        if not turn.booked:
            return turn.wait
        if turn.wait > 0:
            await asyncio.sleep(turn.wait)
        return None

    def spacing(self, chat_id: int) -> float:
        return self.limits.for_chat(chat_id).interval

    @property
    def overall_spacing(self) -> float:
        return self.limits.overall.interval

    async def wait_until(self, slot: Slot, now: float) -> None:
        if slot.start > now:
            await asyncio.sleep(slot.start - now)

    def book(self, wanted: list[tuple[str, Rate]], now: float, latest: float | None,
             slack: float | None = None) -> Slot:
        """Book `wanted` in one short transaction of its own."""
        with session_scope(self.engine) as session:
            return reserve(session, wanted, now, latest, slack)


class SharedRateLimiter(AIORateLimiter):
    """PTB's `AIORateLimiter` (a 429 is retried after Telegram's `retry_after`) with the counting moved to the
    database, so the overall and per-group limits hold across every process. Sends the dispatcher has already
    paced (`rate_limit_args=PACED`) are not booked twice."""

    def __init__(self, engine: Engine, limits: SendLimits | None = None, max_retries: int = 3,
                 clock: Callable[[], float] = time.time) -> None:
        super().__init__(overall_max_rate=0, group_max_rate=0, max_retries=max_retries)
        self._pacer = SharedPacer(engine, limits, clock)

    @property
    def limits(self) -> SendLimits:
        return self._pacer.limits

    def book_ahead(self, session: Session, chat_id: int) -> tuple[int, float]:
        """Book one message to `chat_id` on the same limits, in the caller's transaction (an update's, so a reply
        needs no transaction of its own): pass the result to `booked_ahead` around the sends."""
        wanted = _overall_and_group(self._pacer.limits, chat_id)
        return chat_id, reserve(session, wanted, self._pacer.clock()).start

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: Any,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        if rate_limit_args == PACED:
            rate_limit_args = None
        elif endpoint in MESSAGE_ENDPOINTS:
            now = self._pacer.clock()
            ahead = _BOOKED_AHEAD.get()
            # A slot booked ahead serves the first message to its chat, unless it lapsed (an event-loop stall): a late
            # slot used now could bunch up with later ones, so it is left unused (capacity lost, never the limit).
            late = now - self._pacer.limits.late_slot_seconds
            if ahead is not None and ahead[0] == _chat_id(data) and ahead[1] >= late:
                _BOOKED_AHEAD.set(None)
                slot = Slot(ahead[1])
            else:
                wanted = _overall_and_group(self._pacer.limits, _chat_id(data))
                slot = await asyncio.to_thread(self._pacer.book, wanted, now, None)
            await self._pacer.wait_until(slot, now)
        return await super().process_request(callback, args, kwargs, endpoint, data, rate_limit_args)

    async def shutdown(self) -> None:
        """Close the limiter's own connections."""
        self._pacer.engine.dispose()


@contextmanager
def booked_ahead(booking: tuple[int, float] | None) -> Iterator[None]:
    """Within this block, this task's first message to the booked chat uses the slot `book_ahead` booked."""
    token = _BOOKED_AHEAD.set(booking)
    try:
        yield
    finally:
        _BOOKED_AHEAD.reset(token)


def _chat_id(data: dict[str, Any]) -> object:
    try:
        return int(data.get("chat_id"))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return data.get("chat_id")


class CallbackKeyboard(InlineKeyboardMarkup):
    """An inline keyboard of callback buttons (the only kind Signpost sends), turned into the Bot API's JSON
    directly. PTB's generic `to_dict` walks every attribute of every button and cost about a tenth of an update's CPU
    (benchmarks/load_bench.py, yappi); this gives the same JSON (tests/test_delivery_limits.py)."""

    __slots__ = ()

    def to_dict(self, recursive: bool = True) -> dict[str, Any]:
        return {"inline_keyboard": [[{"text": button.text, "callback_data": button.callback_data} for button in row]
                                    for row in self.inline_keyboard]}


def callback_keyboard(rows: Keyboard) -> InlineKeyboardMarkup | None:
    """An inline keyboard from rows of (label, callback data); None when there are no buttons.

    Raises `CallbackDataTooLong` for data Telegram would refuse: that is a bug in the button, caught by tests."""
    check_callback_data(rows)
    built = [[InlineKeyboardButton(label, callback_data=data) for label, data in row] for row in rows if row]
    return CallbackKeyboard(built) if built else None


class TelegramSender:
    """A `Sender` over `application.bot`. Long text goes in several messages (buttons under the last); button data
    is checked against Telegram's 64-byte limit before anything is sent."""

    def __init__(self, bot: Bot) -> None:
        self._bot = bot

    async def send(self, chat_id: int, text: str, buttons: Keyboard) -> int:
        markup = callback_keyboard(buttons)
        parts = split_message(text)
        message_id = 0
        for number, part in enumerate(parts, start=1):
            message = await self._bot.send_message(
                chat_id=chat_id, text=part, reply_markup=markup if number == len(parts) else None, **self._paced()
            )
            message_id = message.message_id
        return message_id

    def _paced(self) -> dict[str, Any]:
        """ExtBot (the application's bot) takes `rate_limit_args`; a plain Bot has no rate limiter to tell."""
        return {"rate_limit_args": PACED} if hasattr(self._bot, "rate_limiter") else {}

"""Per-user rate limiting: a flood of messages or taps from one person is politely slowed down."""

from __future__ import annotations

import time
from collections import defaultdict, deque

from telegram import Update
from telegram.ext import Application, ApplicationHandlerStop, TypeHandler

from handlers.common import Context, runtime

WINDOW_SECONDS = 60.0
SLOW_DOWN = "You're sending messages very quickly. Please wait a minute, then try again."


class SlidingWindow:
    """At most `limit` events per user in any `WINDOW_SECONDS`; remembers whether we already said 'slow down'."""

    def __init__(self, limit: int, clock=time.monotonic) -> None:  # type: ignore[no-untyped-def]
        self.limit, self.clock = limit, clock
        self.events: dict[int, deque[float]] = defaultdict(deque)
        self.warned: set[int] = set()

    def allow(self, user_id: int) -> bool:
        now, events = self.clock(), self.events[user_id]
        while events and now - events[0] > WINDOW_SECONDS:
            events.popleft()
        if len(events) >= self.limit:
            return False
        events.append(now)
        self.warned.discard(user_id)
        return True


async def check_rate(update: Update, context: Context) -> None:
    user = update.effective_user
    if user is None:
        return
    extras = runtime(context).extras
    window: SlidingWindow = extras.setdefault(
        "rate_window", SlidingWindow(runtime(context).settings.user_rate_limit_per_minute)
    )
    if window.allow(user.id):
        return
    if user.id not in window.warned:
        window.warned.add(user.id)
        if update.callback_query is not None:
            await update.callback_query.answer(SLOW_DOWN[:190])
        elif update.effective_chat is not None:
            await update.effective_chat.send_message(SLOW_DOWN)
    raise ApplicationHandlerStop


def register(application: Application) -> None:
    application.add_handler(TypeHandler(Update, check_rate), group=-1)

"""Updates from different chats at once, each chat's in the order Telegram sent them.

PTB handles one update at a time unless told otherwise, and its `concurrent_updates` runs any updates at once — a
person's second message could then overtake their first. `PerChatUpdateProcessor` (PTB's extension point,
`BaseUpdateProcessor`) keeps one queue per chat: a chat's next update starts only when its previous one has
finished (its transaction committed and its replies sent), while other chats' updates run alongside, up to
`workers` at a time. An update waiting for its chat's turn takes no worker, and when updates queue for a worker
the next place goes to the chat that has sent the fewest since it was last idle (then to the earliest): someone
sending one message is answered before floods of fifty from others, however many flooding accounts there are, and
the flooders take turns.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
from collections.abc import Awaitable, Callable
from inspect import iscoroutine
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

# PTB's own bound counts updates queued here as well as running (so it bounds memory, not work): generous, so an
# update never waits there — order is decided in `do_process_update`, in the order updates arrive.
HELD_UPDATES = 10_000


def order_key(update: object) -> int | None:
    """The chat (else the person) whose updates must stay in order; None for updates tied to neither."""
    if not isinstance(update, Update):
        return None
    if update.effective_chat is not None:
        return update.effective_chat.id
    return update.effective_user.id if update.effective_user is not None else None


class LightestFirst:
    """Up to `size` holders at once; a freed place goes to the waiter whose load is smallest now (then to the
    earliest). Loads may only grow while waiting (they are re-read when a place frees).

    Hand-written because asyncio's `Semaphore` only serves in arrival order."""

    def __init__(self, size: int) -> None:
        self._free = size
        self._waiting: list[tuple[int, int, asyncio.Future[None], Callable[[], int]]] = []
        self._arrivals = itertools.count()

    async def acquire(self, load: Callable[[], int]) -> None:
        if self._free > 0 and not self._waiting:
            self._free -= 1
            return
        place: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._waiting, (load(), next(self._arrivals), place, load))
        try:
            await place
        except asyncio.CancelledError:
            if place.done() and not place.cancelled():
                self.release()  # given a place just as it was cancelled: pass it on
            raise

    def release(self) -> None:
        while self._waiting:
            noted, arrival, place, load = heapq.heappop(self._waiting)
            if place.done():  # cancelled meanwhile
                continue
            if (now := load()) > noted:  # grown since noted: back in line at its new place
                heapq.heappush(self._waiting, (now, arrival, place, load))
                continue
            place.set_result(None)
            return
        self._free += 1


class PerChatUpdateProcessor(BaseUpdateProcessor):
    """Runs up to `workers` updates at once, never two of the same chat, each chat's in arrival order."""

    def __init__(self, workers: int, held: int = HELD_UPDATES) -> None:
        if workers < 1:
            raise ValueError("workers must be at least 1")
        super().__init__(max(held, workers))
        self.workers = workers
        self._free = LightestFirst(workers)
        self._last_in_chat: dict[int, asyncio.Future[None]] = {}
        self._backlog: dict[int, int] = {}  # per chat: updates registered and not finished
        self._streak: dict[int, int] = {}  # per chat: updates registered since it last had none

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = order_key(update)
        previous = self._last_in_chat.get(key) if key is not None else None
        finished: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        if key is not None:  # registered before any await: the chat's order is the order updates arrive
            self._last_in_chat[key] = finished
            self._backlog[key] = self._backlog.get(key, 0) + 1
            self._streak[key] = self._streak.get(key, 0) + 1
        try:
            if previous is not None:
                await asyncio.wait((previous,))  # never cancels `previous` if this update is cancelled
            await self._free.acquire(lambda: self._streak.get(key, 1) if key is not None else 1)
            try:
                await coroutine
            finally:
                self._free.release()
        finally:
            if iscoroutine(coroutine) and coroutine.cr_frame is not None and not coroutine.cr_running:
                coroutine.close()  # cancelled before it started: no "never awaited" warning
            finished.set_result(None)
            if key is not None:
                self._finished(key, finished)

    def _finished(self, key: int, finished: asyncio.Future[None]) -> None:
        self._backlog[key] -= 1
        if not self._backlog[key]:
            del self._backlog[key], self._streak[key]
        if self._last_in_chat.get(key) is finished:
            del self._last_in_chat[key]

    @property
    def waiting_chats(self) -> int:
        """Chats with an update running or waiting (for tests and monitoring)."""
        return len(self._last_in_chat)

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to free: PTB awaits the updates still running when the application stops."""

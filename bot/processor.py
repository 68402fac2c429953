"""Updates from different chats at once, each chat's in the order Telegram sent them.

PTB handles one update at a time unless told otherwise, and its `concurrent_updates` runs any updates at once — a
person's second message could then overtake their first. `PerChatUpdateProcessor` (PTB's extension point,
`BaseUpdateProcessor`) keeps one queue per chat: a chat's next update starts only when its previous one has
finished (its transaction committed and its replies sent), while other chats' updates run alongside, up to
`workers` at a time. An update waiting for its chat's turn takes no worker, so one person sending fifty messages
holds up nobody else.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
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


class PerChatUpdateProcessor(BaseUpdateProcessor):
    """Runs up to `workers` updates at once, never two of the same chat, each chat's in arrival order."""

    def __init__(self, workers: int, held: int = HELD_UPDATES) -> None:
        if workers < 1:
            raise ValueError("workers must be at least 1")
        super().__init__(max(held, workers))
        self.workers = workers
        self._free = asyncio.Semaphore(workers)
        self._last_in_chat: dict[int, asyncio.Future[None]] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = order_key(update)
        previous = self._last_in_chat.get(key) if key is not None else None
        finished: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        if key is not None:  # registered before any await: the chat's order is the order updates arrive
            self._last_in_chat[key] = finished
        try:
            if previous is not None:
                await asyncio.wait((previous,))  # never cancels `previous` if this update is cancelled
            async with self._free:
                await coroutine
        finally:
            if iscoroutine(coroutine) and coroutine.cr_frame is not None and not coroutine.cr_running:
                coroutine.close()  # cancelled before it started: no "never awaited" warning
            finished.set_result(None)
            if key is not None and self._last_in_chat.get(key) is finished:
                del self._last_in_chat[key]

    @property
    def waiting_chats(self) -> int:
        """Chats with an update running or waiting (for tests and monitoring)."""
        return len(self._last_in_chat)

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to free: PTB awaits the updates still running when the application stops."""

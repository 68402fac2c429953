"""Flood protection: at most N events per person in a sliding window of time."""

from __future__ import annotations

import time
from collections import defaultdict, deque
from collections.abc import Callable

WINDOW_SECONDS = 60.0


class SlidingWindow:
    """At most `limit` events per user in any `WINDOW_SECONDS`; remembers whether we already said 'slow down'."""

    def __init__(self, limit: int, clock: Callable[[], float] = time.monotonic) -> None:
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

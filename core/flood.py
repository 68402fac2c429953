"""Flood protection: each person's updates are limited, across every bot process, by a row in the database.

The limit counts what floods, not a busy nurse: a sustained `per_minute` messages with bursts of `burst`, where a
message starting something (a search, a command) counts 1, a button tap a quarter, and an answer to a conversation
that is waiting for it a tenth. Three referrals back to back cost about 7 of a 20-burst, 30-a-minute allowance;
a script sending ten messages a second is stopped within seconds. Rows idle for a day are pruned
(`core.rate_limits.prune_idle_limits`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from sqlmodel import Session

from core.rate_limits import Admission, Rate, admit

TAP_COST = 0.25
ANSWER_COST = 0.1  # a tap or typed answer in a conversation that is waiting for it


@dataclass(frozen=True)
class FloodLimit:
    """At most `per_minute` typed messages a minute per person on average, `burst` at once."""

    per_minute: float
    burst: int = 20

    def check(
        self, session: Session, user_id: int, *, tap: bool, in_conversation: bool = False, now: float | None = None
    ) -> Admission:
        """Count one update from `user_id` in this transaction; refused when they are flooding. Floods happen in
        real seconds, so `now` defaults to the wall clock (never the app's `utcnow`, which tests may freeze)."""
        cost = ANSWER_COST if in_conversation else TAP_COST if tap else 1.0
        rate = Rate.per_minute(self.per_minute, self.burst)
        return admit(session, f"flood:user:{user_id}", rate, time.time() if now is None else now, cost)

"""Flood protection: each person's updates are limited, across every bot process, by a row in the database.

The limit counts what floods, not a busy nurse: a sustained `per_minute` messages with bursts of `burst`, where a
message starting something (a search, a command) counts 1, a button tap a quarter, and an answer to a conversation
that is waiting for it a tenth. Three referrals back to back cost about 7 of a 20-burst, 30-a-minute allowance;
a script sending ten messages a second is stopped within seconds. Rows idle for a day are pruned
(`core.rate_limits.prune_idle_limits`).

A flooder's refused updates must cost almost nothing, or the flood still slows everyone else. Each process keeps
a copy of the allowances it has seen refused: the row's `tat` only ever moves forward (any process's admissions
add to it; a refusal leaves it), so a refusal decided from the copy is one the database would make too, and the
update is dropped before any transaction. Once the copy says even the cheapest update could be let through, the
database — the truth shared by every process — is asked again.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from sqlmodel import Session

from core.rate_limits import Admission, Rate, admit

TAP_COST = 0.25
ANSWER_COST = 0.1  # a tap or typed answer in a conversation that is waiting for it
REMEMBERED_FLOODERS = 10_000  # refused allowances kept in memory before the lapsed ones are dropped


@dataclass(frozen=True)
class FloodLimit:
    """At most `per_minute` typed messages a minute per person on average, `burst` at once."""

    per_minute: float
    burst: int = 20
    # person -> their allowance's `tat` when it was last refused here (a lower bound of the database's)
    _refused: dict[int, float] = field(default_factory=dict, init=False, repr=False, compare=False, hash=False)

    @property
    def rate(self) -> Rate:
        return Rate.per_minute(self.per_minute, self.burst)

    def check(
        self, session: Session, user_id: int, *, tap: bool, in_conversation: bool = False, now: float | None = None
    ) -> Admission:
        """Count one update from `user_id` in this transaction; refused when they are flooding. Floods happen in
        real seconds, so `now` defaults to the wall clock (never the app's `utcnow`, which tests may freeze)."""
        cost = ANSWER_COST if in_conversation else TAP_COST if tap else 1.0
        now = time.time() if now is None else now
        admission = admit(session, f"flood:user:{user_id}", self.rate, now, cost)
        if admission.allowed:
            self._refused.pop(user_id, None)
        else:
            if len(self._refused) >= REMEMBERED_FLOODERS:
                self._forget_lapsed(now)
            self._refused[user_id] = admission.tat
        return admission

    def surely_refused(self, user_id: int, now: float | None = None) -> bool:
        """Whether this process already knows `user_id`'s next update would be refused (even the cheapest kind),
        without asking the database. A refusal after the first is silent, so nothing else is owed them."""
        tat = self._refused.get(user_id)
        if tat is None:
            return False
        if self._refuses(tat, time.time() if now is None else now):
            return True
        self._refused.pop(user_id, None)
        return False

    def _refuses(self, tat: float, now: float) -> bool:
        """Whether even the cheapest update (an answer) would be refused at `now` by an allowance at `tat`."""
        rate = self.rate
        return not rate.within(rate.charged(tat, now, ANSWER_COST), now)

    def _forget_lapsed(self, now: float) -> None:
        for user_id, tat in list(self._refused.items()):
            if not self._refuses(tat, now):
                self._refused.pop(user_id, None)

"""Rate limits shared by every bot process through the database: Telegram's send limits and per-person flooding.

Each limit is a row holding a GCRA "theoretical arrival time" (`tat`, seconds since the epoch): a limit of one
event per `interval` seconds with bursts of `burst`. Because the row is read and written in one transaction, any
number of processes sharing the database together stay within the limit (PostgreSQL locks the row; SQLite writers
take the database lock up front). No timers, no counters to reset: an idle key simply falls behind `now`.

Two uses:
- `reserve`: a send books the next free slot on every limit it is subject to and waits for it (never refused).
- `admit`: a person's update is let through or refused; the first refusal in a row is flagged so the bot says
  "slow down" once, not on every message.
Rows idle for a day are pruned by the nightly retention job (`prune_idle_limits`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, NamedTuple

from sqlalchemy import bindparam, delete, select, text, update
from sqlmodel import Field, Session, SQLModel, col

from core.db import DriverStatement

IDLE_SECONDS = timedelta(days=1).total_seconds()


class RateLimitState(SQLModel, table=True):
    """One limit's state. Keys name what is limited, e.g. `send:all`, `send:chat:-500`, `flood:user:42`."""

    __tablename__ = "rate_limit"

    key: str = Field(primary_key=True, max_length=64)
    tat: float = 0.0  # when the limit is next fully free, in seconds since the epoch
    refused: bool = False  # the last request was refused (flooding): the next refusal is not "first"


@dataclass(frozen=True)
class Rate:
    """At most one event per `interval` seconds on average, with up to `burst` at once: never more than
    `burst + W / interval` events in any window of W seconds."""

    interval: float
    burst: int = 1

    @classmethod
    def per_second(cls, count: float, burst: int = 1) -> Rate:
        return cls(1.0 / count, burst)

    @classmethod
    def per_minute(cls, count: float, burst: int = 1) -> Rate:
        return cls(60.0 / count, burst)

    def charged(self, tat: float, now: float, cost: float = 1.0) -> float:
        """The limit's state (`tat`) after an event of `cost` at `now`."""
        return max(tat, now) + cost * self.interval

    def within(self, tat: float, now: float) -> bool:
        """Whether the state `tat` is within the burst at `now` (the event that led to it may go)."""
        return tat - now <= self.burst * self.interval

    def earliest(self, tat: float, at: float) -> float:
        """The first moment at or after `at` this limit allows another event."""
        return max(at, tat - (self.burst - 1) * self.interval)


@dataclass(frozen=True)
class Slot:
    """When a send may go (seconds since the epoch); `reserved` is False when it was further off than allowed."""

    start: float
    reserved: bool = True


@dataclass(frozen=True)
class Admission:
    allowed: bool
    first_refusal: bool = False  # refused, and the previous request was allowed: say "slow down" now
    tat: float = 0.0  # the limit's state after this request (a lower bound for later ones: it never goes back)


def reserve(
    session: Session, limits: Sequence[tuple[str, Rate]], now: float, latest: float | None = None,
    slack: float | None = None,
) -> Slot:
    """Book one event on every (key, rate) at the first moment they all allow, at or after `now`.

    When that moment is after `latest`, or more than `slack` seconds after the moment the *first* limit alone
    allows (booking it would leave that limit idle meanwhile, e.g. the overall send rate waiting for one busy chat),
    nothing is booked and the returned slot says when to come back.
    """
    rows = _locked(session, [key for key, _ in limits])
    start = now
    for key, rate in limits:
        start = rate.earliest(rows[key].tat, start)
    first_key, first_rate = limits[0]
    held_back = slack is not None and start > first_rate.earliest(rows[first_key].tat, now) + slack
    if held_back or (latest is not None and start > latest):
        return Slot(start, reserved=False)
    for key, rate in limits:
        _store(session, key, max(rows[key].tat, start) + rate.interval, refused=False)
    return Slot(start)


def admit(session: Session, key: str, rate: Rate, now: float, cost: float = 1.0) -> Admission:
    """Let an event of `cost` (in events) through if the limit allows it now; otherwise refuse it unchanged."""
    row = _locked(session, [key])[key]
    tat = rate.charged(row.tat, now, cost)
    if rate.within(tat, now):
        _store(session, key, tat, refused=False)
        return Admission(True, tat=tat)
    if not row.refused:
        _store(session, key, row.tat, refused=True)
    return Admission(False, first_refusal=not row.refused, tat=row.tat)


def prune_idle_limits(session: Session, now: float) -> int:
    """Drop limits that have been fully free for a day (equivalent to no row at all)."""
    statement = delete(RateLimitState).where(col(RateLimitState.tat) < now - IDLE_SECONDS)
    return session.execute(statement).rowcount  # type: ignore[attr-defined]


class _Limit(NamedTuple):
    tat: float
    refused: bool


_TABLE = RateLimitState.__table__  # type: ignore[attr-defined]
# Plain Core statements, built once and run on the driver (`DriverStatement`): this runs for every update and every
# message sent.
_COLUMNS = select(_TABLE.c.key, _TABLE.c.tat, _TABLE.c.refused).order_by(_TABLE.c.key).with_for_update()
# One and two keys (a person's flood limit; the overall send limit and a group's) are nearly every call: fixed
# statements for them, since an expanding IN list is rewritten into SQL again on every execution.
_SELECT_ONE = DriverStatement(_COLUMNS.where(_TABLE.c.key == bindparam("key_1")))
_SELECT_TWO = DriverStatement(_COLUMNS.where(_TABLE.c.key.in_([bindparam("key_1"), bindparam("key_2")])))
_SELECT_MANY = _COLUMNS.where(_TABLE.c.key.in_(bindparam("keys", expanding=True)))
# Plain SQL both databases speak: SQLAlchemy never caches the dialects' ON CONFLICT inserts (see core.updates), and a
# new person's first update creates their limits here.
_CREATE = DriverStatement(text(
    "INSERT INTO rate_limit (key, tat, refused) VALUES (:row_key, 0, false) ON CONFLICT (key) DO NOTHING RETURNING key"
))
_STORE = DriverStatement(update(_TABLE).where(_TABLE.c.key == bindparam("row_key")).values(
    tat=bindparam("tat"), refused=bindparam("refused")))


def _locked(session: Session, keys: list[str]) -> dict[str, _Limit]:
    """The limits for `keys`, created if new and locked for this transaction (in key order, so never a deadlock).

    The usual case — every row exists — is one SELECT. A new key is inserted, and the row this transaction inserted
    is its own (locked until commit) and fully free; one another process inserted meanwhile (no conflict) is read
    again, locked."""
    ordered = sorted(set(keys))
    found = _read_locked(session, ordered)
    missing = [key for key in ordered if key not in found]
    created = [key for key in missing if _CREATE.first(session, {"row_key": key}) is not None]
    found |= dict.fromkeys(created, _Limit(0.0, refused=False))
    if inserted_elsewhere := [key for key in missing if key not in found]:
        found |= _read_locked(session, inserted_elsewhere)
    return found


def _read_locked(session: Session, keys: list[str]) -> dict[str, _Limit]:
    rows: Iterable[Sequence[Any]]
    if len(keys) == 1:
        rows = _SELECT_ONE.rows(session, {"key_1": keys[0]})
    elif len(keys) == 2:
        rows = _SELECT_TWO.rows(session, {"key_1": keys[0], "key_2": keys[1]})
    else:
        rows = session.execute(_SELECT_MANY, {"keys": keys})
    return {key: _Limit(tat, bool(refused)) for key, tat, refused in rows}


def _store(session: Session, key: str, tat: float, *, refused: bool) -> None:
    _STORE.rows(session, {"row_key": key, "tat": tat, "refused": refused})

"""The referrals received in a report's period: the filter every figure shares, month buckets for counting in SQL,
and the one per-referral read (only what the case rows and the waiting times need).

Counting is done by the database (GROUP BY) wherever a figure needs no per-referral value; the per-referral read
selects plain columns (no ORM objects), and values that repeat across a year's rows (reasons, labels) are worked
out once per distinct value rather than once per row. Timestamps are never parsed per row: the database gives each
referral's local day as a day number and its waits in whole microseconds (`EpochMicroseconds`, `local_day`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import BigInteger, Case, ColumnElement, String, case, cast, func, literal
from sqlmodel import Session, select

from casework.models import REASON_LABELS, Referral, ReferralReason, Signposting
from reports.period import Period
from reports.sql import EpochMicroseconds

DISTINCT_VALUES_CACHED = 1024  # distinct reason lists remembered (a year has a few dozen)
DAY_MICROSECONDS = 86_400_000_000
UNIX_EPOCH = date(1970, 1, 1)
OFFSET_PROBE = timedelta(hours=1)  # no time zone changes its offset twice within an hour


def received_in(since: datetime, until: datetime) -> tuple[ColumnElement[bool], ColumnElement[bool]]:
    """The WHERE clause of 'referrals received in [since, until)' (UTC), for `select(...).where(*received_in(...))`."""
    return Referral.created_at >= since, Referral.created_at < until  # type: ignore[return-value]


def local_month(moment: Any, period: Period, tz: ZoneInfo) -> Case[str]:
    """A SQL expression giving the local 'YYYY-MM' of a stored UTC timestamp inside `period`, for GROUP BY.

    Time-zone rules are not portable between SQLite (which has none) and PostgreSQL, so the local month boundaries
    are worked out here, in UTC, and the database only compares timestamps with them."""
    ends = [*period.month_starts_utc(tz)[1:], period.utc_bounds(tz)[1]]
    return case(*[(moment < end, month) for month, end in zip(period.months(), ends, strict=True)])


def utc_offsets(since: datetime, until: datetime, tz: ZoneInfo) -> list[tuple[datetime, int]]:
    """The offsets from UTC of `tz` over [since, until), whole seconds apart (local midnights): (when each stops
    applying, in UTC; its seconds), in order, the last up to `until` (a year in Europe/London: GMT, BST, GMT).
    Found by probing every `OFFSET_PROBE` and pinning each change to its second."""

    def offset_at(second: int) -> int:
        offset = (since + timedelta(seconds=second)).astimezone(tz).utcoffset()
        return int(offset.total_seconds()) if offset is not None else 0

    changes: list[tuple[datetime, int]] = []
    last, step = int((until - since).total_seconds()) - 1, int(OFFSET_PROBE.total_seconds())
    probe, offset = 0, offset_at(0)
    while probe < last:
        later = min(probe + step, last)
        if offset_at(later) == offset:
            probe = later
            continue
        while later - probe > 1:  # the change is after `probe`, at or before `later`
            middle = (probe + later) // 2
            probe, later = (middle, later) if offset_at(middle) == offset else (probe, middle)
        changes.append((since + timedelta(seconds=later), offset))
        probe, offset = later, offset_at(later)
    return [*changes, (until, offset)]


def local_day(moment: Any, since: datetime, until: datetime, tz: ZoneInfo) -> ColumnElement[int]:
    """A SQL expression giving the local date (in `tz`) of a stored UTC timestamp in [since, until), as days since
    1970-01-01 (see `day_date`): the offset of its stretch of `utc_offsets` added, then whole days counted."""
    *changes, (_, last) = utc_offsets(since, until, tz)
    offset = (case(*[(moment < end, seconds * 1_000_000) for end, seconds in changes], else_=last * 1_000_000)
              if changes else literal(last * 1_000_000))
    return (EpochMicroseconds(moment) + cast(offset, BigInteger)) // DAY_MICROSECONDS  # integers: whole days


@lru_cache(maxsize=DISTINCT_VALUES_CACHED)
def day_date(days: int) -> date:
    """The date `days` after 1970-01-01 (a `local_day`)."""
    return UNIX_EPOCH + timedelta(days=days)


def referrals_received(session: Session, since: datetime, until: datetime, tz: ZoneInfo) -> Sequence[Any]:
    """One row per referral received, oldest first, with how many signpostings it has (made at any time). Reasons
    come as the stored JSON text (see `reason_labels`); the local day received as `received` (see `local_day`);
    the waits for claiming and first contact as whole microseconds (None if not yet)."""
    signpostings = (select(Signposting.referral_id, func.count().label("n")).group_by(Signposting.referral_id)
                    .subquery())
    created = EpochMicroseconds(Referral.created_at)
    statement = (
        select(  # type: ignore[call-overload]
            Referral.id, Referral.reference, local_day(Referral.created_at, since, until, tz).label("received"),
            Referral.source_ward, Referral.source_role, cast(Referral.reasons, String).label("reasons"),
            Referral.status, Referral.closure_reason,
            (EpochMicroseconds(Referral.claimed_at) - created).label("to_claim"),
            (EpochMicroseconds(Referral.first_contact_at) - created).label("to_first_contact"),
            Referral.urgency, func.coalesce(signpostings.c.n, 0).label("signpostings"),
        )
        .outerjoin(signpostings, signpostings.c.referral_id == Referral.id)
        .where(*received_in(since, until))
        .order_by(Referral.created_at, Referral.id)
    )
    return session.connection().execute(statement).all()  # plain rows: the ORM's row handling cost a third


@lru_cache(maxsize=DISTINCT_VALUES_CACHED)
def reason_labels(stored: str | list[str]) -> tuple[str, ...]:
    """The labels of a referral's reasons (each once, in the order given), from the stored JSON text."""
    reasons = json.loads(stored) if isinstance(stored, str) else stored
    return tuple(reason_label(reason) for reason in dict.fromkeys(reasons))


def reason_label(value: str) -> str:
    try:
        return REASON_LABELS[ReferralReason(value)]
    except ValueError:
        return value

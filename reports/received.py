"""The referrals received in a report's period: the filter every figure shares and the one per-referral read (what
the case rows, the waiting times and the counts of referrals need).

The per-referral read selects plain columns (no ORM objects) and the counts of referrals are made from its rows (a
year's 50k counted in milliseconds, where each GROUP BY scanned them again); values that repeat across a year's
rows (reasons, labels, days) are worked out once per distinct value rather than once per row. Timestamps are never
parsed per row: the database gives each referral's local day as a day number and its waits in whole microseconds
(`local_day`, `reports.sql.EpochMicroseconds`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Hashable, Sequence
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any, NamedTuple, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import BigInteger, ColumnElement, String, case, cast, func, literal, type_coerce
from sqlmodel import Session, select

from casework.models import REASON_LABELS, CaseStatus, ClosureReason, Referral, ReferralReason, Signposting, Urgency
from reports.sql import EpochMicroseconds

V = TypeVar("V", bound=Hashable)
L = TypeVar("L")
DISTINCT_VALUES_CACHED = 1024  # distinct values remembered (reason lists, days, months: a year has a few hundred)
DAY_MICROSECONDS = 86_400_000_000
UNIX_EPOCH = date(1970, 1, 1)
OFFSET_PROBE = timedelta(hours=1)  # no time zone changes its offset twice within an hour


def received_in(since: datetime, until: datetime) -> tuple[ColumnElement[bool], ColumnElement[bool]]:
    """The WHERE clause of 'referrals received in [since, until)' (UTC), for `select(...).where(*received_in(...))`."""
    return Referral.created_at >= since, Referral.created_at < until  # type: ignore[return-value]


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


@lru_cache(maxsize=DISTINCT_VALUES_CACHED)
def month_of(day: date) -> str:
    """'YYYY-MM' of a day (the months of `Period.months`)."""
    return f"{day:%Y-%m}"


class Received(NamedTuple):
    """The referrals received in a period, column by column: entry i of each column is the i-th referral, oldest
    first (columns count and label in C, where a year's 50k rows one by one cost tenths of a second)."""

    reference: tuple[str, ...]
    day: tuple[int, ...]  # the local day received (a `local_day`; see `day_date`)
    ward: tuple[str, ...]
    role: tuple[str, ...]
    reasons: tuple[str, ...]  # the stored JSON text (see `reason_labels`)
    status: tuple[CaseStatus, ...]
    closure_reason: tuple[ClosureReason | None, ...]
    to_claim: tuple[int | None, ...]  # whole microseconds from received to claimed (None: not yet)
    to_first_contact: tuple[int | None, ...]
    urgency: tuple[Urgency, ...]
    signpostings: tuple[int, ...]  # how many it has, made at any time
    safeguarding: tuple[str, ...]
    gender: tuple[str, ...]
    ethnicity: tuple[str, ...]
    postcode_district: tuple[str, ...]


ENUM_COLUMNS: dict[str, Any] = {"status": Referral.status, "closure_reason": Referral.closure_reason,
                                "urgency": Referral.urgency}  # fields of Received read as stored


def referrals_received(session: Session, since: datetime, until: datetime, tz: ZoneInfo) -> Received:
    """The referrals received in [since, until) (local days in `tz`), read once as plain rows. Enum columns are read
    as stored and decoded once per distinct value (SQLAlchemy decodes every row's: 150k calls for a year)."""
    signpostings = (select(Signposting.referral_id, func.count().label("n")).group_by(Signposting.referral_id)
                    .subquery())
    created = EpochMicroseconds(Referral.created_at)
    status, closure, urgency = (type_coerce(column, String) for column in ENUM_COLUMNS.values())
    statement = (
        select(  # type: ignore[call-overload]
            Referral.reference, local_day(Referral.created_at, since, until, tz), Referral.source_ward,
            Referral.source_role, cast(Referral.reasons, String), status, closure,
            EpochMicroseconds(Referral.claimed_at) - created, EpochMicroseconds(Referral.first_contact_at) - created,
            urgency, func.coalesce(signpostings.c.n, 0), Referral.safeguarding, Referral.gender, Referral.ethnicity,
            Referral.postcode_district,
        )
        .outerjoin(signpostings, signpostings.c.referral_id == Referral.id)
        .where(*received_in(since, until))
        .order_by(Referral.created_at, Referral.id)
    )
    rows = session.connection().execute(statement).all()  # plain rows: the ORM's row handling cost a third
    if not rows:
        return Received(*[()] * len(Received._fields))
    stored = Received(*zip(*rows, strict=True))
    dialect = session.get_bind().dialect
    return stored._replace(**{
        name: per_value(getattr(stored, name), column.type.result_processor(dialect, None) or (lambda value: value))
        for name, column in ENUM_COLUMNS.items()
    })


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


def per_value(values: Sequence[V], label: Callable[[V], L]) -> list[L]:
    """`label` of each of `values`, worked out once per distinct value."""
    labels = {value: label(value) for value in set(values)}
    return list(map(labels.__getitem__, values))

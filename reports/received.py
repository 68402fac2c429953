"""The referrals received in a report's period: the filter every figure shares, month buckets for counting in SQL,
and the one per-referral read (only what the case rows and the waiting times need).

Counting is done by the database (GROUP BY) wherever a figure needs no per-referral value; the per-referral read
selects plain columns (no ORM objects), and values that repeat across a year's rows (reasons, labels) are worked
out once per distinct value rather than once per row.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Case, ColumnElement, String, case, cast, func
from sqlmodel import Session, select

from casework.models import REASON_LABELS, Referral, ReferralReason, Signposting
from reports.period import Period

DISTINCT_VALUES_CACHED = 1024  # distinct reason lists remembered (a year has a few dozen)


def received_in(since: datetime, until: datetime) -> tuple[ColumnElement[bool], ColumnElement[bool]]:
    """The WHERE clause of 'referrals received in [since, until)' (UTC), for `select(...).where(*received_in(...))`."""
    return Referral.created_at >= since, Referral.created_at < until  # type: ignore[return-value]


def local_month(moment: Any, period: Period, tz: ZoneInfo) -> Case[str]:
    """A SQL expression giving the local 'YYYY-MM' of a stored UTC timestamp inside `period`, for GROUP BY.

    Time-zone rules are not portable between SQLite (which has none) and PostgreSQL, so the local month boundaries
    are worked out here, in UTC, and the database only compares timestamps with them."""
    ends = [*period.month_starts_utc(tz)[1:], period.utc_bounds(tz)[1]]
    return case(*[(moment < end, month) for month, end in zip(period.months(), ends, strict=True)])


def referrals_received(session: Session, since: datetime, until: datetime) -> Sequence[Any]:
    """One row per referral received, oldest first, with how many signpostings it has (made at any time). Reasons
    come as the stored JSON text (see `reason_labels`)."""
    signpostings = (select(Signposting.referral_id, func.count().label("n")).group_by(Signposting.referral_id)
                    .subquery())
    statement = (
        select(  # type: ignore[call-overload]
            Referral.id, Referral.reference, Referral.created_at, Referral.source_ward, Referral.source_role,
            cast(Referral.reasons, String).label("reasons"), Referral.status, Referral.closure_reason,
            Referral.claimed_at, Referral.first_contact_at, Referral.urgency,
            func.coalesce(signpostings.c.n, 0).label("signpostings"),
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

"""Report figures for wellbeing outcomes (ONS4, SWEMWBS), safeguarding RAG, equity and support given, over
referrals received in the period. Read-only; only numbers, fixed keys and ratings are read — never client text."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from statistics import fmean
from typing import Any
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta
from sqlalchemy import case, exists
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, func, select

from casework.models import (
    ETHNIC_GROUPS,
    GENDERS,
    PREFER_NOT,
    PREFER_NOT_LABEL,
    SUPPORT_MODE_LABELS,
    URGENCY_LABELS,
    CaseEvent,
    CaseStatus,
    ClosureReason,
    OutcomeAnswer,
    Referral,
    Safeguarding,
    SupportContact,
    SupportPlan,
)
from casework.outcomes import FOLLOW_UP_MONTHS, MEASURES, TIMEPOINTS
from casework.safeguarding import EVENT as RATING_EVENT
from casework.safeguarding import ratings_at_referral, short_label
from reports.data import (
    NOT_RECORDED,
    CaseRow,
    Count,
    EquityRow,
    RatingCounts,
    SafeguardingFigures,
    SupportFigures,
    WellbeingChange,
)
from reports.period import Period
from reports.received import Received, day_date, month_of, reason_labels, received_in
from reports.stats import durations, percentile, ranked_counts

CHANGES = (("first_contact", "closure"), ("first_contact", "3_months"), ("first_contact", "6_months"))
RATING_LABELS = [short_label(rating.value) for rating in Safeguarding] + [short_label("")]


def wellbeing_changes(
    session: Session, since: datetime, until: datetime, today: date, tz: ZoneInfo
) -> list[WellbeingChange]:
    """For every measure with answers, each question's change from first contact to closure, 3 and 6 months, with
    how many cases could have answered (reached that point) and how many answered both (skips don't count)."""
    scores: dict[tuple[str, str, str], dict[int, int]] = defaultdict(dict)  # (measure, item, time point)
    for referral_id, measure, timepoint, item, score in session.exec(
        select(OutcomeAnswer.referral_id, OutcomeAnswer.measure, OutcomeAnswer.timepoint, OutcomeAnswer.item,
               OutcomeAnswer.score)
        .join(Referral, Referral.id == OutcomeAnswer.referral_id)  # type: ignore[arg-type]
        .where(*received_in(since, until), col(OutcomeAnswer.score).is_not(None))
    ).all():
        scores[(measure, item, timepoint)][referral_id] = score
    if not scores:
        return []
    reached = _reached(session, since, until, today, tz)
    changes = []
    for measure in MEASURES.values():
        if not any(key[0] == measure.key for key in scores):
            continue
        for start, end in CHANGES:
            for item in measure.items:
                before = scores.get((measure.key, item.key, start), {})
                after = scores.get((measure.key, item.key, end), {})
                paired = [rid for rid in after if rid in before]
                changes.append(WellbeingChange(
                    measure.key.upper(), item.key.replace("_", " "), item.question, TIMEPOINTS[start],
                    TIMEPOINTS[end], reached[end], len(paired), _mean([before[rid] for rid in paired]),
                    _mean([after[rid] for rid in paired]), item.lower_is_better,
                ))
    return changes


def _reached(session: Session, since: datetime, until: datetime, today: date, tz: ZoneInfo) -> dict[str, int]:
    """Time point -> how many cases have reached it (been contacted; closed; closed 3 / 6 months ago, local days),
    counted by the database."""
    closed_by = {timepoint: datetime.combine(today - relativedelta(months=months) + timedelta(days=1), time(),
                                             tzinfo=tz).astimezone(UTC)
                 for timepoint, months in FOLLOW_UP_MONTHS.items()}
    counts = session.exec(select(
        func.count(Referral.first_contact_at), func.count(Referral.closed_at),
        *(func.count(case((col(Referral.closed_at) < before, 1))) for before in closed_by.values()),
    ).where(*received_in(since, until))).one()
    return dict(zip(["first_contact", "closure", *closed_by], counts, strict=True))


def _mean(values: list[int]) -> float | None:
    return fmean(values) if values else None


def safeguarding_figures(
    session: Session, period: Period, referrals: Received, since: datetime, until: datetime
) -> SafeguardingFigures:
    """Ratings at referral and now, ratings now by month received, and the changes recorded in the period (the
    referrals received in it as read by `reports.received.referrals_received`)."""
    received = received_in(since, until)
    by_month: dict[str, Counter[str]] = {label: Counter() for label in period.months()}
    for (day, rating), n in Counter(zip(referrals.day, referrals.safeguarding, strict=True)).items():
        by_month[month_of(day_date(day))][short_label(rating)] += n
    now: Counter[str] = sum(by_month.values(), Counter())
    # Only referrals whose rating has changed were rated differently when made: the first change's old value.
    changed = dict(session.exec(select(Referral.id, Referral.safeguarding).where(
        *received, col(Referral.id).in_(select(CaseEvent.referral_id).where(CaseEvent.kind == RATING_EVENT)))).all())
    initial = ratings_at_referral(session, list(changed), changed)
    at_referral = now - _counted(changed.values()) + _counted(initial.values())
    changes = session.exec(select(func.count()).select_from(CaseEvent).where(
        CaseEvent.kind == RATING_EVENT, CaseEvent.at >= since, CaseEvent.at < until)).one()
    return SafeguardingFigures(
        _rating_counts(at_referral), _rating_counts(now),
        [RatingCounts(label, {rating: counts[rating] for rating in RATING_LABELS})
         for label, counts in by_month.items()],
        int(changes),
    )


def _counted(ratings: Iterable[str]) -> Counter[str]:
    return Counter(short_label(rating) for rating in ratings)


def _rating_counts(counted: Counter[str]) -> list[Count]:
    return [Count(label, counted[label]) for label in RATING_LABELS]




def equity_rows(referrals: Received) -> list[EquityRow]:
    """Referrals, closures and engagement by gender, ethnic group and postcode district (not recorded included),
    counted from the referrals received as read by `reports.received.referrals_received`."""
    dimensions = (("Gender", "gender", GENDERS), ("Ethnic group", "ethnicity", ETHNIC_GROUPS),
                  ("Postcode district", "postcode_district", {PREFER_NOT: PREFER_NOT_LABEL}))
    rows = []
    for title, column, labels in dimensions:
        groups: dict[str, Counter[str]] = defaultdict(Counter)  # group -> referrals, closed, engaged
        values = zip(getattr(referrals, column), referrals.status, referrals.closure_reason, strict=True)
        for (value, status, reason), n in Counter(values).items():
            counts = groups[labels.get(value, value) if value else NOT_RECORDED]
            counts["referrals"] += n
            if status == CaseStatus.CLOSED:
                counts["closed"] += n
                counts["engaged"] += n if reason == ClosureReason.ENGAGED else 0
        order = [*labels.values(), NOT_RECORDED]  # the options' own order; districts alphabetically, first
        for group, counts in sorted(groups.items(),
                                    key=lambda pair: (order.index(pair[0]) + 1 if pair[0] in order else 0, pair[0])):
            rows.append(EquityRow(title, group, counts["referrals"], counts["closed"], counts["engaged"]))
    return rows


def support_figures(
    session: Session, referrals: Received, cases: Sequence[CaseRow], since: datetime, until: datetime
) -> SupportFigures:
    """Support given to the referrals received (`referrals` as read by `reports.received.referrals_received`, and
    `cases` made from them, in the same order)."""
    received = received_in(since, until)
    per_case = session.exec(
        select(SupportContact.referral_id, func.count(), func.sum(SupportContact.minutes))
        .join(Referral, Referral.id == SupportContact.referral_id)  # type: ignore[arg-type]
        .where(*received).group_by(SupportContact.referral_id)
    ).all()
    modes = dict(session.exec(
        select(SupportContact.mode, func.count())
        .join(Referral, Referral.id == SupportContact.referral_id)  # type: ignore[arg-type]
        .where(*received).group_by(SupportContact.mode)
    ).all())
    plans = session.exec(select(SupportPlan.goals_enc)  # counted, never decrypted
                         .join(Referral, Referral.id == SupportPlan.referral_id)  # type: ignore[arg-type]
                         .where(*received)).all()
    waits: dict[str, list[float]] = defaultdict(list)
    for urgency, case_row in zip(referrals.urgency, cases, strict=True):
        if case_row.hours_to_first_contact is not None:
            waits[urgency].append(case_row.hours_to_first_contact)
    by_urgency = [(label, durations(waits[urgency])) for urgency, label in URGENCY_LABELS.items()]
    return SupportFigures(
        cases_with_sessions=len(per_case),
        sessions=sum(sessions for _, sessions, _ in per_case),
        minutes=int(sum(minutes for _, _, minutes in per_case)),
        median_sessions=percentile([sessions for _, sessions, _ in per_case], 0.5),
        median_minutes=percentile([minutes for _, _, minutes in per_case], 0.5),
        by_mode=[Count(label, modes.get(mode.value, 0)) for mode, label in SUPPORT_MODE_LABELS.items()],
        first_contact_by_urgency=by_urgency,
        not_appropriate_by_reason=ranked_counts(
            reason for reasons, closure in zip(referrals.reasons, referrals.closure_reason, strict=True)
            if closure == ClosureReason.NOT_APPROPRIATE for reason in reason_labels(reasons)),
        bounced=_bounced(session, received),
        plans=len(plans),
        plan_goals=sum(len(goals) for goals in plans),
    )


def _bounced(session: Session, received: Sequence[Any]) -> int:
    """Referrals whose hospital number (by keyed hash) had an earlier case that had already closed."""
    earlier = aliased(Referral)
    closed_before = exists().where(earlier.hospital_ref_hash == Referral.hospital_ref_hash,
                                   col(earlier.closed_at).is_not(None), earlier.closed_at < Referral.created_at)
    return int(session.exec(select(func.count()).select_from(Referral).where(
        *received, col(Referral.hospital_ref_hash).is_not(None), Referral.hospital_ref_hash != "", closed_before,
    )).one())

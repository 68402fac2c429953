"""Report figures for wellbeing outcomes (ONS4, SWEMWBS) and safeguarding RAG, over referrals received in the
period. Read-only; only numbers, fixed item keys and ratings are read — never what a client said."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import date, datetime
from statistics import fmean
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta
from sqlmodel import Session, col, func, select

from casework.models import CaseEvent, OutcomeAnswer, Safeguarding
from casework.outcomes import FOLLOW_UP_MONTHS, MEASURES, TIMEPOINTS
from casework.safeguarding import EVENT as RATING_EVENT
from casework.safeguarding import ratings_at_referral, short_label
from core.clock import local_time
from reports.data import Count, RatingCounts, SafeguardingFigures, WellbeingChange
from reports.period import Period

CHANGES = (("first_contact", "closure"), ("first_contact", "3_months"), ("first_contact", "6_months"))
RATING_LABELS = [short_label(rating.value) for rating in Safeguarding] + [short_label("")]


def wellbeing_changes(session: Session, referrals: list, today: date, tz: ZoneInfo) -> list[WellbeingChange]:
    """For every measure with answers, each question's change from first contact to closure, 3 and 6 months, with
    how many cases could have answered (reached that point) and how many answered both (skips don't count)."""
    ids = [row.id for row in referrals]
    if not ids:
        return []
    scores: dict[tuple[str, str, str], dict[int, int]] = defaultdict(dict)  # (measure, item, time point)
    for referral_id, measure, timepoint, item, score in session.exec(
        select(OutcomeAnswer.referral_id, OutcomeAnswer.measure, OutcomeAnswer.timepoint, OutcomeAnswer.item,
               OutcomeAnswer.score)
        .where(col(OutcomeAnswer.referral_id).in_(ids), col(OutcomeAnswer.score).is_not(None))
    ).all():
        scores[(measure, item, timepoint)][referral_id] = score
    reached = _reached(referrals, today, tz)
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
                    TIMEPOINTS[end], len(reached[end]), len(paired), _mean([before[rid] for rid in paired]),
                    _mean([after[rid] for rid in paired]), item.lower_is_better,
                ))
    return changes


def _reached(referrals: list, today: date, tz: ZoneInfo) -> dict[str, set[int]]:
    """Time point -> the cases that have reached it (been contacted; closed; closed 3 / 6 months ago, local days)."""
    reached = {"first_contact": {row.id for row in referrals if row.first_contact_at},
               "closure": {row.id for row in referrals if row.closed_at}}
    for timepoint, months in FOLLOW_UP_MONTHS.items():
        cutoff = today - relativedelta(months=months)
        reached[timepoint] = {row.id for row in referrals
                              if row.closed_at and local_time(row.closed_at, tz).date() <= cutoff}
    return reached


def _mean(values: list[int]) -> float | None:
    return fmean(values) if values else None


def safeguarding_figures(
    session: Session, referrals: list, period: Period, since: datetime, until: datetime, tz: ZoneInfo
) -> SafeguardingFigures:
    """Ratings at referral and now, ratings now by month received, and the changes recorded in the period."""
    current = {row.id: row.safeguarding for row in referrals}
    initial = ratings_at_referral(session, list(current), current)
    by_month: dict[str, Counter[str]] = {month: Counter() for month in period.months()}
    for row in referrals:
        by_month.setdefault(f"{local_time(row.created_at, tz):%Y-%m}", Counter())[short_label(row.safeguarding)] += 1
    changes = session.exec(select(func.count()).select_from(CaseEvent).where(
        CaseEvent.kind == RATING_EVENT, CaseEvent.at >= since, CaseEvent.at < until)).one()
    return SafeguardingFigures(
        _rating_counts(initial.values()), _rating_counts(current.values()),
        [RatingCounts(month, {label: counts[label] for label in RATING_LABELS}) for month, counts in by_month.items()],
        int(changes),
    )


def _rating_counts(ratings: Iterable[str]) -> list[Count]:
    counted = Counter(short_label(rating) for rating in ratings)
    return [Count(label, counted[label]) for label in RATING_LABELS]



"""Report figures for wellbeing outcomes (ONS4, SWEMWBS), safeguarding RAG, equity and support given, over
referrals received in the period. Read-only; only numbers, fixed keys and ratings are read — never client text."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import date, datetime
from statistics import fmean
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta
from sqlmodel import Session, col, func, select

from casework.models import (
    ETHNIC_GROUPS,
    GENDERS,
    PREFER_NOT,
    PREFER_NOT_LABEL,
    REASON_LABELS,
    SUPPORT_MODE_LABELS,
    URGENCY_LABELS,
    CaseEvent,
    CaseStatus,
    ClosureReason,
    OutcomeAnswer,
    Referral,
    ReferralReason,
    Safeguarding,
    SupportContact,
    SupportPlan,
)
from casework.outcomes import FOLLOW_UP_MONTHS, MEASURES, TIMEPOINTS
from casework.safeguarding import EVENT as RATING_EVENT
from casework.safeguarding import ratings_at_referral, short_label
from core.clock import local_time
from reports.data import (
    NOT_RECORDED,
    Count,
    EquityRow,
    RatingCounts,
    SafeguardingFigures,
    SupportFigures,
    WellbeingChange,
)
from reports.period import Period
from reports.stats import durations, elapsed_hours, percentile, ranked_counts

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




def equity_rows(referrals: list) -> list[EquityRow]:
    """Referrals, closures and engagement by gender, ethnic group and postcode district (not recorded included)."""
    dimensions = (("Gender", "gender", GENDERS), ("Ethnic group", "ethnicity", ETHNIC_GROUPS),
                  ("Postcode district", "postcode_district", {PREFER_NOT: PREFER_NOT_LABEL}))
    rows = []
    for title, column, labels in dimensions:
        groups: dict[str, list] = defaultdict(list)
        for row in referrals:
            value = getattr(row, column)
            groups[labels.get(value, value) if value else NOT_RECORDED].append(row)
        order = [*labels.values(), NOT_RECORDED]  # the options' own order; districts alphabetically, first
        for group, members in sorted(groups.items(),
                                     key=lambda pair: (order.index(pair[0]) + 1 if pair[0] in order else 0, pair[0])):
            closed = [row for row in members if row.status == CaseStatus.CLOSED]
            rows.append(EquityRow(title, group, len(members), len(closed),
                                  sum(1 for row in closed if row.closure_reason == ClosureReason.ENGAGED)))
    return rows


def support_figures(session: Session, referrals: list) -> SupportFigures:
    ids = [row.id for row in referrals]
    contacts = session.exec(select(SupportContact.referral_id, SupportContact.minutes, SupportContact.mode)
                            .where(col(SupportContact.referral_id).in_(ids))).all() if ids else []
    per_case_sessions: Counter[int] = Counter(referral_id for referral_id, _, _ in contacts)
    per_case_minutes: Counter[int] = Counter()
    for referral_id, minutes, _ in contacts:
        per_case_minutes[referral_id] += minutes
    modes = Counter(mode for _, _, mode in contacts)
    plans = (session.exec(select(SupportPlan.goals_enc).where(col(SupportPlan.referral_id).in_(ids))).all()
             if ids else [])
    by_urgency = [
        (label, durations([elapsed_hours(row.created_at, row.first_contact_at)
                           for row in referrals if row.urgency == urgency and row.first_contact_at]))
        for urgency, label in URGENCY_LABELS.items()
    ]
    return SupportFigures(
        cases_with_sessions=len(per_case_sessions),
        sessions=len(contacts),
        minutes=sum(per_case_minutes.values()),
        median_sessions=percentile(list(per_case_sessions.values()), 0.5),
        median_minutes=percentile(list(per_case_minutes.values()), 0.5),
        by_mode=[Count(label, modes[mode.value]) for mode, label in SUPPORT_MODE_LABELS.items()],
        first_contact_by_urgency=by_urgency,
        not_appropriate_by_reason=ranked_counts(
            REASON_LABELS.get(ReferralReason(reason), reason) for row in referrals
            if row.closure_reason == ClosureReason.NOT_APPROPRIATE for reason in dict.fromkeys(row.reasons)),
        bounced=_bounced(session, referrals),
        plans=len(plans),
        plan_goals=sum(len(goals) for goals in plans),
    )


def _bounced(session: Session, referrals: list) -> int:
    """Referrals whose hospital number (by keyed hash) had an earlier case that had already closed."""
    keys = {row.hospital_ref_hash for row in referrals if row.hospital_ref_hash}
    if not keys:
        return 0
    closed = session.exec(select(Referral.hospital_ref_hash, Referral.closed_at)
                          .where(col(Referral.hospital_ref_hash).in_(keys), col(Referral.closed_at).is_not(None))).all()
    closures: dict[str, list[datetime]] = defaultdict(list)
    for key, closed_at in closed:
        closures[key].append(closed_at)
    return sum(1 for row in referrals if any(at < row.created_at for at in closures.get(row.hospital_ref_hash, [])))

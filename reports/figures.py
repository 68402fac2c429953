"""Report figures read from the database. Read-only; only pseudonymous columns are ever selected."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, datetime
from statistics import median
from zoneinfo import ZoneInfo

from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from casework.models import (
    CLOSURE_LABELS,
    REASON_LABELS,
    CaseStatus,
    ClosureReason,
    Engagement,
    ProviderUpdate,
    Referral,
    ReferralOn,
    ReferralReason,
    Signposting,
)
from casework.providers import responsiveness
from core.clock import local_time, local_today
from core.db import reading, session_scope
from directory.models import CapacityChange, Organisation, Service, ServiceTaxonomy, Taxonomy, UnmetSearch
from reports.data import (
    ALL_SERVICES,
    NOT_RECORDED,
    STATUS_LABELS,
    CaseRow,
    Count,
    EngagementRow,
    ReportData,
    ServiceDemand,
    ServiceResponse,
    StaleService,
    WaitingPoint,
)
from reports.outcomes import equity_rows, safeguarding_figures, support_figures, wellbeing_changes
from reports.period import Period
from reports.stats import durations, elapsed_hours, ranked_counts
from reports.unmet import group_unmet

UNCATEGORISED = "Uncategorised"
UTC_ZONE = ZoneInfo("UTC")


def compute_report(session: Session, period: Period, tz: ZoneInfo = UTC_ZONE, today: date | None = None) -> ReportData:
    """All figures for `period` (local days in `tz`); directory freshness is judged as of `today`."""
    since, until = period.utc_bounds(tz)
    today = today or local_today(tz)
    referrals = _referrals_received(session, since, until)
    signposted = _signpostings_made(session, since, until)
    services = _service_labels(session)
    categories = _service_categories(session)
    clients = len({row.referral_id for row in signposted})
    unmet = _unmet_queries(session, since, until)
    return ReportData(
        period=period,
        generated_on=today,
        referrals=len(referrals),
        by_reason=ranked_counts(_reason_label(reason) for row in referrals for reason in dict.fromkeys(row.reasons)),
        by_ward=ranked_counts(row.source_ward.strip() or NOT_RECORDED for row in referrals),
        by_role=ranked_counts(row.source_role.strip() or NOT_RECORDED for row in referrals),
        by_month=_by_month(period, [local_time(row.created_at, tz) for row in referrals]),
        time_to_claim=durations([elapsed_hours(row.created_at, row.claimed_at) for row in referrals if row.claimed_at]),
        time_to_first_contact=durations(
            [elapsed_hours(row.created_at, row.first_contact_at) for row in referrals if row.first_contact_at]
        ),
        by_status=_by_status(referrals),
        by_closure=_by_closure(referrals),
        signpostings=len(signposted),
        signposted_clients=clients,
        by_service=_demand(signposted, services, clients),
        by_category=ranked_counts(
            category for row in signposted for category in categories.get(row.service_id, [UNCATEGORISED])
        ),
        engagement_overall=EngagementRow(ALL_SERVICES, dict(Counter(Engagement(row.engagement) for row in signposted))),
        engagement_by_service=_engagement_by_service(signposted, services),
        unmet_searches=len(unmet),
        unmet_need=group_unmet(unmet),
        active_services=_active_service_count(session),
        stale_services=_stale_services(session, services, _twelve_months_before(today)),
        cases=_case_rows(session, referrals, since, until, tz),
        responsiveness=_responsiveness(session, since, until, services),
        waiting_weeks=_waiting_weeks(session, since, until, services, tz),
        wellbeing=wellbeing_changes(session, referrals, today, tz),
        safeguarding=safeguarding_figures(session, referrals, period, since, until, tz),
        equity=equity_rows(referrals),
        support=support_figures(session, referrals),
    )


def _responsiveness(
    session: Session, since: datetime, until: datetime, labels: dict[str, str]
) -> list[ServiceResponse]:
    """Per service, the referrals on made in the period and what its providers did with them."""
    rows = list(session.exec(
        select(ReferralOn.id, ReferralOn.service_id, ReferralOn.created_at, ReferralOn.first_answer_at,  # type: ignore[call-overload]
               ReferralOn.accepted_at)
        .where(ReferralOn.created_at >= since, ReferralOn.created_at < until)))
    ids = [row.id for row in rows]
    updates = list(session.exec(select(ProviderUpdate.referral_on_id, ProviderUpdate.status).where(  # type: ignore[call-overload]
        col(ProviderUpdate.referral_on_id).in_(ids)))) if ids else []
    verified = dict(session.exec(select(Service.id, Service.last_verified)).all())
    return [
        ServiceResponse(labels.get(r.service_id, r.service_id), r.referred_on, r.answered, r.accepted, r.attended,
                        r.median_hours_to_accept, verified.get(r.service_id))
        for r in responsiveness(rows, updates)
    ]


def _waiting_weeks(
    session: Session, since: datetime, until: datetime, labels: dict[str, str], tz: ZoneInfo
) -> list[WaitingPoint]:
    """Waiting weeks the services reported, by month: their capacity changes and their waiting-list answers."""
    reported: dict[tuple[str, str], list[int]] = {}
    changes = session.exec(select(CapacityChange.service_id, CapacityChange.at, CapacityChange.waiting_weeks).where(
        CapacityChange.at >= since, CapacityChange.at < until, col(CapacityChange.waiting_weeks).is_not(None)))
    answers = session.exec(
        select(ReferralOn.service_id, ProviderUpdate.at, ProviderUpdate.waiting_weeks)
        .join(ReferralOn, ReferralOn.id == ProviderUpdate.referral_on_id)  # type: ignore[arg-type]
        .where(ProviderUpdate.at >= since, ProviderUpdate.at < until, col(ProviderUpdate.waiting_weeks).is_not(None)))
    for service_id, at, weeks in [*changes, *answers]:
        month = f"{local_time(at, tz):%Y-%m}"
        reported.setdefault((labels.get(service_id, service_id), month), []).append(weeks)
    return [WaitingPoint(service, month, float(median(weeks)), len(weeks))
            for (service, month), weeks in sorted(reported.items())]


def build_report(engine: Engine, period: Period, tz: ZoneInfo = UTC_ZONE) -> ReportData:
    """`compute_report` in its own read transaction (safe to run in a worker thread)."""
    with session_scope(reading(engine)) as session:
        return compute_report(session, period, tz)


def _referrals_received(session: Session, since: datetime, until: datetime) -> list:
    statement = select(
        Referral.id, Referral.reference, Referral.created_at, Referral.source_ward, Referral.source_role,
        Referral.reasons, Referral.status, Referral.claimed_at, Referral.first_contact_at, Referral.closure_reason,
        Referral.closed_at, Referral.safeguarding, Referral.urgency, Referral.hospital_ref_hash, Referral.gender,
        Referral.ethnicity, Referral.postcode_district,
    ).where(Referral.created_at >= since, Referral.created_at < until).order_by(Referral.created_at, Referral.id)
    return list(session.exec(statement).all())


def _signpostings_made(session: Session, since: datetime, until: datetime) -> list:
    statement = select(Signposting.referral_id, Signposting.service_id, Signposting.engagement).where(
        Signposting.created_at >= since, Signposting.created_at < until
    )
    return list(session.exec(statement).all())


def _service_labels(session: Session) -> dict[str, str]:
    """Service id -> name; a name two services share gets its organisation's name added."""
    statement = select(Service.id, Service.name, Organisation.name).join(
        Organisation, Organisation.id == Service.organisation_id
    )
    rows = session.exec(statement).all()
    name_counts = Counter(name for _, name, _ in rows)
    return {sid: name if name_counts[name] == 1 else f"{name} ({org})" for sid, name, org in rows}


def _service_categories(session: Session) -> dict[str, list[str]]:
    rows = session.exec(
        select(ServiceTaxonomy.service_id, Taxonomy.name).join(Taxonomy, Taxonomy.id == ServiceTaxonomy.taxonomy_id)
    ).all()
    categories: dict[str, list[str]] = defaultdict(list)
    for service_id, name in rows:
        categories[service_id].append(name)
    return categories


def _unmet_queries(session: Session, since: datetime, until: datetime) -> list[tuple[str, str]]:
    """(query, searcher pseudonym) of each zero-result search in the period."""
    statement = select(UnmetSearch.query, UnmetSearch.searcher).where(
        UnmetSearch.created_at >= since, UnmetSearch.created_at < until
    )
    return [(query, searcher) for query, searcher in session.exec(statement).all()]


def _active_service_count(session: Session) -> int:
    return session.exec(select(func.count()).select_from(Service).where(Service.active == True)).one()  # noqa: E712


def _stale_services(session: Session, labels: dict[str, str], cutoff: date) -> list[StaleService]:
    """Active services never verified, then those last verified before `cutoff`, oldest first."""
    rows = session.exec(
        select(Service.id, Service.last_verified).where(
            Service.active == True,  # noqa: E712
            (Service.last_verified == None) | (Service.last_verified < cutoff),  # noqa: E711
        )
    ).all()
    stale = [StaleService(labels[sid], verified) for sid, verified in rows]
    return sorted(stale, key=lambda s: (s.last_verified is not None, s.last_verified or date.min, s.service))


def _case_rows(session: Session, referrals: list, since: datetime, until: datetime, tz: ZoneInfo) -> list[CaseRow]:
    signposting_counts = dict(
        session.exec(
            select(Signposting.referral_id, func.count())
            .join(Referral, Referral.id == Signposting.referral_id)
            .where(Referral.created_at >= since, Referral.created_at < until)
            .group_by(Signposting.referral_id)
        ).all()
    )
    return [
        CaseRow(
            reference=row.reference,
            received=local_time(row.created_at, tz).date(),
            ward=row.source_ward.strip() or NOT_RECORDED,
            role=row.source_role.strip() or NOT_RECORDED,
            reasons=tuple(_reason_label(reason) for reason in dict.fromkeys(row.reasons)),
            status=STATUS_LABELS[CaseStatus(row.status)],
            closure=_closure_label(row.closure_reason) if row.status == CaseStatus.CLOSED else "",
            hours_to_claim=elapsed_hours(row.created_at, row.claimed_at) if row.claimed_at else None,
            hours_to_first_contact=(elapsed_hours(row.created_at, row.first_contact_at)
                                    if row.first_contact_at else None),
            signpostings=signposting_counts.get(row.id, 0),
        )
        for row in referrals
    ]


def _demand(signposted: list, services: dict[str, str], clients: int) -> list[ServiceDemand]:
    """Signpostings per service, busiest first, with the share of signposted clients each one took."""
    demand = ranked_counts(services.get(row.service_id, row.service_id) for row in signposted)
    return [ServiceDemand(count.label, count.n, count.n / clients) for count in demand]


def _engagement_by_service(signposted: list, services: dict[str, str]) -> list[EngagementRow]:
    per_service: dict[str, Counter[Engagement]] = defaultdict(Counter)
    for row in signposted:
        per_service[services.get(row.service_id, row.service_id)][Engagement(row.engagement)] += 1
    rows = [EngagementRow(label, dict(counts)) for label, counts in per_service.items()]
    return sorted(rows, key=lambda row: (-row.n, row.label))


def _by_month(period: Period, received: list[datetime]) -> list[Count]:
    per_month = Counter(f"{moment:%Y-%m}" for moment in received)
    return [Count(month, per_month[month]) for month in period.months()]


def _by_status(referrals: list) -> list[Count]:
    per_status = Counter(CaseStatus(row.status) for row in referrals)
    return [Count(label, per_status[status]) for status, label in STATUS_LABELS.items()]


def _by_closure(referrals: list) -> list[Count]:
    closed = Counter(_closure_label(row.closure_reason) for row in referrals if row.status == CaseStatus.CLOSED)
    labels = [*CLOSURE_LABELS.values(), *([NOT_RECORDED] if NOT_RECORDED in closed else [])]
    return [Count(label, closed[label]) for label in labels]


def _reason_label(value: str) -> str:
    try:
        return REASON_LABELS[ReferralReason(value)]
    except ValueError:
        return value


def _closure_label(value: ClosureReason | str | None) -> str:
    return CLOSURE_LABELS[ClosureReason(value)] if value else NOT_RECORDED


def _twelve_months_before(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)

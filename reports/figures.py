"""Report figures read from the database. Read-only; only pseudonymous columns are ever selected."""

from __future__ import annotations

import gc
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from statistics import median
from zoneinfo import ZoneInfo

from sqlalchemy import distinct, func
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from casework.models import (
    CLOSURE_LABELS,
    CaseStatus,
    ClosureReason,
    Engagement,
    ProviderUpdate,
    ReferralOn,
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
from reports.received import Received, day_date, month_of, per_value, reason_labels, referrals_received
from reports.sql import Unindexed
from reports.stats import durations, elapsed_hours, ranked
from reports.unmet import group_unmet

UNCATEGORISED = "Uncategorised"
SignpostingCounts = Counter[tuple[str, Engagement]]  # (service id, engagement) -> signpostings
UTC_ZONE = ZoneInfo("UTC")


@contextmanager
def cycle_collection_paused() -> Iterator[None]:
    """Python's cycle collector paused (as a decorator too): a year's figures make no reference cycles, yet the
    collector, woken by every 700 new tuples, rescanned the growing heap again and again (0.2 s a year)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@cycle_collection_paused()
def compute_report(session: Session, period: Period, tz: ZoneInfo = UTC_ZONE, today: date | None = None) -> ReportData:
    """All figures for `period` (local days in `tz`); directory freshness is judged as of `today`.

    The referrals received are read once, a plain row each, and their counts made from those rows; the other counts
    are made by the database (GROUP BY)."""
    since, until = period.utc_bounds(tz)
    today = today or local_today(tz)
    referrals = referrals_received(session, since, until, tz)
    cases = _case_rows(referrals)
    services = _service_labels(session)
    signposted = _signpostings_made(session, since, until)
    clients = _signposted_clients(session, since, until)
    unmet = _unmet_queries(session, since, until)
    return ReportData(
        period=period,
        generated_on=today,
        referrals=len(cases),
        by_reason=ranked(Counter(reason for case in cases for reason in case.reasons)),
        by_ward=ranked(Counter(case.ward for case in cases)),
        by_role=ranked(Counter(case.role for case in cases)),
        by_month=_by_month(referrals, period),
        time_to_claim=durations([case.hours_to_claim for case in cases if case.hours_to_claim is not None]),
        time_to_first_contact=durations(
            [case.hours_to_first_contact for case in cases if case.hours_to_first_contact is not None]
        ),
        by_status=_by_status(cases),
        by_closure=_by_closure(cases),
        signpostings=sum(signposted.values()),
        signposted_clients=clients,
        by_service=_demand(signposted, services, clients),
        by_category=_by_category(signposted, _service_categories(session)),
        engagement_overall=EngagementRow(ALL_SERVICES, _engagement_totals(signposted)),
        engagement_by_service=_engagement_by_service(signposted, services),
        unmet_searches=len(unmet),
        unmet_need=group_unmet(unmet),
        active_services=_active_service_count(session),
        stale_services=_stale_services(session, services, _twelve_months_before(today)),
        cases=cases,
        responsiveness=_responsiveness(session, since, until, services),
        waiting_weeks=_waiting_weeks(session, since, until, services, tz),
        wellbeing=wellbeing_changes(session, since, until, today, tz),
        safeguarding=safeguarding_figures(session, period, referrals, since, until),
        equity=equity_rows(referrals),
        support=support_figures(session, referrals, cases, since, until),
    )


def _responsiveness(
    session: Session, since: datetime, until: datetime, labels: dict[str, str]
) -> list[ServiceResponse]:
    """Per service, the referrals on made in the period and what its providers did with them."""
    rows = list(session.exec(
        select(ReferralOn.id, ReferralOn.service_id, ReferralOn.created_at, ReferralOn.first_answer_at,  # type: ignore[call-overload]
               ReferralOn.accepted_at)
        .where(ReferralOn.created_at >= since, ReferralOn.created_at < until)))
    updates = list(session.exec(
        select(ProviderUpdate.referral_on_id, ProviderUpdate.status)
        .join(ReferralOn, ReferralOn.id == ProviderUpdate.referral_on_id)  # type: ignore[arg-type]
        .where(ReferralOn.created_at >= since, ReferralOn.created_at < until)))
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


def _signpostings_made(session: Session, since: datetime, until: datetime) -> SignpostingCounts:
    """(service id, engagement) -> signpostings made in the period, counted by the database (scanning the table:
    see `Unindexed`)."""
    statement = (select(Signposting.service_id, Signposting.engagement, func.count())
                 .where(Signposting.created_at >= since, Signposting.created_at < until)
                 .group_by(Unindexed(Signposting.service_id), Unindexed(Signposting.engagement)))
    return Counter({(service_id, Engagement(engagement)): n for service_id, engagement, n in session.exec(statement)})


def _signposted_clients(session: Session, since: datetime, until: datetime) -> int:
    statement = select(func.count(distinct(Signposting.referral_id))).where(
        Signposting.created_at >= since, Signposting.created_at < until)
    return int(session.exec(statement).one())


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
    return [(query, searcher) for query, searcher in session.connection().execute(statement)]  # plain rows


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


def _case_rows(received: Received) -> list[CaseRow]:
    """One pseudonymised row per referral, made column by column (labels worked out once per distinct value)."""
    statuses = {status: STATUS_LABELS[status] for status in CaseStatus}
    closures = {(status, reason): _closure_label(reason) if status == CaseStatus.CLOSED else ""
                for status in CaseStatus for reason in [*ClosureReason, None]}
    return list(map(
        CaseRow, received.reference, map(day_date, received.day), per_value(received.ward, _recorded),
        per_value(received.role, _recorded), map(reason_labels, received.reasons),
        map(statuses.__getitem__, received.status),
        map(closures.__getitem__, zip(received.status, received.closure_reason, strict=True)),
        _hours(received.to_claim), _hours(received.to_first_contact), received.signpostings,
    ))


def _hours(waits: Sequence[int | None]) -> list[float | None]:
    return [None if wait is None else elapsed_hours(wait) for wait in waits]


def _recorded(text: str) -> str:
    return text.strip() or NOT_RECORDED


def _demand(signposted: SignpostingCounts, services: dict[str, str], clients: int) -> list[ServiceDemand]:
    """Signpostings per service, busiest first, with the share of signposted clients each one took."""
    per_service: Counter[str] = Counter()
    for (service_id, _), n in signposted.items():
        per_service[services.get(service_id, service_id)] += n
    return [ServiceDemand(count.label, count.n, count.n / clients) for count in ranked(per_service)]


def _by_category(signposted: SignpostingCounts, categories: dict[str, list[str]]) -> list[Count]:
    """Signpostings per category (a service in several categories counts in each)."""
    per_category: Counter[str] = Counter()
    for (service_id, _), n in signposted.items():
        for category in categories.get(service_id, [UNCATEGORISED]):
            per_category[category] += n
    return ranked(per_category)


def _engagement_totals(signposted: SignpostingCounts) -> dict[Engagement, int]:
    totals: Counter[Engagement] = Counter()
    for (_, engagement), n in signposted.items():
        totals[engagement] += n
    return dict(totals)


def _engagement_by_service(signposted: SignpostingCounts, services: dict[str, str]) -> list[EngagementRow]:
    per_service: dict[str, Counter[Engagement]] = defaultdict(Counter)
    for (service_id, engagement), n in signposted.items():
        per_service[services.get(service_id, service_id)][engagement] += n
    rows = [EngagementRow(label, dict(counts)) for label, counts in per_service.items()]
    return sorted(rows, key=lambda row: (-row.n, row.label))


def _by_month(received: Received, period: Period) -> list[Count]:
    per_month: Counter[str] = Counter()
    for day, n in Counter(received.day).items():
        per_month[month_of(day_date(day))] += n
    return [Count(label, per_month.get(label, 0)) for label in period.months()]


def _by_status(cases: Sequence[CaseRow]) -> list[Count]:
    per_status = Counter(case.status for case in cases)
    return [Count(label, per_status[label]) for label in STATUS_LABELS.values()]


def _by_closure(cases: Sequence[CaseRow]) -> list[Count]:
    closed = Counter(case.closure for case in cases if case.status == STATUS_LABELS[CaseStatus.CLOSED])
    labels = [*CLOSURE_LABELS.values(), *([NOT_RECORDED] if NOT_RECORDED in closed else [])]
    return [Count(label, closed[label]) for label in labels]


def _closure_label(value: ClosureReason | str | None) -> str:
    return CLOSURE_LABELS[ClosureReason(value)] if value else NOT_RECORDED


def _twelve_months_before(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)

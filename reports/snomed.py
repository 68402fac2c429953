"""SNOMED CT coded export of referrals and signpostings, for import into GP systems.

Only concepts whose codes we could verify against published sources are emitted (see docs/reports.md); everything
else is exported with an empty code and the term "Social prescribing - other", for the practice to code locally.
Rows carry the case reference (the practice matches it through the referrer), never an NHS number or client detail.
Only referrals where the client agreed to share with their GP are included.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import IO
from zoneinfo import ZoneInfo

from sqlmodel import Session, or_, select

from casework.models import ClosureReason, Referral, Signposting
from core.clock import local_time, local_today
from core.csvsafe import write_safe_csv
from directory.models import Service, ServiceTaxonomy, Taxonomy
from reports.period import Period


@dataclass(frozen=True)
class Concept:
    """A SNOMED CT concept id and its term; `code` is empty where no verified concept exists."""

    code: str
    term: str


REFERRAL_TO_SOCIAL_PRESCRIBING = Concept("871731000000106", "Referral to social prescribing service")
SOCIAL_PRESCRIBING_DECLINED = Concept("871711000000103", "Social prescribing declined")
REFERRAL_TO_PHYSICAL_ACTIVITY = Concept("390893007", "Referral to physical activity program")
SOCIAL_PRESCRIBING_OTHER = Concept("", "Social prescribing - other (no verified SNOMED CT concept; code locally)")

# Directory category id -> the concept for a signposting to a service in that category.
CATEGORY_CONCEPTS: dict[str, Concept] = {"physical_activity": REFERRAL_TO_PHYSICAL_ACTIVITY}

_GP_MAY_SEE = (Referral.consent_gp == True) & (Referral.anonymised == False)  # noqa: E712

SNOMED_HEADER = ("case_reference", "event_date", "record_type", "snomed_ct_code", "snomed_ct_term", "service",
                 "category")


@dataclass(frozen=True)
class CodedEvent:
    """One row of the coded export."""

    reference: str
    event_date: date
    record_type: str  # "referral" or "signposting"
    concept: Concept
    service: str = ""
    category: str = ""


def coded_events(session: Session, period: Period, tz: ZoneInfo, today: date | None = None) -> list[CodedEvent]:
    """Coded events that happened in `period`, for referrals with GP-sharing consent, in date order (`today`, local,
    decides whether a first contact is settled; see `episode_concept`)."""
    since, until = period.utc_bounds(tz)
    today = today or local_today(tz)
    events = _referral_events(session, since, until, tz, today) + _signposting_events(session, since, until, tz)
    return sorted(events, key=lambda event: (event.event_date, event.reference, event.record_type))


def episode_concept(
    first_contact_at: datetime | None, closed_at: datetime | None, closure: ClosureReason | str | None,
    tz: ZoneInfo, today: date,
) -> tuple[Concept, datetime] | None:
    """The one referral-level code of an episode and its moment — never both 'accepted' and 'declined':

    - declined (dated closure) when the case closed as declined before or on the day of first contact;
    - otherwise accepted (dated first contact) once that contact is settled: the case has closed, or the day of
      first contact is over (a client who declines later the same day is coded declined, not both);
    - None while neither is known. A client who accepted and stopped later keeps 'accepted'; the outcome says the
      rest (reports.gp_message).
    """
    declined = closure == ClosureReason.DECLINED and closed_at is not None
    if declined and (first_contact_at is None or _day(first_contact_at, tz) >= _day(closed_at, tz)):
        return SOCIAL_PRESCRIBING_DECLINED, closed_at
    if first_contact_at is not None and (closed_at is not None or _day(first_contact_at, tz) < today):
        return REFERRAL_TO_SOCIAL_PRESCRIBING, first_contact_at
    return None


def _day(moment: datetime, tz: ZoneInfo) -> date:
    return local_time(moment, tz).date()


def write_snomed_csv(events: list[CodedEvent], handle: IO[str]) -> None:
    """The coded export as CSV, every cell formula-safe."""
    rows = [
        (event.reference, event.event_date.isoformat(), event.record_type, event.concept.code, event.concept.term,
         event.service, event.category)
        for event in events
    ]
    write_safe_csv(handle, SNOMED_HEADER, rows)


def signposting_concept(category_ids: list[str]) -> Concept:
    """The verified concept for a service with these categories, else 'Social prescribing - other'."""
    return next((CATEGORY_CONCEPTS[c] for c in category_ids if c in CATEGORY_CONCEPTS), SOCIAL_PRESCRIBING_OTHER)


def _referral_events(session: Session, since: datetime, until: datetime, tz: ZoneInfo, today: date
                     ) -> list[CodedEvent]:
    """Each episode's one referral-level code (`episode_concept`), when its moment falls in the period."""
    rows = session.exec(
        select(Referral.reference, Referral.first_contact_at, Referral.closed_at, Referral.closure_reason).where(
            _GP_MAY_SEE,
            or_(
                (Referral.first_contact_at >= since) & (Referral.first_contact_at < until),
                (Referral.closed_at >= since) & (Referral.closed_at < until),
            ),
        )
    ).all()
    events = []
    for reference, first_contact_at, closed_at, closure_reason in rows:
        coded = episode_concept(first_contact_at, closed_at, closure_reason, tz, today)
        if coded and since <= coded[1] < until:
            events.append(CodedEvent(reference, _day(coded[1], tz), "referral", coded[0]))
    return events


def _signposting_events(session: Session, since: datetime, until: datetime, tz: ZoneInfo) -> list[CodedEvent]:
    rows = session.exec(
        select(Referral.reference, Signposting.created_at, Signposting.service_id, Service.name)
        .join(Referral, Referral.id == Signposting.referral_id)
        .join(Service, Service.id == Signposting.service_id)
        .where(_GP_MAY_SEE, Signposting.created_at >= since, Signposting.created_at < until)
    ).all()
    categories = service_categories(session)
    events = []
    for reference, created_at, service_id, service_name in rows:
        ids, names = categories.get(service_id, ([], []))
        events.append(CodedEvent(reference, local_time(created_at, tz).date(), "signposting", signposting_concept(ids),
                                 service_name, "; ".join(names)))
    return events


def service_categories(session: Session) -> dict[str, tuple[list[str], list[str]]]:
    """Service id -> (category ids, category names)."""
    found: dict[str, tuple[list[str], list[str]]] = {}
    rows = session.exec(
        select(ServiceTaxonomy.service_id, Taxonomy.id, Taxonomy.name)
        .join(Taxonomy, Taxonomy.id == ServiceTaxonomy.taxonomy_id)
        .order_by(ServiceTaxonomy.service_id, Taxonomy.id)
    ).all()
    for service_id, taxonomy_id, name in rows:
        ids, names = found.setdefault(service_id, ([], []))
        ids.append(taxonomy_id)
        names.append(name)
    return found

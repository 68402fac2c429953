"""A provider keeping their own listing true from chat: capacity, "is this still right?" and fixing a field.

Every write here goes through the ORM on `Service` (so the directory revision moves and running bots rebuild their
search index, `directory.revision`) and the same checks every import uses (`directory.rows.clean_service`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlmodel import Session, col, select

from core.clock import utcnow
from directory.models import CapacityChange, Service
from directory.rows import RowProblem, clean_service
from directory.vocabulary import Capacity

MAX_WAITING_WEEKS = 104
# The listing fields a provider can fix from chat: field -> (label, how to check a typed value).
FIXABLE_FIELDS: dict[str, str] = {
    "phone": "Phone number",
    "email": "Email address",
    "url": "Website",
    "opening_hours": "Opening times",
}


@dataclass(frozen=True)
class CapacityChoice:
    """What a provider said about taking people on."""

    status: Capacity
    waiting_weeks: int | None = None
    closed_until: date | None = None  # with CLOSED: until this date; None: not taking referrals for now


def capacity_words(status: str, waiting_weeks: int | None, closed_until: date | None) -> str:
    """'open', 'waiting list, about 6 weeks', 'closed until 31/01/2027', 'not taking referrals'."""
    if status == Capacity.WAITING_LIST.value:
        return f"waiting list, about {waiting_weeks} weeks" if waiting_weeks else "waiting list"
    if status == Capacity.CLOSED.value:
        return f"closed until {closed_until:%d/%m/%Y}" if closed_until else "not taking referrals"
    return "open"


def set_capacity(session: Session, service: Service, choice: CapacityChoice, actor: int | None) -> str:
    """Set a service's capacity now (and log it for reports); returns it in words. Raises ValueError for a value
    that can't be right (a wait over two years, a closure date in the past)."""
    if choice.waiting_weeks is not None and not 0 < choice.waiting_weeks <= MAX_WAITING_WEEKS:
        raise ValueError("waiting weeks out of range")
    if choice.closed_until is not None and choice.closed_until < utcnow().date():
        raise ValueError("closure date in the past")
    now = utcnow()
    service.capacity_status = choice.status
    service.waiting_weeks = choice.waiting_weeks if choice.status == Capacity.WAITING_LIST else None
    service.closed_until = choice.closed_until if choice.status == Capacity.CLOSED else None
    service.capacity_updated_at = now
    session.add(service)
    session.add(CapacityChange(service_id=service.id, at=now, capacity_status=choice.status,
                               waiting_weeks=service.waiting_weeks, closed_until=service.closed_until,
                               actor_user_id=actor))
    session.flush()
    return capacity_words(service.capacity_status, service.waiting_weeks, service.closed_until)


def reopen_after_closures(session: Session, today: date) -> list[str]:
    """Services whose "closed until" date has passed are open again (the provider said so when closing)."""
    ended = session.exec(
        select(Service).where(Service.capacity_status == Capacity.CLOSED, col(Service.closed_until) < today)
    ).all()
    for service in ended:
        set_capacity(session, service, CapacityChoice(Capacity.OPEN), None)
    return [service.id for service in ended]


def mark_verified(session: Session, service: Service, today: date) -> None:
    """The provider confirmed the listing is right: `last verified` is today."""
    service.last_verified = today
    session.add(service)
    session.flush()


def fix_field(session: Session, service: Service, field: str, raw: str, today: date) -> str:
    """Replace one listing field with the provider's typed value, checked like an import; the listing counts as
    verified today. Returns the stored value; raises RowProblem (worded for the provider) for a bad value."""
    if field not in FIXABLE_FIELDS:
        raise RowProblem("that field can't be changed here")
    text = " ".join(raw.split())
    if not text or len(text) > 300:
        raise RowProblem("please type the new value (at most 300 characters)")
    if field == "url" and not text.lower().startswith(("http://", "https://")):
        text = f"https://{text}"
    candidate = service.model_copy(update={field: text})  # checked on a copy: a refused value changes nothing
    clean_service(candidate)
    setattr(service, field, getattr(candidate, field))
    service.last_verified = today
    session.add(service)
    session.flush()
    return getattr(service, field)


def due_for_check(session: Session, today: date, months: int, organisations: list[str] | None) -> list[Service]:
    """Active services (of these organisations; None: of all) not verified in the last `months` months, never
    verified first."""
    if organisations is not None and not organisations:
        return []
    cutoff = today - timedelta(days=round(months * 30.44))
    criteria = [Service.active == True,  # noqa: E712
                (col(Service.last_verified).is_(None)) | (col(Service.last_verified) < cutoff)]
    if organisations is not None:
        criteria.append(col(Service.organisation_id).in_(organisations))
    return list(session.exec(
        select(Service).where(*criteria)
        .order_by(col(Service.last_verified).is_not(None), col(Service.last_verified), col(Service.id))
    ).all())

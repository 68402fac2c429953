"""Safeguarding RAG: rated green/amber/red at referral (or later), changed by the link worker, every change kept.

The current rating is `Referral.safeguarding`; each change is a `safeguarding` case event whose detail is
`<old>><new>` (fixed words, never patient text), so the history and the rating at referral can always be read back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from casework.models import NOT_ASSESSED, SAFEGUARDING_LABELS, CaseEvent, Referral, Role, Safeguarding
from casework.referrals import CaseOutcome, change_problem

EVENT = "safeguarding"
RED_MARK = "🔴"


@dataclass(frozen=True)
class RatingChange:
    """One change of a case's rating: when, by whom, from and to ('' = not assessed)."""

    at: datetime
    actor_user_id: int | None
    old: str
    new: str


def label(rating: str) -> str:
    """'🔴 Red — social services involved / significant concern', or 'Not assessed'."""
    return SAFEGUARDING_LABELS[Safeguarding(rating)] if rating else NOT_ASSESSED


def short_label(rating: str) -> str:
    """'🔴 Red', or 'Not assessed' (for buttons and one-line lists)."""
    return label(rating).split(" — ")[0]


def is_red(referral: Referral) -> bool:
    return referral.safeguarding == Safeguarding.RED


def parse_rating(value: str) -> Safeguarding | None:
    """The rating a button carries, or None for one we don't know (a forged or old button)."""
    try:
        return Safeguarding(value)
    except ValueError:
        return None


def change_rating(
    session: Session, referral: Referral, rating: Safeguarding, actor: int, actor_role: Role | None
) -> CaseOutcome:
    """The owning link worker (or an admin) rates the case; the change joins the case's history."""
    problem = change_problem(referral, actor, actor_role)
    if problem:
        return CaseOutcome(False, problem, referral)
    if referral.safeguarding == rating:
        return CaseOutcome(True, f"Safeguarding for {referral.reference} stays {short_label(rating)}.", referral)
    assert referral.id is not None
    old, referral.safeguarding = referral.safeguarding, rating.value
    session.add(referral)
    session.add(CaseEvent(referral_id=referral.id, actor_user_id=actor, kind=EVENT, detail=f"{old}>{rating.value}"))
    return CaseOutcome(True, f"Safeguarding for {referral.reference} is now {short_label(rating)}.", referral)


def rating_history(session: Session, referral_id: int) -> list[RatingChange]:
    """Every change of the case's rating, oldest first."""
    events = session.exec(
        select(CaseEvent).where(CaseEvent.referral_id == referral_id, CaseEvent.kind == EVENT)
        .order_by(col(CaseEvent.at), col(CaseEvent.id))
    ).all()
    return [RatingChange(event.at, event.actor_user_id, *_parts(event.detail)) for event in events]


def ratings_at_referral(session: Session, referral_ids: list[int], current: dict[int, str]) -> dict[int, str]:
    """Each referral's rating as it was made: the first change's old value, else the current rating."""
    at_referral = dict(current)
    if not referral_ids:
        return at_referral
    events = session.exec(
        select(CaseEvent.referral_id, CaseEvent.detail)
        .where(col(CaseEvent.referral_id).in_(referral_ids), CaseEvent.kind == EVENT)
        .order_by(col(CaseEvent.referral_id), col(CaseEvent.at).desc(), col(CaseEvent.id).desc())
    ).all()
    for referral_id, detail in events:  # newest first, so the oldest change writes last
        at_referral[referral_id] = _parts(detail)[0]
    return at_referral


def _parts(detail: str) -> tuple[str, str]:
    old, _, new = detail.partition(">")
    return old, new

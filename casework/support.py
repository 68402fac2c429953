"""What the link worker records about the support given: equity details at first contact (each with "prefer not
to say"), and each session of support (minutes and mode). One tap each, except the postcode district."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from sqlmodel import Session

from casework.models import (
    ETHNIC_GROUPS,
    GENDERS,
    PREFER_NOT,
    SUPPORT_MODE_LABELS,
    CaseEvent,
    Referral,
    Role,
    SupportContact,
    SupportMode,
    SupportPlan,
)
from casework.referrals import CaseOutcome, change_problem
from casework.validation import InputProblem
from core.clock import utcnow
from core.crypto import FieldCipher
from core.identifiers import postcode_districts_only

CONTACT_MINUTES = (10, 15, 20, 30, 45, 60, 90, 120)
MAX_GOALS = 3
REVIEW_WEEKS = (4, 8, 12)
EQUITY_FIELDS: dict[str, dict[str, str]] = {"gender": GENDERS, "ethnicity": ETHNIC_GROUPS}
_DISTRICT = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]?$")


def record_equity(session: Session, referral: Referral, field: str, value: str, actor: int,
                  actor_role: Role | None) -> CaseOutcome:
    """Gender or ethnicity (a key of its options), or the postcode district (already `district()`-checked)."""
    problem = change_problem(referral, actor, actor_role)
    if problem:
        return CaseOutcome(False, problem, referral)
    options = EQUITY_FIELDS.get(field)
    if field == "postcode_district":
        if value != PREFER_NOT and not _DISTRICT.match(value):
            raise ValueError(value)
    elif options is None or value not in options:
        raise ValueError(value)
    setattr(referral, field, value)
    session.add(referral)
    assert referral.id is not None
    session.add(CaseEvent(referral_id=referral.id, actor_user_id=actor, kind="equity_recorded", detail=field))
    return CaseOutcome(True, "Noted.", referral)


def district(text: str) -> str:
    """The postcode district of what was typed ('nr2', 'NR2 4AB' -> 'NR2'); only the district is ever kept."""
    cleaned = postcode_districts_only(" ".join(text.upper().split())).strip()
    if not _DISTRICT.match(cleaned):
        raise InputProblem("That doesn't look like a postcode district. Please type just the first part of the "
                           "postcode, for example NR2, or tap Prefer not to say.")
    return cleaned


def log_contact(session: Session, referral: Referral, mode: str, minutes: int, actor: int,
                actor_role: Role | None) -> CaseOutcome:
    """One session of support. Raises ValueError for a mode or a length we don't offer (a forged button)."""
    problem = change_problem(referral, actor, actor_role)
    if problem:
        return CaseOutcome(False, problem, referral)
    if minutes not in CONTACT_MINUTES:
        raise ValueError(minutes)
    chosen = SupportMode(mode)
    assert referral.id is not None
    session.add(SupportContact(referral_id=referral.id, minutes=minutes, mode=chosen.value, recorded_by=actor))
    session.add(CaseEvent(referral_id=referral.id, actor_user_id=actor, kind="support_contact",
                          detail=f"{chosen.value} {minutes}"))
    label = SUPPORT_MODE_LABELS[chosen].lower()
    return CaseOutcome(True, f"Support logged for {referral.reference}: {minutes} minutes ({label}).", referral)


def equity_line(referral: Referral) -> str:
    """'Gender: Woman · Ethnicity: White · District: NR2' for the card, 'not recorded' where not asked."""
    def shown(value: str, options: dict[str, str]) -> str:
        return options.get(value, value) if value else "not recorded"

    district_shown = "Prefer not to say" if referral.postcode_district == PREFER_NOT else referral.postcode_district
    return (f"Gender: {shown(referral.gender, GENDERS)} · Ethnicity: {shown(referral.ethnicity, ETHNIC_GROUPS)} · "
            f"District: {district_shown or 'not recorded'}")


@dataclass(frozen=True)
class PlanView:
    """A support plan as the worker who has the case sees it (decrypted)."""

    what_matters: str
    goals: list[str]
    review_date: date | None


def save_plan(session: Session, referral: Referral, what_matters: str, goals: list[str], review_date: date | None,
              actor: int, actor_role: Role | None, cipher: FieldCipher) -> CaseOutcome:
    """Write (or replace) the case's support plan; the words are encrypted, the audit trail holds none of them."""
    problem = change_problem(referral, actor, actor_role)
    if problem:
        return CaseOutcome(False, problem, referral)
    if len(goals) > MAX_GOALS:
        raise ValueError(goals)
    assert referral.id is not None
    plan = session.get(SupportPlan, referral.id) or SupportPlan(referral_id=referral.id, updated_by=actor)
    plan.what_matters_enc = cipher.encrypt(what_matters)
    plan.goals_enc = [cipher.encrypt(goal) for goal in goals]
    plan.review_date, plan.updated_at, plan.updated_by = review_date, utcnow(), actor
    session.add(plan)
    session.add(CaseEvent(referral_id=referral.id, actor_user_id=actor, kind="support_plan",
                          detail=f"{len(goals)} goals"))
    return CaseOutcome(True, f"Support plan saved for {referral.reference}.", referral)


def plan_of(session: Session, referral_id: int, cipher: FieldCipher) -> PlanView | None:
    plan = session.get(SupportPlan, referral_id)
    if plan is None:
        return None
    return PlanView(cipher.decrypt(plan.what_matters_enc), [cipher.decrypt(goal) for goal in plan.goals_enc],
                    plan.review_date)


def plan_lines(plan: PlanView | None) -> list[str]:
    """The plan on the case card."""
    if plan is None:
        return []
    goals = [f"   {number}. {goal}" for number, goal in enumerate(plan.goals, start=1)]
    review = f"{plan.review_date:%d/%m/%Y}" if plan.review_date else "none set"
    return ["Support plan — what matters: " + (plan.what_matters or "not recorded"), *goals, f"   Review: {review}"]

"""Referral lifecycle: create, view (audited), claim, contact, signpost, close. Plain functions over a Session."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Protocol

from sqlalchemy import case, func, update
from sqlmodel import Session, col, select

from casework.models import (
    CLOSURE_LABELS,
    REASON_LABELS,
    CaseEvent,
    CaseStatus,
    ClosureReason,
    ContactRoute,
    Engagement,
    Referral,
    ReferralReason,
    ReferralSource,
    Role,
    Safeguarding,
    Signposting,
    Urgency,
)
from core.clock import utcnow
from core.crypto import FieldCipher
from core.identifiers import mask

REPEAT_WARNING_DAYS = 14  # the same hospital ref referred again within this is flagged to the referrer
_REF_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
_REF_PATTERN = re.compile(r"^SP-?([A-Z0-9]{6})$")
NO_RISKS = "None known"  # the referral form's button answer: not sensitive, shown to everyone
RISKS_HIDDEN = "recorded — shown to the link worker who claims the case"
# Why an admin may open a case's identifiers without owning it ("break glass"); each use is audited.
BREAK_GLASS_REASONS: dict[str, str] = {
    "safeguarding": "Safeguarding concern",
    "absent": "Owner absent or case being reassigned",
    "ward": "Query from the ward about this patient",
    "audit": "Audit, complaint or data request",
}


class FollowUpHooks(Protocol):
    """What the follow-up engine needs to hear about; called inside the same transaction."""

    def referral_created(self, session: Session, referral: Referral) -> None: ...
    def signposted(self, session: Session, signposting: Signposting, referral: Referral) -> None: ...
    def case_closed(self, session: Session, referral: Referral) -> None: ...


class NoFollowUps:
    """Hooks that do nothing (for tools and tests that don't schedule follow-ups)."""

    def referral_created(self, session: Session, referral: Referral) -> None:
        return None

    def signposted(self, session: Session, signposting: Signposting, referral: Referral) -> None:
        return None

    def case_closed(self, session: Session, referral: Referral) -> None:
        return None


@dataclass(frozen=True)
class ReferralDraft:
    """Everything the ward enters; identifiers are plain here and encrypted on save."""

    consent_share: bool
    consent_gp: bool
    client_initials: str
    hospital_ref: str
    ward: str
    reasons: tuple[str, ...]
    urgency: Urgency
    risks: str
    contact_route: ContactRoute
    expected_discharge: date | None
    nhs_number: str = ""
    risk_flag: str = ""  # casework.crisis.Level of the risks text when it suggests crisis
    risk_concern: str = ""  # casework.crisis.Concern
    safeguarding: str = ""  # casework.models.Safeguarding, or "" when the referrer did not rate it
    age_band: str = ""  # the optional details of a fuller referral (casework.models.Referral)
    gp_practice: str = ""
    admission_date: date | None = None
    third_party: str = ""
    services_involved: tuple[str, ...] = ()
    source: ReferralSource = ReferralSource.WARD
    contact_phone: str = ""  # a self-referral's call-back number (E.164), encrypted on save
    best_time: str = ""  # a key of BEST_TIME_LABELS
    for_someone_else: bool = False  # asked for by a carer for someone else


@dataclass(frozen=True)
class CaseOutcome:
    """The result of a case action: a message for the actor and, optionally, one for the referrer."""

    ok: bool
    message: str
    referral: Referral | None = None
    referrer_notice: str | None = None


@dataclass(frozen=True)
class CaseView:
    """A case as a link worker sees it (decrypted). Only built for authorised staff; each view is audited."""

    reference: str
    status: CaseStatus
    created_at: datetime
    ward: str
    reasons: list[str]
    urgency: Urgency
    client_initials: str
    hospital_ref: str
    nhs_number: str
    risks: str
    contact_route: ContactRoute
    expected_discharge: date | None
    claimed_by: int | None
    contact_attempts: int
    first_contact_at: datetime | None
    closure_reason: ClosureReason | None
    signposted_services: list[tuple[str, str]] = field(default_factory=list)  # (service id, engagement)
    risk_flag: str = ""
    risk_concern: str = ""
    identifiers_shown: bool = True  # False: hospital ref and NHS number masked, risks withheld
    safeguarding: str = ""  # casework.models.Safeguarding, or "" (not assessed)
    equity: str = ""  # casework.support.equity_line, for the worker who has the case (masked views: "")
    source: str = ReferralSource.WARD.value
    contact_phone: str = ""  # masked like the other identifiers
    best_time: str = ""
    for_someone_else: bool = False  # asked for by a carer for someone else


def normalise_reference(text: str) -> str | None:
    """'sp-7k3q9x', 'SP7K3Q9X' → 'SP-7K3Q9X'; None if it can't be a reference."""
    match = _REF_PATTERN.match(text.strip().upper().replace(" ", ""))
    return f"SP-{match.group(1)}" if match else None


def _new_reference(session: Session) -> str:
    while True:
        reference = "SP-" + "".join(secrets.choice(_REF_ALPHABET) for _ in range(6))
        if session.exec(select(Referral.id).where(Referral.reference == reference)).first() is None:
            return reference


def _event(session: Session, referral: Referral, actor: int | None, kind: str, detail: str = "") -> None:
    """One line of the case's audit trail."""
    assert referral.id is not None
    session.add(CaseEvent(referral_id=referral.id, actor_user_id=actor, kind=kind, detail=detail[:200]))


def create_referral(
    session: Session,
    draft: ReferralDraft,
    referrer_user_id: int,
    referrer_chat_id: int,
    source_role: Role | str,
    cipher: FieldCipher,
    hooks: FollowUpHooks | None = None,
) -> Referral:
    """Save a consented referral and return it with its new reference. Refuses drafts without consent."""
    if not draft.consent_share:
        raise ValueError("a referral needs the client's consent to share")
    reasons = [ReferralReason(reason).value for reason in draft.reasons]
    if not reasons:
        raise ValueError("a referral needs at least one reason")
    referral = Referral(
        reference=_new_reference(session),
        referrer_user_id=referrer_user_id,
        referrer_chat_id=referrer_chat_id,
        source_ward=draft.ward,
        source_role=str(source_role),
        consent_share=True,
        consent_gp=draft.consent_gp,
        client_initials=draft.client_initials,
        hospital_ref_enc=cipher.encrypt(draft.hospital_ref),
        hospital_ref_hash=hospital_ref_key(draft.hospital_ref, cipher),
        nhs_number_enc=cipher.encrypt(draft.nhs_number),
        reasons=reasons,
        urgency=draft.urgency,
        risks_enc=cipher.encrypt(draft.risks),
        contact_route=draft.contact_route,
        expected_discharge=draft.expected_discharge,
        risk_flag=draft.risk_flag,
        risk_concern=draft.risk_concern,
        safeguarding=Safeguarding(draft.safeguarding).value if draft.safeguarding else "",
        age_band=draft.age_band,
        gp_practice=draft.gp_practice,
        admission_date=draft.admission_date,
        third_party=draft.third_party,
        services_involved=list(draft.services_involved),
        source=draft.source.value,
        contact_phone_enc=cipher.encrypt(draft.contact_phone) if draft.contact_phone else "",
        best_time=draft.best_time,
        for_someone_else=draft.for_someone_else,
    )
    session.add(referral)
    session.flush()
    _event(session, referral, referrer_user_id, "created")
    if draft.risk_flag:
        _event(session, referral, referrer_user_id, "risk_flagged", f"{draft.risk_flag} {draft.risk_concern}")
    (hooks or NoFollowUps()).referral_created(session, referral)
    return referral


def hospital_ref_key(hospital_ref: str, cipher: FieldCipher) -> str | None:
    """The keyed hash a hospital ref is matched by (spacing and case ignored); None when there is none."""
    compact = hospital_ref.upper().replace(" ", "")
    return cipher.keyed_hash(compact) if compact else None


def recent_referral_for(
    session: Session, hospital_ref: str, cipher: FieldCipher, days: int = REPEAT_WARNING_DAYS
) -> Referral | None:
    """The latest referral of the same hospital ref in the last `days` days (compared by keyed hash), if any."""
    key = hospital_ref_key(hospital_ref, cipher)
    if key is None:
        return None
    since = utcnow() - timedelta(days=days)
    return session.exec(
        select(Referral)
        .where(Referral.hospital_ref_hash == key, Referral.created_at >= since)
        .order_by(Referral.created_at.desc())  # type: ignore[attr-defined]
    ).first()


def get_referral(session: Session, reference: str) -> Referral | None:
    normal = normalise_reference(reference)
    if normal is None:
        return None
    return session.exec(select(Referral).where(Referral.reference == normal)).first()


def may_see_identifiers(referral: Referral, actor: int) -> bool:
    """Need to know: only the link worker who has claimed an open case sees its full identifiers."""
    return referral.claimed_by == actor and referral.status != CaseStatus.CLOSED


def open_case(
    session: Session,
    referral: Referral,
    actor: int,
    actor_role: Role | None,
    cipher: FieldCipher,
    break_glass: str | None = None,
) -> CaseView:
    """The case as `actor` may see it, audited: full identifiers for the worker who claimed it (while open),
    masked for everyone else; an admin may "break glass" with one of `BREAK_GLASS_REASONS`, recorded as such.

    Raises ValueError for a break-glass request from someone who is not an admin, or without a known reason.
    """
    if break_glass is not None:
        if actor_role != Role.ADMIN or break_glass not in BREAK_GLASS_REASONS:
            raise ValueError("only an admin may break glass, with a recorded reason")
        return view_case(session, referral, actor, cipher, audit=("break_glass", BREAK_GLASS_REASONS[break_glass]))
    full = may_see_identifiers(referral, actor)
    return view_case(session, referral, actor, cipher, masked=not full, audit=("viewed", "" if full else "masked"))


def view_case(
    session: Session,
    referral: Referral,
    actor: int | None,
    cipher: FieldCipher,
    *,
    masked: bool = False,
    audit: tuple[str, str] = ("viewed", ""),
) -> CaseView:
    """The decrypted case (identifiers masked when `masked`); the view is written to the audit trail.

    Handlers go through `open_case`, which decides what the viewer may see; this is for tools and tests.
    """
    _event(session, referral, actor, *audit)
    hospital_ref, nhs_number = cipher.decrypt(referral.hospital_ref_enc), cipher.decrypt(referral.nhs_number_enc)
    risks, phone = cipher.decrypt(referral.risks_enc), cipher.decrypt(referral.contact_phone_enc)
    if masked:
        hospital_ref, nhs_number, phone = mask(hospital_ref), mask(nhs_number), mask(phone)
        risks = risks if risks in {"", NO_RISKS} else RISKS_HIDDEN
    signposted = session.exec(
        select(Signposting.service_id, Signposting.engagement).where(Signposting.referral_id == referral.id)
    ).all()
    return CaseView(
        reference=referral.reference,
        status=referral.status,
        created_at=referral.created_at,
        ward=referral.source_ward,
        reasons=list(referral.reasons),
        urgency=referral.urgency,
        client_initials=referral.client_initials,
        hospital_ref=hospital_ref,
        nhs_number=nhs_number,
        risks=risks,
        contact_route=referral.contact_route,
        expected_discharge=referral.expected_discharge,
        claimed_by=referral.claimed_by,
        contact_attempts=referral.contact_attempts,
        first_contact_at=referral.first_contact_at,
        closure_reason=referral.closure_reason,
        signposted_services=[(service_id, str(engagement)) for service_id, engagement in signposted],
        risk_flag=referral.risk_flag,
        risk_concern=referral.risk_concern,
        identifiers_shown=not masked,
        safeguarding=referral.safeguarding,
        source=referral.source,
        contact_phone=phone,
        best_time=referral.best_time,
        for_someone_else=referral.for_someone_else,
    )


def claim_case(session: Session, referral: Referral, worker_id: int) -> CaseOutcome:
    """Claim a new case. Exactly one of two simultaneous claimers wins; the other is told kindly."""
    result = session.execute(
        update(Referral)
        .where(Referral.id == referral.id, Referral.status == CaseStatus.NEW)
        .values(status=CaseStatus.CLAIMED, claimed_by=worker_id, claimed_at=utcnow())
    )
    session.refresh(referral)
    if result.rowcount != 1:
        who = "you" if referral.claimed_by == worker_id else "another link worker"
        return CaseOutcome(False, f"{referral.reference} has already been claimed by {who}.", referral)
    if referral.first_contact_at is not None:  # handed back by a leaver after first contact
        referral.status = CaseStatus.CONTACTED
        session.add(referral)
    _event(session, referral, worker_id, "claimed")
    return CaseOutcome(
        True,
        f"You've claimed {referral.reference}. Please make first contact soon.",
        referral,
        referrer_notice=f"Update on referral {referral.reference}: a link worker has picked it up.",
    )


def change_problem(referral: Referral, actor: int, actor_role: Role | None) -> str | None:
    """Why `actor` may not change this case right now (closed, unclaimed, someone else's), or None."""
    if referral.status == CaseStatus.CLOSED:
        return f"{referral.reference} is closed, so it can't be changed."
    if referral.status == CaseStatus.NEW:
        return f"{referral.reference} hasn't been claimed yet. Claim it first."
    if referral.claimed_by != actor and actor_role != Role.ADMIN:
        return f"{referral.reference} belongs to another link worker."
    return None


def close_problem(referral: Referral, actor: int, actor_role: Role | None) -> str | None:
    """Why `actor` may not close this case, or None. An admin may close an unclaimed case (e.g. referred back)."""
    if referral.status == CaseStatus.NEW and actor_role == Role.ADMIN:
        return None
    return change_problem(referral, actor, actor_role)


def record_contact_attempt(session: Session, referral: Referral, actor: int, actor_role: Role | None) -> CaseOutcome:
    """Count an attempt to reach the client that did not get through."""
    problem = change_problem(referral, actor, actor_role)
    if problem:
        return CaseOutcome(False, problem, referral)
    referral.contact_attempts += 1
    session.add(referral)
    _event(session, referral, actor, "contact_attempt", f"attempt {referral.contact_attempts}")
    message = f"Contact attempt {referral.contact_attempts} recorded for {referral.reference}."
    return CaseOutcome(True, message, referral)


def record_first_contact(session: Session, referral: Referral, actor: int, actor_role: Role | None) -> CaseOutcome:
    """Mark that the link worker has spoken with the client."""
    problem = change_problem(referral, actor, actor_role)
    if problem:
        return CaseOutcome(False, problem, referral)
    if referral.first_contact_at is not None:
        return CaseOutcome(False, f"First contact for {referral.reference} was already recorded.", referral)
    referral.first_contact_at = utcnow()
    referral.contact_attempts += 1
    referral.status = CaseStatus.CONTACTED
    session.add(referral)
    _event(session, referral, actor, "first_contact")
    return CaseOutcome(True, f"First contact recorded for {referral.reference}.", referral)


def signpost_case(
    session: Session,
    referral: Referral,
    service_id: str,
    actor: int,
    actor_role: Role | None,
    hooks: FollowUpHooks | None = None,
) -> CaseOutcome:
    """Record that the client was pointed to a directory service; schedules its follow-ups. Idempotent."""
    problem = change_problem(referral, actor, actor_role)
    if problem:
        return CaseOutcome(False, problem, referral)
    existing = session.exec(
        select(Signposting).where(Signposting.referral_id == referral.id, Signposting.service_id == service_id)
    ).first()
    if existing is not None:
        return CaseOutcome(False, f"{referral.reference} is already signposted to that service.", referral)
    assert referral.id is not None
    signposting = Signposting(referral_id=referral.id, service_id=service_id, created_by=actor)
    session.add(signposting)
    session.flush()
    _event(session, referral, actor, "signposted", service_id)
    (hooks or NoFollowUps()).signposted(session, signposting, referral)
    return CaseOutcome(True, f"Signposting recorded for {referral.reference}. We'll check in on it later.", referral)


def close_case(
    session: Session,
    referral: Referral,
    reason: ClosureReason,
    actor: int,
    actor_role: Role | None,
    hooks: FollowUpHooks | None = None,
) -> CaseOutcome:
    """Close a case with a reason; open follow-ups are cancelled and the referrer told (reference only)."""
    problem = close_problem(referral, actor, actor_role)
    if problem:
        return CaseOutcome(False, problem, referral)
    referral.status, referral.closure_reason, referral.closed_at = CaseStatus.CLOSED, reason, utcnow()
    session.add(referral)
    _event(session, referral, actor, "closed", reason.value)
    (hooks or NoFollowUps()).case_closed(session, referral)
    label = CLOSURE_LABELS[reason].lower()
    return CaseOutcome(
        True,
        f"{referral.reference} is closed ({label}).",
        referral,
        referrer_notice=f"Update on referral {referral.reference}: the case is now closed ({label}); "
        f"{what_was_done(session, referral)}.",
    )


def what_was_done(session: Session, referral: Referral) -> str:
    """For the referrer, in a few words and without clinical detail: how many services the patient was connected
    to, and whether they engaged ('connected to 2 services, engaged with support')."""
    engagements = session.exec(select(Signposting.engagement).where(Signposting.referral_id == referral.id)).all()
    services = f"{len(engagements)} service" + ("" if len(engagements) == 1 else "s")
    engaged = referral.closure_reason == ClosureReason.ENGAGED or Engagement.ENGAGED in engagements
    return f"connected to {services}, " + ("engaged with support" if engaged else "did not engage")


@dataclass(frozen=True)
class Inbox:
    """What a link worker's /inbox shows: the most pressing cases first, and how many more there are."""

    unclaimed: list[Referral]
    unclaimed_total: int
    mine: list[Referral]
    mine_total: int

    @property
    def unclaimed_not_shown(self) -> int:
        return self.unclaimed_total - len(self.unclaimed)

    @property
    def mine_not_shown(self) -> int:
        return self.mine_total - len(self.mine)


# Most pressing first: urgent, then "before discharge" (soonest discharge first), then routine; oldest first within.
_URGENCY_RANK = case((Referral.urgency == Urgency.URGENT, 0), (Referral.urgency == Urgency.SOON, 1), else_=2)
_PRESSING_FIRST = (_URGENCY_RANK, case((col(Referral.expected_discharge).is_(None), 1), else_=0),
                   col(Referral.expected_discharge), col(Referral.created_at), col(Referral.id))


def open_cases(session: Session, worker_id: int, limit: int = 20) -> Inbox:
    """Unclaimed cases and this worker's open cases, each ordered by urgency and discharge date *before* the
    limit, so an urgent referral is never pushed out of sight by older routine ones; with the totals."""
    unclaimed = Referral.status == CaseStatus.NEW
    mine = (Referral.claimed_by == worker_id, Referral.status != CaseStatus.CLOSED)
    return Inbox(
        unclaimed=list(session.exec(select(Referral).where(unclaimed).order_by(*_PRESSING_FIRST).limit(limit))),
        unclaimed_total=_count(session, unclaimed),
        mine=list(session.exec(select(Referral).where(*mine).order_by(*_PRESSING_FIRST).limit(limit))),
        mine_total=_count(session, *mine),
    )


def _count(session: Session, *criteria: object) -> int:
    return session.exec(select(func.count()).select_from(Referral).where(*criteria)).one()  # type: ignore[arg-type]


def reason_labels(reasons: list[str]) -> str:
    """Readable reasons, e.g. 'Housing, Money, debt, benefits'."""
    return "; ".join(REASON_LABELS[ReferralReason(reason)] for reason in reasons)


def signposted_service_ids(session: Session, referral: Referral) -> list[str]:
    """The services a case was signposted to, first signposted first."""
    return list(session.exec(
        select(Signposting.service_id).where(Signposting.referral_id == referral.id).order_by(Signposting.id)
    ).all())

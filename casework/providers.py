"""The provider's side of a case: referring a client on to a service, and what the service says back.

A provider is staff (`Role.PROVIDER`) scoped to one organisation: they see and answer only referrals on to their own
organisation's services, and only the minimum the client agreed to share (reference, initials, the contact route
and number, the link worker's short "what they need"); never risks, hospital or NHS numbers. Every time a provider
opens a client's contact details it is written to the case's audit trail. Plain functions over a Session.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from statistics import median
from typing import Any

import phonenumbers
from sqlmodel import Session, col, select

from casework.crisis import Level, assess
from casework.models import (
    CANT_HELP_LABELS,
    PROVIDER_STATUS_LABELS,
    ROUTE_LABELS,
    CantHelpReason,
    CaseEvent,
    ContactRoute,
    Engagement,
    ProviderStatus,
    ProviderUpdate,
    Referral,
    ReferralOn,
    Role,
    Signposting,
    StaffUser,
)
from casework.referrals import FollowUpHooks, change_problem, signpost_case
from casework.validation import InputProblem, clean_text
from core.clock import utcnow
from core.crypto import FieldCipher
from core.identifiers import identifier_in
from directory.models import Organisation, Service

MAX_NEED = 200  # the link worker's "what they need" line
SHARED_ROUTES = (ContactRoute.PHONE, ContactRoute.TEXT, ContactRoute.CARER)  # routes a service can act on itself
WAITING_WEEK_CHOICES = (2, 4, 8, 12, 26)
Buttons = list[list[tuple[str, str]]]

# What a provider may say next, from where the referral on stands (a repeat of the same answer changes nothing).
NEXT_ANSWERS: dict[ProviderStatus, frozenset[ProviderStatus]] = {
    ProviderStatus.SENT: frozenset({ProviderStatus.ACCEPTED, ProviderStatus.WAITING, ProviderStatus.CANT_HELP}),
    ProviderStatus.ACCEPTED: frozenset({ProviderStatus.WAITING, ProviderStatus.ATTENDED,
                                        ProviderStatus.DID_NOT_ATTEND, ProviderStatus.CANT_HELP}),
    ProviderStatus.WAITING: frozenset({ProviderStatus.ACCEPTED, ProviderStatus.WAITING, ProviderStatus.ATTENDED,
                                       ProviderStatus.DID_NOT_ATTEND, ProviderStatus.CANT_HELP}),
    ProviderStatus.ATTENDED: frozenset({ProviderStatus.FINISHED}),
    ProviderStatus.DID_NOT_ATTEND: frozenset({ProviderStatus.ATTENDED, ProviderStatus.FINISHED,
                                              ProviderStatus.CANT_HELP}),
    ProviderStatus.CANT_HELP: frozenset(),
    ProviderStatus.FINISHED: frozenset(),
}
ACCEPTING = frozenset({ProviderStatus.ACCEPTED, ProviderStatus.WAITING})  # the service took the client on
ATTENDING = frozenset({ProviderStatus.ATTENDED, ProviderStatus.FINISHED})
# What the provider's answer means for the signposting's engagement (the link worker's record of the case).
ENGAGEMENT_OF: dict[ProviderStatus, Engagement] = {
    ProviderStatus.WAITING: Engagement.WAITING,
    ProviderStatus.ATTENDED: Engagement.ENGAGED,
    ProviderStatus.FINISHED: Engagement.ENGAGED,
    ProviderStatus.CANT_HELP: Engagement.NOT_APPROPRIATE,
}
ANSWER_CODES: dict[str, ProviderStatus] = {  # callback data codes (kept short: button data is at most 64 bytes)
    "acc": ProviderStatus.ACCEPTED, "wl": ProviderStatus.WAITING, "no": ProviderStatus.CANT_HELP,
    "att": ProviderStatus.ATTENDED, "dna": ProviderStatus.DID_NOT_ATTEND, "fin": ProviderStatus.FINISHED,
}
CODE_OF = {status: code for code, status in ANSWER_CODES.items()}
BUTTON_LABELS: dict[ProviderStatus, str] = {
    ProviderStatus.ACCEPTED: "✅ Accept",
    ProviderStatus.WAITING: "⏳ Waiting list",
    ProviderStatus.CANT_HELP: "✖ Can't help",
    ProviderStatus.ATTENDED: "First session attended",
    ProviderStatus.DID_NOT_ATTEND: "Did not attend",
    ProviderStatus.FINISHED: "Finished",
}
REASON_CODES: dict[str, CantHelpReason] = {"ne": CantHelpReason.NOT_ELIGIBLE, "cap": CantHelpReason.NO_CAPACITY,
                                          "else": CantHelpReason.REFERRED_ELSEWHERE, "oth": CantHelpReason.OTHER}
CALLBACK_PREFIX = "pv"


@dataclass(frozen=True)
class ReferOnOutcome:
    ok: bool
    message: str
    referral_on: ReferralOn | None = None
    providers: tuple[int, ...] = ()  # Telegram ids of the service's providers, who are owed the referral


@dataclass(frozen=True)
class AnswerOutcome:
    ok: bool
    message: str
    changed: bool = False
    update: ProviderUpdate | None = None


# --- who is a provider for what -------------------------------------------------------------------------------

def provider_organisation(session: Session, telegram_user_id: int) -> str | None:
    """The organisation an active provider acts for, or None for anyone else."""
    return session.exec(
        select(StaffUser.organisation_id).where(
            StaffUser.telegram_user_id == telegram_user_id, StaffUser.active == True,  # noqa: E712
            StaffUser.role == Role.PROVIDER,
        )
    ).first()


def providers_of(session: Session, organisation_id: str) -> list[int]:
    """The active providers of an organisation (their Telegram ids, which are also their private chats)."""
    return list(session.exec(
        select(StaffUser.telegram_user_id).where(
            StaffUser.organisation_id == organisation_id, StaffUser.role == Role.PROVIDER,
            StaffUser.active == True,  # noqa: E712
        ).order_by(col(StaffUser.telegram_user_id))
    ).all())


def organisation_for(session: Session, organisation_or_service_id: str) -> Organisation | None:
    """`/invite provider <id>`: the organisation with that id, or the one running the service with that id."""
    wanted = organisation_or_service_id.strip()
    if not wanted or len(wanted) > 64:
        return None
    organisation = session.get(Organisation, wanted)
    if organisation is None and (service := session.get(Service, wanted)) is not None:
        organisation = session.get(Organisation, service.organisation_id)
    return organisation


def services_of(session: Session, organisation_id: str) -> list[Service]:
    """An organisation's active services, by name."""
    return list(session.exec(
        select(Service).where(Service.organisation_id == organisation_id, Service.active == True)  # noqa: E712
        .order_by(col(Service.name), col(Service.id))
    ).all())


def may_answer(referral_on: ReferralOn, provider_org: str | None) -> bool:
    """Only a provider of the organisation the client was referred to may see or answer a referral on."""
    return provider_org is not None and referral_on.organisation_id == provider_org


# --- referring on ---------------------------------------------------------------------------------------------

def clean_need(raw: str | None) -> str:
    """The link worker's "what they need" line: short, and never an identifier or clinical/risk detail."""
    text = clean_text(raw, MAX_NEED, "That")
    if identifier_in(text) is not None:
        raise InputProblem("Please leave out numbers and personal details (phone, NHS or hospital numbers, dates of "
                           "birth): just say briefly what support they need.")
    if assess(text).level is not Level.NONE:
        raise InputProblem("That sounds like a risk or a crisis. Risks and clinical details are never shared with "
                           "services: if they may be in danger, follow your safeguarding procedure. Please describe "
                           "only the support they need, e.g. 'help with a benefits claim'.")
    return text


def clean_contact_number(raw: str | None) -> str:
    """A UK phone number the client agreed the service may use, in the national format (e.g. '07700 900123')."""
    text = clean_text(raw, 40, "That number", need_words=False)
    try:
        number = phonenumbers.parse(text, "GB")
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_possible_number(number):  # Ofcom drama numbers are possible, not "valid"
        raise InputProblem("That doesn't look like a phone number. Please type the number the client agreed "
                           "the service may use, e.g. 07700 900123.")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)


def refer_on(
    session: Session,
    referral: Referral,
    service_id: str,
    actor: int,
    actor_role: Role | None,
    cipher: FieldCipher,
    *,
    route: ContactRoute,
    contact_number: str,
    need: str,
    hooks: FollowUpHooks | None = None,
) -> ReferOnOutcome:
    """Ask a service to contact the client, with the client's consent (recorded now) and the minimum shared.

    Records the signposting too (its follow-ups are planned as usual). Refused when the case may not be changed by
    `actor`, the service has no provider on Signpost to receive it, or it was already referred on."""
    problem = change_problem(referral, actor, actor_role)
    if problem:
        return ReferOnOutcome(False, problem)
    try:
        need = clean_need(need)
    except InputProblem as refused:
        return ReferOnOutcome(False, str(refused))
    if route not in SHARED_ROUTES:
        return ReferOnOutcome(False, "Please choose how the service should contact the client.")
    service = session.get(Service, service_id)
    if service is None:
        return ReferOnOutcome(False, "That service is no longer in the directory.")
    providers = providers_of(session, service.organisation_id)
    if not providers:
        return ReferOnOutcome(False, f"{service.name} has nobody on Signpost to receive referrals yet, so it can't be "
                                     "asked to contact the client. Signpost the client to it instead.")
    signposting = session.exec(
        select(Signposting).where(Signposting.referral_id == referral.id, Signposting.service_id == service_id)
    ).first()
    if signposting is None:
        signpost_case(session, referral, service_id, actor, actor_role, hooks)
        signposting = session.exec(
            select(Signposting).where(Signposting.referral_id == referral.id, Signposting.service_id == service_id)
        ).one()
    elif session.exec(select(ReferralOn.id).where(ReferralOn.signposting_id == signposting.id)).first() is not None:
        return ReferOnOutcome(False, f"{referral.reference} has already been referred on to {service.name}.")
    assert referral.id is not None and signposting.id is not None
    now = utcnow()
    referral_on = ReferralOn(
        signposting_id=signposting.id, referral_id=referral.id, service_id=service_id,
        organisation_id=service.organisation_id, created_by=actor, consent_at=now, contact_route=route,
        contact_details_enc=cipher.encrypt(contact_number), need=need, created_at=now,
    )
    session.add(referral_on)
    session.flush()
    session.add(CaseEvent(referral_id=referral.id, actor_user_id=actor, kind="referred_on", detail=service_id))
    session.add(CaseEvent(referral_id=referral.id, actor_user_id=actor, kind="consent_to_share",
                          detail=f"with {service_id}"[:200]))
    return ReferOnOutcome(True, f"{referral.reference} is referred on to {service.name}: they have been asked to "
                                "contact the client, and their answers will show on the case.",
                          referral_on, tuple(providers))


# --- what the provider sees -----------------------------------------------------------------------------------

def referral_on_text(referral_on: ReferralOn, referral: Referral, service_name: str) -> str:
    """The provider's message: the minimum the client agreed to share, without the contact number itself (that is
    shown on a tap, audited). Never risks, hospital or NHS numbers."""
    weeks = f", about {referral_on.waiting_weeks} weeks" if referral_on.status == ProviderStatus.WAITING and \
        referral_on.waiting_weeks else ""
    return "\n".join([
        f"New referral for {service_name}: {referral.reference}",
        f"Client: {referral.client_initials}",
        f"What they need: {referral_on.need}",
        f"Please contact them by: {ROUTE_LABELS[referral_on.contact_route]} (tap 'Contact details')",
        f"Referred on {referral_on.created_at:%d/%m/%Y}; the client agreed to share this with you.",
        f"Status: {PROVIDER_STATUS_LABELS[referral_on.status]}{weeks}",
    ])


def shown_to_provider(
    session: Session, referral_on: ReferralOn, referral: Referral, service_name: str, actor: int
) -> str:
    """The referral on as its provider sees it in chat, written to the case's audit trail."""
    session.add(CaseEvent(referral_id=referral_on.referral_id, actor_user_id=actor, kind="provider_viewed",
                          detail=f"referral on to {referral_on.service_id}"[:200]))
    return referral_on_text(referral_on, referral, service_name)


def answer_buttons(referral_on: ReferralOn) -> Buttons:
    """The answers the provider can give next, and the contact details button while the referral is live."""
    assert referral_on.id is not None
    allowed = NEXT_ANSWERS[referral_on.status]
    order = [ProviderStatus.ACCEPTED, ProviderStatus.WAITING, ProviderStatus.CANT_HELP, ProviderStatus.ATTENDED,
             ProviderStatus.DID_NOT_ATTEND, ProviderStatus.FINISHED]
    row = [(BUTTON_LABELS[status], f"{CALLBACK_PREFIX}:{referral_on.id}:{CODE_OF[status]}")
           for status in order if status in allowed]
    rows = [row[i:i + 3] for i in range(0, len(row), 3)]
    if allowed:
        rows.append([("📞 Contact details", f"{CALLBACK_PREFIX}:{referral_on.id}:see")])
    return rows


def weeks_buttons(referral_on_id: int) -> Buttons:
    return [[(f"{weeks} weeks", f"{CALLBACK_PREFIX}:{referral_on_id}:wl:{weeks}") for weeks in WAITING_WEEK_CHOICES]]


def reason_buttons(referral_on_id: int) -> Buttons:
    return [[(CANT_HELP_LABELS[reason], f"{CALLBACK_PREFIX}:{referral_on_id}:no:{code}")]
            for code, reason in REASON_CODES.items()]


def open_contact_details(session: Session, referral_on: ReferralOn, actor: int, cipher: FieldCipher) -> str:
    """The contact route and number for the provider, written to the case's audit trail."""
    session.add(CaseEvent(referral_id=referral_on.referral_id, actor_user_id=actor, kind="provider_viewed",
                          detail=f"contact details for {referral_on.service_id}"[:200]))
    return f"{ROUTE_LABELS[referral_on.contact_route]}: {cipher.decrypt(referral_on.contact_details_enc)}"


def record_provider_answer(
    session: Session,
    referral_on: ReferralOn,
    actor: int,
    status: ProviderStatus,
    *,
    waiting_weeks: int | None = None,
    reason: CantHelpReason | None = None,
) -> AnswerOutcome:
    """A provider's answer, timestamped and audited; the signposting's engagement follows it. A repeat of the
    answer already recorded (a double tap, a redelivered message) changes nothing."""
    if status == ProviderStatus.WAITING and waiting_weeks is None:
        return AnswerOutcome(False, "How many weeks is the wait?")
    same = status == referral_on.status and (status != ProviderStatus.WAITING
                                             or waiting_weeks == referral_on.waiting_weeks)
    if same:
        return AnswerOutcome(True, f"Already recorded: {PROVIDER_STATUS_LABELS[status]}.")
    if status not in NEXT_ANSWERS[referral_on.status]:
        return AnswerOutcome(False, f"This referral is already marked {PROVIDER_STATUS_LABELS[referral_on.status]}, "
                                    "so that can't be recorded now.")
    now = utcnow()
    referral_on.status, referral_on.status_at = status, now
    referral_on.first_answer_at = referral_on.first_answer_at or now
    if status in ACCEPTING and referral_on.accepted_at is None:
        referral_on.accepted_at = now
    referral_on.waiting_weeks = waiting_weeks if status == ProviderStatus.WAITING else referral_on.waiting_weeks
    referral_on.cant_help_reason = reason if status == ProviderStatus.CANT_HELP else None
    assert referral_on.id is not None
    update = ProviderUpdate(referral_on_id=referral_on.id, actor_user_id=actor, status=status, at=now,
                            waiting_weeks=waiting_weeks, cant_help_reason=reason)
    session.add_all([referral_on, update])
    if (engagement := ENGAGEMENT_OF.get(status)) is not None:
        signposting = session.get(Signposting, referral_on.signposting_id)
        if signposting is not None:
            signposting.engagement, signposting.engagement_at = engagement, now
            session.add(signposting)
    session.add(CaseEvent(referral_id=referral_on.referral_id, actor_user_id=actor, kind="provider_answer",
                          detail=f"{referral_on.service_id} {status.value}"[:200]))
    session.flush()
    return AnswerOutcome(True, f"Recorded: {answer_label(referral_on)}.", True, update)


def answer_label(referral_on: ReferralOn) -> str:
    """'on the waiting list (about 4 weeks)', "can't help (not eligible)", 'accepted'."""
    label = PROVIDER_STATUS_LABELS[referral_on.status]
    if referral_on.status == ProviderStatus.WAITING and referral_on.waiting_weeks:
        return f"{label} (about {referral_on.waiting_weeks} weeks)"
    if referral_on.status == ProviderStatus.CANT_HELP and referral_on.cant_help_reason:
        return f"{label} ({CANT_HELP_LABELS[referral_on.cant_help_reason].lower()})"
    return label


def worker_notice(referral: Referral, referral_on: ReferralOn, service_name: str) -> str:
    """What the case's link worker is told when the provider answers (reference only)."""
    return f"Update on {referral.reference} from {service_name}: {answer_label(referral_on)} " \
           f"({referral_on.status_at or utcnow():%d/%m/%Y %H:%M} UTC)."


def referrals_on_for(session: Session, referral_id: int) -> dict[str, ReferralOn]:
    """A case's referrals on, by service id (for the case card)."""
    rows = session.exec(select(ReferralOn).where(ReferralOn.referral_id == referral_id)).all()
    return {row.service_id: row for row in rows}


def provider_inbox(session: Session, organisation_id: str, limit: int = 20) -> list[ReferralOn]:
    """An organisation's live referrals on (not finished or declined), oldest first."""
    live = [status for status, nexts in NEXT_ANSWERS.items() if nexts]
    return list(session.exec(
        select(ReferralOn).where(ReferralOn.organisation_id == organisation_id, col(ReferralOn.status).in_(live))
        .order_by(col(ReferralOn.created_at)).limit(limit)
    ).all())


# --- responsiveness (for reports) -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Responsiveness:
    """How one service answered the referrals on it received."""

    service_id: str
    referred_on: int
    answered: int
    accepted: int
    attended: int
    median_hours_to_accept: float | None


def responsiveness(rows: Sequence[Any], updates: Sequence[Any]) -> list[Responsiveness]:
    """Per service: referrals on, how many were answered, accepted (incl. waiting list) and attended, and the
    median time from referral to acceptance. Attendance counts any referral a provider ever marked attended.

    `rows` need `id, service_id, created_at, first_answer_at, accepted_at` (ReferralOn rows or just those columns);
    `updates` need `referral_on_id, status`."""
    attended_ids = {update.referral_on_id for update in updates if update.status in ATTENDING}
    by_service: dict[str, list[ReferralOn]] = {}
    for row in rows:
        by_service.setdefault(row.service_id, []).append(row)
    result = []
    for service_id, group in sorted(by_service.items()):
        waits = [(row.accepted_at - row.created_at).total_seconds() / 3600 for row in group if row.accepted_at]
        result.append(Responsiveness(
            service_id=service_id,
            referred_on=len(group),
            answered=sum(row.first_answer_at is not None for row in group),
            accepted=sum(row.accepted_at is not None for row in group),
            attended=sum(row.id in attended_ids for row in group),
            median_hours_to_accept=median(waits) if waits else None,
        ))
    return result

"""A self-referral: a client (or a carer, for someone else) asks the social prescribing service to contact them.

Pure form logic over plain dicts, like `casework.referral_form`: consent → phone or chat → best time → what it is
about → a referral with source "self" in the link workers' inbox. The phone number is an identifier: it is
encrypted as soon as it is typed (the dialog store never holds it in clear), stored encrypted on the referral and
shown only to the worker who claims the case.
"""

from __future__ import annotations

import re
from typing import Any

import phonenumbers
from sqlmodel import Session, select

from casework.models import CaseStatus, ContactRoute, Referral, ReferralReason, ReferralSource, Urgency
from casework.referrals import FollowUpHooks, ReferralDraft, create_referral
from casework.validation import InputProblem
from core.crypto import FieldCipher
from core.i18n import N_

FormData = dict[str, Any]
CONSENT, HOW, PHONE, WHEN, ABOUT = "consent", "how", "phone", "when", "about"
BY_PHONE, BY_CHAT = "phone", "chat"
BEST_TIMES = ("morning", "afternoon", "evening", "any")  # keys of casework.models.BEST_TIME_LABELS
SELF_WARD = "Self-referral"  # what the team sees where a ward would be
CARER_WARD = "Self-referral (carer)"
PHONE_REGION = "GB"
MAX_PHONE_CHARS = 30


_FOR_SOMEONE_ELSE = re.compile(
    r"^\W*(i'?m|i am|im)?\s*(looking|asking|searching)\s+(for|on behalf of)\s+(someone|somebody)\s+else\W*$"
    r"|^\W*(for|on behalf of)\s+(someone|somebody)\s+else\W*$|^\W*i'?m\s+(a\s+)?carer\W*$",
    re.IGNORECASE,
)


def asks_for_someone_else(text: str) -> bool:
    """'I'm looking for someone else', 'on behalf of someone else', "I'm a carer": carer mode, not a search."""
    return bool(_FOR_SOMEONE_ELSE.match(text.strip().replace("’", "'")))


NOT_A_PHONE = N_("That doesn't look like a UK phone number. Please type it again, for example 07911 123456 or "
                 "01603 123456.")


class NotAChoice(Exception):
    """A button value this step does not offer (forged, or from another step)."""


class NoConsent(Exception):
    """The person did not agree to their request being shared: nothing is recorded."""


def uk_phone(text: str) -> str:
    """A UK phone number in E.164 form ('+447911123456'); `InputProblem` with a kind message otherwise."""
    problem = InputProblem(NOT_A_PHONE)
    if len(text) > MAX_PHONE_CHARS:
        raise problem
    try:
        number = phonenumbers.parse(text, PHONE_REGION)
    except phonenumbers.NumberParseException:
        raise problem from None
    if not phonenumbers.is_valid_number(number):
        raise problem
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def answer(step: str, value: str, data: FormData, cipher: FieldCipher) -> tuple[str, FormData]:
    """The next step and the form data once `value` (a button's value, or the typed phone number) answers `step`."""
    if step == CONSENT:
        if value == "no":
            raise NoConsent
        _offered(value, ("yes",))
        return HOW, data
    if step == HOW:
        _offered(value, (BY_PHONE, BY_CHAT))
        return (PHONE if value == BY_PHONE else WHEN), {**data, HOW: value}
    if step == PHONE:
        return WHEN, {**data, PHONE: cipher.encrypt(uk_phone(value))}
    if step == WHEN:
        _offered(value, BEST_TIMES)
        return ABOUT, {**data, WHEN: value}
    if step == ABOUT:
        _offered(value, tuple(reason.value for reason in ReferralReason))
        return ABOUT, {**data, ABOUT: value}
    raise NotAChoice(step)


def _offered(value: str, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise NotAChoice(value)


def open_request(session: Session, user_id: int) -> Referral | None:
    """This person's self-referral still open with the team (one at a time: a second tap doesn't queue another)."""
    return session.exec(
        select(Referral).where(Referral.referrer_user_id == user_id, Referral.source == ReferralSource.SELF.value,
                               Referral.status != CaseStatus.CLOSED)
    ).first()


def submit(
    session: Session,
    data: FormData,
    user_id: int,
    chat_id: int,
    cipher: FieldCipher,
    followups: FollowUpHooks | None,
) -> Referral:
    """The request as a referral with source "self" (a carer's is marked third party), routine urgency."""
    carer = bool(data.get("carer"))
    draft = ReferralDraft(
        consent_share=True,
        consent_gp=False,
        client_initials="",
        hospital_ref="",
        ward=CARER_WARD if carer else SELF_WARD,
        reasons=(data[ABOUT],),
        urgency=Urgency.ROUTINE,
        risks="",
        contact_route=ContactRoute.PHONE if data.get(HOW) == BY_PHONE else ContactRoute.TEXT,
        expected_discharge=None,
        source=ReferralSource.SELF,
        contact_phone=cipher.decrypt(data.get(PHONE, "")),
        best_time=data.get(WHEN, ""),
        for_someone_else=carer,
    )
    return create_referral(session, draft, user_id, chat_id, "carer" if carer else "client", cipher, followups)

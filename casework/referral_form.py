"""The ward referral form: its questions in order, checking each answer, the summary, and submitting it.

Pure form logic over plain dicts (what the dialog store keeps); no Telegram. Identifiers are encrypted as soon as
they are answered, so the dialog store never holds them in clear.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlmodel import Session, select

from casework import validation
from casework.crisis import assess_risks, risk_flag_note
from casework.models import (
    AGE_BANDS,
    ROUTE_LABELS,
    SERVICES_INVOLVED,
    THIRD_PARTY,
    URGENCY_LABELS,
    ContactRoute,
    Referral,
    ReferralReason,
    Safeguarding,
    StaffUser,
    Urgency,
)
from casework.referrals import FollowUpHooks, ReferralDraft, create_referral, reason_labels
from casework.safeguarding import label as safeguarding_label
from core.crypto import FieldCipher

FormData = dict[str, Any]
YES_NO = (("Yes", "yes"), ("No", "no"))
REASONS, CONFIRM, CONSENT, WARD, RISKS = "reasons", "confirm", "consent", "ward", "risks"
SAFEGUARDING = "safeguarding"  # optional, tapped on the summary
REMEMBERED_WARD_CHARS = 40  # a button label and its callback data must stay short


@dataclass(frozen=True)
class Step:
    """One question. Buttons give `choices`; typed answers (and button values) go through `parse` if set."""

    key: str
    prompt: str
    choices: tuple[tuple[str, str], ...] = ()
    parse: Callable[[str, date], Any] | None = None
    secret: bool = False  # stored encrypted while the conversation is open
    label: str = ""  # what the "Change an answer" button calls it

    @property
    def takes_typing(self) -> bool:
        return self.parse is not None


class NoConsent(Exception):
    """The patient has not agreed: nothing about them may be recorded."""


class NotAChoice(Exception):
    """A button value this step does not offer (forged, or from another step)."""


STEPS: tuple[Step, ...] = (
    Step(
        CONSENT,
        "Has the patient agreed to this referral, and to their details being shared with the social "
        "prescribing service?",
        (("Yes, they agree", "yes"), ("No", "no")),
    ),
    Step("consent_gp", "May the service share updates with the patient's GP?", YES_NO, label="GP updates"),
    Step("initials", "Patient's initials only (for example JS):", parse=lambda text, _: validation.initials(text),
         label="Initials"),
    Step(
        "hospital_ref",
        "Hospital number or ward reference:",
        parse=lambda text, _: validation.hospital_reference(text),
        secret=True, label="Hospital / ward ref"),
    Step(
        "nhs_number",
        "NHS number (optional) — type it or tap Skip:",
        (("Skip", "skip"),),
        parse=lambda text, _: "" if text.strip().lower() == "skip" else validation.nhs_number(text),
        secret=True, label="NHS number"),
    Step(WARD, "Which ward or area are you referring from?",
         parse=lambda text, _: validation.short_text(text, "The ward name"), label="Ward / area"),
    Step(REASONS, "Reasons for referral — tap all that apply, then Done:", label="Reasons"),
    Step(
        "urgency",
        "How soon should the link worker make contact?",
        tuple((label, value.value) for value, label in URGENCY_LABELS.items()), label="Urgency"),
    Step(
        RISKS,
        "Any risks the link worker should know about (to the patient or others)? Type them, or tap None known.",
        (("None known", "None known"),),
        parse=lambda text, _: validation.free_text(text, "That"),
        secret=True, label="Risks"),
    Step(
        "contact_route",
        "Best way for the link worker to make contact?",
        tuple((label, value.value) for value, label in ROUTE_LABELS.items()), label="Contact by"),
    Step(
        "discharge",
        "Expected discharge date? Type it (for example 28/11) or tap a button:",
        (("Today", "today"), ("Tomorrow", "tomorrow"), ("Not known", "not known")),
        parse=lambda text, today: _iso(validation.discharge_date(text, today)), label="Discharge date"),
    Step(CONFIRM, ""),
)
SKIP = (("Skip", "skip"),)
SERVICES = "services_involved"
UNDER_AGE = "under_18"
NONE = "none"  # the button value of "Not known" / "No" on an optional detail (stored as "")
# Optional details, each opened by a button on the summary and answered back to it (none is asked unless tapped).
OPTIONAL_STEPS: tuple[Step, ...] = (
    Step("age_band", "Age band (no date of birth needed):",
         (("Under 18", UNDER_AGE), *((band, band) for band in AGE_BANDS), ("Not known", NONE))),
    Step("gp_practice", "GP practice code (ODS, e.g. D82044) — type it or tap Skip:", SKIP,
         parse=lambda text, _: "" if text.strip().lower() == "skip" else validation.gp_practice_code(text)),
    Step("admission_date", "Date of admission? Type it (for example 28/11) or tap a button:",
         (("Today", "today"), ("Yesterday", "yesterday"), ("Not known", "not known")),
         parse=lambda text, today: _iso(validation.admission_date(text, today))),
    Step("third_party", "Is someone else consenting for the patient?",
         (("No — the patient themself", NONE), *((label, key) for key, label in THIRD_PARTY.items()))),
    Step(SERVICES, "Services already involved — tap all that apply, then Done:"),
)
OPTIONAL_LABELS = {"age_band": "Age band", "gp_practice": "GP practice", "admission_date": "Admission date",
                   "third_party": "Third-party consent", SERVICES: "Services involved"}
STEP_BY_KEY = {step.key: step for step in (*STEPS, *OPTIONAL_STEPS)}
FIRST_STEP = STEPS[0].key
_ORDER = [step.key for step in STEPS]


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def next_step(key: str) -> str:
    """The question after `key`; an optional detail goes back to the summary."""
    return _ORDER[_ORDER.index(key) + 1] if key in _ORDER else CONFIRM


def is_optional(key: str) -> bool:
    return key in OPTIONAL_LABELS


def toggle_service(data: FormData, service: str) -> FormData:
    """Tick or untick a service already involved."""
    if service not in SERVICES_INVOLVED:
        raise NotAChoice(service)
    chosen = list(data.get(SERVICES, []))
    chosen = [s for s in chosen if s != service] if service in chosen else [*chosen, service]
    return {**data, SERVICES: chosen}


def eligibility_notes(data: FormData, min_age: int, guidance: str) -> list[str]:
    """What the referrer should know before sending: outside the age range, or needs that belong with specialist
    services. Guidance, never a block: the link worker decides (a crisis is handled by the risks question)."""
    notes = []
    if data.get("age_band") == UNDER_AGE and min_age >= 18:
        notes.append(f"⚠ This service is for adults aged {min_age} and over. {guidance}")
    if data.get(SERVICES):
        notes.append("⚠ Services already involved: please check with them first — complex needs that need specialist "
                     "support are outside social prescribing, and the link worker will contact them before the "
                     "patient.")
    return notes


def _details_lines(data: FormData) -> list[str]:
    """The optional details given so far, for the summary."""
    shown = {
        "age_band": "Under 18" if data.get("age_band") == UNDER_AGE else data.get("age_band", ""),
        "gp_practice": data.get("gp_practice", ""),
        "admission_date": date.fromisoformat(data["admission_date"]).strftime("%d/%m/%Y")
        if data.get("admission_date") else "",
        "third_party": THIRD_PARTY.get(data.get("third_party", ""), ""),
        SERVICES: "; ".join(SERVICES_INVOLVED[key] for key in data.get(SERVICES, [])),
    }
    return [f"• {OPTIONAL_LABELS[key]}: {value}" for key, value in shown.items() if value]


EDITING = "editing"  # set while one answer is being changed from the summary
CHANGEABLE: tuple[Step, ...] = tuple(step for step in STEPS if step.label)


def change(key: str, data: FormData) -> FormData:
    """Go back to one question from the summary; once it is answered, `step_after` returns to the summary."""
    if key not in {step.key for step in CHANGEABLE}:
        raise NotAChoice(key)
    return {**data, EDITING: True}


def step_after(key: str, data: FormData) -> tuple[str, FormData]:
    """The step after answering `key`: the next question, or the summary again when one answer was being changed."""
    if data.get(EDITING):
        return CONFIRM, {name: value for name, value in data.items() if name != EDITING}
    return next_step(key), data


def answer(key: str, raw: str, data: FormData, today: date, cipher: FieldCipher, *, typed: bool) -> FormData:
    """The form data once `raw` (typed, or a button's value) answers step `key`.

    Raises `validation.InputProblem` (with a kind message) for an answer we cannot use, `NotAChoice` for a button
    this step does not offer, and `NoConsent` when the patient has not agreed.
    """
    step = STEP_BY_KEY[key]
    if not typed and raw not in {value for _, value in step.choices} and not (key == WARD and step.parse):
        raise NotAChoice(raw)
    value = step.parse(raw, today) if step.parse else raw
    value = "" if value == NONE and is_optional(key) else value
    if key == CONSENT and value == "no":
        raise NoConsent
    data = {**data, key: cipher.encrypt(value) if step.secret else value}
    if key == RISKS:  # crisis words in the risks flag the case (casework.crisis); the flag holds no patient text
        flag = assess_risks(value) if typed else None
        data |= {"risk_flag": flag.level.value if flag and flag.is_crisis else "",
                 "risk_concern": flag.concern.value if flag and flag.concern else ""}
    return data


def toggle_reason(data: FormData, reason: str) -> FormData:
    """Tick or untick one reason for referral."""
    if reason not in {r.value for r in ReferralReason}:
        raise NotAChoice(reason)
    chosen = list(data.get(REASONS, []))
    chosen = [r for r in chosen if r != reason] if reason in chosen else [*chosen, reason]
    return {**data, REASONS: chosen}


def check_reasons(data: FormData) -> None:
    """At least one reason must be ticked before moving on."""
    if not data.get(REASONS):
        raise validation.InputProblem("Please choose at least one reason, then tap Done.")


def rate_safeguarding(data: FormData, rating: str) -> FormData:
    """The referrer's safeguarding RAG, tapped on the summary (optional; tapping the same one again clears it)."""
    if rating not in {r.value for r in Safeguarding}:
        raise NotAChoice(rating)
    return {**data, SAFEGUARDING: "" if data.get(SAFEGUARDING) == rating else rating}


def summary(data: FormData, cipher: FieldCipher) -> str:
    """What the nurse checks before sending (identifiers decrypted for her eyes only)."""
    discharge = date.fromisoformat(data["discharge"]).strftime("%d/%m/%Y") if data.get("discharge") else "Not known"
    lines = [
        "Please check the referral:",
        f"• Consent to share with GP: {'Yes' if data['consent_gp'] == 'yes' else 'No'}",
        f"• Patient initials: {data['initials']}",
        f"• Hospital / ward ref: {cipher.decrypt(data['hospital_ref'])}",
        f"• NHS number: {cipher.decrypt(data['nhs_number']) or 'Not given'}",
        f"• Ward / area: {data['ward']}",
        f"• Reasons: {reason_labels(data['reasons'])}",
        f"• Urgency: {URGENCY_LABELS[Urgency(data['urgency'])]}",
        f"• Risks: {cipher.decrypt(data['risks'])}",
        *([f"• {note}"] if (note := risk_flag_note(data.get("risk_flag", ""), data.get("risk_concern", ""))) else []),
        f"• Contact by: {ROUTE_LABELS[ContactRoute(data['contact_route'])]}",
        f"• Expected discharge: {discharge}",
        f"• Safeguarding: {safeguarding_label(data.get(SAFEGUARDING, ''))} (optional: tap below to rate)",
        *_details_lines(data),
    ]
    return "\n".join(lines)


def draft(data: FormData, cipher: FieldCipher) -> ReferralDraft:
    """The completed form as a referral draft (identifiers in clear, to be encrypted again on save)."""
    return ReferralDraft(
        consent_share=True,
        consent_gp=data["consent_gp"] == "yes",
        client_initials=data["initials"],
        hospital_ref=cipher.decrypt(data["hospital_ref"]),
        nhs_number=cipher.decrypt(data["nhs_number"]),
        ward=data["ward"],
        reasons=tuple(data["reasons"]),
        urgency=Urgency(data["urgency"]),
        risks=cipher.decrypt(data["risks"]),
        risk_flag=data.get("risk_flag", ""),
        risk_concern=data.get("risk_concern", ""),
        contact_route=ContactRoute(data["contact_route"]),
        expected_discharge=date.fromisoformat(data["discharge"]) if data.get("discharge") else None,
        safeguarding=data.get(SAFEGUARDING, ""),
        age_band=data.get("age_band", ""),
        gp_practice=data.get("gp_practice", ""),
        admission_date=date.fromisoformat(data["admission_date"]) if data.get("admission_date") else None,
        third_party=data.get("third_party", ""),
        services_involved=tuple(data.get(SERVICES, [])),
    )


def remembered_ward(session: Session, user_id: int) -> str:
    """The ward this member of staff referred from last time (offered as a button), or ''."""
    staff = _staff(session, user_id)
    return staff.ward[:REMEMBERED_WARD_CHARS] if staff and staff.ward else ""


def submit(
    session: Session,
    data: FormData,
    user_id: int,
    chat_id: int,
    role: str,
    cipher: FieldCipher,
    followups: FollowUpHooks | None,
) -> Referral:
    """Create the referral from a completed form and remember the referrer's ward for next time."""
    completed = draft(data, cipher)
    referral = create_referral(session, completed, user_id, chat_id, role, cipher, followups)
    staff = _staff(session, user_id)
    if staff is not None:
        staff.ward = completed.ward
        session.add(staff)
    return referral


def _staff(session: Session, user_id: int) -> StaffUser | None:
    return session.exec(select(StaffUser).where(StaffUser.telegram_user_id == user_id)).first()


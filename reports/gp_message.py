"""Back to the GP and the ICB: the per-episode "message back to GP" and the ICB analysts' extract.

The message back to GP is shaped on the PRSB Social Prescribing information standard (see docs/reports.md): one
row per episode closed in the period, for clients who agreed to share with their GP — NHS number where given, GP
practice (ODS code), dates, reasons, services connected to, outcome, and the episode's SNOMED CT codes, one per
event (`reports.snomed.episode_concept`: never both "accepted" and "declined").

The ICB extract (West Kent method: NHS number + first intervention date, for a pre/post A&E analysis) holds NHS
numbers only. Both carry identifiers, so they are written by the command line for an admin, every run audited
(`casework.staff.audit`), and never sent to any chat.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import IO
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from casework.models import CLOSURE_LABELS, ENGAGEMENT_LABELS, ClosureReason, Engagement, Referral, Role, Signposting
from casework.referrals import reason_labels
from casework.roles import role_of
from casework.staff import audit
from core.clock import local_time, local_today
from core.crypto import FieldCipher
from core.csvsafe import write_safe_csv
from directory.models import Service
from reports.period import Period
from reports.snomed import Concept, episode_concept, service_categories, signposting_concept

GP_HEADER = ("case_reference", "nhs_number", "gp_practice_ods", "referral_date", "first_contact_date",
             "closure_date", "reasons_for_referral", "services_connected_to", "outcome", "snomed_ct_codes")
ICB_HEADER = ("nhs_number", "first_intervention_date")
GP_MESSAGE_EVENT, ICB_EXTRACT_EVENT = "gp_message_export", "icb_extract"


@dataclass(frozen=True)
class GpMessage:
    """One episode, as the GP practice is told about it."""

    reference: str
    nhs_number: str
    gp_practice: str
    referral_date: date
    first_contact_date: date | None
    closure_date: date | None
    reasons: str
    services: str  # "Citizens Advice Norfolk (engaged); Walking for Health (waiting list)"
    outcome: str
    codes: tuple[tuple[date, Concept], ...]  # one per coded event, in date order


class NotAnAdmin(Exception):
    """Only an admin may take identifiers out of the service."""


def gp_messages(session: Session, period: Period, tz: ZoneInfo, cipher: FieldCipher) -> list[GpMessage]:
    """The message back to GP for every GP-consented episode closed in `period` (local days), by closure date."""
    since, until = period.utc_bounds(tz)
    episodes = session.exec(
        select(Referral).where(
            Referral.consent_gp == True,  # noqa: E712
            Referral.anonymised == False,  # noqa: E712
            col(Referral.closed_at) >= since, col(Referral.closed_at) < until,
        ).order_by(col(Referral.closed_at), col(Referral.id))
    ).all()
    categories = service_categories(session)
    today = local_today(tz)
    messages = []
    for referral in episodes:
        signposted = session.exec(
            select(Signposting.created_at, Signposting.engagement, Service.id, Service.name)
            .join(Service, Service.id == Signposting.service_id)
            .where(Signposting.referral_id == referral.id).order_by(col(Signposting.created_at), col(Service.name))
        ).all()
        codes = [(local_time(at, tz).date(), signposting_concept(categories.get(sid, ([], []))[0]))
                 for at, _, sid, _ in signposted]
        if coded := episode_concept(referral.first_contact_at, referral.closed_at, referral.closure_reason, tz, today):
            codes.insert(0, (local_time(coded[1], tz).date(), coded[0]))
        messages.append(GpMessage(
            reference=referral.reference,
            nhs_number=cipher.decrypt(referral.nhs_number_enc),
            gp_practice=referral.gp_practice,
            referral_date=local_time(referral.created_at, tz).date(),
            first_contact_date=local_time(referral.first_contact_at, tz).date() if referral.first_contact_at else None,
            closure_date=local_time(referral.closed_at, tz).date() if referral.closed_at else None,
            reasons=reason_labels(referral.reasons),
            services="; ".join(f"{name} ({ENGAGEMENT_LABELS[Engagement(state)].lower()})"
                               for _, state, _, name in signposted),
            outcome=CLOSURE_LABELS[ClosureReason(referral.closure_reason)] if referral.closure_reason else "",
            codes=tuple(sorted(codes, key=lambda pair: pair[0])),
        ))
    return messages


def write_gp_csv(messages: Iterable[GpMessage], handle: IO[str]) -> None:
    """One row per episode; codes as 'date code term' separated by ' | '; every cell formula-safe."""
    rows = [
        (m.reference, m.nhs_number, m.gp_practice, m.referral_date.isoformat(), _iso(m.first_contact_date),
         _iso(m.closure_date), m.reasons, m.services, m.outcome,
         " | ".join(f"{day.isoformat()} {concept.code or '(no code)'} {concept.term}" for day, concept in m.codes))
        for m in messages
    ]
    write_safe_csv(handle, GP_HEADER, rows)


def icb_extract(session: Session, period: Period, tz: ZoneInfo, cipher: FieldCipher) -> list[tuple[str, date]]:
    """(NHS number, first intervention date) for every client first contacted in `period` whose NHS number was
    given; the first intervention is the first contact with the link worker. Sorted by date."""
    since, until = period.utc_bounds(tz)
    rows = session.exec(
        select(Referral.nhs_number_enc, Referral.first_contact_at).where(
            Referral.anonymised == False,  # noqa: E712
            col(Referral.first_contact_at) >= since, col(Referral.first_contact_at) < until,
        )
    ).all()
    found = [(cipher.decrypt(enc), local_time(at, tz).date()) for enc, at in rows]
    return sorted(((nhs, day) for nhs, day in found if nhs), key=lambda pair: (pair[1], pair[0]))


def write_icb_csv(rows: Iterable[tuple[str, date]], handle: IO[str]) -> None:
    write_safe_csv(handle, ICB_HEADER, [(nhs, day.isoformat()) for nhs, day in rows])


def record_identifier_export(session: Session, kind: str, requested_by: int, admins: Iterable[int],
                             period: Period, rows: int) -> None:
    """Refuse anyone but an admin; audit the export (who, which period, how many rows — never the identifiers)."""
    if role_of(session, requested_by, admins) != Role.ADMIN:
        raise NotAnAdmin(requested_by)
    audit(session, kind, requested_by, None, f"{period.start.isoformat()}..{period.end.isoformat()} rows={rows}")


def _iso(day: date | None) -> str:
    return day.isoformat() if day else ""

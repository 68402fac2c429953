"""Feedback to the person who made a referral: where it is now, in one line, without clinical detail."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from sqlmodel import Session

from casework.models import CLOSURE_LABELS, CaseStatus, Referral
from casework.referrals import get_referral, normalise_reference, what_was_done
from core.clock import local_time

ASK_REFERENCE = "Which referral? Send /status followed by its reference, for example /status SP-7K3Q9X."
NOT_YOURS = (
    "I couldn't find a referral you made with that reference. References look like SP-7K3Q9X and are in the message "
    "I sent when the referral went through."
)


def referrer_status(session: Session, reference: str, user_id: int, tz: ZoneInfo) -> str:
    """The status line for `/status SP-…`, only for the member of staff who made that referral (anyone else, and
    an unknown reference, get the same answer, so a reference can't be probed)."""
    if not reference.strip():
        return ASK_REFERENCE
    referral = get_referral(session, reference) if normalise_reference(reference) else None
    if referral is None or referral.referrer_user_id != user_id:
        return NOT_YOURS
    return status_line(session, referral, tz)


def status_line(session: Session, referral: Referral, tz: ZoneInfo) -> str:
    """'SP-…, received Mon 1 Dec: …' — what a referrer may know: picked up, in contact, closed and what was done."""
    received = local_time(referral.created_at, tz)
    head = f"{referral.reference}, received {received:%a} {received.day} {received:%b}"
    if referral.status == CaseStatus.NEW:
        return f"{head}: waiting for a link worker to pick it up."
    if referral.status == CaseStatus.CLAIMED:
        return f"{head}: a link worker has picked it up and will contact the patient."
    if referral.status == CaseStatus.CONTACTED:
        return f"{head}: a link worker is in contact with the patient."
    closed = local_time(referral.closed_at, tz) if referral.closed_at else received
    reason = CLOSURE_LABELS[referral.closure_reason].lower() if referral.closure_reason else "closed"
    return (f"{head}: closed on {closed:%a} {closed.day} {closed:%b} ({reason}); "
            f"{what_was_done(session, referral)}.")

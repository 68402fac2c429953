"""Data-protection jobs: retention (anonymise old closed cases, purge stale drafts) and a client's /forgetme."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import update
from sqlmodel import Session, delete, select

from casework.models import CaseEvent, CaseStatus, Referral, Signposting
from core.clock import utcnow
from core.dialogs import DialogState
from core.rate_limits import prune_idle_limits
from core.updates import prune_handled_updates
from scheduler.checkins import stop_client_checkins
from scheduler.models import FollowUp, FollowUpKind, FollowUpStatus, RetentionRun

log = logging.getLogger(__name__)
DAYS_PER_MONTH = 30.44
STALE_DRAFT_DAYS = 14


@dataclass(frozen=True)
class RetentionResult:
    anonymised_cases: int
    purged_drafts: int


def apply_retention(session: Session, retention_months: int) -> RetentionResult:
    """Anonymise cases closed more than `retention_months` ago; drop unfinished conversations older than 14 days,
    the record of updates handled more than a few days ago and flood counts idle for a day.

    Anonymised cases keep only what the statistics need (dates, reasons, ward, outcomes).
    """
    cutoff = utcnow() - timedelta(days=retention_months * DAYS_PER_MONTH)
    due = session.exec(
        select(Referral).where(
            Referral.status == CaseStatus.CLOSED,
            Referral.closed_at < cutoff,
            Referral.anonymised == False,  # noqa: E712
        )
    ).all()
    for referral in due:
        referral.client_initials = ""
        referral.hospital_ref_enc = referral.nhs_number_enc = referral.risks_enc = ""
        referral.hospital_ref_hash = None
        referral.anonymised = True
        session.add(referral)
        session.add(CaseEvent(referral_id=referral.id, kind="anonymised", detail=f"retention {retention_months}m"))
    if due:
        ids = [r.id for r in due]
        session.execute(update(Signposting).where(Signposting.referral_id.in_(ids)).values(client_chat_id=None))
    drafts = session.execute(
        delete(DialogState).where(DialogState.updated_at < utcnow() - timedelta(days=STALE_DRAFT_DAYS))
    ).rowcount
    session.add(
        RetentionRun(retention_months=retention_months, anonymised_cases=len(due), purged_drafts=drafts)
    )
    updates, limits = prune_handled_updates(session), prune_idle_limits(session, utcnow().timestamp())
    log.info("retention: %d cases anonymised, %d stale drafts purged, %d update ids and %d idle limits pruned",
             len(due), drafts, updates, limits)
    return RetentionResult(len(due), drafts)


def forget_client(session: Session, telegram_user_id: int) -> int:
    """Remove what we hold about a client who uses the bot: their check-ins, open conversations, searches state.

    Returns how many records were removed or unlinked. Zero-result searches were never linked to anyone.
    """
    unlinked = session.execute(
        update(Signposting).where(Signposting.client_chat_id == telegram_user_id).values(client_chat_id=None)
    ).rowcount
    cancelled = session.execute(
        update(FollowUp)
        .where(
            FollowUp.recipient_chat_id == telegram_user_id,
            FollowUp.kind == FollowUpKind.CLIENT_CHECK,
            FollowUp.status.in_([FollowUpStatus.PENDING, FollowUpStatus.SENT]),
        )
        .values(status=FollowUpStatus.CANCELLED, recipient_chat_id=None)
    ).rowcount
    dialogs = session.execute(delete(DialogState).where(DialogState.user_id == telegram_user_id)).rowcount
    checkins = stop_client_checkins(session, telegram_user_id)
    return unlinked + cancelled + dialogs + checkins

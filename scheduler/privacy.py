"""Data-protection jobs: retention (anonymise old closed cases, close and anonymise cases left open and untouched
after warning their owner, delete old search text, purge stale drafts) and a client's /forgetme."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, update
from sqlmodel import Session, col, delete, select

from casework.models import (
    CaseCard,
    CaseEvent,
    CaseStatus,
    ClosureReason,
    Referral,
    ReferralOn,
    Signposting,
    SupportPlan,
)
from core.clock import utcnow
from core.dialogs import DialogState
from core.preferences import forget_preferences
from core.rate_limits import prune_idle_limits
from core.settings import Settings
from core.updates import prune_handled_updates
from directory.models import UnmetSearch
from scheduler.checkins import stop_client_checkins, withdraw_referral_checkins
from scheduler.models import CLIENT_KINDS, ClientCheckin, FollowUp, FollowUpKind, FollowUpStatus, RetentionRun
from scheduler.planning import cancel_open_followups, ensure_followups
from scheduler.policy import FollowUpPolicy

log = logging.getLogger(__name__)
DAYS_PER_MONTH = 30.44
STALE_DRAFT_DAYS = 14
WARNED = "inactivity_warning"  # the case event that records the owner was warned (not itself activity)


def _default(name: str) -> int:
    return Settings.model_fields[name].default


@dataclass(frozen=True)
class RetentionRules:
    """How long things are kept besides closed cases (`RETENTION_MONTHS`); defaults are Settings' defaults."""

    inactive_case_months: int = _default("inactive_case_months")
    inactive_case_notice_days: int = _default("inactive_case_notice_days")
    search_retention_months: int = _default("search_retention_months")

    @classmethod
    def from_settings(cls, settings: Settings) -> RetentionRules:
        return cls(settings.inactive_case_months, settings.inactive_case_notice_days,
                   settings.search_retention_months)


@dataclass(frozen=True)
class RetentionResult:
    anonymised_cases: int
    purged_drafts: int
    purged_searches: int = 0
    warned_inactive: int = 0
    anonymised_inactive: int = 0


def _months_ago(now: datetime, months: int) -> datetime:
    return now - timedelta(days=months * DAYS_PER_MONTH)


def apply_retention(
    session: Session,
    retention_months: int,
    *,
    rules: RetentionRules = RetentionRules(),
    policy: FollowUpPolicy | None = None,
) -> RetentionResult:
    """One retention pass:

    - cases closed more than `retention_months` ago are anonymised: they keep only what statistics need (dates,
      reasons, ward, outcomes), and every chat id that could reach the client is erased;
    - open cases with nothing recorded for `inactive_case_months`: the owner (or the team) is warned; if still
      nothing is recorded `inactive_case_notice_days` later, the case is closed as inactive and anonymised;
    - unmet-need search text older than `search_retention_months` is deleted;
    - unfinished conversations older than 14 days are dropped, with the record of updates handled more than a few
      days ago and flood counts idle for a day.
    """
    now = utcnow()
    due = session.exec(
        select(Referral).where(
            Referral.status == CaseStatus.CLOSED,
            Referral.closed_at < _months_ago(now, retention_months),
            Referral.anonymised == False,  # noqa: E712
        )
    ).all()
    anonymise(session, due, f"retention {retention_months}m")
    warned, closed = _inactive_cases(session, now, rules, policy or FollowUpPolicy())
    searches = session.execute(
        delete(UnmetSearch).where(col(UnmetSearch.created_at) < _months_ago(now, rules.search_retention_months))
    ).rowcount
    drafts = session.execute(
        delete(DialogState).where(DialogState.updated_at < now - timedelta(days=STALE_DRAFT_DAYS))
    ).rowcount
    result = RetentionResult(len(due), drafts, searches, warned, closed)
    session.add(RetentionRun(retention_months=retention_months, anonymised_cases=len(due), purged_drafts=drafts,
                             purged_searches=searches, warned_inactive=warned, anonymised_inactive=closed))
    updates, limits = prune_handled_updates(session), prune_idle_limits(session, utcnow().timestamp())
    log.info("retention: %s; %d update ids and %d idle limits pruned", result, updates, limits)
    return result


def anonymise(session: Session, referrals: Sequence[Referral], detail: str) -> None:
    """Erase what identifies the client of these cases: identifiers, risks, and every chat id that reaches them."""
    for referral in referrals:
        referral.client_initials = ""
        referral.hospital_ref_enc = referral.nhs_number_enc = referral.risks_enc = referral.contact_phone_enc = ""
        referral.hospital_ref_hash = None
        referral.anonymised = True
        session.add(referral)
        session.add(CaseEvent(referral_id=referral.id, kind="anonymised", detail=detail))
    ids = [referral.id for referral in referrals]
    if not ids:
        return
    session.execute(update(Signposting).where(col(Signposting.referral_id).in_(ids)).values(client_chat_id=None))
    session.execute(update(ClientCheckin).where(col(ClientCheckin.referral_id).in_(ids)).values(client_chat_id=None))
    session.execute(
        update(FollowUp)
        .where(col(FollowUp.referral_id).in_(ids), col(FollowUp.kind).in_(list(CLIENT_KINDS)))
        .values(recipient_chat_id=None)
    )
    session.execute(delete(CaseCard).where(col(CaseCard.referral_id).in_(ids)))
    # what the client agreed to share with a service they were referred on to: the number, the need, the message
    session.execute(update(ReferralOn).where(col(ReferralOn.referral_id).in_(ids)).values(contact_details_enc="",
                                                                                           need=""))
    session.execute(
        update(FollowUp)
        .where(col(FollowUp.referral_id).in_(ids),
               col(FollowUp.kind).in_([FollowUpKind.PROVIDER_REFERRAL, FollowUpKind.PROVIDER_CHASE]))
        .values(body=None)
    )
    session.execute(delete(SupportPlan).where(col(SupportPlan.referral_id).in_(ids)))  # the client's own words


def _inactive_cases(session: Session, now: datetime, rules: RetentionRules, policy: FollowUpPolicy) -> tuple[int, int]:
    """Warn the owners of open cases untouched for `inactive_case_months`; close and anonymise those whose warning
    has gone unanswered for `inactive_case_notice_days`. Returns (warned, closed)."""
    activity = (
        select(CaseEvent.referral_id, func.max(CaseEvent.at).label("last"))
        .where(CaseEvent.kind != WARNED)
        .group_by(CaseEvent.referral_id)
        .subquery()
    )
    warnings = (
        select(CaseEvent.referral_id, func.max(CaseEvent.at).label("warned"))
        .where(CaseEvent.kind == WARNED)
        .group_by(CaseEvent.referral_id)
        .subquery()
    )
    last_activity = func.coalesce(activity.c.last, Referral.created_at)
    rows = session.exec(
        select(Referral, last_activity, warnings.c.warned)
        .outerjoin(activity, activity.c.referral_id == Referral.id)
        .outerjoin(warnings, warnings.c.referral_id == Referral.id)
        .where(Referral.status != CaseStatus.CLOSED, Referral.anonymised == False)  # noqa: E712
        .where(last_activity < _months_ago(now, rules.inactive_case_months))
    ).all()
    notice = timedelta(days=rules.inactive_case_notice_days)
    to_close: list[Referral] = []
    warned = 0
    for referral, last, warned_at in rows:
        if warned_at is None or warned_at < last:
            _warn_owner(session, referral, now, policy)
            warned += 1
        elif warned_at <= now - notice:
            to_close.append(referral)
    for referral in to_close:
        referral.status, referral.closure_reason, referral.closed_at = CaseStatus.CLOSED, ClosureReason.INACTIVE, now
        session.add(referral)
        session.add(CaseEvent(referral_id=referral.id, kind="closed", detail=ClosureReason.INACTIVE.value))
        assert referral.id is not None
        cancel_open_followups(session, referral.id, reason="closed as inactive")
        withdraw_referral_checkins(session, referral.id)
    anonymise(session, to_close, "inactive")
    return warned, len(to_close)


def _warn_owner(session: Session, referral: Referral, now: datetime, policy: FollowUpPolicy) -> None:
    assert referral.id is not None
    session.add(CaseEvent(referral_id=referral.id, kind=WARNED, at=now))
    ensure_followups(session, [FollowUp(
        dedupe_key=f"inactive:{referral.id}:{now:%Y%m%d}", kind=FollowUpKind.INACTIVITY_WARNING,
        referral_id=referral.id, due_at=policy.next_allowed_time(now),
    )])


def forget_client(session: Session, telegram_user_id: int, searcher: str = "") -> int:
    """Remove what we hold about a client who uses the bot: their check-ins (the chat id of answered ones too), open
    conversations, their language and carer-mode choices and, given their `searcher` pseudonym, the link
    between them and their past searches.

    Returns how many records were removed or unlinked.
    """
    unlinked = session.execute(
        update(Signposting).where(Signposting.client_chat_id == telegram_user_id).values(client_chat_id=None)
    ).rowcount
    cancelled = session.execute(
        update(FollowUp)
        .where(
            FollowUp.recipient_chat_id == telegram_user_id,
            col(FollowUp.kind).in_(list(CLIENT_KINDS)),
            col(FollowUp.status).in_([FollowUpStatus.PENDING, FollowUpStatus.SENT]),
        )
        .values(status=FollowUpStatus.CANCELLED, recipient_chat_id=None)
    ).rowcount
    erased = session.execute(
        update(FollowUp)
        .where(FollowUp.recipient_chat_id == telegram_user_id, col(FollowUp.kind).in_(list(CLIENT_KINDS)))
        .values(recipient_chat_id=None)
    ).rowcount
    dialogs = session.execute(delete(DialogState).where(DialogState.user_id == telegram_user_id)).rowcount
    checkins = stop_client_checkins(session, telegram_user_id)
    searches = (
        session.execute(update(UnmetSearch).where(UnmetSearch.searcher == searcher).values(searcher="")).rowcount
        if searcher
        else 0
    )
    preferences = forget_preferences(session, telegram_user_id)  # language, carer mode
    return unlinked + cancelled + erased + dialogs + checkins + searches + preferences

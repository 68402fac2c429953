"""The messages the provider loop owes, as outbox rows written in the same transaction as the change that owes them
(docs/delivery.md): a referral on to its service's providers (with a single chase), a provider's answer to the
case's link worker, a reported problem with a listing, and the periodic "is this still right?" checks with the
admins' list of those nobody answered.

All are sent at least once: a repeated referral, notice or check is harmless because every answer to them is
idempotent (the same answer twice changes nothing).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, col, select

from casework.models import ProviderUpdate, Referral, ReferralOn, Role, StaffUser
from casework.providers import providers_of, worker_notice
from core.clock import local_time, utcnow
from directory.listing import capacity_words, due_for_check, reopen_after_closures
from directory.models import Service
from scheduler.models import FollowUp, FollowUpKind, FollowUpStatus
from scheduler.outbox import owe
from scheduler.planning import ensure_followups
from scheduler.policy import FollowUpPolicy
from scheduler.recipients import case_owner, team_chat

LISTING_LINES_MAX = 30  # services named in one admin message; the rest are in /listings


def owe_referral_on(
    session: Session, referral_on: ReferralOn, referral: Referral, text: str, providers: Iterable[int],
    policy: FollowUpPolicy,
) -> list[FollowUp]:
    """The referral on to each of the service's providers now, and one chase each if nobody has answered after
    `provider_chase_working_days` working days."""
    assert referral_on.id is not None
    rows = []
    chase_at = policy.after_working_days(referral_on.created_at, policy.provider_chase_working_days)
    for chat_id in providers:
        stored = owe(session, FollowUpKind.PROVIDER_REFERRAL, chat_id, text,
                     dedupe_key=f"pv:{referral_on.id}:{chat_id}", referral_id=referral.id)
        stored.signposting_id = referral_on.signposting_id
        session.add(stored)
        rows.append(stored)
        chase = "Reminder: this referral has no answer yet. Please tap one of the answers below.\n\n" + text
        rows += ensure_followups(session, [FollowUp(
            dedupe_key=f"pvchase:{referral_on.id}:{chat_id}", kind=FollowUpKind.PROVIDER_CHASE, referral_id=referral.id,
            signposting_id=referral_on.signposting_id, recipient_chat_id=chat_id, due_at=chase_at, body=chase[:4096],
        )])
    return rows


def owe_answer_to_worker(
    session: Session, referral: Referral, referral_on: ReferralOn, answer: ProviderUpdate, service_name: str,
    policy: FollowUpPolicy,
) -> FollowUp | None:
    """The provider's answer to the case's link worker (the team chat when nobody holds the case), at once; and
    no chase for a referral on that has been answered."""
    assert referral_on.id is not None
    _cancel(session, "provider answered", FollowUp.kind == FollowUpKind.PROVIDER_CHASE,
            FollowUp.signposting_id == referral_on.signposting_id)
    chat_id = case_owner(referral) or team_chat(policy)
    if chat_id is None:
        return None
    return owe(session, FollowUpKind.PROVIDER_ANSWER, chat_id, worker_notice(referral, referral_on, service_name),
               dedupe_key=f"pvans:{answer.id}", referral_id=referral.id)


def owe_listing_problem(
    session: Session, service: Service, problem: str, reporter: str, today: date, policy: FollowUpPolicy
) -> list[FollowUp]:
    """A reported problem with a listing, to its providers as a listing check (with 'Yes, still right' and a field
    to fix; unanswered, it reaches the admins' list like any check), or to the admins when it has no provider. One
    per reporter per listing per day (`reporter` is a pseudonym, never who they are)."""
    providers = providers_of(session, service.organisation_id)
    heading = f"Someone using Signpost reported a problem with the listing '{service.name}' ({service.id}): {problem}."
    if providers:
        kind, text = FollowUpKind.LISTING_CHECK, f"{heading}\n\n{listing_text(service)}"
    else:
        kind, text = FollowUpKind.LISTING_PROBLEM, f"{heading}\nIt has no provider on Signpost: please check it."
    rows = []
    for chat_id in providers or list(policy.admin_chat_ids):
        row = owe(session, kind, chat_id, text[:4096],
                  dedupe_key=f"problem:{service.id}:{reporter}:{today.isoformat()}:{chat_id}"[:120])
        row.service_id = service.id
        session.add(row)
        rows.append(row)
    return rows


# --- listing checks -----------------------------------------------------------------------------------------

@dataclass
class ListingPass:
    """What one listing-check pass did."""

    asked: list[str] = field(default_factory=list)  # service ids whose providers were asked
    overdue: list[str] = field(default_factory=list)  # service ids put on the admins' list
    reopened: list[str] = field(default_factory=list)  # services whose "closed until" date passed


def listing_text(service: Service) -> str:
    """The listing's key fields, for "Is this still right?"."""
    verified = f"{service.last_verified:%d/%m/%Y}" if service.last_verified else "never"
    lines = [
        f"Is this still right? Your listing on Signpost: {service.name}",
        f"Phone: {service.phone or '—'}",
        f"Email: {service.email or '—'}",
        f"Website: {service.url or '—'}",
        f"Opening times: {service.opening_hours or '—'}",
        f"Taking people on: {capacity_words(service.capacity_status, service.waiting_weeks, service.closed_until)}",
        f"Last checked: {verified}",
        "",
        "Tap 'Yes, still right', or a field to fix. (/capacity changes whether you're taking people on.)",
    ]
    return "\n".join(lines)


def plan_listing_checks(session: Session, policy: FollowUpPolicy, now: datetime) -> ListingPass:
    """Ask the providers of every listing not verified for `listing_check_months` whether it is still right, once
    per listing state; put listings whose check went unanswered for `listing_check_answer_days` on the admins'
    list (one message to each admin); reopen services whose closure date has passed."""
    today = local_time(now, policy.tz).date()
    done = ListingPass(reopened=reopen_after_closures(session, today))
    organisations = list(session.exec(
        select(StaffUser.organisation_id).where(StaffUser.role == Role.PROVIDER, StaffUser.active == True,  # noqa: E712
                                                col(StaffUser.organisation_id).is_not(None)).distinct()
    ).all())
    candidates = []
    for service in due_for_check(session, today, policy.listing_check_months, [o for o in organisations if o]):
        for chat_id in providers_of(session, service.organisation_id):
            cycle = service.last_verified.isoformat() if service.last_verified else "never"
            candidates.append(FollowUp(
                dedupe_key=f"listing:{service.id}:{cycle}:{chat_id}"[:120], kind=FollowUpKind.LISTING_CHECK,
                service_id=service.id, recipient_chat_id=chat_id, due_at=policy.next_allowed_time(now),
                body=listing_text(service)))
    known = {row.dedupe_key for row in session.exec(
        select(FollowUp).where(col(FollowUp.dedupe_key).in_([c.dedupe_key for c in candidates]))).all()}
    ensure_followups(session, candidates)
    done.asked = sorted({c.service_id for c in candidates if c.dedupe_key not in known and c.service_id})
    done.overdue = _escalate_unanswered_checks(session, policy, now)
    return done


def _escalate_unanswered_checks(session: Session, policy: FollowUpPolicy, now: datetime) -> list[str]:
    stale = session.exec(
        select(FollowUp).where(
            FollowUp.kind == FollowUpKind.LISTING_CHECK, FollowUp.status == FollowUpStatus.SENT,
            col(FollowUp.escalated_at).is_(None),
            col(FollowUp.sent_at) <= now - timedelta(days=policy.listing_check_answer_days),
        ).order_by(col(FollowUp.service_id))
    ).all()
    if not stale:
        return []
    services = sorted({row.service_id for row in stale if row.service_id})
    for row in stale:
        row.escalated_at = now
        session.add(row)
    names = dict(session.exec(select(Service.id, Service.name).where(col(Service.id).in_(services))).all())
    lines = [f"– {names.get(sid, sid)} ({sid})" for sid in services[:LISTING_LINES_MAX]]
    hidden = len(services) - LISTING_LINES_MAX
    more = [f"…and {hidden} more: see /listings."] if hidden > 0 else []
    text = "\n".join([f"Listings whose providers didn't answer 'Is this still right?' within "
                      f"{policy.listing_check_answer_days} days ({len(services)}):", *lines, *more,
                      "", "Send /listings for every listing that needs checking."])
    for chat_id in policy.admin_chat_ids:
        row = FollowUp(dedupe_key=f"listing-overdue:{now:%Y%m%d%H%M%S}:{chat_id}:{services[0]}"[:120],
                       kind=FollowUpKind.LISTING_OVERDUE, recipient_chat_id=chat_id, due_at=now, body=text[:4096])
        ensure_followups(session, [row])
    return services


def close_listing_checks(session: Session, service_id: str, answer: str) -> int:
    """A provider answered one check of a listing: every open check of it (to colleagues too) is settled."""
    now = utcnow()
    result = session.execute(
        update(FollowUp)
        .where(FollowUp.kind == FollowUpKind.LISTING_CHECK, FollowUp.service_id == service_id,
               col(FollowUp.status).in_([FollowUpStatus.PENDING, FollowUpStatus.SENT]))
        .values(status=FollowUpStatus.ANSWERED, answer=answer[:32], answered_at=now)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount


def _cancel(session: Session, reason: str, *criteria: object) -> int:
    result = session.execute(
        update(FollowUp)
        .where(FollowUp.status == FollowUpStatus.PENDING, *criteria)  # type: ignore[arg-type]
        .values(status=FollowUpStatus.CANCELLED, last_error=reason)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount

"""Messages about other follow-ups (failures, unanswered prompts, client answers), written as follow-up rows.

Because notices are rows too they are durable, retried and never sent twice, exactly like prompts.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence

from sqlmodel import Session

from casework.models import Referral, Signposting
from core.clock import utcnow
from scheduler.admin import describe_failed
from scheduler.messages import BLOCKED, interrupted_digest
from scheduler.models import CLIENT_KINDS, NOTICE_KINDS, FollowUp, FollowUpKind
from scheduler.planning import ensure_followups
from scheduler.policy import FollowUpPolicy
from scheduler.recipients import case_owner, team_chat


def add_notices(
    session: Session,
    kind: FollowUpKind,
    about: FollowUp,
    chat_ids: Iterable[int | None],
    policy: FollowUpPolicy,
    *,
    once_per: str | None = None,
) -> list[FollowUp]:
    """One `kind` notice about `about` per chat, due as soon as prompts are allowed. Idempotent per chat, and per
    `once_per` when given (e.g. one notice per case however many of its rows failed the same way)."""
    due = policy.next_allowed_time(utcnow())
    notices = [
        FollowUp(
            dedupe_key=f"{kind.value}:{once_per or about.id}:{chat_id}",
            kind=kind,
            referral_id=about.referral_id,
            signposting_id=about.signposting_id,
            about_id=about.id,
            recipient_chat_id=chat_id,
            due_at=due,
        )
        for chat_id in dict.fromkeys(chat_ids)
        if chat_id is not None
    ]
    return ensure_followups(session, notices)


def notify_failure(session: Session, failed: FollowUp, policy: FollowUpPolicy) -> list[FollowUp]:
    """Tell admins a follow-up was not delivered; a client who blocked the bot is reported to their link worker."""
    if failed.kind in NOTICE_KINDS:
        return []  # a notice about a notice could loop; failed notices stay visible in the admin list
    if failed.kind in CLIENT_KINDS and failed.last_error == BLOCKED:
        # Several of the client's messages (a check-in, a wellbeing question) may fail at once: tell the worker once
        return add_notices(session, FollowUpKind.FAILURE_NOTICE, failed, [_owner_of(session, failed)], policy,
                           once_per=f"blocked:{failed.referral_id}")
    return add_notices(session, FollowUpKind.FAILURE_NOTICE, failed, policy.admin_chat_ids, policy)


def report_interrupted(session: Session, interrupted: Sequence[FollowUp], policy: FollowUpPolicy) -> list[FollowUp]:
    """One digest per admin naming every prompt a crash left mid-send (not one notice per prompt)."""
    if not interrupted:
        return []
    ids = [followup.id for followup in interrupted if followup.id is not None]
    text = interrupted_digest(describe_failed(session, list(interrupted), policy), ids)
    batch, due = secrets.token_hex(6), policy.next_allowed_time(utcnow())
    digests = [
        FollowUp(dedupe_key=f"digest:{batch}:{chat_id}", kind=FollowUpKind.FAILURE_DIGEST, recipient_chat_id=chat_id,
                 due_at=due, body=text)
        for chat_id in dict.fromkeys(policy.admin_chat_ids)
    ]
    return ensure_followups(session, digests)


def escalate_unanswered(session: Session, prompt: FollowUp, policy: FollowUpPolicy) -> list[FollowUp]:
    """A prompt asked twice without an answer: the team hears about worker prompts, the link worker about clients."""
    recipient = _owner_of(session, prompt) if prompt.kind == FollowUpKind.CLIENT_CHECK else team_chat(policy)
    return add_notices(session, FollowUpKind.UNANSWERED_ESCALATION, prompt, [recipient], policy)


def relay_client_answer(session: Session, check: FollowUp, policy: FollowUpPolicy) -> list[FollowUp]:
    """Pass a client's check-in answer to the link worker who owns the case."""
    return add_notices(session, FollowUpKind.CLIENT_REPLY, check, [_owner_of(session, check)], policy)


def _owner_of(session: Session, followup: FollowUp) -> int | None:
    referral = session.get(Referral, followup.referral_id) if followup.referral_id else None
    signposting = session.get(Signposting, followup.signposting_id) if followup.signposting_id else None
    return case_owner(referral, signposting) if referral else None

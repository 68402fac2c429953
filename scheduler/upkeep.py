"""Housekeeping between sends: rows left mid-send by a crash, and prompts nobody has answered."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, col, select

from scheduler.messages import INTERRUPTED
from scheduler.models import PROMPT_KINDS, FollowUp, FollowUpStatus
from scheduler.notices import escalate_unanswered, notify_failure
from scheduler.policy import FollowUpPolicy

_PROMPTS = [kind.value for kind in PROMPT_KINDS]


def recover_interrupted(session: Session, policy: FollowUpPolicy, now: datetime) -> list[int]:
    """Rows still SENDING after their lease ran out: the dispatcher died between claiming and recording.

    We cannot know whether Telegram delivered the message, so we neither drop it silently nor send it again
    (which could double-send): it is marked FAILED as "interrupted; may not have been delivered" and admins are
    told, so a person can check. At-most-once delivery, always visible.
    """
    ids = _update_returning_ids(
        session,
        update(FollowUp)
        .where(FollowUp.status == FollowUpStatus.SENDING, col(FollowUp.locked_until) < now)
        .values(status=FollowUpStatus.FAILED, last_error=INTERRUPTED, locked_by=None, locked_until=None),
    )
    for followup in _rows(session, ids):
        notify_failure(session, followup, policy)
    return ids


def sweep_unanswered(session: Session, policy: FollowUpPolicy, now: datetime) -> tuple[int, int]:
    """Re-send prompts unanswered for `unanswered_after_days` once; after the re-send, escalate them.

    Returns (re-sent, escalated).
    """
    stale = (
        col(FollowUp.kind).in_(_PROMPTS),
        FollowUp.status == FollowUpStatus.SENT,
        col(FollowUp.sent_at) <= now - timedelta(days=policy.unanswered_after_days),
    )
    resent = _update_returning_ids(
        session,
        update(FollowUp)
        .where(*stale, FollowUp.resends == 0)
        .values(status=FollowUpStatus.PENDING, resends=1, attempts=0, due_at=policy.next_allowed_time(now)),
    )
    escalated = _update_returning_ids(
        session,
        update(FollowUp)
        .where(*stale, FollowUp.resends >= 1, col(FollowUp.escalated_at).is_(None))
        .values(escalated_at=now),
    )
    for prompt in _rows(session, escalated):
        escalate_unanswered(session, prompt, policy)
    return len(resent), len(escalated)


def _update_returning_ids(session: Session, statement) -> list[int]:  # type: ignore[no-untyped-def]
    """Run a conditional UPDATE and return the ids it changed (atomic on both backends)."""
    result = session.execute(statement.returning(FollowUp.id).execution_options(synchronize_session=False))
    return list(result.scalars())


def _rows(session: Session, ids: list[int]) -> list[FollowUp]:
    if not ids:
        return []
    query = select(FollowUp).where(col(FollowUp.id).in_(ids)).order_by(col(FollowUp.id))
    return list(session.exec(query.execution_options(populate_existing=True)).all())

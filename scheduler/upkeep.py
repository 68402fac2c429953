"""Housekeeping between sends: rows left mid-send by a crash, and prompts nobody has answered."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, col, select

from scheduler.messages import INTERRUPTED
from scheduler.models import AT_MOST_ONCE, PROMPT_KINDS, FollowUp, FollowUpStatus
from scheduler.notices import escalate_unanswered, report_interrupted
from scheduler.policy import FollowUpPolicy

_PROMPTS = [kind.value for kind in PROMPT_KINDS]
_AT_MOST_ONCE = [kind.value for kind in AT_MOST_ONCE]


@dataclass
class Recovered:
    """What a crash left behind, by what happened to it."""

    requeued: list[int] = field(default_factory=list)  # claimed but never handed to Telegram: back in the queue
    resent: list[int] = field(default_factory=list)  # at-least-once messages caught mid-send: sent again
    interrupted: list[int] = field(default_factory=list)  # prompts caught mid-send: failed, admins told in a digest


def recover_interrupted(session: Session, policy: FollowUpPolicy, now: datetime) -> Recovered:
    """Rows whose dispatcher's lease ran out (the process died, or lost the database) are settled by their state.

    CLAIMED rows never reached Telegram: they simply go back to the queue. SENDING rows were in Telegram's hands,
    so we cannot know whether they arrived. An at-least-once message (a notice, reminder, team post) is sent again:
    a repeat is harmless. An answerable prompt is sent at most once, so it is neither sent again nor dropped
    silently: it is marked FAILED ("interrupted; may not have been delivered") and admins get one digest naming
    them all (`/retryfollowup all` sends them again).
    """
    expired = (col(FollowUp.locked_until) < now,)
    released = {"status": FollowUpStatus.PENDING, "locked_by": None, "locked_until": None}
    recovered = Recovered(
        requeued=_update_returning_ids(
            session,
            update(FollowUp).where(FollowUp.status == FollowUpStatus.CLAIMED, *expired).values(**released),
        ),
        resent=_update_returning_ids(
            session,
            update(FollowUp)
            .where(FollowUp.status == FollowUpStatus.SENDING, col(FollowUp.kind).not_in(_AT_MOST_ONCE), *expired)
            .values(attempts=FollowUp.attempts + 1, last_error=INTERRUPTED, **released),
        ),
        interrupted=_update_returning_ids(
            session,
            update(FollowUp)
            .where(FollowUp.status == FollowUpStatus.SENDING, col(FollowUp.kind).in_(_AT_MOST_ONCE), *expired)
            .values(status=FollowUpStatus.FAILED, last_error=INTERRUPTED, locked_by=None, locked_until=None),
        ),
    )
    report_interrupted(session, _rows(session, recovered.interrupted), policy)
    return recovered


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

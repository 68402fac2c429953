"""What admins see of follow-ups that could not be delivered, and putting one back in the queue."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import update
from sqlmodel import Session, col, select

from casework.models import Referral
from core.clock import utcnow
from scheduler.messages import KIND_LABELS, day_label
from scheduler.models import FollowUp, FollowUpStatus
from scheduler.policy import FollowUpPolicy


def failed_followups(session: Session, limit: int = 20) -> list[FollowUp]:
    """The most recent failed follow-ups, newest first."""
    query = (
        select(FollowUp).where(FollowUp.status == FollowUpStatus.FAILED).order_by(col(FollowUp.id).desc()).limit(limit)
    )
    return list(session.exec(query).all())


def describe_failed(session: Session, failed: list[FollowUp], policy: FollowUpPolicy) -> list[str]:
    """One line each, by reference and id only: '#12 SP-7K3Q9X, engagement check (due Tue 4 Mar): <reason>'."""
    referral_ids = {row.referral_id for row in failed if row.referral_id is not None}
    references = dict(
        session.exec(select(Referral.id, Referral.reference).where(col(Referral.id).in_(referral_ids))).all()
    )
    return [
        f"#{row.id} {references.get(row.referral_id, '?')}, {KIND_LABELS[row.kind]} "
        f"(due {day_label(row.due_at, policy.tz)}): {row.last_error or 'unknown error'}"
        for row in failed
    ]


def retry_failed_followup(session: Session, followup_id: int, policy: FollowUpPolicy) -> bool:
    """Queue a failed follow-up again (fresh attempts, at the next allowed time). False if it isn't failed."""
    return retry_failed_followups(session, [followup_id], policy) == 1


def retry_failed_followups(session: Session, followup_ids: Iterable[int] | None, policy: FollowUpPolicy) -> int:
    """Queue these failed follow-ups again (None: every failed one); returns how many. Others are left alone."""
    chosen = () if followup_ids is None else (col(FollowUp.id).in_(list(followup_ids)),)
    result = session.execute(
        update(FollowUp)
        .where(FollowUp.status == FollowUpStatus.FAILED, *chosen)
        .values(status=FollowUpStatus.PENDING, attempts=0, last_error=None,
                due_at=policy.next_allowed_time(utcnow()))
        .execution_options(synchronize_session=False)
    )
    return result.rowcount

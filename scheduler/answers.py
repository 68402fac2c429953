"""Recording a tap on a follow-up button: ownership, staleness and double taps are all handled here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import update
from sqlmodel import Session, col

from casework.models import CaseEvent, Signposting
from core.clock import utcnow
from scheduler import messages
from scheduler.models import PROMPT_KINDS, FollowUp, FollowUpKind, FollowUpStatus
from scheduler.notices import relay_client_answer
from scheduler.outcome_checks import record_client_answer, valid_answer
from scheduler.planning import ensure_followups
from scheduler.policy import FollowUpPolicy

# A prompt stays answerable while its message is out, including while a reminder copy is queued or going out.
ANSWERABLE = (FollowUpStatus.SENT, FollowUpStatus.PENDING, FollowUpStatus.SENDING)


class AnswerOutcome(StrEnum):
    RECORDED = "recorded"
    ALREADY_ANSWERED = "already_answered"  # a double tap or an old copy of the prompt: nothing changes
    EXPIRED = "expired"  # unknown, forged, someone else's, cancelled or not a valid answer: nothing changes


@dataclass(frozen=True)
class AnswerResult:
    outcome: AnswerOutcome
    message: str  # a short note for the person who tapped
    answered_line: str | None = None  # shown under the prompt once it is answered
    remind_at: datetime | None = None  # when a "not yet" will ask again


def record_answer(
    session: Session, followup_id: int, telegram_user_id: int, answer: str, policy: FollowUpPolicy
) -> AnswerResult:
    """Record `answer` to a prompt sent to `telegram_user_id`; idempotent, and only the recipient may answer."""
    followup = session.get(FollowUp, followup_id)
    if followup is None or not _valid(followup, telegram_user_id, answer):
        return AnswerResult(AnswerOutcome.EXPIRED, messages.EXPIRED_BUTTON)
    if followup.status == FollowUpStatus.ANSWERED:
        return _already(followup)
    if followup.status not in ANSWERABLE or followup.sent_at is None:
        return AnswerResult(AnswerOutcome.EXPIRED, messages.EXPIRED_BUTTON)
    now = utcnow()
    claimed = session.execute(
        update(FollowUp)
        .where(FollowUp.id == followup_id, col(FollowUp.status).in_([status.value for status in ANSWERABLE]))
        .values(status=FollowUpStatus.ANSWERED, answer=answer, answered_at=now, locked_by=None, locked_until=None)
        .execution_options(synchronize_session=False)
    )
    session.refresh(followup)
    if claimed.rowcount != 1:  # a simultaneous tap won
        return _already(followup)
    if followup.kind == FollowUpKind.OUTCOME_CHECK:
        return AnswerResult(AnswerOutcome.RECORDED, "Thank you!", record_client_answer(session, followup))
    if followup.kind == FollowUpKind.CLIENT_CHECK:
        return _client_answered(session, followup, policy)
    return _worker_answered(session, followup, telegram_user_id, policy)


def _valid(followup: FollowUp, telegram_user_id: int, answer: str) -> bool:
    if followup.recipient_chat_id != telegram_user_id:
        return False
    if followup.kind == FollowUpKind.OUTCOME_CHECK:
        return valid_answer(answer)
    choices = messages.CLIENT_ANSWERS if followup.kind == FollowUpKind.CLIENT_CHECK else messages.ENGAGEMENT_ANSWERS
    return followup.kind in PROMPT_KINDS and answer in choices


def _worker_answered(session: Session, followup: FollowUp, actor: int, policy: FollowUpPolicy) -> AnswerResult:
    assert followup.answer is not None and followup.referral_id is not None and followup.answered_at is not None
    if followup.answer == messages.SNOOZE:
        remind_at = policy.after_days(followup.answered_at, policy.snooze_days)
        ensure_followups(session, [FollowUp(
            dedupe_key=f"later:{followup.id}", kind=FollowUpKind.ENGAGEMENT_CHECK, referral_id=followup.referral_id,
            signposting_id=followup.signposting_id, sequence=followup.sequence, due_at=remind_at,
        )])
        line = messages.answered_line(followup.kind, followup.answer, messages.day_label(remind_at, policy.tz))
        _audit(session, followup, actor, "engagement_snoozed")
        return AnswerResult(AnswerOutcome.RECORDED, "OK, I'll ask again later.", line, remind_at)
    engagement = messages.ENGAGEMENT_ANSWERS[followup.answer][1]
    signposting = session.get(Signposting, followup.signposting_id)
    if signposting is not None and engagement is not None:
        signposting.engagement, signposting.engagement_at = engagement, followup.answered_at
        session.add(signposting)
        _audit(session, followup, actor, "engagement", f"{signposting.service_id}: {engagement}")
    line = messages.answered_line(followup.kind, followup.answer)
    return AnswerResult(AnswerOutcome.RECORDED, "Thanks, recorded.", line)


def _client_answered(session: Session, followup: FollowUp, policy: FollowUpPolicy) -> AnswerResult:
    assert followup.answer is not None
    relay_client_answer(session, followup, policy)
    _audit(session, followup, None, "client_checkin_answer", followup.answer)
    return AnswerResult(AnswerOutcome.RECORDED, "Thank you!", messages.answered_line(followup.kind, followup.answer))


def _already(followup: FollowUp) -> AnswerResult:
    answer = followup.answer or ""
    if followup.kind == FollowUpKind.OUTCOME_CHECK:
        return AnswerResult(AnswerOutcome.ALREADY_ANSWERED, "Already answered, thank you.")
    line = messages.answered_line(followup.kind, answer) if answer else None
    label = messages.CLIENT_ANSWERS.get(answer) or messages.ENGAGEMENT_ANSWERS.get(answer, (answer, None))[0]
    return AnswerResult(AnswerOutcome.ALREADY_ANSWERED, f"Already answered: {label}.", line)


def _audit(session: Session, followup: FollowUp, actor: int | None, kind: str, detail: str = "") -> None:
    if followup.referral_id is not None:
        session.add(CaseEvent(referral_id=followup.referral_id, actor_user_id=actor, kind=kind, detail=detail[:200]))

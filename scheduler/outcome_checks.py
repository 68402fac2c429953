"""ONS4 asked by the bot to clients who opted in to check-ins: one question per message, the next owed the moment
one is answered (an outbox row in the answer's own transaction), skipping always one tap.

Asked when the client opts in (the first-contact answers, unless the link worker already recorded them), when the
case closes as engaged, and — with `OUTCOME_FOLLOWUP_REMINDERS` — 3 and 6 months after closure. The rows keep the
client's chat id after the case's check-in opt-in ends at closure, so /stopcheckins, /forgetme, a blocked bot and
anonymisation cancel them and erase it (`scheduler.models.CLIENT_KINDS`).
"""

from __future__ import annotations

from datetime import datetime

from dateutil.relativedelta import relativedelta
from sqlmodel import Session

from casework.models import ClosureReason, Referral
from casework.outcomes import CLIENT, FOLLOW_UP_MONTHS, ONS4, ONS4_MEASURE, TIMEPOINTS, answered, record_answer
from core.clock import utcnow
from scheduler import messages
from scheduler.models import FollowUp, FollowUpKind
from scheduler.outbox import OWED
from scheduler.planning import ensure_followups
from scheduler.policy import FollowUpPolicy

_TIMEPOINT_KEYS = list(TIMEPOINTS)
_STEP = 100  # `sequence` = time point index * 100 + question index
WHEN = {"first_contact": "As your support begins", "closure": "As your support ends",
        "3_months": "It's 3 months since your support ended", "6_months": "It's 6 months since your support ended"}


def sequence_of(timepoint: str, item: int) -> int:
    return _TIMEPOINT_KEYS.index(timepoint) * _STEP + item


def parts_of(sequence: int) -> tuple[str, int]:
    """(time point, question index) of an outcome question's `sequence`."""
    return _TIMEPOINT_KEYS[sequence // _STEP], sequence % _STEP


def question_row(referral_id: int, chat_id: int, timepoint: str, item: int, due: datetime) -> FollowUp:
    return FollowUp(dedupe_key=f"ons4:{referral_id}:{timepoint}:{item}", kind=FollowUpKind.OUTCOME_CHECK,
                    referral_id=referral_id, recipient_chat_id=chat_id, sequence=sequence_of(timepoint, item),
                    due_at=due)


def plan_on_opt_in(session: Session, referral: Referral, chat_id: int, policy: FollowUpPolicy) -> list[FollowUp]:
    """A client just opted in: the first-contact questions, unless they were already recorded."""
    assert referral.id is not None
    if answered(session, referral.id, ONS4, "first_contact"):
        return []
    now = utcnow()
    rows = ensure_followups(session, [question_row(referral.id, chat_id, "first_contact", 0,
                                                   policy.next_allowed_time(now))])
    if rows and rows[0].due_at <= now:  # outside quiet hours: right after the "you're all set" reply
        session.info.setdefault(OWED, []).append(rows[0].id)
    return rows


def plan_on_closure(session: Session, referral: Referral, chat_id: int | None, policy: FollowUpPolicy
                    ) -> list[FollowUp]:
    """A case closed as engaged whose client had opted in: the closure questions now (outside quiet hours) and, if
    the deployment follows up, again at 3 and 6 months."""
    if chat_id is None or referral.closure_reason != ClosureReason.ENGAGED or referral.closed_at is None:
        return []
    assert referral.id is not None
    rows = [question_row(referral.id, chat_id, "closure", 0, policy.next_allowed_time(referral.closed_at))]
    if policy.outcome_reminders:
        rows += [question_row(referral.id, chat_id, timepoint, 0,
                              policy.next_allowed_time(referral.closed_at + relativedelta(months=months)))
                 for timepoint, months in FOLLOW_UP_MONTHS.items()]
    return ensure_followups(session, rows)


def record_client_answer(session: Session, followup: FollowUp) -> str:
    """Store the client's answer to one question and owe them the next one now; the line shown under it."""
    assert followup.answer is not None and followup.referral_id is not None
    referral = session.get(Referral, followup.referral_id)
    timepoint, item = parts_of(followup.sequence)
    last = item + 1 >= len(ONS4_MEASURE.items)
    if referral is not None and not referral.anonymised:
        record_answer(session, referral, ONS4, timepoint, item, messages.outcome_score(followup.answer), CLIENT,
                      None)
        if not last and followup.recipient_chat_id is not None:
            [owed] = ensure_followups(session, [question_row(followup.referral_id, followup.recipient_chat_id,
                                                             timepoint, item + 1, utcnow())])
            session.info.setdefault(OWED, []).append(owed.id)  # sent straight after this answer commits
    return messages.outcome_answered_line(followup.answer, last)


def valid_answer(code: str) -> bool:
    try:
        messages.outcome_score(code)
    except ValueError:
        return False
    return True

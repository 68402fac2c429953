"""Creating and cancelling follow-up rows. Called by casework inside its own transaction; pure database writes.

Every row has a `dedupe_key`, and inserts ignore keys that already exist, so planning twice (or in two processes at
once) never creates a second prompt.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta
from sqlalchemy import update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from casework.models import CaseStatus, ClosureReason, ContactRoute, Referral, Signposting, Urgency
from core.clock import utcnow
from scheduler.models import ENDS_WITH_CASE, ClientCheckin, FollowUp, FollowUpKind, FollowUpStatus
from scheduler.policy import FollowUpPolicy

CLIENT_CHECK_MIN_NOTICE = timedelta(days=1)


def ensure_followups(session: Session, candidates: Sequence[FollowUp]) -> list[FollowUp]:
    """Insert the candidates whose `dedupe_key` is new; return the stored rows for all their keys, by due time."""
    if not candidates:
        return []
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    rows = [candidate.model_dump(exclude={"id"}) for candidate in candidates]
    session.execute(insert(FollowUp).values(rows).on_conflict_do_nothing(index_elements=["dedupe_key"]))
    keys = [candidate.dedupe_key for candidate in candidates]
    stored = session.exec(select(FollowUp).where(col(FollowUp.dedupe_key).in_(keys)).order_by(col(FollowUp.due_at)))
    return list(stored.all())


def plan_referral_followups(session: Session, referral: Referral, policy: FollowUpPolicy) -> list[FollowUp]:
    """First-contact reminder and escalation for a new referral, timed by its urgency and discharge date."""
    if referral.status == CaseStatus.CLOSED or referral.first_contact_at is not None:
        return []
    referral_id = _saved_id(session, referral)
    reminder_at, escalation_at = policy.first_contact_times(
        referral.created_at, referral.urgency, seen_before_discharge(referral)
    )
    return ensure_followups(session, [
        FollowUp(dedupe_key=f"fc:{referral_id}:reminder", kind=FollowUpKind.FIRST_CONTACT_REMINDER,
                 referral_id=referral_id, due_at=reminder_at),
        FollowUp(dedupe_key=f"fc:{referral_id}:escalation", kind=FollowUpKind.FIRST_CONTACT_ESCALATION,
                 referral_id=referral_id, due_at=escalation_at),
    ])


def seen_before_discharge(referral: Referral) -> date | None:
    """The discharge date the first contact must beat: for "Before discharge" referrals, and for any referral whose
    contact is a ward visit (impossible once the patient has gone home). None when it does not matter."""
    if referral.urgency == Urgency.SOON or referral.contact_route == ContactRoute.WARD_VISIT:
        return referral.expected_discharge
    return None


def plan_signposting_followups(
    session: Session, signposting: Signposting, referral: Referral, policy: FollowUpPolicy
) -> list[FollowUp]:
    """Engagement checks for a new signposting, plus a client check-in when the client has opted in."""
    if referral.status == CaseStatus.CLOSED:
        return []
    signposting_id = _saved_id(session, signposting)
    case_start = referral.claimed_at or referral.created_at
    candidates = [
        FollowUp(dedupe_key=f"eng:{signposting_id}:{sequence}", kind=FollowUpKind.ENGAGEMENT_CHECK,
                 referral_id=referral.id, signposting_id=signposting_id, sequence=sequence, due_at=due)
        for sequence, due in policy.engagement_check_times(signposting.created_at, case_start)
    ]
    checkin = active_checkin(session, referral.id) if referral.id is not None else None
    if checkin is not None and signposting.client_chat_id is None:
        signposting.client_chat_id = checkin.client_chat_id
        session.add(signposting)
    if signposting.client_chat_id is not None:
        candidates.append(_client_check(signposting, checkin, policy))
    return ensure_followups(session, candidates)


def plan_client_checks(session: Session, checkin: ClientCheckin, policy: FollowUpPolicy) -> list[FollowUp]:
    """After a client opts in: point the case's signpostings at their chat and schedule a check-in for each."""
    signpostings = session.exec(select(Signposting).where(Signposting.referral_id == checkin.referral_id)).all()
    for signposting in signpostings:
        signposting.client_chat_id = checkin.client_chat_id
        session.add(signposting)
    return ensure_followups(session, [_client_check(signposting, checkin, policy) for signposting in signpostings])


def active_checkin(session: Session, referral_id: int) -> ClientCheckin | None:
    """The client's current opt-in for this referral, if any."""
    return session.exec(
        select(ClientCheckin)
        .where(
            ClientCheckin.referral_id == referral_id,
            col(ClientCheckin.redeemed_at).is_not(None),
            col(ClientCheckin.withdrawn_at).is_(None),
        )
        .order_by(col(ClientCheckin.redeemed_at).desc())
    ).first()


def cancel_open_followups(
    session: Session, referral_id: int, kinds: Iterable[FollowUpKind] | None = None, reason: str = "case closed"
) -> int:
    """Cancel follow-ups not yet sent for a referral (by default every kind except reports already made)."""
    return cancel_where(session, reason, kinds, FollowUp.referral_id == referral_id)


def cancel_where(session: Session, reason: str, kinds: Iterable[FollowUpKind] | None, *criteria: object) -> int:
    """Cancel pending follow-ups of `kinds` matching `criteria`; returns how many."""
    chosen = [kind.value for kind in (kinds if kinds is not None else ENDS_WITH_CASE)]
    result = session.execute(
        update(FollowUp)
        .where(FollowUp.status == FollowUpStatus.PENDING, col(FollowUp.kind).in_(chosen), *criteria)  # type: ignore[arg-type]
        .values(status=FollowUpStatus.CANCELLED, last_error=reason[:200])
        .execution_options(synchronize_session=False)
    )
    return result.rowcount


def _client_check(signposting: Signposting, checkin: ClientCheckin | None, policy: FollowUpPolicy) -> FollowUp:
    """A check-in a week after signposting; a client who opts in later gets at least a day's notice."""
    due = policy.after_days(signposting.created_at, policy.first_check_days)
    if checkin is not None:
        due = max(due, policy.next_allowed_time(utcnow() + CLIENT_CHECK_MIN_NOTICE))
    return FollowUp(
        dedupe_key=f"client:{signposting.id}:{checkin.id if checkin else 0}",
        kind=FollowUpKind.CLIENT_CHECK,
        referral_id=signposting.referral_id,
        signposting_id=signposting.id,
        due_at=due,
    )


def _saved_id(session: Session, row: Referral | Signposting) -> int:
    if row.id is None:
        session.flush()
    assert row.id is not None
    return row.id



OUTCOME_REMINDER_MONTHS = (3, 6)


def plan_outcome_reminders(session: Session, referral: Referral, policy: FollowUpPolicy) -> list[FollowUp]:
    """For a case closed as engaged: remind its worker at 3 and 6 months that a wellbeing check is due (optional,
    `OUTCOME_FOLLOWUP_REMINDERS`). Idempotent per case and month."""
    if not policy.outcome_reminders or referral.closure_reason != ClosureReason.ENGAGED or referral.closed_at is None:
        return []
    referral_id = _saved_id(session, referral)
    return ensure_followups(session, [
        FollowUp(dedupe_key=f"outcome:{referral_id}:{months}", kind=FollowUpKind.OUTCOME_REMINDER,
                 referral_id=referral_id, sequence=months,
                 due_at=policy.next_allowed_time(referral.closed_at + relativedelta(months=months)))
        for months in OUTCOME_REMINDER_MONTHS
    ])

"""The optional long-term follow-up: 3 and 6 months after an engaged case closes, its worker is reminded (an outbox
row written with the closure) that a wellbeing check is due; nothing for other closures or when switched off."""

from __future__ import annotations

from datetime import UTC, datetime

from casework.models import ClosureReason, Referral, Role
from casework.referrals import claim_case, close_case, create_referral
from core.clock import FrozenClock
from core.db import session_scope
from scheduler.compose import Outgoing, compose, load_contexts
from scheduler.hooks import FollowUpPlanner
from scheduler.models import FollowUpKind, FollowUpStatus
from tests.factories import LINK_WORKER, WARD_NURSE, cipher, draft
from tests.test_followup_support import followups, policy

CLOSED_AT = datetime(2026, 3, 10, 11, 0, tzinfo=UTC)  # a Tuesday


def _close(engine, reason: ClosureReason, **policy_overrides: object) -> int:
    hooks = FollowUpPlanner(policy(**policy_overrides))
    with FrozenClock(CLOSED_AT), session_scope(engine) as session:
        referral = create_referral(session, draft(), WARD_NURSE, WARD_NURSE, Role.WARD_STAFF, cipher(), hooks=hooks)
        claim_case(session, referral, LINK_WORKER)
        close_case(session, referral, reason, LINK_WORKER, Role.LINK_WORKER, hooks=hooks)
        return referral.id


def test_an_engaged_closure_owes_its_worker_reminders_at_3_and_6_months(engine) -> None:
    referral_id = _close(engine, ClosureReason.ENGAGED, outcome_reminders=True)
    reminders = followups(engine, FollowUpKind.OUTCOME_REMINDER)
    assert [(r.sequence, r.due_at.date().isoformat(), r.status) for r in reminders] == [
        (3, "2026-06-10", FollowUpStatus.PENDING), (6, "2026-09-10", FollowUpStatus.PENDING)]
    with session_scope(engine) as session:
        referral = session.get(Referral, referral_id)
        [context] = load_contexts(session, reminders[:1])
        message = compose(context, policy())
    assert isinstance(message, Outgoing) and message.chat_id == LINK_WORKER  # sent although the case is closed
    assert f"{referral.reference} closed 3 months ago" in message.text and "Wellbeing" in message.text


def test_no_reminders_for_other_closures_or_when_switched_off(engine) -> None:
    _close(engine, ClosureReason.DECLINED, outcome_reminders=True)
    _close(engine, ClosureReason.ENGAGED)  # the deployment default: off
    assert followups(engine, FollowUpKind.OUTCOME_REMINDER) == []

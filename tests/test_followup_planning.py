"""Follow-ups are planned as rows when casework happens, exactly once, and cancelled when a case closes."""

from __future__ import annotations

from datetime import UTC, datetime

from casework.models import ClosureReason, Referral, Role, Signposting
from casework.referrals import claim_case, close_case, create_referral, signpost_case
from core.clock import FrozenClock
from core.db import session_scope
from scheduler.hooks import FollowUpPlanner
from scheduler.models import FollowUpKind, FollowUpStatus
from scheduler.planning import (
    cancel_open_followups,
    plan_referral_followups,
    plan_signposting_followups,
)
from tests.factories import LINK_WORKER, WARD_NURSE, cipher, draft
from tests.test_followup_support import (
    CLIENT_CHAT,
    TUESDAY_10AM,
    add_followup,
    ensure_service,
    followups,
    make_case,
    policy,
)


def _plan_signposting(engine, case) -> None:
    with session_scope(engine) as session:
        signposting = session.get(Signposting, case.signposting_id)
        referral = session.get(Referral, case.referral_id)
        plan_signposting_followups(session, signposting, referral, policy())


def test_new_referral_gets_a_reminder_and_an_escalation_in_working_days_once(engine) -> None:
    friday_6pm = datetime(2026, 3, 13, 18, 0, tzinfo=UTC)
    case = make_case(engine, friday_6pm, claimed_by=None, signposted=False)
    for _ in range(2):  # planning twice (a retried transaction, a second process) adds nothing
        with session_scope(engine) as session:
            plan_referral_followups(session, session.get(Referral, case.referral_id), policy())
    planned = followups(engine)
    assert [(f.kind, f.due_at) for f in planned] == [
        (FollowUpKind.FIRST_CONTACT_REMINDER, datetime(2026, 3, 17, 18, 0, tzinfo=UTC)),
        (FollowUpKind.FIRST_CONTACT_ESCALATION, datetime(2026, 3, 19, 18, 0, tzinfo=UTC)),
    ]


def test_signposting_schedules_first_second_and_final_engagement_checks(engine) -> None:
    case = make_case(engine, TUESDAY_10AM)
    _plan_signposting(engine, case)
    _plan_signposting(engine, case)
    planned = followups(engine)
    assert [(f.kind, f.sequence) for f in planned] == [(FollowUpKind.ENGAGEMENT_CHECK, n) for n in (1, 2, 3)]
    assert [f.due_at.date().isoformat() for f in planned] == ["2026-03-17", "2026-04-07", "2026-05-26"]
    assert all(f.status == FollowUpStatus.PENDING for f in planned)


def test_a_client_who_opted_in_also_gets_a_check_in(engine) -> None:
    case = make_case(engine, TUESDAY_10AM, client_chat_id=CLIENT_CHAT)
    _plan_signposting(engine, case)
    client_checks = followups(engine, FollowUpKind.CLIENT_CHECK)
    assert [(f.signposting_id, f.due_at) for f in client_checks] == [
        (case.signposting_id, datetime(2026, 3, 17, 10, 0, tzinfo=UTC))
    ]


def test_closing_a_case_cancels_what_has_not_been_sent_but_keeps_reports(engine) -> None:
    case = make_case(engine, TUESDAY_10AM)
    _plan_signposting(engine, case)
    sent = add_followup(engine, case, TUESDAY_10AM, status=FollowUpStatus.SENT, key="already-sent")
    reply = add_followup(engine, case, TUESDAY_10AM, FollowUpKind.CLIENT_REPLY, key="client-reply")
    with session_scope(engine) as session:
        assert cancel_open_followups(session, case.referral_id) == 3
    by_id = {f.id: f for f in followups(engine)}
    assert by_id[sent].status == FollowUpStatus.SENT  # its buttons still record an answer
    assert by_id[reply].status == FollowUpStatus.PENDING  # "client needs help" still reaches the worker
    cancelled = [f for f in by_id.values() if f.status == FollowUpStatus.CANCELLED]
    assert len(cancelled) == 3 and {f.last_error for f in cancelled} == {"case closed"}


def test_cancelling_only_some_kinds(engine) -> None:
    case = make_case(engine, TUESDAY_10AM)
    _plan_signposting(engine, case)
    add_followup(engine, case, TUESDAY_10AM, FollowUpKind.FIRST_CONTACT_REMINDER, key="fc")
    with session_scope(engine) as session:
        assert cancel_open_followups(session, case.referral_id, kinds=[FollowUpKind.FIRST_CONTACT_REMINDER]) == 1
    assert [f.status for f in followups(engine, FollowUpKind.ENGAGEMENT_CHECK)] == [FollowUpStatus.PENDING] * 3


def test_casework_hooks_plan_and_cancel_in_the_same_transaction(engine) -> None:
    service_id = ensure_service(engine)
    hooks = FollowUpPlanner(policy())
    with FrozenClock(TUESDAY_10AM):
        with session_scope(engine) as session:
            referral = create_referral(session, draft(), WARD_NURSE, WARD_NURSE, Role.WARD_STAFF, cipher(), hooks=hooks)
            claim_case(session, referral, LINK_WORKER)
            signpost_case(session, referral, service_id, LINK_WORKER, Role.LINK_WORKER, hooks=hooks)
        kinds = sorted(f.kind for f in followups(engine))
        assert kinds == sorted([FollowUpKind.FIRST_CONTACT_REMINDER, FollowUpKind.FIRST_CONTACT_ESCALATION]
                               + [FollowUpKind.ENGAGEMENT_CHECK] * 3)
        with session_scope(engine) as session:
            referral = session.get(Referral, referral.id)
            close_case(session, referral, ClosureReason.ENGAGED, LINK_WORKER, Role.LINK_WORKER, hooks=hooks)
    assert {f.status for f in followups(engine)} == {FollowUpStatus.CANCELLED}


def test_an_urgent_referral_raised_on_christmas_eve_is_not_first_chased_a_week_later(engine) -> None:
    from casework.models import Urgency

    hooks = FollowUpPlanner(policy())
    with FrozenClock(datetime(2026, 12, 24, 15, 0, tzinfo=UTC)), session_scope(engine) as session:
        create_referral(session, draft(urgency=Urgency.URGENT), WARD_NURSE, WARD_NURSE, Role.WARD_STAFF, cipher(),
                        hooks=hooks)
    due = {f.kind: f.due_at for f in followups(engine)}
    assert due[FollowUpKind.FIRST_CONTACT_REMINDER] == datetime(2026, 12, 24, 17, 0, tzinfo=UTC)
    assert due[FollowUpKind.FIRST_CONTACT_ESCALATION] == datetime(2026, 12, 29, 8, 0, tzinfo=UTC)

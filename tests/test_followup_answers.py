"""Tapping an answer: engagement is recorded once, by the right person; stale and double taps change nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel import select

from casework.models import CaseEvent, Engagement, Referral, Signposting
from core.clock import FrozenClock
from core.db import session_scope
from scheduler.answers import AnswerOutcome, record_answer
from scheduler.dispatcher import Dispatcher
from scheduler.models import FollowUpKind, FollowUpStatus
from tests.test_followup_support import (
    CLIENT_CHAT,
    OTHER_WORKER,
    TUESDAY_10AM,
    WORKER,
    Case,
    FakeSender,
    add_followup,
    followups,
    get_followup,
    make_case,
    policy,
)

ASKED_AT = TUESDAY_10AM + timedelta(days=7)


def _sent_prompt(engine, case: Case, kind: FollowUpKind = FollowUpKind.ENGAGEMENT_CHECK, **values: object) -> int:
    recipient = CLIENT_CHAT if kind == FollowUpKind.CLIENT_CHECK else WORKER
    fields = {"status": FollowUpStatus.SENT, "sent_at": ASKED_AT, "recipient_chat_id": recipient} | values
    return add_followup(engine, case, ASKED_AT, kind, **fields)


def _answer(engine, followup_id: int, user_id: int, answer: str, at: datetime = ASKED_AT, **overrides: object):
    with FrozenClock(at), session_scope(engine) as session:
        return record_answer(session, followup_id, user_id, answer, policy(**overrides))


def _signposting(engine, case: Case) -> Signposting:
    with session_scope(engine) as session:
        return session.get(Signposting, case.signposting_id)


def test_engaged_is_recorded_with_its_time_and_audited(engine) -> None:
    case = make_case(engine)
    followup_id = _sent_prompt(engine, case)
    answered_at = ASKED_AT + timedelta(hours=3)
    result = _answer(engine, followup_id, WORKER, "eng", answered_at)
    assert result.outcome == AnswerOutcome.RECORDED and result.answered_line == "Recorded: Engaged."
    signposting = _signposting(engine, case)
    assert (signposting.engagement, signposting.engagement_at) == (Engagement.ENGAGED, answered_at)
    stored = get_followup(engine, followup_id)
    assert (stored.status, stored.answer, stored.answered_at) == (FollowUpStatus.ANSWERED, "eng", answered_at)
    with session_scope(engine) as session:
        events = session.exec(select(CaseEvent).where(CaseEvent.kind == "engagement")).all()
        assert [(e.actor_user_id, e.detail) for e in events] == [(WORKER, "svc-ca: engaged")]


def test_a_double_tap_or_a_change_of_mind_on_an_answered_prompt_changes_nothing(engine) -> None:
    case = make_case(engine)
    followup_id = _sent_prompt(engine, case)
    _answer(engine, followup_id, WORKER, "wait")
    again = _answer(engine, followup_id, WORKER, "wait", ASKED_AT + timedelta(minutes=1))
    changed = _answer(engine, followup_id, WORKER, "dec", ASKED_AT + timedelta(minutes=2))
    assert again.outcome == changed.outcome == AnswerOutcome.ALREADY_ANSWERED
    assert changed.message == "Already answered: Waiting list."
    signposting = _signposting(engine, case)
    assert (signposting.engagement, signposting.engagement_at) == (Engagement.WAITING, ASKED_AT)


def test_only_the_person_asked_can_answer(engine) -> None:
    case = make_case(engine)
    followup_id = _sent_prompt(engine, case)
    assert _answer(engine, followup_id, OTHER_WORKER, "eng").outcome == AnswerOutcome.EXPIRED
    assert _answer(engine, followup_id, CLIENT_CHAT, "eng").outcome == AnswerOutcome.EXPIRED
    assert get_followup(engine, followup_id).status == FollowUpStatus.SENT
    assert _signposting(engine, case).engagement == Engagement.UNKNOWN


def test_forged_unknown_and_withdrawn_prompts_are_expired(engine) -> None:
    case = make_case(engine)
    prompt = _sent_prompt(engine, case)
    cancelled = _sent_prompt(engine, case, status=FollowUpStatus.CANCELLED, key="cancelled")
    never_sent = add_followup(engine, case, ASKED_AT, recipient_chat_id=WORKER, key="queued")
    reminder = add_followup(engine, case, ASKED_AT, FollowUpKind.FIRST_CONTACT_REMINDER, key="fc",
                            status=FollowUpStatus.SENT, recipient_chat_id=WORKER, sent_at=ASKED_AT)
    for followup_id, answer in [(prompt, "yes"), (prompt, "drop"), (999_999, "eng"), (cancelled, "eng"),
                                (never_sent, "eng"), (reminder, "eng")]:
        result = _answer(engine, followup_id, WORKER, answer)
        assert result.outcome == AnswerOutcome.EXPIRED, (followup_id, answer)
        assert "expired" in result.message
    assert _signposting(engine, case).engagement == Engagement.UNKNOWN


def test_not_yet_asks_again_after_the_snooze_outside_quiet_hours_and_only_once(engine) -> None:
    case = make_case(engine)
    followup_id = _sent_prompt(engine, case)
    result = _answer(engine, followup_id, WORKER, "later", snooze_days=5)  # Tuesday + 5 days is a Sunday
    _answer(engine, followup_id, WORKER, "later", snooze_days=5)
    monday_8am = datetime(2026, 3, 23, 8, 0, tzinfo=UTC)
    assert result.outcome == AnswerOutcome.RECORDED and result.remind_at == monday_8am
    assert result.answered_line == "Not yet. I'll ask again on Mon 23 Mar."
    [again] = [f for f in followups(engine, FollowUpKind.ENGAGEMENT_CHECK) if f.id != followup_id]
    assert (again.due_at, again.status, again.signposting_id) == (monday_8am, FollowUpStatus.PENDING,
                                                                   case.signposting_id)
    assert _signposting(engine, case).engagement == Engagement.UNKNOWN


async def test_answering_an_old_copy_stops_the_queued_reminder(engine) -> None:
    case = make_case(engine)
    followup_id = _sent_prompt(engine, case, status=FollowUpStatus.PENDING, resends=1)  # re-send queued
    assert _answer(engine, followup_id, WORKER, "cgt").outcome == AnswerOutcome.RECORDED
    sender = FakeSender()
    with FrozenClock(ASKED_AT + timedelta(hours=1)):
        await Dispatcher(engine, sender, policy(), "w").dispatch_once()
    assert sender.sent == []
    assert _signposting(engine, case).engagement == Engagement.COULDNT_GET_THROUGH


async def test_a_clients_answer_reaches_their_link_worker_and_leaves_engagement_to_them(engine) -> None:
    case = make_case(engine, client_chat_id=CLIENT_CHAT)
    check = _sent_prompt(engine, case, FollowUpKind.CLIENT_CHECK)
    result = _answer(engine, check, CLIENT_CHAT, "help")
    assert result.outcome == AnswerOutcome.RECORDED and "told your link worker" in (result.answered_line or "")
    assert _answer(engine, check, WORKER, "yes").outcome == AnswerOutcome.EXPIRED  # not the worker's to answer
    sender = FakeSender()
    with FrozenClock(ASKED_AT + timedelta(minutes=5)):
        await Dispatcher(engine, sender, policy(), "w").dispatch_once()
    [relayed] = sender.to(WORKER)
    assert relayed.text.startswith(f"Client for {case.reference} says: I need help")
    assert _signposting(engine, case).engagement == Engagement.UNKNOWN
    with session_scope(engine) as session:
        assert session.get(Referral, case.referral_id).client_initials not in relayed.text

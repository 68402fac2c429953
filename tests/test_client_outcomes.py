"""ONS4 asked by the bot to clients who opted in: one question a message, the next owed as soon as one is
answered, Skip one tap; asked again at closure (and 3 and 6 months on when the deployment follows up); stopped and
erased by /stopcheckins, /forgetme and anonymisation."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from casework.models import ClosureReason, OutcomeAnswer, Referral, Role
from casework.outcomes import LINK_WORKER, record_answer
from casework.referrals import close_case
from core.clock import FrozenClock
from core.db import session_scope
from scheduler.answers import AnswerOutcome
from scheduler.answers import record_answer as answer_prompt
from scheduler.checkins import create_client_checkin_code, redeem_client_checkin, stop_client_checkins
from scheduler.compose import Outgoing, compose, load_contexts
from scheduler.hooks import FollowUpPlanner
from scheduler.models import FollowUp, FollowUpKind, FollowUpStatus
from scheduler.outbox import OWED
from scheduler.outcome_checks import parts_of
from scheduler.privacy import anonymise, forget_client
from tests.test_followup_support import CLIENT_CHAT, TUESDAY_10AM, WORKER, followups, make_case, policy


def _opted_in(engine, **policy_overrides):
    case = make_case(engine, TUESDAY_10AM)
    with FrozenClock(TUESDAY_10AM), session_scope(engine) as session:
        code = create_client_checkin_code(session, case.referral_id, 72, created_by=WORKER)
        assert redeem_client_checkin(session, code, CLIENT_CHAT, policy(**policy_overrides)).ok
    return case


def _questions(engine, status: FollowUpStatus | None = None):
    rows = followups(engine, FollowUpKind.OUTCOME_CHECK)
    return [row for row in rows if status is None or row.status == status]


def _sent(engine, followup_id: int) -> None:
    with session_scope(engine) as session:
        row = session.get(FollowUp, followup_id)
        row.status, row.sent_at = FollowUpStatus.SENT, TUESDAY_10AM
        session.add(row)


def _tap(engine, followup_id: int, code: str, user: int = CLIENT_CHAT):
    with FrozenClock(TUESDAY_10AM + timedelta(minutes=5)), session_scope(engine) as session:
        result = answer_prompt(session, followup_id, user, code, policy())
        return result, list(session.info.get(OWED, []))


def test_opting_in_asks_the_first_question_with_eleven_numbers_and_skip(engine) -> None:
    _opted_in(engine)
    [question] = _questions(engine)
    assert parts_of(question.sequence) == ("first_contact", 0) and question.recipient_chat_id == CLIENT_CHAT
    with session_scope(engine) as session:
        [context] = load_contexts(session, [question])
        message = compose(context, policy())
    assert isinstance(message, Outgoing) and message.chat_id == CLIENT_CHAT
    assert "Question 1 of 4" in message.text and "satisfied" in message.text and "/stopcheckins" in message.text
    labels = [label for row in message.buttons for label, _ in row]
    assert labels == [str(n) for n in range(11)] + ["Skip"]
    assert all(len(data.encode()) <= 64 for row in message.buttons for _, data in row)


def test_each_answer_is_stored_and_owes_the_next_question_until_the_fourth(engine) -> None:
    case = _opted_in(engine)
    taps = ["n7", "skip", "n10", "n2"]
    for number, code in enumerate(taps):
        question = _questions(engine, FollowUpStatus.PENDING)[-1]
        assert parts_of(question.sequence) == ("first_contact", number)
        _sent(engine, question.id)
        assert _tap(engine, question.id, "n11")[0].outcome == AnswerOutcome.EXPIRED  # not a score we offer
        assert _tap(engine, question.id, code, user=CLIENT_CHAT + 1)[0].outcome == AnswerOutcome.EXPIRED
        result, owed = _tap(engine, question.id, code)
        assert result.outcome == AnswerOutcome.RECORDED
        assert len(owed) == (1 if number < 3 else 0)  # the next question goes out right after this commit
        assert _tap(engine, question.id, code)[0].outcome == AnswerOutcome.ALREADY_ANSWERED  # a double tap
    assert "That's all" in result.answered_line
    with session_scope(engine) as session:
        stored = session.exec(select(OutcomeAnswer).order_by(OutcomeAnswer.id)).all()
    assert [(a.item, a.score, a.source) for a in stored] == [
        ("life_satisfaction", 7, "client"), ("worthwhile", None, "client"), ("happiness", 10, "client"),
        ("anxiety", 2, "client")]
    assert all(a.referral_id == case.referral_id for a in stored)


def test_already_recorded_by_the_worker_means_not_asked(engine) -> None:
    case = make_case(engine, TUESDAY_10AM)
    with session_scope(engine) as session:
        referral = session.get(Referral, case.referral_id)
        record_answer(session, referral, "ons4", "first_contact", 0, 5, LINK_WORKER, WORKER)
        code = create_client_checkin_code(session, case.referral_id, 72, created_by=WORKER)
    with FrozenClock(TUESDAY_10AM), session_scope(engine) as session:
        redeem_client_checkin(session, code, CLIENT_CHAT, policy())
    assert _questions(engine) == []


def _close(engine, case, reason=ClosureReason.ENGAGED, **policy_overrides):
    with FrozenClock(TUESDAY_10AM + timedelta(days=30)), session_scope(engine) as session:
        referral = session.get(Referral, case.referral_id)
        close_case(session, referral, reason, WORKER, Role.LINK_WORKER, FollowUpPlanner(policy(**policy_overrides)))


def test_closing_asks_the_opted_in_client_again_and_later_if_followed_up(engine) -> None:
    case = _opted_in(engine)
    _close(engine, case, outcome_reminders=True)
    pending = _questions(engine, FollowUpStatus.PENDING)
    assert [parts_of(q.sequence)[0] for q in pending] == ["closure", "3_months", "6_months"]
    assert {q.recipient_chat_id for q in pending} == {CLIENT_CHAT}  # kept although the opt-in ended at closure
    assert followups(engine, FollowUpKind.OUTCOME_REMINDER) == []  # the client is asked, not the worker
    cancelled = _questions(engine, FollowUpStatus.CANCELLED)
    assert [parts_of(q.sequence)[0] for q in cancelled] == ["first_contact"]  # unsent at closure


def test_stopcheckins_forgetme_and_anonymisation_end_the_questions_and_erase_the_chat(engine) -> None:
    for stop in ("stop", "forget", "anonymise"):
        case = _opted_in(engine)
        _close(engine, case, outcome_reminders=True)
        with session_scope(engine) as session:
            if stop == "stop":
                stop_client_checkins(session, CLIENT_CHAT)
            elif stop == "forget":
                forget_client(session, CLIENT_CHAT)
            else:
                anonymise(session, [session.get(Referral, case.referral_id)], "test")
        rows = [q for q in _questions(engine) if q.referral_id == case.referral_id]
        assert all(q.recipient_chat_id is None for q in rows), stop
        if stop != "anonymise":
            assert all(q.status == FollowUpStatus.CANCELLED for q in rows), stop


def test_a_declined_closure_asks_nothing(engine) -> None:
    case = _opted_in(engine)
    _close(engine, case, ClosureReason.DECLINED, outcome_reminders=True)
    assert _questions(engine, FollowUpStatus.PENDING) == []

"""Retention leaves nothing behind: chat ids of answered check-ins, old search text, and cases nobody closed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel import col, select

from casework.models import CaseEvent, CaseStatus, ClosureReason, Referral
from core.clock import FrozenClock
from core.db import session_scope
from directory.models import UnmetSearch
from scheduler.compose import compose, load_contexts
from scheduler.models import FollowUp, FollowUpKind, FollowUpStatus, RetentionRun
from scheduler.privacy import RetentionRules, apply_retention, forget_client
from tests.factories import make_referral
from tests.test_followup_support import CLIENT_CHAT, TEAM_CHAT, TUESDAY_10AM, WORKER, add_followup, make_case, policy
from tests.test_privacy import CLIENT, _closed_case_with_client

RULES = RetentionRules(inactive_case_months=12, inactive_case_notice_days=30, search_retention_months=12)


def _answered_checkin(engine, case, chat: int) -> int:
    return add_followup(engine, case, TUESDAY_10AM, FollowUpKind.CLIENT_CHECK, status=FollowUpStatus.ANSWERED,
                        recipient_chat_id=chat, answer="yes", sent_at=TUESDAY_10AM, answered_at=TUESDAY_10AM)


def _chat_ids_kept(engine, chat: int) -> list[int]:
    with session_scope(engine) as session:
        return list(session.exec(select(FollowUp.id).where(FollowUp.recipient_chat_id == chat)).all())


def test_forgetme_erases_the_chat_id_of_an_answered_check_in(engine) -> None:
    case = make_case(engine, client_chat_id=CLIENT_CHAT)
    _answered_checkin(engine, case, CLIENT_CHAT)
    with session_scope(engine) as session:
        forget_client(session, CLIENT_CHAT)
    assert _chat_ids_kept(engine, CLIENT_CHAT) == []


def test_anonymisation_erases_the_chat_id_of_an_answered_check_in(engine) -> None:
    with FrozenClock(datetime(2024, 1, 10, tzinfo=UTC)):
        _closed_case_with_client(engine)
        with session_scope(engine) as session:
            referral_id = session.exec(select(Referral.id)).one()
            signposting_id = session.exec(select(FollowUp.signposting_id)).first()
            session.add(FollowUp(dedupe_key="answered", kind=FollowUpKind.CLIENT_CHECK, referral_id=referral_id,
                                 signposting_id=signposting_id, recipient_chat_id=CLIENT, due_at=TUESDAY_10AM,
                                 status=FollowUpStatus.ANSWERED, answer="yes"))
    with FrozenClock(datetime(2026, 11, 1, tzinfo=UTC)), session_scope(engine) as session:
        assert apply_retention(session, 24).anonymised_cases == 1
    assert _chat_ids_kept(engine, CLIENT) == []


def test_search_text_is_deleted_after_its_retention_period(engine) -> None:
    with session_scope(engine) as session:
        session.add(UnmetSearch(query="old need", searcher="a", created_at=datetime(2025, 1, 1, tzinfo=UTC)))
        session.add(UnmetSearch(query="new need", searcher="b", created_at=datetime(2026, 10, 1, tzinfo=UTC)))
    with FrozenClock(datetime(2026, 11, 1, tzinfo=UTC)), session_scope(engine) as session:
        apply_retention(session, 24, rules=RULES)
        assert [row.query for row in session.exec(select(UnmetSearch))] == ["new need"]
        assert session.exec(select(RetentionRun)).one().purged_searches == 1


def test_a_case_nobody_closed_is_warned_about_then_closed_and_anonymised(engine) -> None:
    start = datetime(2025, 1, 6, 10, 0, tzinfo=UTC)
    with FrozenClock(start):
        forgotten = make_referral(engine).reference
    with FrozenClock(start + timedelta(days=200)):
        busy = make_referral(engine).reference
    with FrozenClock(start + timedelta(days=370)), session_scope(engine) as session:
        warned = apply_retention(session, 24, rules=RULES, policy=policy())
        warning = session.exec(select(FollowUp).where(FollowUp.kind == FollowUpKind.INACTIVITY_WARNING)).one()
        outgoing = compose(load_contexts(session, [warning])[0], policy())
    assert (warned.warned_inactive, warned.anonymised_inactive) == (1, 0)
    assert outgoing.chat_id == TEAM_CHAT and forgotten in outgoing.text and "anonymised" in outgoing.text
    with FrozenClock(start + timedelta(days=385)), session_scope(engine) as session:  # notice not over yet
        assert apply_retention(session, 24, rules=RULES, policy=policy()).anonymised_inactive == 0
    with FrozenClock(start + timedelta(days=401)), session_scope(engine) as session:
        done = apply_retention(session, 24, rules=RULES, policy=policy())
        closed = session.exec(select(Referral).where(Referral.reference == forgotten)).one()
        still_open = session.exec(select(Referral).where(Referral.reference == busy)).one()
        audit = session.exec(select(CaseEvent.kind).where(CaseEvent.referral_id == closed.id)).all()
    assert done.anonymised_inactive == 1
    assert (closed.status, closed.closure_reason) == (CaseStatus.CLOSED, ClosureReason.INACTIVE) and closed.anonymised
    assert closed.hospital_ref_enc == "" and closed.client_initials == ""
    assert {"inactivity_warning", "closed", "anonymised"} <= set(audit)
    assert still_open.status == CaseStatus.NEW and not still_open.anonymised


def test_activity_after_the_warning_keeps_the_case(engine) -> None:
    start = datetime(2025, 1, 6, 10, 0, tzinfo=UTC)
    with FrozenClock(start):
        reference = make_referral(engine).reference
    with FrozenClock(start + timedelta(days=370)), session_scope(engine) as session:
        apply_retention(session, 24, rules=RULES, policy=policy())
    with FrozenClock(start + timedelta(days=380)), session_scope(engine) as session:
        referral = session.exec(select(Referral).where(Referral.reference == reference)).one()
        session.add(CaseEvent(referral_id=referral.id, actor_user_id=WORKER, kind="viewed"))
    with FrozenClock(start + timedelta(days=401)), session_scope(engine) as session:
        assert apply_retention(session, 24, rules=RULES, policy=policy()).anonymised_inactive == 0
        assert not session.exec(select(Referral).where(col(Referral.reference) == reference)).one().anonymised

"""Clients opt in to check-in messages with a one-time code from their link worker, and can stop at any time."""

from __future__ import annotations

from sqlmodel import select

from casework.models import CaseStatus, Referral, Role, Signposting
from core.clock import FrozenClock
from core.db import session_scope
from scheduler.checkins import (
    create_client_checkin_code,
    issue_client_checkin_code,
    redeem_client_checkin,
    stop_client_checkins,
)
from scheduler.hooks import FollowUpPlanner
from scheduler.models import ClientCheckin, FollowUpKind, FollowUpStatus
from scheduler.planning import plan_signposting_followups
from tests.test_followup_support import (
    CLIENT_CHAT,
    OTHER_WORKER,
    TUESDAY_10AM,
    WORKER,
    Case,
    ensure_service,
    followups,
    make_case,
    policy,
)


def _code(engine, case: Case, ttl_hours: int = 72) -> str:
    with session_scope(engine) as session:
        return create_client_checkin_code(session, case.referral_id, ttl_hours, created_by=WORKER)


def _redeem(engine, code: str, chat_id: int = CLIENT_CHAT):
    with session_scope(engine) as session:
        return redeem_client_checkin(session, code, chat_id, policy())


def _client_chats(engine, case: Case) -> list[int | None]:
    with session_scope(engine) as session:
        rows = session.exec(select(Signposting).where(Signposting.referral_id == case.referral_id)).all()
        return [row.client_chat_id for row in rows]


def test_code_opts_the_client_in_once_and_schedules_a_check_in(engine) -> None:
    case = make_case(engine, TUESDAY_10AM)
    with FrozenClock(TUESDAY_10AM):
        code = _code(engine, case)
        first = _redeem(engine, code.lower())  # typed in lower case: still fine
        replay = _redeem(engine, code, chat_id=CLIENT_CHAT + 1)
    assert first.ok and "/stopcheckins" in first.message
    assert not replay.ok and "already been used" in replay.message
    assert _client_chats(engine, case) == [CLIENT_CHAT]
    checks = followups(engine, FollowUpKind.CLIENT_CHECK)
    assert [(c.signposting_id, c.due_at.date().isoformat()) for c in checks] == [(case.signposting_id, "2026-03-17")]
    with session_scope(engine) as session:
        stored = session.exec(select(ClientCheckin)).one()
        assert code.replace("-", "") not in stored.code_hash  # only a hash is kept


def test_expired_unknown_and_superseded_codes_change_nothing(engine) -> None:
    case = make_case(engine, TUESDAY_10AM)
    with FrozenClock(TUESDAY_10AM) as clock:
        old = _code(engine, case)
        newer = _code(engine, case, ttl_hours=1)
        assert not _redeem(engine, old).ok  # a new code replaces an unused older one
        assert not _redeem(engine, "ZZZZ-ZZZZ").ok
        clock.advance(hours=2)
        assert not _redeem(engine, newer).ok
    assert _client_chats(engine, case) == [None]
    assert followups(engine, FollowUpKind.CLIENT_CHECK) == []


def test_opting_in_before_signposting_covers_later_signpostings(engine) -> None:
    case = make_case(engine, TUESDAY_10AM, signposted=False)
    service_id = ensure_service(engine, "svc-walk", "Walking Group")
    with FrozenClock(TUESDAY_10AM):
        assert _redeem(engine, _code(engine, case)).ok
        with session_scope(engine) as session:
            signposting = Signposting(referral_id=case.referral_id, service_id=service_id, created_by=WORKER)
            session.add(signposting)
            session.flush()
            plan_signposting_followups(session, signposting, session.get(Referral, case.referral_id), policy())
    assert _client_chats(engine, case) == [CLIENT_CHAT]
    assert len(followups(engine, FollowUpKind.CLIENT_CHECK)) == 1


def test_stopping_check_ins_cancels_what_is_queued(engine) -> None:
    case = make_case(engine, TUESDAY_10AM)
    with FrozenClock(TUESDAY_10AM):
        _redeem(engine, _code(engine, case))
        with session_scope(engine) as session:
            assert stop_client_checkins(session, CLIENT_CHAT) == 1
        with session_scope(engine) as session:
            assert stop_client_checkins(session, CLIENT_CHAT) == 0  # nothing left to stop
    assert _client_chats(engine, case) == [None]
    assert [c.status for c in followups(engine, FollowUpKind.CLIENT_CHECK)] == [FollowUpStatus.CANCELLED]
    with session_scope(engine) as session:
        assert session.exec(select(ClientCheckin.client_chat_id)).all() == [None]  # nothing kept to reach them


def test_closing_the_case_ends_the_opt_in(engine) -> None:
    case = make_case(engine, TUESDAY_10AM)
    with FrozenClock(TUESDAY_10AM):
        _redeem(engine, _code(engine, case))
        with session_scope(engine) as session:
            FollowUpPlanner(policy()).case_closed(session, session.get(Referral, case.referral_id))
    assert _client_chats(engine, case) == [None]
    with session_scope(engine) as session:
        assert session.exec(select(ClientCheckin.client_chat_id)).all() == [None]


def test_only_the_case_owner_or_an_admin_can_issue_a_code_for_an_open_case(engine) -> None:
    case = make_case(engine, TUESDAY_10AM)
    with session_scope(engine) as session:
        referral = session.get(Referral, case.referral_id)
        assert not issue_client_checkin_code(session, referral, OTHER_WORKER, Role.LINK_WORKER, 72).ok
        assert issue_client_checkin_code(session, referral, OTHER_WORKER, Role.ADMIN, 72).ok
        owner = issue_client_checkin_code(session, referral, WORKER, Role.LINK_WORKER, 72)
        assert owner.ok and owner.code and owner.code in owner.message
        referral.status = CaseStatus.CLOSED
        session.add(referral)
        assert not issue_client_checkin_code(session, referral, WORKER, Role.LINK_WORKER, 72).ok


def test_a_closed_case_cannot_be_opted_into(engine) -> None:
    case = make_case(engine, TUESDAY_10AM)
    with FrozenClock(TUESDAY_10AM):
        code = _code(engine, case)
        with session_scope(engine) as session:
            referral = session.get(Referral, case.referral_id)
            referral.status = CaseStatus.CLOSED
            session.add(referral)
        result = _redeem(engine, code)
    assert not result.ok and "finished" in result.message
    assert _client_chats(engine, case) == [None]

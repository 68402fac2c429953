"""Admins manage staff access (suspend, reactivate, remove leavers), all audited; failed /join is rate-limited."""

from __future__ import annotations

import re

import pytest
from sqlmodel import select

from casework.invites import create_invite
from casework.models import CaseStatus, Referral, Role, StaffEvent, StaffUser
from casework.referrals import claim_case, get_referral
from casework.roles import role_of
from casework.staff import MAX_FAILED_JOINS, TOO_MANY_JOINS, join_with_code, remove_staff, staff_list, suspend_staff
from core.db import session_scope
from core.settings import Settings
from tests.e2e import running_bot, sqlite_only
from tests.factories import LINK_WORKER, make_referral
from tests.fakebotapi import FakeBotApi
from tests.test_bot_e2e import ADMIN, HOSPITAL_REF, NURSE, TEAM_CHAT, WORKER, button
from tests.test_need_to_know_e2e import claimed_case_card

ADMIN_ID = 1000


def _join(engine, user_id: int, role: Role = Role.LINK_WORKER) -> int:
    with session_scope(engine) as session:
        code = create_invite(session, role, ADMIN_ID, 72)
        assert join_with_code(session, code, user_id, f"Worker {user_id}").ok
        return session.exec(select(StaffUser.id).where(StaffUser.telegram_user_id == user_id)).one()


def test_a_leaver_loses_access_and_their_open_cases_go_back_to_the_team(engine) -> None:
    staff_id = _join(engine, LINK_WORKER)
    referral = make_referral(engine)
    with session_scope(engine) as session:
        claim_case(session, get_referral(session, referral.reference), LINK_WORKER)
    with session_scope(engine) as session:
        assert staff_list(session)[0][1] == 1  # one open case
        outcome = remove_staff(session, staff_id, ADMIN_ID)
        assert outcome.ok and [r.reference for r in outcome.released] == [referral.reference]
    with session_scope(engine) as session:
        assert role_of(session, LINK_WORKER) is None
        case = session.exec(select(Referral)).one()
        assert (case.status, case.claimed_by) == (CaseStatus.NEW, None)
        assert staff_list(session) == []
        events = [(e.kind, e.actor_user_id, e.subject_user_id) for e in session.exec(select(StaffEvent))]
    assert ("removed", ADMIN_ID, LINK_WORKER) in events


def test_suspension_stops_access_until_reactivated_and_admins_cannot_lock_themselves_out(engine) -> None:
    staff_id = _join(engine, LINK_WORKER)
    own_id = _join(engine, ADMIN_ID + 1, Role.ADMIN)
    with session_scope(engine) as session:
        assert suspend_staff(session, staff_id, ADMIN_ID).ok
        assert role_of(session, LINK_WORKER) is None
        assert not suspend_staff(session, own_id, ADMIN_ID + 1).ok  # not yourself


def test_failed_join_attempts_are_audited_without_the_code_and_then_refused(engine) -> None:
    with session_scope(engine) as session:
        good = create_invite(session, Role.WARD_STAFF, ADMIN_ID, 72)
    with session_scope(engine) as session:
        for attempt in range(MAX_FAILED_JOINS):
            assert not join_with_code(session, f"WRONG-{attempt:03d}", NURSE, "Nurse").ok
    with session_scope(engine) as session:
        refused = join_with_code(session, good, NURSE, "Nurse")  # even a good code, until the hour is up
        events = session.exec(select(StaffEvent).where(StaffEvent.subject_user_id == NURSE)).all()
    assert refused.message == TOO_MANY_JOINS
    assert [e.kind for e in events].count("join_failed") == MAX_FAILED_JOINS
    assert not any("WRONG" in e.detail or good in e.detail for e in events)


@pytest.mark.e2e
@sqlite_only
async def test_admin_removes_a_leaver_from_telegram(settings: Settings, fake_bot_api: FakeBotApi, caplog) -> None:
    async with running_bot(settings, fake_bot_api) as bot:
        reference, card = await claimed_case_card(bot)
        card_id = card[0]["message_id"]
        listed = await bot.command(ADMIN, "staff")
        line = re.search(r"(\d+)\. Tester3001 — a link worker, active, joined \S+, 1 open case", listed.texts[0])
        assert line, listed.texts[0]
        confirm = await bot.click(ADMIN, button(listed, f"{line.group(1)}. Remove"))
        removed = await bot.click(ADMIN, button(confirm, "Yes, remove"))
        assert "no longer have access" in removed.texts[0]
        assert not fake_bot_api.still_shown(WORKER, card_id), "the leaver kept the case card with its identifiers"
        handed_back = fake_bot_api.last_message(TEAM_CHAT)
        refused = await bot.command(WORKER, "inbox")
        wrong = await bot.command(NURSE + 50, "join", "ABCD-EFGH")
    assert reference in handed_back["text"] and "left" in handed_back["text"]
    assert HOSPITAL_REF not in handed_back["text"]
    assert "only for registered staff" in refused.texts[-1]
    assert "wasn't recognised" in wrong.texts[-1]
    assert "failed /join attempt" in caplog.text and "ABCD" not in caplog.text


def test_a_handed_back_case_no_longer_prompts_the_leaver(engine) -> None:
    from scheduler.compose import Skip, compose, load_contexts
    from scheduler.models import FollowUp, FollowUpKind
    from tests.test_followup_support import TUESDAY_10AM, add_followup, make_case, policy

    staff_id = _join(engine, LINK_WORKER)
    case = make_case(engine, claimed_by=LINK_WORKER)
    prompt = add_followup(engine, case, TUESDAY_10AM, FollowUpKind.ENGAGEMENT_CHECK)
    with session_scope(engine) as session:
        remove_staff(session, staff_id, ADMIN_ID)
    with session_scope(engine) as session:
        outcome = compose(load_contexts(session, [session.get(FollowUp, prompt)])[0], policy())
    assert isinstance(outcome, Skip) and outcome.failed  # reported to admins rather than sent to the leaver

"""The dispatcher sends what is due exactly once, skips what no longer matters, retries, and reports failures."""

from __future__ import annotations

import asyncio
import threading
from datetime import timedelta

import pytest
from sqlalchemy import insert, update
from telegram.error import RetryAfter, TimedOut

from casework.models import CaseStatus, Engagement, Referral, Signposting
from core.clock import FrozenClock
from core.db import make_engine, session_scope
from scheduler.admin import describe_failed, failed_followups, retry_failed_followup, retry_failed_followups
from scheduler.checkins import create_client_checkin_code, redeem_client_checkin
from scheduler.dispatcher import Dispatcher
from scheduler.messages import BLOCKED, INTERRUPTED, parse_callback
from scheduler.models import FollowUp, FollowUpKind, FollowUpStatus
from tests.test_followup_support import (
    ADMIN,
    CLIENT_CHAT,
    SERVICE_NAME,
    TEAM_CHAT,
    TUESDAY_10AM,
    WORKER,
    FakeSender,
    add_followup,
    followups,
    get_followup,
    lost_answer,
    make_case,
    not_sent,
    policy,
)

ONE_WEEK_ON = TUESDAY_10AM + timedelta(days=7)


def dispatcher(engine, sender: FakeSender, worker_id: str = "worker-a", **overrides: object) -> Dispatcher:
    return Dispatcher(engine, sender, policy(**overrides), worker_id)


async def test_a_due_prompt_goes_to_the_case_owner_once_with_answer_buttons(engine) -> None:
    case = make_case(engine)
    followup_id = add_followup(engine, case, ONE_WEEK_ON)
    sender = FakeSender()
    with FrozenClock(ONE_WEEK_ON):
        stats = await dispatcher(engine, sender).dispatch_once()
        again = await dispatcher(engine, sender, "worker-b").dispatch_once()
    assert (stats.claimed, stats.sent, again.claimed) == (1, 1, 0)
    [message] = sender.sent
    assert message.chat_id == WORKER
    assert f"Did {case.reference} engage with {SERVICE_NAME}?" in message.text
    assert "JS" not in message.text  # the reference only, never the client's initials
    labels = [label for row in message.buttons for label, _ in row]
    assert labels == ["Engaged", "Waiting list", "Couldn't get through", "Declined", "Not yet – remind me in 7 days"]
    answers = [parse_callback(data) for row in message.buttons for _, data in row]
    assert answers == [(followup_id, code) for code in ("eng", "wait", "cgt", "dec", "later")]
    stored = get_followup(engine, followup_id)
    assert (stored.status, stored.message_id, stored.sent_at, stored.recipient_chat_id) == (
        FollowUpStatus.SENT, message.message_id, ONE_WEEK_ON, WORKER)


async def test_nothing_is_sent_before_it_is_due(engine) -> None:
    add_followup(engine, make_case(engine), ONE_WEEK_ON)
    sender = FakeSender()
    with FrozenClock(ONE_WEEK_ON - timedelta(minutes=1)):
        await dispatcher(engine, sender).dispatch_once()
    assert sender.sent == []


async def test_overdue_prompts_wait_for_the_morning_in_quiet_hours(engine) -> None:
    add_followup(engine, make_case(engine), ONE_WEEK_ON)
    sender = FakeSender()
    with FrozenClock(ONE_WEEK_ON.replace(hour=21)) as clock:  # the bot came back at 9pm
        stats = await dispatcher(engine, sender).dispatch_once()
        assert stats.quiet and sender.sent == []
        clock.now = ONE_WEEK_ON.replace(hour=8) + timedelta(days=1)
        await dispatcher(engine, sender).dispatch_once()
    assert len(sender.sent) == 1


async def test_after_a_restart_everything_overdue_is_sent_exactly_once(engine, database_url) -> None:
    case = make_case(engine)
    ids = [add_followup(engine, case, ONE_WEEK_ON - timedelta(days=days), key=f"k{days}") for days in range(5)]
    sender = FakeSender()
    with FrozenClock(ONE_WEEK_ON + timedelta(hours=2)):
        for process in ("after-restart", "restarted-again"):  # a fresh engine and dispatcher each time
            fresh = make_engine(database_url)
            await Dispatcher(fresh, sender, policy(), process).dispatch_due()
            fresh.dispose()
    assert len(sender.sent) == 5
    assert {get_followup(engine, i).status for i in ids} == {FollowUpStatus.SENT}


async def test_second_check_is_skipped_once_engagement_is_recorded(engine) -> None:
    case = make_case(engine)
    second = add_followup(engine, case, ONE_WEEK_ON, sequence=2)
    with session_scope(engine) as session:
        signposting = session.get(Signposting, case.signposting_id)
        signposting.engagement = Engagement.ENGAGED
        session.add(signposting)
    sender = FakeSender()
    with FrozenClock(ONE_WEEK_ON):
        stats = await dispatcher(engine, sender).dispatch_once()
    assert sender.sent == [] and stats.skipped == 1
    stored = get_followup(engine, second)
    assert stored.status == FollowUpStatus.CANCELLED and "engagement already recorded" in (stored.last_error or "")


async def test_a_prompt_still_asks_while_the_client_is_on_a_waiting_list(engine) -> None:
    case = make_case(engine)
    add_followup(engine, case, ONE_WEEK_ON, sequence=2)
    with session_scope(engine) as session:
        signposting = session.get(Signposting, case.signposting_id)
        signposting.engagement = Engagement.WAITING
        session.add(signposting)
    sender = FakeSender()
    with FrozenClock(ONE_WEEK_ON):
        await dispatcher(engine, sender).dispatch_once()
    assert len(sender.sent) == 1


async def test_first_contact_reminders_go_to_the_team_until_claimed_and_stop_after_contact(engine) -> None:
    unclaimed = make_case(engine, claimed_by=None, signposted=False)
    claimed = make_case(engine, signposted=False)
    contacted = make_case(engine, signposted=False)
    with session_scope(engine) as session:
        referral = session.get(Referral, contacted.referral_id)
        referral.first_contact_at = TUESDAY_10AM
        session.add(referral)
    for case in (unclaimed, claimed, contacted):
        add_followup(engine, case, ONE_WEEK_ON, FollowUpKind.FIRST_CONTACT_REMINDER)
    add_followup(engine, unclaimed, ONE_WEEK_ON, FollowUpKind.FIRST_CONTACT_ESCALATION)
    sender = FakeSender()
    with FrozenClock(ONE_WEEK_ON):
        stats = await dispatcher(engine, sender).dispatch_once()
    assert stats.skipped == 1
    assert [m.text for m in sender.to(TEAM_CHAT)] == [
        f"Reminder: referral {unclaimed.reference} (received Tue 10 Mar) has not been claimed yet.",
        f"Escalation: referral {unclaimed.reference} (received Tue 10 Mar) is still unclaimed after 4 working days."
        " Please check it.",
    ]
    assert [m.text for m in sender.to(WORKER)] == [
        f"Reminder: no first contact has been recorded yet for {claimed.reference} (received Tue 10 Mar)."
    ]
    claim = [[("Claim", f"c:claim:{unclaimed.reference}")]]  # issue 17: claimed from the reminder itself
    assert [m.buttons for m in sender.to(TEAM_CHAT)] == [claim, claim]
    assert not any(m.buttons for m in sender.to(WORKER))


async def test_nothing_is_sent_for_a_closed_case(engine) -> None:
    case = make_case(engine)
    followup_id = add_followup(engine, case, ONE_WEEK_ON)
    with session_scope(engine) as session:
        referral = session.get(Referral, case.referral_id)
        referral.status = CaseStatus.CLOSED
        session.add(referral)
    sender = FakeSender()
    with FrozenClock(ONE_WEEK_ON):
        await dispatcher(engine, sender).dispatch_once()
    assert sender.sent == [] and get_followup(engine, followup_id).status == FollowUpStatus.CANCELLED


async def test_transient_errors_are_retried_with_growing_delays_then_sent_once(engine) -> None:
    followup_id = add_followup(engine, make_case(engine), ONE_WEEK_ON)
    sender = FakeSender(failures=[not_sent("connection refused"), not_sent("network is unreachable")])
    with FrozenClock(ONE_WEEK_ON) as clock:
        assert (await dispatcher(engine, sender).dispatch_once()).retried == 1
        first = get_followup(engine, followup_id)
        assert (first.status, first.attempts, first.due_at) == (
            FollowUpStatus.PENDING, 1, ONE_WEEK_ON + timedelta(seconds=60))
        clock.advance(seconds=59)
        assert (await dispatcher(engine, sender).dispatch_once()).claimed == 0  # not before the backoff ends
        clock.advance(seconds=1)
        await dispatcher(engine, sender).dispatch_once()
        assert get_followup(engine, followup_id).due_at == clock.now + timedelta(seconds=120)
        clock.advance(seconds=120)
        await dispatcher(engine, sender).dispatch_once()
    assert len(sender.sent) == 1
    assert get_followup(engine, followup_id).status == FollowUpStatus.SENT


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_flood_control_waits_at_least_as_long_as_telegram_asks(engine) -> None:
    followup_id = add_followup(engine, make_case(engine), ONE_WEEK_ON)
    sender = FakeSender(failures=[RetryAfter(600)])
    with FrozenClock(ONE_WEEK_ON):
        await dispatcher(engine, sender).dispatch_once()
    assert get_followup(engine, followup_id).due_at == ONE_WEEK_ON + timedelta(seconds=600)


async def test_after_the_last_attempt_it_fails_visibly_and_admins_are_told(engine) -> None:
    case = make_case(engine)
    followup_id = add_followup(engine, case, ONE_WEEK_ON)
    sender = FakeSender(failures=[not_sent("down"), not_sent("down")])
    with FrozenClock(ONE_WEEK_ON) as clock:
        await dispatcher(engine, sender, max_attempts=2).dispatch_once()
        clock.advance(minutes=2)
        stats = await dispatcher(engine, sender, max_attempts=2).dispatch_once()
        assert stats.failed == 1
        await dispatcher(engine, sender, max_attempts=2).dispatch_once()  # sends the notice
    failed = get_followup(engine, followup_id)
    assert failed.status == FollowUpStatus.FAILED and failed.last_error == "gave up after 2 attempts: NetworkError"
    [notice] = sender.to(ADMIN)
    assert f"#{followup_id}" in notice.text and case.reference in notice.text and "NetworkError" in notice.text
    assert sender.to(WORKER) == []


async def test_a_timed_out_send_is_never_repeated_and_admins_are_told(engine) -> None:
    """Telegram may have delivered a message whose answer timed out: re-sending could send it twice."""
    case = make_case(engine)
    followup_id = add_followup(engine, case, ONE_WEEK_ON)
    sender = FakeSender(failures=[TimedOut()])
    with FrozenClock(ONE_WEEK_ON) as clock:
        assert (await dispatcher(engine, sender).dispatch_once()).failed == 1
        clock.advance(hours=1)
        await dispatcher(engine, sender).dispatch_once()  # sends the admin notice, not the prompt again
    failed = get_followup(engine, followup_id)
    assert failed.status == FollowUpStatus.FAILED and failed.last_error == INTERRUPTED
    assert sender.to(WORKER) == [] and len(sender.to(ADMIN)) == 1


async def test_a_worker_who_blocked_the_bot_is_reported_to_admins_without_retrying(engine) -> None:
    case = make_case(engine)
    followup_id = add_followup(engine, case, ONE_WEEK_ON)
    sender = FakeSender(blocked={WORKER})
    with FrozenClock(ONE_WEEK_ON):
        stats = await dispatcher(engine, sender).dispatch_once()
        await dispatcher(engine, sender).dispatch_once()
    assert stats.failed == 1
    assert get_followup(engine, followup_id).last_error == BLOCKED
    assert [BLOCKED in m.text for m in sender.to(ADMIN)] == [True]


async def test_a_client_who_blocked_the_bot_is_reported_to_their_link_worker_and_check_ins_stop(engine) -> None:
    case = make_case(engine)
    with FrozenClock(TUESDAY_10AM), session_scope(engine) as session:
        code = create_client_checkin_code(session, case.referral_id, 72)
        redeem_client_checkin(session, code, CLIENT_CHAT, policy())
    [check] = followups(engine, FollowUpKind.CLIENT_CHECK)
    sender = FakeSender(blocked={CLIENT_CHAT})
    with FrozenClock(check.due_at):
        await dispatcher(engine, sender).dispatch_once()
        await dispatcher(engine, sender).dispatch_once()
    [notice] = sender.to(WORKER)
    assert case.reference in notice.text and "blocked the bot" in notice.text and "another way" in notice.text
    assert sender.to(ADMIN) == []
    with session_scope(engine) as session:
        assert session.get(Signposting, case.signposting_id).client_chat_id is None


def _started_sending(engine, followup_id: int) -> None:
    """The dispatcher had handed the row to Telegram (its API call started) when the process died."""
    with session_scope(engine) as session:
        session.execute(update(FollowUp).where(FollowUp.id == followup_id).values(status=FollowUpStatus.SENDING))


async def test_a_row_left_mid_send_by_a_crash_is_reported_not_resent(engine) -> None:
    case = make_case(engine)
    followup_id = add_followup(engine, case, ONE_WEEK_ON)
    sender = FakeSender()
    with FrozenClock(ONE_WEEK_ON) as clock:
        assert dispatcher(engine, sender, "crashed-worker").claim_due(10) == [followup_id]
        _started_sending(engine, followup_id)  # then the process dies
        clock.advance(minutes=1)
        survivor = dispatcher(engine, sender, "survivor")
        await survivor.dispatch_due()
        assert get_followup(engine, followup_id).status == FollowUpStatus.SENDING  # lease still running: hands off
        clock.advance(minutes=5)
        stats = await survivor.dispatch_due()
    assert stats.interrupted == 1
    stored = get_followup(engine, followup_id)
    assert (stored.status, stored.last_error) == (FollowUpStatus.FAILED, INTERRUPTED)
    assert sender.to(WORKER) == []  # never blindly re-sent
    [notice] = sender.to(ADMIN)
    assert "may not have been delivered" in notice.text and case.reference in notice.text
    assert f"/retryfollowup {followup_id}" in notice.text


async def test_rows_claimed_but_not_yet_sending_when_a_worker_dies_go_back_to_the_queue(engine) -> None:
    case = make_case(engine)
    ids = [add_followup(engine, case, ONE_WEEK_ON, key=f"q{n}") for n in range(3)]
    sender = FakeSender()
    with FrozenClock(ONE_WEEK_ON) as clock:
        assert sorted(dispatcher(engine, sender, "crashed-worker").claim_due(10)) == ids  # then the process dies
        clock.advance(minutes=6)  # its lease runs out
        stats = await dispatcher(engine, sender, "survivor").dispatch_due()
    assert (stats.requeued, stats.interrupted, stats.sent) == (3, 0, 3)
    assert [parse_callback(m.buttons[0][0][1])[0] for m in sender.to(WORKER)] == ids  # each sent once
    assert sender.to(ADMIN) == []  # nothing in doubt, nothing to report


async def test_many_prompts_caught_mid_send_are_reported_in_one_digest_and_retried_in_bulk(engine) -> None:
    case = make_case(engine)
    ids = [add_followup(engine, case, ONE_WEEK_ON, key=f"d{n}") for n in range(12)]
    sender = FakeSender()
    with FrozenClock(ONE_WEEK_ON) as clock:
        dispatcher(engine, sender, "crashed-worker").claim_due(20)
        for followup_id in ids:
            _started_sending(engine, followup_id)
        clock.advance(minutes=6)
        await dispatcher(engine, sender, "survivor").dispatch_due()
        [digest] = sender.to(ADMIN)  # one message, not twelve
        assert all(f"#{followup_id} {case.reference}" in digest.text for followup_id in ids)
        assert "/retryfollowup all" in digest.text
        with session_scope(engine) as session:
            assert retry_failed_followups(session, None, policy()) == 12
        clock.advance(minutes=1)
        await dispatcher(engine, sender, "survivor").dispatch_due()
    assert len(sender.to(WORKER)) == 12
    assert {get_followup(engine, followup_id).status for followup_id in ids} == {FollowUpStatus.SENT}


async def test_a_connection_lost_after_a_prompt_went_out_is_not_sent_again(engine) -> None:
    """A reset connection after Telegram accepted the prompt: re-sending would ask the worker twice."""
    followup_id = add_followup(engine, make_case(engine), ONE_WEEK_ON)
    sender = FakeSender(failures=[lost_answer()])
    with FrozenClock(ONE_WEEK_ON) as clock:
        assert (await dispatcher(engine, sender).dispatch_once()).failed == 1
        clock.advance(hours=1)
        await dispatcher(engine, sender).dispatch_once()
    failed = get_followup(engine, followup_id)
    assert (failed.status, failed.last_error) == (FollowUpStatus.FAILED, INTERRUPTED)
    assert sender.to(WORKER) == [] and len(sender.to(ADMIN)) == 1


async def test_a_reminder_whose_answer_was_lost_is_sent_again(engine) -> None:
    """At least once: a repeated reminder is harmless beside a lost one."""
    case = make_case(engine, claimed_by=None, signposted=False)
    add_followup(engine, case, ONE_WEEK_ON, FollowUpKind.FIRST_CONTACT_REMINDER)
    sender = FakeSender(failures=[lost_answer()])
    with FrozenClock(ONE_WEEK_ON) as clock:
        assert (await dispatcher(engine, sender).dispatch_once()).retried == 1
        clock.advance(minutes=1)
        await dispatcher(engine, sender).dispatch_once()
    assert [case.reference in m.text for m in sender.to(TEAM_CHAT)] == [True]


async def test_an_unanswered_prompt_is_resent_once_then_escalated_to_the_team(engine) -> None:
    case = make_case(engine)
    followup_id = add_followup(engine, case, ONE_WEEK_ON)
    sender = FakeSender()
    with FrozenClock(ONE_WEEK_ON) as clock:
        worker = dispatcher(engine, sender)
        await worker.dispatch_due()
        clock.advance(days=3)
        await worker.dispatch_due()
        clock.advance(days=3)
        await worker.dispatch_due()
        clock.advance(days=3)
        await worker.dispatch_due()  # nothing more: asked twice, escalated once
    texts = [m.text for m in sender.to(WORKER)]
    assert len(texts) == 2 and texts[1].startswith("Reminder: no answer yet.")
    [escalation] = sender.to(TEAM_CHAT)
    assert case.reference in escalation.text and "asked twice" in escalation.text
    stored = get_followup(engine, followup_id)
    assert stored.status == FollowUpStatus.SENT and stored.resends == 1 and stored.escalated_at is not None


def _many_due_rows(engine, count: int) -> None:
    case = make_case(engine)
    rows = [
        {"dedupe_key": f"bulk:{n}", "kind": FollowUpKind.ENGAGEMENT_CHECK.value, "referral_id": case.referral_id,
         "signposting_id": case.signposting_id, "sequence": 1, "due_at": ONE_WEEK_ON, "status": "pending",
         "attempts": 0, "resends": 0, "created_at": TUESDAY_10AM}
        for n in range(count)
    ]
    with session_scope(engine) as session:
        session.execute(insert(FollowUp), rows)


class SlowSender(FakeSender):
    async def send(self, chat_id, text, buttons) -> int:  # type: ignore[no-untyped-def]
        await asyncio.sleep(0.001)  # let the other worker in between claim and send
        return await super().send(chat_id, text, buttons)


async def test_two_workers_on_one_database_never_send_the_same_follow_up_twice(engine, database_url) -> None:
    _many_due_rows(engine, 300)
    senders = [SlowSender(), SlowSender()]
    errors: list[BaseException] = []

    def work(worker_id: str, sender: FakeSender) -> None:
        own_engine = make_engine(database_url)  # like a second bot process: its own connections
        worker = Dispatcher(own_engine, sender, policy(), worker_id, batch_size=7, concurrency=4)

        async def drain() -> None:
            while (await worker.dispatch_once()).claimed:
                pass

        try:
            asyncio.run(drain())
        except BaseException as problem:
            errors.append(problem)
        finally:
            own_engine.dispose()

    with FrozenClock(ONE_WEEK_ON):
        threads = [threading.Thread(target=work, args=(f"worker-{n}", s)) for n, s in enumerate(senders)]
        for thread in threads:
            thread.start()
        await asyncio.to_thread(lambda: [thread.join() for thread in threads])
    assert errors == []
    sent_ids = [parse_callback(m.buttons[0][0][1])[0] for s in senders for m in s.sent]
    assert len(sent_ids) == 300 and len(set(sent_ids)) == 300
    assert all(sender.sent for sender in senders), "both workers should have taken a share"
    assert {f.status for f in followups(engine)} == {FollowUpStatus.SENT}



async def test_admins_see_failures_by_reference_and_can_send_one_again(engine) -> None:
    case = make_case(engine)
    followup_id = add_followup(engine, case, ONE_WEEK_ON)
    sender = FakeSender(blocked={WORKER})
    with FrozenClock(ONE_WEEK_ON) as clock:
        await dispatcher(engine, sender).dispatch_once()
        with session_scope(engine) as session:
            [line] = describe_failed(session, failed_followups(session), policy())
            assert line == f"#{followup_id} {case.reference}, engagement check (due Tue 17 Mar): {BLOCKED}"
            assert not retry_failed_followup(session, followup_id + 1, policy())  # the notice isn't failed
            assert retry_failed_followup(session, followup_id, policy())
        sender.blocked.clear()  # they unblocked the bot
        clock.advance(minutes=1)
        await dispatcher(engine, sender).dispatch_once()
    assert len(sender.to(WORKER)) == 1
    assert get_followup(engine, followup_id).status == FollowUpStatus.SENT


async def test_an_urgent_escalation_says_it_is_urgent_and_when_the_patient_leaves(engine) -> None:
    from datetime import date

    from casework.models import Urgency

    case = make_case(engine, claimed_by=None, signposted=False)
    with session_scope(engine) as session:
        referral = session.get(Referral, case.referral_id)
        referral.urgency, referral.expected_discharge = Urgency.URGENT, date(2026, 3, 12)
        session.add(referral)
    add_followup(engine, case, TUESDAY_10AM, FollowUpKind.FIRST_CONTACT_ESCALATION)
    sender = FakeSender()
    with FrozenClock(TUESDAY_10AM):
        await dispatcher(engine, sender).dispatch_once()
    [escalation] = [m.text for m in sender.to(TEAM_CHAT)]
    assert escalation.startswith(f"Escalation: URGENT referral {case.reference}")
    assert "within 1 working day" in escalation and "discharged on Thu 12 Mar" in escalation

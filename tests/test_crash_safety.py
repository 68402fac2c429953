"""SIGKILL the bot process mid-referral and mid-dispatch, restart it: nothing lost, nothing sent twice.

The bot runs as a real child process (`python -m bot run`, polling) against the in-process fake Bot API, on a
SQLite file and on PostgreSQL. A kill is `kill -9`: no shutdown hooks, no flushing, like a crash or an OOM kill.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from bot.app import make_runtime
from casework.models import ContactRoute, Referral, Role, StaffUser, Urgency
from casework.referrals import view_case
from core.clock import utcnow
from core.crypto import FieldCipher
from core.db import make_engine, session_scope
from core.dialogs import DialogState
from core.settings import Settings
from scheduler.messages import INTERRUPTED, parse_callback
from scheduler.models import FollowUp, FollowUpKind, FollowUpStatus
from tests.e2e import BotProcess, act_sync, pointed_at, running_bot, settings_env, sqlite_only
from tests.fakebotapi import Call, FakeBotApi, FakeDriver, poll_until, poll_until_sync
from tests.test_bot_e2e import HOSPITAL_REF, NHS_NUMBER, NURSE, RISK_TEXT, button
from tests.test_followup_support import make_case

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
ADMIN = 1000  # admin_user_ids in conftest's settings: delivery failures are reported here
WARD = "Ward 7 Elderly Care"
WAIT = 60  # generous: a child process on a busy 2-core machine


def awake(settings: Settings) -> Settings:
    """`settings` for a bot that dispatches follow-ups every second, whatever the time of day or week."""
    return settings.model_copy(
        update={
            "followup_dispatch_seconds": 1,
            "quiet_hours_start": 0,  # start == end: no quiet hours (scheduler.policy.FollowUpPolicy.is_quiet)
            "quiet_hours_end": 0,
            "allow_weekend_prompts": True,  # also lets prompts out on bank holidays
        }
    )


@contextmanager
def database(settings: Settings) -> Iterator[Engine]:
    """The test's own connection to the database the bot processes use."""
    engine = make_engine(settings.database_url)
    try:
        yield engine
    finally:
        engine.dispose()


# ------------------------------------------------------------------------------------- a referral, step by step


@dataclass(frozen=True)
class Step:
    """One thing the nurse does in /refer (`command`, `type` or `tap` a button by label) and the question it
    should bring up."""

    action: str
    value: str
    expect: str

    def push(self, fake: FakeDriver) -> Callable[[], dict[str, Any]]:
        if self.action == "command":
            return lambda: fake.push_command(NURSE, self.value)
        if self.action == "type":
            return lambda: fake.push_text(NURSE, self.value)
        data = button(fake.messages(NURSE)[-1:], self.value)
        return lambda: fake.push_callback(NURSE, data)


REFERRAL = (
    Step("command", "refer", "Has the patient agreed"),
    Step("tap", "they agree", "share updates with the patient's GP"),
    Step("tap", "Yes", "Patient's initials only"),
    Step("type", "J.S.", "Hospital number or ward reference"),
    Step("type", HOSPITAL_REF, "NHS number (optional)"),
    Step("type", NHS_NUMBER, "Which ward or area"),
    Step("type", WARD, "Reasons for referral"),
    Step("tap", "Money", "Reasons for referral"),  # the toggle edits the question in place
    Step("tap", "Done", "How soon should the link worker"),
    Step("tap", "Before discharge", "Any risks"),
    Step("type", RISK_TEXT, "Best way for the link worker"),
    Step("tap", "Phone call", "Expected discharge date"),
    Step("tap", "Not known", "Please check the referral"),
    Step("tap", "Send referral", "Referral sent. Reference"),
)
QUESTIONS = [step.expect for step in REFERRAL]


def take(fake: FakeDriver, steps: Iterable[Step]) -> Call:
    """The nurse takes each step in turn, waiting for the question it brings up; returns the last answer."""
    answer = None
    for step in steps:
        answer = act_sync(fake, step.push(fake), step.expect, WAIT)
    assert answer is not None
    return answer


def nurse_saw(fake: FakeDriver) -> list[str]:
    """Each question (or edit of one) the nurse was shown, as the QUESTIONS it matches; anything else verbatim."""
    shown = []
    for call in fake.calls(chat_id=NURSE):
        if call.ok and call.method in {"sendMessage", "editMessageText"}:
            text = call.text or ""
            if not text.startswith("New social prescribing referral"):  # the greeting before the first question
                shown.append(next((question for question in QUESTIONS if question in text), text))
    return shown


def assert_one_referral_with_every_answer(settings: Settings, reference: str) -> None:
    """Exactly one referral, holding (decrypted with the deployment's key) exactly what the nurse answered."""
    assert settings.notes_encryption_key
    with database(settings) as engine, session_scope(engine) as session:
        [referral] = session.exec(select(Referral)).all()
        case = view_case(session, referral, ADMIN, FieldCipher(settings.notes_encryption_key))
        # the conversation is over: all the dialog store keeps is the reference (a retap of Send is answered with it)
        assert [(d.step, d.data) for d in session.exec(select(DialogState))] == [("sent", {"reference": reference})]
    assert (case.reference, referral.consent_share, referral.consent_gp) == (reference, True, True)
    assert (case.client_initials, case.hospital_ref, case.nhs_number, case.ward) == (
        "JS", HOSPITAL_REF, NHS_NUMBER, WARD)  # fmt: skip
    assert (case.reasons, case.urgency, case.risks) == (["money"], Urgency.SOON, RISK_TEXT)
    assert (case.contact_route, case.expected_discharge) == (ContactRoute.PHONE, None)


def add_ward_nurse(settings: Settings) -> None:
    with database(settings) as engine, session_scope(engine) as session:
        session.add(StaffUser(telegram_user_id=NURSE, role=Role.WARD_STAFF))


def test_a_referral_survives_sigkills_and_an_answer_sent_while_the_bot_was_dead(
    settings: Settings, fake_bot_api: FakeBotApi
) -> None:
    add_ward_nurse(settings)
    env = settings_env(settings, fake_bot_api)

    with BotProcess(env) as first:
        take(fake_bot_api, REFERRAL[:5])  # ... up to "NHS number?"
        assert first.kill() < 0
    while_dead = fake_bot_api.push_text(NURSE, NHS_NUMBER)  # answered while nothing is running

    with BotProcess(env) as second:
        fake_bot_api.wait_for_sync(chat_id=NURSE, contains=REFERRAL[5].expect, timeout=WAIT)  # "Which ward?"
        fake_bot_api.wait_acknowledged_sync(while_dead["update_id"], WAIT)
        take(fake_bot_api, REFERRAL[6:8])  # the ward, then a reason ticked: a button step open at the kill
        assert second.kill() < 0

    with BotProcess(env):
        sent = take(fake_bot_api, REFERRAL[8:])  # "Done" under the message shown before the kill still works

    reference = re.search(r"SP-[A-Z0-9]{6}", sent.text or "")
    assert reference, sent.text
    assert nurse_saw(fake_bot_api) == QUESTIONS  # each question once, in order: nothing repeated, lost or refused
    assert "✅ Money" in str(FakeBotApi.buttons(fake_bot_api.calls("editMessageText", NURSE)[0]))
    assert_one_referral_with_every_answer(settings, reference.group(0))


# ----------------------------------------------------------------------------------------- follow-up dispatch

FOLLOWUPS = 40
IN_FLIGHT = 5  # sends hanging at Telegram when the bot is killed (fewer than the dispatcher's 8 parallel sends)
FIRST_WORKER = 7001  # each follow-up goes to its own link worker's chat


def add_due_engagement_checks(engine: Engine, count: int, workers: int | None = None) -> dict[int, int]:
    """`count` engagement checks due now, in one transaction, spread over the cases of `workers` link workers
    (default: one each); returns {follow-up id: the worker's chat}."""
    chats = [FIRST_WORKER + n for n in range(workers or count)]
    cases = [make_case(engine, claimed_by=chat) for chat in chats]
    due = utcnow() - timedelta(minutes=1)
    with session_scope(engine) as session:
        rows = [
            FollowUp(dedupe_key=f"due:{n}", kind=FollowUpKind.ENGAGEMENT_CHECK, due_at=due,
                     referral_id=cases[n % len(cases)].referral_id, signposting_id=cases[n % len(cases)].signposting_id)
            for n in range(count)
        ]  # fmt: skip
        session.add_all(rows)
        session.flush()
        return {row.id: chats[n % len(chats)] for n, row in enumerate(rows) if row.id is not None}


def prompts_delivered(fake: FakeDriver) -> Counter[tuple[int, int]]:
    """How many times each follow-up prompt reached a user: {(follow-up id from its buttons, chat): count}."""
    delivered: Counter[tuple[int, int]] = Counter()
    for call in fake.calls("sendMessage"):
        buttons = FakeBotApi.buttons(call) if call.ok else []
        parsed = parse_callback(buttons[0][1]) if buttons else None
        if parsed is not None:
            delivered[parsed[0], call.result["chat"]["id"]] += 1
    return delivered


def followup_rows(engine: Engine, *kinds: FollowUpKind) -> list[FollowUp]:
    with session_scope(engine) as session:
        return list(session.exec(select(FollowUp).where(col(FollowUp.kind).in_(kinds)).order_by(col(FollowUp.id))))


def count_status(engine: Engine, kind: FollowUpKind, status: FollowUpStatus) -> int | None:
    """How many `kind` rows are in `status` (None when there are none, for `poll_until_sync`)."""
    return sum(row.status == status for row in followup_rows(engine, kind)) or None


def test_a_kill_mid_dispatch_neither_repeats_a_prompt_nor_drops_one_silently(
    settings: Settings, fake_bot_api: FakeBotApi
) -> None:
    settings = awake(settings)
    env = settings_env(settings, fake_bot_api)
    with database(settings) as engine:
        recipients = add_due_engagement_checks(engine, FOLLOWUPS)
        hanging = list(recipients)[:: FOLLOWUPS // IN_FLIGHT]
        for followup_id in hanging:
            fake_bot_api.hold("sendMessage", recipients[followup_id])
        sent_before_kill = FOLLOWUPS - IN_FLIGHT

        with BotProcess(env) as first:
            poll_until_sync(lambda: fake_bot_api.held() == IN_FLIGHT or None, WAIT, lambda: first.output)
            poll_until_sync(
                lambda: count_status(engine, FollowUpKind.ENGAGEMENT_CHECK, FollowUpStatus.SENT) == sent_before_kill
                or None, WAIT, lambda: "the other prompts were not all sent",
            )  # fmt: skip
            assert first.kill() < 0
        fake_bot_api.release()  # Telegram delivers the hanging messages after all; the bot never hears back
        with session_scope(engine) as session:  # the dead worker's lease (5 minutes) runs out: no need to wait
            session.execute(
                update(FollowUp)
                .where(col(FollowUp.status) == FollowUpStatus.SENDING)
                .values(locked_until=utcnow() - timedelta(seconds=1))
            )

        with BotProcess(env) as restarted:
            poll_until_sync(
                lambda: count_status(engine, FollowUpKind.FAILURE_DIGEST, FollowUpStatus.SENT),
                WAIT, lambda: f"admins were not told about the interrupted sends:\n{restarted.output}",
            )  # fmt: skip
        prompts = followup_rows(engine, FollowUpKind.ENGAGEMENT_CHECK)
        notices = followup_rows(engine, FollowUpKind.FAILURE_NOTICE, FollowUpKind.FAILURE_DIGEST)

    delivered = prompts_delivered(fake_bot_api)
    assert set(delivered) == set(recipients.items()) and max(delivered.values()) == 1  # each reached its user once
    outcome = {row.id: (row.status, row.last_error) for row in prompts}
    assert outcome == {
        followup_id: (FollowUpStatus.FAILED, INTERRUPTED) if followup_id in hanging else (FollowUpStatus.SENT, None)
        for followup_id in recipients
    }
    shown = {(call.chat_id, call.result["message_id"]) for call in fake_bot_api.calls("sendMessage") if call.ok}
    assert all((row.recipient_chat_id, row.message_id) in shown for row in prompts if row.status == FollowUpStatus.SENT)
    assert [notice.kind for notice in notices] == [FollowUpKind.FAILURE_DIGEST]  # one message to the admin, not 5
    [digest] = fake_bot_api.sent_texts(ADMIN)
    assert "may not have been delivered" in digest
    assert sorted(int(found) for found in re.findall(r"^#(\d+) ", digest, re.MULTILINE)) == sorted(hanging)


@sqlite_only
async def test_a_send_that_times_out_is_not_sent_again(settings: Settings, fake_bot_api: FakeBotApi) -> None:
    settings = pointed_at(awake(settings), fake_bot_api).model_copy(update={"followup_retry_base_seconds": 1})
    runtime = make_runtime(settings)
    [(followup_id, worker)] = add_due_engagement_checks(runtime.engine, 1).items()

    def status() -> FollowUpStatus:
        with session_scope(runtime.engine) as session:
            row = session.get(FollowUp, followup_id)
            assert row is not None
            return row.status

    fake_bot_api.hold("sendMessage", worker)  # Telegram takes the message but answers too late (PTB waits 15 s)
    async with running_bot(settings, fake_bot_api, runtime=runtime):
        await poll_until(lambda: fake_bot_api.held() or None, WAIT, lambda: "the prompt was never sent")
        await poll_until(lambda: status() != FollowUpStatus.SENDING or None, WAIT, lambda: "the send never timed out")
        fake_bot_api.release()  # ... and delivers it
        settled = await poll_until(
            lambda: status() if status() in {FollowUpStatus.SENT, FollowUpStatus.FAILED} else None,
            WAIT, lambda: f"follow-up {followup_id} never settled",
        )  # fmt: skip
        if settled == FollowUpStatus.FAILED:  # not repeated: then a person must be told it may not have arrived
            await fake_bot_api.wait_for(chat_id=ADMIN, contains=f"Follow-up #{followup_id} ", timeout=WAIT)
    runtime.engine.dispose()

    assert prompts_delivered(fake_bot_api) == {(followup_id, worker): 1}

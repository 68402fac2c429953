"""End to end: a due follow-up goes out through the real Application as a message with buttons; a tap records it."""

from __future__ import annotations

import re
from datetime import timedelta

from bot.app import make_runtime
from casework.models import Engagement, Role, Signposting, StaffUser
from core.clock import utcnow
from core.db import session_scope
from core.runtime import Runtime
from core.settings import Settings
from scheduler.models import FollowUpStatus
from tests.e2e import pointed_at, running_bot, sqlite_only
from tests.fakebotapi import FakeBotApi
from tests.test_followup_support import (
    ADMIN,
    CLIENT_CHAT,
    OTHER_WORKER,
    SERVICE_NAME,
    WORKER,
    add_followup,
    get_followup,
    make_case,
)


def _runtime_with_followups(settings: Settings, fake: FakeBotApi) -> Runtime:
    """A runtime pointed at the fake (every bot runs the follow-up engine and its handlers)."""
    return make_runtime(pointed_at(settings, fake))


@sqlite_only
async def test_a_due_prompt_is_delivered_with_buttons_and_a_tap_records_the_answer(settings) -> None:
    settings = settings.model_copy(update={"quiet_hours_start": 0, "quiet_hours_end": 0, "allow_weekend_prompts": True})
    with FakeBotApi() as fake:
        runtime = _runtime_with_followups(settings, fake)
        case = make_case(runtime.engine, utcnow() - timedelta(days=7))
        followup_id = add_followup(runtime.engine, case, utcnow() - timedelta(minutes=1))
        async with running_bot(settings, fake, runtime=runtime) as bot:
            prompt = await fake.wait_for("sendMessage", chat_id=WORKER, contains=case.reference)
            assert f"Did {case.reference} engage with {SERVICE_NAME}?" in (prompt.text or "")
            assert fake.buttons(prompt)[0] == ("Engaged", f"fu:{followup_id}:eng")

            replies = await bot.click(WORKER, f"fu:{followup_id}:eng")
            assert replies.answers == ["Thanks, recorded."]
            assert (fake.last_message(WORKER) or {}).get("text", "").endswith("Recorded: Engaged.")
            assert fake.buttons(fake.last_message(WORKER)) == []

            stale = await bot.click(WORKER, f"fu:{followup_id}:dec")
            forged = await bot.click(WORKER, f"fu:{followup_id + 1}:eng")
            assert stale.answers == ["Already answered: Engaged."]
            assert forged.answers == ["That button has expired. Nothing has been changed."]
        assert len(fake.sent_texts(WORKER)) == 1  # sent once, never again
    stored = get_followup(runtime.engine, followup_id)
    assert (stored.status, stored.answer) == (FollowUpStatus.ANSWERED, "eng")
    with session_scope(runtime.engine) as session:
        assert session.get(Signposting, case.signposting_id).engagement == Engagement.ENGAGED
    runtime.engine.dispose()


def _without_survey(texts: list[str]) -> list[str]:
    """The replies, leaving out ONS4 survey questions the dispatcher sent meanwhile."""
    return [text for text in texts if not re.search(r"\bQuestion \d of 4: ", text)]


@sqlite_only
async def test_a_link_worker_gives_a_client_a_check_in_code_and_the_client_can_stop(settings) -> None:
    with FakeBotApi() as fake:
        runtime = _runtime_with_followups(settings, fake)
        case = make_case(runtime.engine)
        with session_scope(runtime.engine) as session:
            session.add_all([StaffUser(telegram_user_id=who, role=Role.LINK_WORKER) for who in (WORKER, OTHER_WORKER)])
        async with running_bot(settings, fake, runtime=runtime) as bot:
            [issued] = (await bot.command(WORKER, "checkincode", case.reference)).texts
            code = re.search(r"\b([A-Z2-9]{4}-[A-Z2-9]{4})\b", issued).group(1)  # type: ignore[union-attr]
            assert f"https://t.me/signpost_test_bot?start=checkin-{code.replace('-', '')}" in issued
            [refused] = (await bot.command(OTHER_WORKER, "checkincode", case.reference)).texts
            assert "isn't one of your cases" in refused

            # Outside quiet hours the first ONS4 question goes out straight after the welcome, and may arrive while
            # either of the client's own actions is being answered: it is not a reply to them.
            [welcome] = _without_survey((await bot.command(CLIENT_CHAT, "checkin", code)).texts)
            [replayed] = (await bot.command(CLIENT_CHAT + 1, "checkin", code)).texts
            [stopped] = _without_survey((await bot.command(CLIENT_CHAT, "stopcheckins")).texts)
            [failed] = (await bot.command(ADMIN, "failedfollowups")).texts
        assert "you're all set" in welcome and "/stopcheckins" in welcome
        assert "didn't work" in replayed
        assert stopped.startswith("Done.")
        assert failed == "No failed follow-ups."
    with session_scope(runtime.engine) as session:
        assert session.get(Signposting, case.signposting_id).client_chat_id is None
    runtime.engine.dispose()


@sqlite_only
async def test_an_opted_in_client_answers_ons4_one_tap_at_a_time(settings) -> None:
    settings = settings.model_copy(update={"quiet_hours_start": 0, "quiet_hours_end": 0, "allow_weekend_prompts": True})
    with FakeBotApi() as fake:
        runtime = _runtime_with_followups(settings, fake)
        case = make_case(runtime.engine)
        with session_scope(runtime.engine) as session:
            session.add(StaffUser(telegram_user_id=WORKER, role=Role.LINK_WORKER))
        async with running_bot(settings, fake, runtime=runtime) as bot:
            [issued] = (await bot.command(WORKER, "checkincode", case.reference)).texts
            code = re.search(r"\b([A-Z2-9]{4}-[A-Z2-9]{4})\b", issued).group(1)  # type: ignore[union-attr]
            await bot.command(CLIENT_CHAT, "checkin", code)
            first = await fake.wait_for("sendMessage", chat_id=CLIENT_CHAT, contains="Question 1 of 4")
            assert "satisfied" in (first.text or "") and fake.buttons(first)[-1][0] == "Skip"
            seven = dict(fake.buttons(first))["7"]
            replies = await bot.click(CLIENT_CHAT, seven)
            assert replies.answers == ["Thank you!"]
            second = await fake.wait_for("sendMessage", chat_id=CLIENT_CHAT, contains="Question 2 of 4")
            assert "worthwhile" in (second.text or "")
            again = await bot.click(CLIENT_CHAT, seven, message_id=first.result["message_id"])  # an old copy
            assert again.answers == ["Already answered, thank you."]
    with session_scope(runtime.engine) as session:
        from sqlmodel import select

        from casework.models import OutcomeAnswer

        assert [(a.item, a.score) for a in session.exec(select(OutcomeAnswer))] == [("life_satisfaction", 7)]
    runtime.engine.dispose()

"""Nothing lost, nothing twice, through the real bot: owed messages survive Telegram's faults and a kill, updates
are applied once, typed answers stay with their question, and long content arrives whole."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import pytest
from sqlmodel import select

from bot.app import make_runtime
from casework.models import Referral, Role, StaffUser
from core.db import session_scope
from core.dialogs import load_dialog
from core.settings import Settings
from directory.models import Organisation, Service
from scheduler.models import FollowUp, FollowUpKind, FollowUpStatus
from tests.e2e import BotHarness, BotProcess, act_sync, pointed_at, running_bot, settings_env, sqlite_only
from tests.fakebotapi import MESSAGE_METHODS, FakeBotApi, poll_until, poll_until_sync
from tests.test_bot_e2e import (
    HOSPITAL_REF,
    NHS_NUMBER,
    NURSE,
    TEAM_CHAT,
    WORKER,
    button,
    complete_referral,
    enrol,
    refer_up_to_initials,
)
from tests.test_crash_safety import REFERRAL, WAIT, add_ward_nurse, database, take

pytestmark = pytest.mark.e2e


def quick_retries(settings: Settings) -> Settings:
    """Owed messages retried after 1 s, 2 s, 4 s … and a dispatch pass every second."""
    return settings.model_copy(update={"followup_retry_base_seconds": 1, "followup_dispatch_seconds": 1})


def team_posts(fake: FakeBotApi, reference: str) -> int:
    return sum(reference in text for text in fake.sent_texts(TEAM_CHAT))


async def test_the_team_post_and_the_referrers_notices_survive_telegram_failing(
    settings: Settings, fake_bot_api: FakeBotApi
) -> None:
    async with running_bot(quick_retries(settings), fake_bot_api) as bot:
        await enrol(bot, NURSE, "ward")
        await enrol(bot, WORKER, "linkworker")
        fake_bot_api.fail_next("sendMessage", times=1, error_code=502, chat_id=TEAM_CHAT)  # Telegram has a bad moment
        reference = await complete_referral(bot)
        post = await fake_bot_api.wait_for(chat_id=TEAM_CHAT, contains=reference, timeout=WAIT)
        assert [("Claim", f"c:claim:{reference}")] == FakeBotApi.buttons(post)

        fake_bot_api.fail_next("sendMessage", times=1, error_code=502, chat_id=NURSE)
        await bot.click(WORKER, button([post.result], "Claim"), chat_id=TEAM_CHAT)
        await fake_bot_api.wait_for(chat_id=NURSE, contains="picked it up", timeout=WAIT)

        def owed_rows() -> set[tuple[FollowUpKind, FollowUpStatus]] | None:
            """The owed rows once the dispatcher has recorded Telegram's answer (the fake logs the message a moment
            before the bot reads the reply)."""
            with session_scope(bot.runtime.engine) as session:
                owed = session.exec(select(FollowUp).where(FollowUp.body.is_not(None)))
                rows = {(row.kind, row.status) for row in owed}
            return None if any(status == FollowUpStatus.SENDING for _, status in rows) else rows

        owed = await poll_until(owed_rows, WAIT, lambda: "an owed message stayed mid-send")
        with session_scope(bot.runtime.engine) as session:
            team_message_id = session.exec(select(Referral.team_message_id)).one()

    assert team_posts(fake_bot_api, reference) == 1
    assert team_message_id == post.result["message_id"]
    assert owed == {(FollowUpKind.TEAM_POST, FollowUpStatus.SENT), (FollowUpKind.REFERRER_NOTICE, FollowUpStatus.SENT)}


@sqlite_only
@pytest.mark.slow
def test_a_kill_between_saving_a_referral_and_replying_neither_duplicates_nor_loses_it(
    settings: Settings, fake_bot_api: FakeBotApi
) -> None:
    add_ward_nurse(settings)
    env = settings_env(settings, fake_bot_api)
    with BotProcess(env) as first:
        take(fake_bot_api, REFERRAL[:-1])  # up to the summary
        send = button(fake_bot_api.messages(NURSE)[-1:], "Send referral")
        fake_bot_api.hold("editMessageText", NURSE)  # the reply hangs: the referral is saved, the nurse sees nothing
        fake_bot_api.hold("sendMessage", TEAM_CHAT)
        fake_bot_api.push_callback(NURSE, send)
        poll_until_sync(lambda: fake_bot_api.held() == 1 or None, WAIT, lambda: first.output)
        assert first.kill() < 0
    with BotProcess(env):
        retap = act_sync(fake_bot_api, lambda: fake_bot_api.push_callback(NURSE, send), "already sent", WAIT)
        fake_bot_api.release()
        reference = re.search(r"SP-[A-Z0-9]{6}", retap.text or "")
        assert reference, retap.text
        fake_bot_api.wait_for_sync(chat_id=TEAM_CHAT, contains=reference.group(0), timeout=WAIT)
    with database(settings) as engine, session_scope(engine) as session:
        assert session.exec(select(Referral.reference)).all() == [reference.group(0)]  # one referral, not two
    assert "nothing has been changed" not in (retap.text or "")


async def answer_up_to_nhs_number(bot: BotHarness) -> dict[str, Any]:
    """Start a referral and answer up to the NHS number; returns the update that carried it."""
    await enrol(bot, NURSE, "ward")
    await refer_up_to_initials(bot)
    await bot.say(NURSE, "JS")
    await bot.say(NURSE, HOSPITAL_REF)
    carried: dict[str, Any] = {}
    asked = await bot.act(lambda: carried.setdefault("update", bot.fake.push_text(NURSE, NHS_NUMBER)))
    assert "ward" in asked.texts[-1].lower()
    return carried["update"]


def where_the_nurse_is(bot: BotHarness) -> tuple[str, dict[str, Any]]:
    with session_scope(bot.runtime.engine) as session:
        dialog = load_dialog(session, NURSE, NURSE, "refer")
    assert dialog is not None
    return dialog.step, dialog.data


@sqlite_only
async def test_a_redelivered_update_is_applied_once(settings: Settings, fake_bot_api: FakeBotApi) -> None:
    async with running_bot(settings, fake_bot_api, webhook=True) as bot:
        nhs_update = await answer_up_to_nhs_number(bot)
        deliveries = lambda: sum(uid == nhs_update["update_id"] for uid, _ in fake_bot_api.deliveries())  # noqa: E731
        since = fake_bot_api.mark()
        fake_bot_api.redeliver(nhs_update)  # Telegram posts it again
        await poll_until(lambda: deliveries() == 2 or None, WAIT, lambda: "the update was not delivered again")
        await asyncio.wait_for(bot.application.update_queue.join(), WAIT)
        await poll_until(lambda: fake_bot_api.in_flight() == 0 or None, WAIT, lambda: "a request hung")
        step, data = where_the_nurse_is(bot)
    assert (step, "ward" in data) == ("ward", False)  # not taken as the ward too
    shown = [c.text or "" for c in fake_bot_api.calls(chat_id=NURSE, after=since) if c.method in MESSAGE_METHODS]
    assert shown and all("valid NHS number" not in text for text in shown)
    assert "Which ward" in shown[-1]  # the current question again, in case the first answer never arrived


@sqlite_only
async def test_editing_an_earlier_answer_does_not_answer_the_next_question(
    settings: Settings, fake_bot_api: FakeBotApi
) -> None:
    async with running_bot(settings, fake_bot_api) as bot:
        nhs_update = await answer_up_to_nhs_number(bot)
        edited = await bot.act(lambda: fake_bot_api.push_edit(nhs_update, "943 476 5919"))
        step, data = where_the_nurse_is(bot)
    assert (step, "ward" in data) == ("ward", False)
    assert "earlier question" in edited.texts[0] and "Which ward" in edited.texts[-1]


@sqlite_only
async def test_the_same_hospital_number_referred_again_within_a_fortnight_is_flagged(
    settings: Settings, fake_bot_api: FakeBotApi
) -> None:
    async with running_bot(settings, fake_bot_api) as bot:
        await enrol(bot, NURSE, "ward")
        first = await complete_referral(bot)
        second = await complete_referral(bot)
        summaries = [text for text in fake_bot_api.sent_texts(NURSE) if text.startswith("Please check the referral")]
        with session_scope(bot.runtime.engine) as session:
            stored = [row.hospital_ref_hash or "" for row in session.exec(select(Referral))]
    assert first != second
    warned = [text for text in summaries if "already referred" in text]
    assert len(warned) == 1 and first in warned[0]
    assert len(set(stored)) == 1 and all(HOSPITAL_REF not in value and len(value) == 64 for value in stored)


async def test_three_referrals_back_to_back_are_never_cut_off(settings: Settings, fake_bot_api: FakeBotApi) -> None:
    async with running_bot(settings, fake_bot_api) as bot:
        await enrol(bot, NURSE, "ward")
        references = [await complete_referral(bot) for _ in range(3)]
    assert len(set(references)) == 3
    assert not any("very quickly" in text for text in fake_bot_api.sent_texts(NURSE))


async def say_to_either(bots: tuple[BotHarness, ...], user_id: int, text: str) -> list[str]:
    """The person types `text`; whichever process Telegram hands it to answers. Returns what they were sent."""
    fake = bots[0].fake
    since = fake.mark()
    update = fake.push_text(user_id, text)
    await fake.wait_acknowledged(update["update_id"], WAIT)
    for bot in bots:
        await asyncio.wait_for(bot.application.update_queue.join(), WAIT)
    await poll_until(lambda: fake.in_flight() == 0 or None, WAIT, lambda: "a request hung")
    return fake.sent_texts(user_id, after=since)


@sqlite_only
async def test_a_flood_is_slowed_down_once_and_counts_in_every_process(
    settings: Settings, fake_bot_api: FakeBotApi
) -> None:
    settings = settings.model_copy(
        update={"user_rate_limit_per_minute": 6, "user_rate_burst": 3, "webhook_secret": "one-secret-for-both"}
    )
    async with running_bot(settings, fake_bot_api, webhook=True) as one, \
            running_bot(settings, fake_bot_api, webhook=True) as other:  # fmt: skip
        fake_bot_api.deliver_to([str(bot.runtime.settings.webhook_url) for bot in (one, other)], "one-secret-for-both")
        said = [await say_to_either((one, other), 42, f"lonely {number}") for number in range(6)]
    targets = {url for _, url in fake_bot_api.deliveries()}
    assert len(targets) == 2  # the messages really were shared between the processes
    assert all("Here's what I found" in texts[0] for texts in said[:3])
    assert "very quickly" in said[3][0]
    assert said[4:] == [[], []]  # said once per flood, then quiet



@sqlite_only
async def test_a_crisis_message_from_someone_sending_too_fast_is_still_answered(
    settings: Settings, fake_bot_api: FakeBotApi
) -> None:
    """Someone in distress may send many messages in a row: the flood limit quiets ordinary ones, never a crisis."""
    settings = settings.model_copy(update={"user_rate_limit_per_minute": 6, "user_rate_burst": 3})
    async with running_bot(settings, fake_bot_api) as bot:
        said = [await bot.say(43, f"lonely {number}") for number in range(5)]
        crisis = await bot.say(43, "i want to end my life tonight")
        after = await bot.say(43, "lonely again")
    assert "very quickly" in said[3].texts[0] and not said[4].texts  # the flood is slowed down as before
    assert any("999" in text for text in crisis.texts), crisis.texts  # the crisis message still gets the contacts
    assert not after.texts  # and ordinary messages stay quiet


LONG_DESCRIPTION = "\n\n".join(
    f"Paragraph {number}: " + "Friendly volunteers visit people at home for a chat and a cup of tea. " * 9
    for number in range(1, 10)
)  # about 6,000 characters, as an imported ORUK description can be


@sqlite_only
async def test_a_six_thousand_character_description_is_shown_in_full(settings: Settings) -> None:
    assert 5500 < len(LONG_DESCRIPTION) < 7000
    with FakeBotApi() as fake:
        runtime = make_runtime(pointed_at(settings, fake))
        with session_scope(runtime.engine) as session:
            session.add(Organisation(id="org-long", name="Zebra Trust"))
            session.add(Service(id="svc-long", organisation_id="org-long", name="Zebracross Befriending",
                                description=LONG_DESCRIPTION, phone="01603 555 999"))
        async with running_bot(settings, fake, runtime=runtime) as bot:
            results = await bot.say(4001, "zebracross befriending")
            details = await bot.click(4001, button(results, "1"))
        runtime.engine.dispose()
    shown = "\n\n".join(details.texts)
    assert all(f"Paragraph {number}:" in shown for number in range(1, 10)), details.texts
    assert "Phone: 01603 555 999" in shown and len(details.texts) >= 2
    assert [label for label, _ in FakeBotApi.buttons(details[-1])] == [  # the buttons under the last part
        "◀ Back to list", "⚠ Report a problem with this listing"]


@sqlite_only
async def test_a_long_remembered_ward_name_still_fits_its_button(settings: Settings, fake_bot_api: FakeBotApi) -> None:
    ward = "Oddział Kardiologii Dziecięcej Śródmieście"[:40]  # 40 characters, over 50 bytes of button data
    async with running_bot(settings, fake_bot_api) as bot:
        with session_scope(bot.runtime.engine) as session:
            session.add(StaffUser(telegram_user_id=NURSE, role=Role.WARD_STAFF, ward=ward))
        await refer_up_to_initials(bot)
        await bot.say(NURSE, "JS")
        await bot.say(NURSE, HOSPITAL_REF)
        asked = await bot.say(NURSE, NHS_NUMBER)
        reasons = await bot.click(NURSE, button(asked, ward))
        step, data = where_the_nurse_is(bot)
    assert "Reasons for referral" in reasons.texts[-1]
    assert (step, data["ward"]) == ("reasons", ward)

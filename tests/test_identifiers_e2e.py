"""Through the real bot: identifiers typed in the wrong place are not searched, kept or shown in a group."""

from __future__ import annotations

import pytest
from sqlmodel import select

from core.db import session_scope
from core.settings import Settings
from directory.models import UnmetSearch
from tests.e2e import running_bot, sqlite_only
from tests.fakebotapi import FakeBotApi
from tests.test_bot_e2e import CLIENT, HOSPITAL_REF, NHS_NUMBER, NURSE, TEAM_CHAT, WORKER, enrol, refer_up_to_initials

pytestmark = pytest.mark.e2e


@sqlite_only
async def test_a_nurse_typing_an_nhs_number_after_cancel_is_told_it_was_not_saved(
    settings: Settings, fake_bot_api: FakeBotApi
) -> None:
    async with running_bot(settings, fake_bot_api) as bot:
        await enrol(bot, NURSE, "ward")
        await bot.command(NURSE, "cancel")
        update = fake_bot_api.push_text(NURSE, NHS_NUMBER)
        await bot.settle(update["update_id"])
        replies = fake_bot_api.sent_texts(NURSE)
        typed = update["message"]["message_id"]
        assert not fake_bot_api.still_shown(NURSE, typed), "the NHS number stayed in the nurse's chat"
        for text in ("rg1 12345", "qwxzv plorth"):
            await bot.say(NURSE, text)
        with session_scope(bot.runtime.engine) as session:
            stored = [row.query for row in session.exec(select(UnmetSearch))]
    assert "haven't searched for it or saved it" in replies[-1] and "/refer" in replies[-1]
    assert NHS_NUMBER not in replies[-1]
    assert stored == ["qwxzv plorth"]  # the hospital number was not kept either


@sqlite_only
async def test_report_in_the_team_chat_shows_no_search_wording(settings: Settings, fake_bot_api: FakeBotApi) -> None:
    async with running_bot(settings, fake_bot_api) as bot:
        await enrol(bot, WORKER, "linkworker")
        for person in range(5):
            await bot.say(CLIENT + person, "qwxzv plorth")
        await bot.say(CLIENT, "zzkrumb")
        team = await bot.command(WORKER, "report", chat_id=TEAM_CHAT)
        private = await bot.command(WORKER, "report")
    assert "Unmet need: 6 searches found nothing." in team.texts[0]
    assert "qwxzv" not in team.texts[0] and "zzkrumb" not in team.texts[0]
    assert '"qwxzv plorth" (5)' in private.texts[0]  # five different people searched it
    assert "zzkrumb" not in private.texts[0]  # one person: never shown


@sqlite_only
async def test_identifiers_typed_during_a_referral_are_removed_from_the_nurses_chat_and_echoed_masked(
    settings: Settings, fake_bot_api: FakeBotApi
) -> None:
    async with running_bot(settings, fake_bot_api) as bot:
        await enrol(bot, NURSE, "ward")
        await refer_up_to_initials(bot)
        await bot.say(NURSE, "JS")
        typed_ref = fake_bot_api.push_text(NURSE, HOSPITAL_REF)
        await bot.settle(typed_ref["update_id"])
        typo = fake_bot_api.push_text(NURSE, "9434765918")  # one digit wrong: still most of an NHS number
        await bot.settle(typo["update_id"])
        typed_nhs = fake_bot_api.push_text(NURSE, NHS_NUMBER)
        await bot.settle(typed_nhs["update_id"])
        shown = fake_bot_api.sent_texts(NURSE)
        for update in (typed_ref, typo, typed_nhs):
            assert not fake_bot_api.still_shown(NURSE, update["message"]["message_id"])
        ward = fake_bot_api.push_text(NURSE, "Ward 7")
        await bot.settle(ward["update_id"])
        assert fake_bot_api.still_shown(NURSE, ward["message"]["message_id"])  # not an identifier: left alone
    assert "Noted: •••••••••21" in shown[-3] and "NHS number" in shown[-3]
    assert "valid NHS number" in shown[-2]
    assert "Noted: ••••••••19" in shown[-1] and "ward" in shown[-1].lower()
    assert not any(HOSPITAL_REF in text or NHS_NUMBER in text for text in shown)

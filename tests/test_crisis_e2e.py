"""Crisis checks through the real bot over HTTP: what a person in crisis, a parent, a nurse and a link worker see."""

from __future__ import annotations

import re

import pytest
from sqlmodel import select

from casework.models import CaseEvent, Referral
from core.db import session_scope
from core.dialogs import DialogState
from core.settings import Settings
from directory.models import UnmetSearch
from tests.e2e import BotHarness, Replies, running_bot, sqlite_only
from tests.fakebotapi import FakeBotApi
from tests.test_bot_e2e import NURSE, TEAM_CHAT, WORKER, button, enrol, refer_up_to_initials

pytestmark = pytest.mark.e2e
CLIENT, PARENT = 4001, 4002
CONTACTS = ("999", "116 123", "SHOUT to 85258", "mental health option", "not watched by a person")
SELF_HARM_RISKS = "Self-harm: cut her arms last week, lives alone"


def emergency(text: str) -> bool:
    return all(part in text for part in CONTACTS)


def searched(replies: Replies) -> bool:
    return any("Here's what I found" in text or "couldn't find a service" in text for text in replies.texts)


def tables(bot: BotHarness) -> tuple[list[UnmetSearch], list[DialogState]]:
    with session_scope(bot.runtime.engine) as session:
        return list(session.exec(select(UnmetSearch)).all()), list(session.exec(select(DialogState)).all())


@sqlite_only
async def test_clear_danger_gets_the_emergency_reply_and_no_search(
    settings: Settings, fake_bot_api: FakeBotApi
) -> None:
    async with running_bot(settings, fake_bot_api) as bot:
        replies = await bot.say(CLIENT, "im going to take all my tablets")
        found = await bot.command(CLIENT, "find", "kms")
        unmet, dialogs = tables(bot)
    assert len(replies) == 1 and emergency(replies.texts[0]) and not searched(replies)
    assert FakeBotApi.buttons(replies[0]) == []  # nothing to tap past: the numbers are the answer
    assert len(found) == 1 and emergency(found.texts[0])
    assert unmet == [] and dialogs == []  # nothing about it is stored


@sqlite_only
async def test_a_possible_crisis_asks_are_you_safe_then_carries_on(
    settings: Settings, fake_bot_api: FakeBotApi
) -> None:
    async with running_bot(settings, fake_bot_api) as bot:
        asked = await bot.say(CLIENT, "my partner hits me, is there anywhere that can help")
        assert "are you safe right now?" in asked.texts[0] and emergency(asked.texts[0])
        assert "0808 2000 247" in asked.texts[0]
        labels = [label for label, _ in FakeBotApi.buttons(asked[0])]
        assert labels == ["I'm safe, carry on", "I need help now"]
        assert not searched(asked)
        with session_scope(bot.runtime.engine) as session:
            kept = session.exec(select(DialogState).where(DialogState.name == "safety")).one()
        assert "hits me" not in str(kept.data)  # the disclosure waits encrypted, not in clear

        carried_on = await bot.click(CLIENT, button(asked, "I'm safe"))
        assert searched(carried_on)
        results = next(text for text in carried_on.texts if "Here's what I found" in text)
        assert re.search(r"domestic abuse|Refuge|Leeway", results, re.I)
        again = await bot.click(CLIENT, button(asked, "I'm safe"))
        assert "expired" in again.texts[-1] and not searched(again)


@sqlite_only
async def test_i_need_help_now_gives_the_emergency_reply(settings: Settings, fake_bot_api: FakeBotApi) -> None:
    async with running_bot(settings, fake_bot_api) as bot:
        asked = await bot.say(CLIENT, "i dont see the point anymore")
        assert "are you safe right now?" in asked.texts[0]
        helped = await bot.click(CLIENT, button(asked, "I need help now"))
        unmet, dialogs = tables(bot)
    assert emergency(helped.texts[-1]) and "really hard" in helped.texts[-1] and not searched(helped)
    assert unmet == [] and [d.name for d in dialogs] == []


@sqlite_only
@pytest.mark.parametrize(("typed", "lines"), [
    ("I was raped at a party and I don't know what to do", ("0808 500 2222", "0800 1111")),
    ("I'm 15 and my stepdad hits me", ("0800 1111",)),
])  # fmt: skip
async def test_the_specialist_lines_are_kept_after_i_need_help_now(
    settings: Settings, fake_bot_api: FakeBotApi, typed: str, lines: tuple[str, ...]
) -> None:
    async with running_bot(settings, fake_bot_api) as bot:
        asked = await bot.say(CLIENT, typed)
        with session_scope(bot.runtime.engine) as session:
            kept = session.exec(select(DialogState).where(DialogState.name == "safety")).one()
        helped = await bot.click(CLIENT, button(asked, "I need help now"))
    assert set(kept.data) == {"carry_on", "text", "concern", "someone_else"}  # nothing more kept in clear
    assert "are you safe right now?" in asked.texts[0] and all(line in asked.texts[0] for line in lines)
    assert emergency(helped.texts[-1]) and all(line in helped.texts[-1] for line in lines)


@sqlite_only
async def test_someone_worried_about_another_person_is_asked_if_everyone_is_safe(
    settings: Settings, fake_bot_api: FakeBotApi
) -> None:
    async with running_bot(settings, fake_bot_api) as bot:
        asked = await bot.say(PARENT, "my son says he wants to die, what support is there for us")
        labels = [label for label, _ in FakeBotApi.buttons(asked[0])]
        helped = await bot.click(PARENT, button(asked, "Someone needs help now"))
    assert "is everyone safe right now?" in asked.texts[0]
    assert labels == ["We're safe, carry on", "Someone needs help now"]
    assert emergency(helped.texts[-1]) and "Stay with them" in helped.texts[-1]


@sqlite_only
async def test_an_ordinary_tablet_message_is_a_normal_search(settings: Settings, fake_bot_api: FakeBotApi) -> None:
    async with running_bot(settings, fake_bot_api) as bot:
        replies = await bot.say(CLIENT, "help using my tablet")
    assert not any("999" in text for text in replies.texts)
    assert "Here's what I found" in replies.texts[0]
    assert re.search(r"digital|tablet|Tech Pals", replies.texts[0], re.I)


@sqlite_only
async def test_crisis_words_for_the_area_and_in_a_photo_caption_are_answered(
    settings: Settings, fake_bot_api: FakeBotApi
) -> None:
    async with running_bot(settings, fake_bot_api) as bot:
        results = await bot.say(CLIENT, "lonely")
        await bot.click(CLIENT, button(results, "Area"))
        area = await bot.say(CLIENT, "ive taken all my tablets")
        photo = await bot.act(lambda: fake_bot_api.push_photo(CLIENT, caption="i've swallowed all my sleeping pills"))
        plain_photo = await bot.act(lambda: fake_bot_api.push_photo(CLIENT, caption="my boiler"))
    assert emergency(area.texts[-1]) and not searched(area)
    assert emergency(photo.texts[-1])
    assert "only read typed words" in plain_photo.texts[-1]


async def refer_with_risks(bot: BotHarness, risks: str) -> tuple[Replies, str]:
    """A referral whose risks answer is `risks`; the nurse's replies to it and the new reference."""
    await refer_up_to_initials(bot)
    await bot.say(NURSE, "JS")
    await bot.say(NURSE, "NNUH7654321")
    reasons = await bot.say(NURSE, "9434765919")
    reasons = await bot.say(NURSE, "Ward 7")
    toggled = await bot.click(NURSE, button(reasons, "Mental wellbeing"))
    urgency = await bot.click(NURSE, button(toggled, "Done"))
    await bot.click(NURSE, button(urgency, "Routine"))
    answered = await bot.say(NURSE, risks)
    discharge = await bot.click(NURSE, button(answered, "Phone call"))
    summary = await bot.click(NURSE, button(discharge, "Not known"))
    sent = await bot.click(NURSE, button(summary, "Send referral"))
    reference = re.search(r"SP-[A-Z0-9]{6}", sent.texts[-1]).group(0)
    return Replies([*answered, *summary], []), reference


async def test_a_referral_whose_risks_mention_self_harm_is_flagged_and_the_team_told(
    settings: Settings, fake_bot_api: FakeBotApi
) -> None:
    async with running_bot(settings, fake_bot_api) as bot:
        await enrol(bot, NURSE, "ward")
        await enrol(bot, WORKER, "linkworker")
        nurse_saw, reference = await refer_with_risks(bot, SELF_HARM_RISKS)
        team_post = fake_bot_api.last_message(TEAM_CHAT)
        claimed = await bot.click(WORKER, button([team_post], "Claim"), chat_id=TEAM_CHAT)
        case = await bot.command(WORKER, "case", reference)
        with session_scope(bot.runtime.engine) as session:
            referral = session.exec(select(Referral).where(Referral.reference == reference)).one()
            events = [event.kind for event in session.exec(select(CaseEvent)).all()]
    guidance = nurse_saw.texts[0]
    assert "self-harm" in guidance and "not a crisis service" not in guidance  # a mention, not clear danger
    assert "mental health liaison" in guidance and "flagged" in guidance
    assert not any("are you safe" in text.lower() for text in nurse_saw.texts)  # the nurse is not in crisis
    assert "Risk flag" in nurse_saw.texts[-1]  # on the summary she checks
    assert "Risk flag" in team_post["text"] and "self-harm" in team_post["text"]
    assert "cut her arms" not in team_post["text"]  # the team chat sees the flag, never the patient's text
    assert "claimed" in claimed.texts[-1]
    assert "Risk flag" in case.texts[0] and SELF_HARM_RISKS in case.texts[0]
    assert (referral.risk_flag, referral.risk_concern) == ("possible", "self_harm")
    assert "risk_flagged" in events


@sqlite_only
async def test_clear_danger_in_the_risks_tells_the_nurse_this_is_not_a_crisis_service(
    settings: Settings, fake_bot_api: FakeBotApi
) -> None:
    async with running_bot(settings, fake_bot_api) as bot:
        await enrol(bot, NURSE, "ward")
        nurse_saw, reference = await refer_with_risks(bot, "told staff he will kill himself when he gets home")
        team_post = fake_bot_api.last_message(TEAM_CHAT)
    assert "not a crisis service" in nurse_saw.texts[0] and "999" in nurse_saw.texts[0]
    assert "current danger" in team_post["text"] and reference in team_post["text"]


@sqlite_only
async def test_crisis_words_typed_into_another_referral_question_are_not_saved(
    settings: Settings, fake_bot_api: FakeBotApi
) -> None:
    async with running_bot(settings, fake_bot_api) as bot:
        await enrol(bot, NURSE, "ward")
        await refer_up_to_initials(bot)
        await bot.say(NURSE, "JS")
        await bot.say(NURSE, "NNUH7654321")
        await bot.say(NURSE, "9434765919")
        refused = await bot.say(NURSE, "patient says she wants to end it all")
        with session_scope(bot.runtime.engine) as session:
            dialog = session.exec(select(DialogState).where(DialogState.name == "refer")).one()
    assert "haven't saved it" in refused.texts[0] and "Risks have their own question" in refused.texts[0]
    assert "ward or area" in refused.texts[-1]  # asked the same question again
    assert dialog.step == "ward" and "ward" not in dialog.data


@sqlite_only
async def test_a_link_workers_case_search_for_suicide_prevention_finds_services(
    settings: Settings, fake_bot_api: FakeBotApi
) -> None:
    async with running_bot(settings, fake_bot_api) as bot:
        await enrol(bot, NURSE, "ward")
        await enrol(bot, WORKER, "linkworker")
        _, reference = await refer_with_risks(bot, "None")
        await bot.click(WORKER, button([fake_bot_api.last_message(TEAM_CHAT)], "Claim"), chat_id=TEAM_CHAT)
        case = await bot.command(WORKER, "case", reference)
        contacted = await bot.click(WORKER, button(case, "First contact"))
        await bot.click(WORKER, button(contacted, "Signpost"))
        prevention = await bot.say(WORKER, "suicide prevention")
        urgent = await bot.say(WORKER, "client says he will kill himself tonight")
    assert not any("999" in text for text in prevention.texts)
    assert any(label.startswith("1.") for label, _ in FakeBotApi.buttons(prevention[-1]))
    assert "999" in urgent.texts[0] and "safeguarding" in urgent.texts[0]
    assert any(label.startswith("1.") for label, _ in FakeBotApi.buttons(urgent[-1]))  # still not blocked

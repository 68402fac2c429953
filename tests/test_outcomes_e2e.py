"""The real bot over HTTP: safeguarding rated on the summary and changed on the card, /status for the referrer,
the closure line back to the referrer."""

from __future__ import annotations

import re

import pytest
from sqlmodel import select

from casework.models import Referral
from core.db import session_scope
from core.settings import Settings
from tests.e2e import running_bot
from tests.fakebotapi import FakeBotApi
from tests.test_bot_e2e import (
    HOSPITAL_REF,
    NURSE,
    TEAM_CHAT,
    WORKER,
    button,
    enrol,
    refer_up_to_initials,
)
from tests.test_need_to_know_e2e import claimed_case_card

pytestmark = pytest.mark.e2e


async def refer_to_summary(bot, reason: str):  # type: ignore[no-untyped-def]
    """The quickest referral up to its summary: no NHS number, one reason, routine, no risks, by phone."""
    await refer_up_to_initials(bot)
    await bot.say(NURSE, "JS")
    await bot.say(NURSE, HOSPITAL_REF)
    await bot.say(NURSE, "skip")
    reasons = await bot.say(NURSE, "Ward 9")
    urgency = await bot.click(NURSE, button(await bot.click(NURSE, button(reasons, reason)), "Done"))
    route = await bot.click(NURSE, button(await bot.click(NURSE, button(urgency, "Routine")), "None known"))
    return await bot.click(NURSE, button(await bot.click(NURSE, button(route, "Phone")), "Not known"))


async def test_red_rating_status_and_the_closure_line(settings: Settings, fake_bot_api: FakeBotApi) -> None:
    async with running_bot(settings, fake_bot_api) as bot:
        await enrol(bot, NURSE, "ward")
        await enrol(bot, WORKER, "linkworker")
        summary = await refer_to_summary(bot, "Housing")
        assert "Safeguarding: Not assessed" in summary.texts[-1]
        rated = await bot.click(NURSE, button(summary, "Red"))
        assert "Safeguarding: 🔴 Red" in rated.texts[-1] and "✅ 🔴 Red" in str(FakeBotApi.buttons(rated[-1]))
        sent = await bot.click(NURSE, button(rated, "Send referral"))
        reference = re.search(r"SP-[A-Z0-9]{6}", sent.texts[-1]).group(0)
        assert "🔴 Safeguarding: red" in fake_bot_api.last_message(TEAM_CHAT)["text"]

        waiting = await bot.command(NURSE, "status", reference)
        assert "waiting for a link worker" in waiting.texts[-1]
        assert "couldn't find" in (await bot.command(WORKER, "status", reference)).texts[-1]  # not the referrer

        inbox = await bot.command(WORKER, "inbox")
        assert "🔴 safeguarding" in str(FakeBotApi.buttons(inbox[0]))
        await bot.click(WORKER, button([fake_bot_api.last_message(TEAM_CHAT)], "Claim"), chat_id=TEAM_CHAT)
        case = await bot.command(WORKER, "case", reference)
        asked = await bot.click(WORKER, button(case, "Safeguarding"))
        assert "Choose the rating" in asked.texts[-1]
        changed = await bot.click(WORKER, button(asked, "Amber"))
        assert "now 🟠 Amber" in changed.texts[-1]
        history = await bot.click(WORKER, button(changed, "Safeguarding"))
        assert "🔴 Red → 🟠 Amber" in history.texts[-1]
        card = await bot.click(WORKER, button(history, "Back to the case"))
        closing = await bot.click(WORKER, button(card, "Close case"))
        await bot.click(WORKER, button(closing, "Declined"))
        closed_line = await bot.command(NURSE, "status", reference)
        with session_scope(bot.runtime.engine) as session:
            stored = session.exec(select(Referral)).one()
    assert stored.safeguarding == "amber"
    assert any(f"{reference}: the case is now closed (declined); connected to 0 services, did not engage." in text
               for text in fake_bot_api.sent_texts(NURSE))
    assert "closed on" in closed_line.texts[-1] and HOSPITAL_REF not in closed_line.texts[-1]


async def test_the_link_worker_records_ons4_from_a_call_one_tap_each(settings: Settings,
                                                                     fake_bot_api: FakeBotApi) -> None:
    async with running_bot(settings, fake_bot_api) as bot:
        _, case = await claimed_case_card(bot)
        choose = await bot.click(WORKER, button(case, "Wellbeing"))
        assert "Which questionnaire" in choose.texts[-1]
        assert "SWEMWBS" not in str(FakeBotApi.buttons(choose[-1]))  # not switched on in this deployment
        question = await bot.click(WORKER, button(choose, "ONS4 · First contact"))
        assert "question 1 of 4" in question.texts[-1] and "satisfied" in question.texts[-1]
        assert len([label for label, _ in FakeBotApi.buttons(question[-1]) if label.isdigit()]) == 11
        for tap in ("7", "Skip", "5"):
            question = await bot.click(WORKER, button(question, tap) if tap == "Skip" else _exact(question, tap))
        assert "anxious" in question.texts[-1]
        card = await bot.click(WORKER, _exact(question, "3"))
        assert "ONS4 (first contact) recorded: life satisfaction 7 · worthwhile skipped · happiness 5 · anxiety 3" \
            in card.texts[-1]
        assert "Case " in card.texts[-1]  # back on the case card


def _exact(replies, label: str) -> str:
    for message in reversed(list(replies)):
        for text, data in FakeBotApi.buttons(message):
            if text == label:
                return data
    raise AssertionError(label)


async def test_equity_and_a_session_of_support_from_the_card(settings: Settings, fake_bot_api: FakeBotApi) -> None:
    async with running_bot(settings, fake_bot_api) as bot:
        reference, case = await claimed_case_card(bot)
        how = await bot.click(WORKER, button(case, "Log support"))
        long = await bot.click(WORKER, button(how, "Visit"))
        logged = await bot.click(WORKER, button(long, "45 min"))
        assert f"Support logged for {reference}: 45 minutes (visit)." in logged.texts[-1]
        gender = await bot.click(WORKER, button(logged, "Equity"))
        assert "Gender" in gender.texts[-1] and "Prefer not to say" in str(FakeBotApi.buttons(gender[-1]))
        ethnicity = await bot.click(WORKER, button(gender, "Woman"))
        assert "Ethnic group" in ethnicity.texts[-1]
        asked = await bot.click(WORKER, button(ethnicity, "Prefer not to say"))
        assert "postcode district" in asked.texts[-1]
        refused = await bot.say(WORKER, "Norwich")
        assert "doesn't look like a postcode district" in refused.texts[-1]
        card = await bot.say(WORKER, "NR2 4AB")
        assert "Gender: Woman · Ethnicity: Prefer not to say · District: NR2" in card.texts[-1]
        assert "removed your message" in card.texts[-1]
        assert not any("4AB" in (m.get("text") or "") for m in fake_bot_api.messages(WORKER))  # deleted from chat
        matters = await bot.click(WORKER, button(card, "Support plan"))
        assert "What matters to the client" in matters.texts[-1]
        goal = await bot.say(WORKER, "Getting back to the allotment")
        assert "Goal 1 of up to 3" in goal.texts[-1]
        noted = await bot.say(WORKER, "He said he wants to kill himself tonight")
        assert "danger now" in noted.texts[0] and "Goal 2 of up to 3" in noted.texts[-1]  # noted, never blocked
        review = await bot.click(WORKER, button(noted, "No more goals"))
        saved = await bot.click(WORKER, button(review, "In 8 weeks"))
        assert "Support plan saved" in saved.texts[-1]
        assert "what matters: Getting back to the allotment" in saved.texts[-1]
        assert "   1. He said" in saved.texts[-1] and "Review: " in saved.texts[-1]
        with session_scope(bot.runtime.engine) as session:
            stored = session.exec(select(Referral)).one()
    assert stored.postcode_district == "NR2" and "4AB" not in str(stored.model_dump())


async def test_a_fuller_referral_is_still_quick(settings: Settings, fake_bot_api: FakeBotApi) -> None:
    """Every detail is optional and opened from the summary; the summary comes back in place after each."""
    async with running_bot(settings, fake_bot_api) as bot:
        await enrol(bot, NURSE, "ward")
        summary = await refer_to_summary(bot, "Carer")
        ages = await bot.click(NURSE, button(summary, "Age band"))
        summary = await bot.click(NURSE, button(ages, "Under 18"))
        assert "adults aged 18 and over" in summary.texts[-1] and "Send referral" in str(
            FakeBotApi.buttons(summary[-1]))  # guidance, never a block
        await bot.click(NURSE, button(summary, "GP practice"))
        assert "isn't a GP practice code" in (await bot.say(NURSE, "Dr Smith")).texts[-1]
        summary = await bot.say(NURSE, "d82044")
        involved = await bot.click(NURSE, button(summary, "Services involved"))
        ticked = await bot.click(NURSE, button(involved, "Drug and alcohol"))
        summary = await bot.click(NURSE, button(ticked, "Done"))
        assert "• GP practice: D82044" in summary.texts[-1] and "Drug and alcohol services" in summary.texts[-1]
        await bot.click(NURSE, button(summary, "Send referral"))
        assert "Eligibility to check: under 18" in fake_bot_api.last_message(TEAM_CHAT)["text"]
        with session_scope(bot.runtime.engine) as session:
            stored = session.exec(select(Referral)).one()
    assert (stored.gp_practice, stored.age_band, stored.services_involved) == ("D82044", "under_18", ["drug_alcohol"])

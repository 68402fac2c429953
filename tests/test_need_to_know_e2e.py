"""Through the real bot: identifiers only for the worker who claimed the case, break glass for admins (audited),
and one card per case in a worker's chat."""

from __future__ import annotations

import pytest
from sqlmodel import select

from casework.models import CaseEvent
from core.db import session_scope
from core.settings import Settings
from tests.e2e import BotHarness, Replies, running_bot, sqlite_only
from tests.fakebotapi import FakeBotApi
from tests.test_bot_e2e import (
    ADMIN,
    HOSPITAL_REF,
    NHS_NUMBER,
    NURSE,
    RISK_TEXT,
    TEAM_CHAT,
    WORKER,
    button,
    complete_referral,
    enrol,
)

pytestmark = pytest.mark.e2e
OTHER_WORKER = 3002
IDENTIFIERS = (HOSPITAL_REF, NHS_NUMBER, RISK_TEXT)


def shows_identifiers(text: str) -> bool:
    return any(secret in text for secret in IDENTIFIERS)


async def claimed_case_card(bot: BotHarness) -> tuple[str, Replies]:
    """A nurse's referral claimed by WORKER with the team post's Claim button, and the card WORKER then opens with
    /case."""
    await enrol(bot, NURSE, "ward")
    await enrol(bot, WORKER, "linkworker")
    reference = await complete_referral(bot)
    await bot.click(WORKER, button([bot.fake.last_message(TEAM_CHAT)], "Claim"), chat_id=TEAM_CHAT)
    return reference, await bot.command(WORKER, "case", reference)


@sqlite_only
async def test_identifiers_only_for_the_claiming_worker_and_break_glass_is_recorded(
    settings: Settings, fake_bot_api: FakeBotApi
) -> None:
    async with running_bot(settings, fake_bot_api) as bot:
        await enrol(bot, NURSE, "ward")
        await enrol(bot, WORKER, "linkworker")
        await enrol(bot, OTHER_WORKER, "linkworker")
        reference = await complete_referral(bot)

        before_claim = (await bot.command(WORKER, "case", reference)).texts[0]
        assert not shows_identifiers(before_claim) and "•••••••••21" in before_claim and "masked" in before_claim

        await bot.click(WORKER, f"c:claim:{reference}", chat_id=TEAM_CHAT)
        owner = (await bot.command(WORKER, "case", reference)).texts[0]
        assert HOSPITAL_REF in owner and NHS_NUMBER in owner and RISK_TEXT in owner
        other = (await bot.command(OTHER_WORKER, "case", reference)).texts[0]
        assert not shows_identifiers(other)

        admin_card = await bot.command(ADMIN, "case", reference)
        assert not shows_identifiers(admin_card.texts[0])
        asked = await bot.click(ADMIN, button(admin_card, "break glass"))
        assert "recorded" in asked.texts[0]
        opened = await bot.click(ADMIN, button(asked, "Safeguarding"))
        assert HOSPITAL_REF in opened.texts[0] and "Break glass" in opened.texts[0]
        forged = await bot.click(OTHER_WORKER, f"c:bgr:{reference}:safeguarding", chat_id=OTHER_WORKER)
        assert not shows_identifiers(" ".join(forged.texts)) and "Only an admin" in forged.texts[-1]
        with session_scope(bot.runtime.engine) as session:
            glass = session.exec(select(CaseEvent).where(CaseEvent.kind == "break_glass")).all()
    assert [(event.actor_user_id, event.detail) for event in glass] == [(ADMIN, "Safeguarding concern")]


@sqlite_only
async def test_case_actions_edit_one_card_instead_of_copying_the_identifiers(
    settings: Settings, fake_bot_api: FakeBotApi
) -> None:
    async with running_bot(settings, fake_bot_api) as bot:
        reference, card = await claimed_case_card(bot)
        tried = await bot.click(WORKER, button(card, "Tried, no answer"))
        assert "Contact attempt 1 recorded" in tried.texts[0]
        assert [call.method for call in tried.calls if call.method.startswith(("send", "edit"))] == ["editMessageText"]
        contacted = await bot.click(WORKER, button(tried, "First contact"))
        closing = await bot.click(WORKER, button(contacted, "Close case"))
        back = await bot.click(WORKER, button(closing, "Back to the case"))
        again = await bot.command(WORKER, "case", reference)  # a fresh card replaces the old one
        assert shows_identifiers(again.texts[0]) and back
        copies = [m for m in fake_bot_api.messages(WORKER) if shows_identifiers(m.get("text", ""))]
    assert len(copies) == 1, [m["text"][:40] for m in copies]


@sqlite_only
async def test_inbox_shows_the_urgent_referral_first_and_says_how_many_more_wait(
    settings: Settings, fake_bot_api: FakeBotApi
) -> None:
    from casework.models import Urgency
    from tests.factories import make_referral

    async with running_bot(settings, fake_bot_api) as bot:
        await enrol(bot, WORKER, "linkworker")
        for _ in range(24):
            make_referral(bot.runtime.engine)
        urgent = make_referral(bot.runtime.engine, urgency=Urgency.URGENT)
        inbox = await bot.command(WORKER, "inbox")
    assert inbox.texts[0].startswith("Unclaimed referrals: 25") and "5 more (less urgent) not shown" in inbox.texts[0]
    assert FakeBotApi.buttons(inbox[0])[0][0].startswith(f"{urgent.reference} · Urgent")

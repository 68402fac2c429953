"""The real bot over HTTP: a client search, a full referral, claim and close, and a restart mid-referral."""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Iterator

import pytest
from sqlmodel import select

from casework.models import CaseEvent, CaseStatus, Referral, Signposting
from core.db import session_scope
from core.dialogs import DialogState
from core.logging_setup import configure_logging
from core.settings import Settings
from scheduler.models import FollowUp, FollowUpKind, FollowUpStatus
from tests.e2e import BotHarness, Replies, running_bot, sqlite_only
from tests.fakebotapi import FakeBotApi

pytestmark = pytest.mark.e2e
ADMIN, NURSE, WORKER, CLIENT = 1000, 2001, 3001, 4001
TEAM_CHAT = -500  # link_worker_chat_id in conftest's settings
HOSPITAL_REF, NHS_NUMBER, RISK_TEXT = "NNUH7654321", "9434765919", "Lives alone, recent fall"


def button(replies: Replies | list, label: str) -> str:
    """The callback data of the first button whose label contains `label`."""
    for message in reversed(list(replies)):
        for text, data in FakeBotApi.buttons(message):
            if label.lower() in text.lower() and data:
                return data
    raise AssertionError(f"no button {label!r} in {[FakeBotApi.buttons(m) for m in replies]}")


async def enrol(bot: BotHarness, user_id: int, role: str) -> None:
    replies = await bot.command(ADMIN, "invite", role)
    code = re.search(r"/join (\S+)", replies.texts[-1]).group(1)
    joined = await bot.command(user_id, "join", code)
    assert "Welcome" in joined.texts[-1]


async def refer_up_to_initials(bot: BotHarness) -> None:
    started = await bot.command(NURSE, "refer")
    consent = button(started, "they agree")
    gp = await bot.click(NURSE, consent)
    assert "GP" in gp.texts[-1]
    asked = await bot.click(NURSE, button(gp, "Yes"))
    assert "initials" in asked.texts[-1]


async def complete_referral(bot: BotHarness) -> str:
    await refer_up_to_initials(bot)
    assert "Hospital number" in (await bot.say(NURSE, "I.L.")).texts[-1]  # I and L never occur in references
    assert "NHS number" in (await bot.say(NURSE, HOSPITAL_REF)).texts[-1]
    bad = await bot.say(NURSE, "1234567890")
    assert "valid NHS number" in bad.texts[-1]
    assert "ward" in (await bot.say(NURSE, NHS_NUMBER)).texts[-1].lower()
    reasons = await bot.say(NURSE, "Ward 7 Elderly Care")
    none_chosen = await bot.click(NURSE, button(reasons, "Done"))
    assert "at least one reason" in none_chosen.texts[-1]
    toggled = await bot.click(NURSE, button(reasons, "Money"))
    assert "✅ Money" in str(FakeBotApi.buttons(toggled[-1]))
    urgency = await bot.click(NURSE, button(toggled, "Done"))
    risks = await bot.click(NURSE, button(urgency, "Before discharge"))
    assert "risks" in risks.texts[-1]
    route = await bot.say(NURSE, RISK_TEXT)
    discharge = await bot.click(NURSE, button(route, "Phone call"))
    summary = await bot.click(NURSE, button(discharge, "Not known"))
    assert HOSPITAL_REF in summary.texts[-1] and "Money" in summary.texts[-1]
    sent = await bot.click(NURSE, button(summary, "Send referral"))
    return re.search(r"SP-[A-Z0-9]{6}", sent.texts[-1]).group(0)


@sqlite_only
async def test_client_finds_help_in_plain_language(settings: Settings, fake_bot_api: FakeBotApi) -> None:
    async with running_bot(settings, fake_bot_api) as bot:
        welcome = await bot.command(CLIENT, "start")
        assert "type what you need" in welcome.texts[0].lower()
        results = await bot.say(CLIENT, "im skint and cant pay my bils")
        assert "Here's what I found" in results.texts[0]
        assert "of " in results.texts[0] and "Tap a number" in results.texts[0]
        more = await bot.click(CLIENT, button(results, "More"))
        assert re.search(r"\(4–", more.texts[0])
        details = await bot.click(CLIENT, button(more, "4"))
        assert "Details last checked" in details.texts[0] or "not yet checked" in details.texts[0]
        free = await bot.click(CLIENT, button(details, "Back"))
        stale_data = button(free, "More")
        await bot.say(CLIENT, "lonely")
        stale = await bot.click(CLIENT, stale_data)
        assert "out of date" in stale.texts[-1]


@sqlite_only
async def test_nothing_found_is_said_kindly_and_recorded_without_identity(
    settings: Settings, fake_bot_api: FakeBotApi
) -> None:
    async with running_bot(settings, fake_bot_api) as bot:
        replies = await bot.say(CLIENT, "qwxzv plorth")
        with session_scope(bot.runtime.engine) as session:
            from directory.models import UnmetSearch

            unmet = session.exec(select(UnmetSearch)).all()
    assert "couldn't find" in replies.texts[0]
    assert "Talk to a person" in str(FakeBotApi.buttons(replies[0]))
    assert [row.query for row in unmet] == ["qwxzv plorth"]
    assert str(CLIENT) not in str(unmet[0].filters)


@sqlite_only
async def test_crisis_words_get_emergency_contacts_at_once(settings: Settings, fake_bot_api: FakeBotApi) -> None:
    async with running_bot(settings, fake_bot_api) as bot:
        replies = await bot.say(CLIENT, "i want to end it all")
    assert "999" in replies.texts[0] and "116 123" in replies.texts[0] and "not watched" in replies.texts[0]


@pytest.fixture
def production_logs() -> Iterator[io.StringIO]:
    """Logging configured as in production, at DEBUG, written to a buffer the test can scan."""
    stream = io.StringIO()
    handler = configure_logging(logging.DEBUG, stream)
    yield stream
    logging.getLogger().removeHandler(handler)
    logging.getLogger().setLevel(logging.WARNING)


async def test_full_referral_claim_signpost_close(
    settings: Settings, fake_bot_api: FakeBotApi, production_logs: io.StringIO, caplog: pytest.LogCaptureFixture
) -> None:
    async with running_bot(settings, fake_bot_api) as bot:
        await enrol(bot, NURSE, "ward")
        await enrol(bot, WORKER, "linkworker")
        reference = await complete_referral(bot)

        team_post = fake_bot_api.last_message(TEAM_CHAT)
        assert reference in team_post["text"] and HOSPITAL_REF not in team_post["text"]
        assert "IL" not in team_post["text"]
        claimed = await bot.click(WORKER, button([team_post], "Claim"), chat_id=TEAM_CHAT)
        assert "claimed" in claimed.texts[-1]
        assert any("picked it up" in text for text in fake_bot_api.sent_texts(NURSE))
        second = await bot.click(WORKER, button([team_post], "Claim"), chat_id=TEAM_CHAT)
        assert "already been claimed" in second.texts[-1]

        case = await bot.command(WORKER, "case", reference)
        assert HOSPITAL_REF in case.texts[0] and RISK_TEXT in case.texts[0]
        contacted = await bot.click(WORKER, button(case, "First contact"))
        assert "First contact recorded" in contacted.texts[0]
        suggested = await bot.click(WORKER, button(contacted, "Signpost"))
        assert "Suggestions for its reasons" in suggested.texts[-1]
        suggestions = [label for label, _ in FakeBotApi.buttons(suggested[-1])]
        assert any("Citizens Advice" in label or "debt" in label.lower() for label in suggestions), suggestions
        picks = await bot.say(WORKER, "citizens advice")
        picked = await bot.click(WORKER, button(picks, "1."))
        assert "Signposting recorded" in picked.texts[-1]
        case = await bot.click(WORKER, button(picks, "Done"))
        closing = await bot.click(WORKER, button(case, "Close case"))
        closed = await bot.click(WORKER, button(closing, "Engaged"))
        assert "is closed" in closed.texts[0]
        assert any(f"{reference}: the case is now closed" in text for text in fake_bot_api.sent_texts(NURSE))

        with session_scope(bot.runtime.engine) as session:
            referral = session.exec(select(Referral)).one()
            events = [e.kind for e in session.exec(select(CaseEvent).order_by(CaseEvent.id))]
            assert referral.status == CaseStatus.CLOSED and session.exec(select(Signposting)).one()
            followups = {(f.kind, f.status) for f in session.exec(select(FollowUp))}
    # signposting scheduled engagement checks; closing the case cancelled whatever had not been sent
    assert (FollowUpKind.ENGAGEMENT_CHECK, FollowUpStatus.CANCELLED) in followups
    assert (FollowUpKind.FIRST_CONTACT_REMINDER, FollowUpStatus.CANCELLED) in followups
    assert {"created", "claimed", "viewed", "first_contact", "signposted", "closed"} <= set(events)
    assert "referral" in production_logs.getvalue()  # the logs did record the work…
    for secret in (HOSPITAL_REF, NHS_NUMBER, RISK_TEXT, "I.L.", "Ward 7 Elderly Care"):
        assert secret not in production_logs.getvalue(), f"{secret} was written to the logs"
        assert secret not in caplog.text, f"{secret} was logged (before redaction)"


@sqlite_only
async def test_restart_mid_referral_resumes_where_the_nurse_was(settings: Settings, fake_bot_api: FakeBotApi) -> None:
    async with running_bot(settings, fake_bot_api) as bot:
        await enrol(bot, NURSE, "ward")
        await refer_up_to_initials(bot)
    async with running_bot(settings, fake_bot_api) as bot:
        resumed = await bot.say(NURSE, "JS")
        assert "Hospital number" in resumed.texts[-1]
        offered = await bot.command(NURSE, "refer")
        assert "in progress" in offered.texts[-1]
        carry_on = await bot.click(NURSE, button(offered, "Carry on"))
        assert "Hospital number" in carry_on.texts[-1]


@sqlite_only
async def test_no_consent_records_nothing(settings: Settings, fake_bot_api: FakeBotApi) -> None:
    async with running_bot(settings, fake_bot_api) as bot:
        await enrol(bot, NURSE, "ward")
        started = await bot.command(NURSE, "refer")
        stopped = await bot.click(NURSE, button(started, "No"))
        with session_scope(bot.runtime.engine) as session:
            assert session.exec(select(Referral)).all() == []
            assert session.exec(select(DialogState).where(DialogState.name == "refer")).all() == []
    assert "nothing about the patient has been recorded" in stopped.texts[-1]


@sqlite_only
async def test_clients_cannot_use_staff_commands_or_forge_buttons(settings: Settings, fake_bot_api: FakeBotApi) -> None:
    async with running_bot(settings, fake_bot_api) as bot:
        await enrol(bot, NURSE, "ward")
        await enrol(bot, WORKER, "linkworker")
        reference = await complete_referral(bot)
        for command in ("refer", "inbox", "invite"):
            refused = await bot.command(CLIENT, command, "admin" if command == "invite" else "")
            assert "only for registered staff" in refused.texts[-1]
        forged = await bot.click(CLIENT, f"c:cl:{reference}:died", chat_id=CLIENT)
        assert "only for registered staff" in forged.texts[-1]
        nonsense = await bot.click(CLIENT, "zz:\u202e\x00", chat_id=CLIENT)
        assert "expired" in nonsense.texts[-1]
        nurse_view = await bot.command(NURSE, "case", reference)  # issue 17: staff are told the role needed
        assert "only for link workers and admins" in nurse_view.texts[-1]
        with session_scope(bot.runtime.engine) as session:
            assert session.exec(select(Referral)).one().status == CaseStatus.NEW


@sqlite_only
async def test_stickers_and_photos_get_a_kind_reply_mid_referral(settings: Settings, fake_bot_api: FakeBotApi) -> None:
    async with running_bot(settings, fake_bot_api) as bot:
        await enrol(bot, NURSE, "ward")
        await refer_up_to_initials(bot)
        sticker = await bot.act(lambda: fake_bot_api.push_sticker(NURSE))
        photo = await bot.act(lambda: fake_bot_api.push_photo(NURSE, caption="JS"))
        still = await bot.say(NURSE, "JS")
    assert "only read typed words" in sticker.texts[-1] and "only read typed words" in photo.texts[-1]
    assert "Hospital number" in still.texts[-1]

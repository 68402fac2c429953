"""Through the real bot over HTTP: a provider is invited, a link worker refers a client on, the provider answers
(accept → waiting list → attended), the link worker sees it and is never asked "did they engage?"; a capacity
change reaches a client's search without a restart; an unanswered listing check reaches the admins."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlmodel import col, select

from casework.models import CaseEvent, ProviderStatus, ProviderUpdate, ReferralOn
from core.clock import FrozenClock, utcnow
from core.db import session_scope
from core.settings import Settings
from directory.models import Service
from scheduler.models import FollowUp, FollowUpKind, FollowUpStatus
from tests.e2e import BotHarness, Replies, running_bot, sqlite_only
from tests.fakebotapi import FakeBotApi
from tests.test_bot_e2e import (
    ADMIN,
    CLIENT,
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
PROVIDER, OTHER_PROVIDER = 5001, 5002
ORGANISATION, SERVICE = "citizens-advice-norfolk", "citizens-advice-norwich"
SERVICE_NAME = "Citizens Advice Norwich"
STALE_SERVICE, STALE_NAME = "citizens-advice-north-norfolk", "Citizens Advice North Norfolk"
CLIENT_NUMBER = "07700 900123"


def sent_messages(fake: FakeBotApi, chat_id: int) -> list[dict]:
    """Every message the bot sent to `chat_id` (with its id and buttons), oldest first."""
    return [call.result for call in fake.calls(chat_id=chat_id) if call.ok and call.method == "sendMessage"]


def always_open(settings: Settings) -> Settings:
    """Prompts allowed at any hour, so a due engagement check would certainly go out."""
    return settings.model_copy(update={"quiet_hours_start": 0, "quiet_hours_end": 0, "allow_weekend_prompts": True})


async def invite_provider(bot: BotHarness, user_id: int, target: str) -> str:
    invited = await bot.command(ADMIN, "invite", f"provider {target}")
    code = re.search(r"/join (\S+)", invited.texts[-1]).group(1)  # type: ignore[union-attr]
    joined = await bot.command(user_id, "join", code)
    assert "Welcome" in joined.texts[-1] and "provider" in joined.texts[-1]
    return invited.texts[-1]


async def claimed_case(bot: BotHarness) -> str:
    await enrol(bot, NURSE, "ward")
    await enrol(bot, WORKER, "linkworker")
    reference = await complete_referral(bot)
    await bot.click(WORKER, f"c:claim:{reference}", chat_id=TEAM_CHAT)
    return reference


def refer_on_button(picks: Replies, name: str) -> str:
    """The 'Refer on' button of the service called `name` in a list of picks."""
    for label, _ in FakeBotApi.buttons(picks[-1]):
        if name in label:
            return button(picks, f"{label.split('.')[0]}. Refer on")
    raise AssertionError(f"{name} not offered: {FakeBotApi.buttons(picks[-1])}")


@sqlite_only
async def test_refer_on_and_the_providers_answers_close_the_loop(settings: Settings, fake_bot_api: FakeBotApi) -> None:
    settings = always_open(settings)
    async with running_bot(settings, fake_bot_api) as bot:
        refused = await bot.command(ADMIN, "invite", "provider no-such-organisation")
        assert "Which organisation?" in refused.texts[-1]
        assert "Citizens Advice Norfolk" in await invite_provider(bot, PROVIDER, SERVICE)  # a service id names its org
        await invite_provider(bot, OTHER_PROVIDER, "age-uk-norfolk")
        reference = await claimed_case(bot)

        case = await bot.command(WORKER, "case", reference)
        offered = await bot.click(WORKER, button(case, "Signpost"))
        picks = await bot.say(WORKER, SERVICE_NAME)
        consent = await bot.click(WORKER, refer_on_button(picks, SERVICE_NAME))
        assert "agreed to share" in consent.texts[-1] and offered
        route = await bot.click(WORKER, button(consent, "client agreed"))
        number_asked = await bot.click(WORKER, button(route, "Phone call"))
        assert "phone number" in number_asked.texts[-1]
        assert "doesn't look like a phone number" in (await bot.say(WORKER, "call her")).texts[-1]
        need_asked = await bot.say(WORKER, CLIENT_NUMBER)
        assert "what do they need" in need_asked.texts[-1]
        identifier = await bot.say(WORKER, f"benefits help, NHS {NHS_NUMBER}")
        assert "leave out numbers" in identifier.texts[-1]
        crisis = await bot.say(WORKER, "she wants to end her life")
        assert "safeguarding" in crisis.texts[-1]
        done = await bot.say(WORKER, "help with a PIP claim")
        assert "referred on to Citizens Advice Norwich" in " ".join(done.texts)

        [referral_message] = [m for m in sent_messages(fake_bot_api, PROVIDER) if reference in m["text"]]
        shared = referral_message["text"]
        assert "help with a PIP claim" in shared and "IL" in shared
        for secret in (HOSPITAL_REF, NHS_NUMBER, RISK_TEXT, CLIENT_NUMBER, "Ward 7"):
            assert secret not in shared, f"{secret} was shared with the provider"
        assert not [m for m in sent_messages(fake_bot_api, OTHER_PROVIDER) if reference in m["text"]]

        labels = [label for label, _ in FakeBotApi.buttons(referral_message)]
        assert labels[:3] == ["✅ Accept", "⏳ Waiting list", "✖ Can't help"]
        accept = button([referral_message], "Accept")
        forged = await bot.click(OTHER_PROVIDER, accept, chat_id=OTHER_PROVIDER)
        assert "isn't for your organisation" in forged.texts[-1]
        worker_tap = await bot.click(WORKER, accept, chat_id=WORKER)
        assert reference not in " ".join(worker_tap.texts)

        details = await bot.click(PROVIDER, button([referral_message], "Contact details"),
                                  message_id=referral_message["message_id"])
        assert CLIENT_NUMBER in details.texts[-1]
        accepted = await bot.click(PROVIDER, accept, message_id=referral_message["message_id"])
        assert "Recorded: accepted" in accepted.texts[-1]
        again = await bot.click(PROVIDER, accept, message_id=referral_message["message_id"])  # a double tap
        assert "Already recorded" in again.texts[-1]
        weeks = await bot.click(PROVIDER, button(accepted, "Waiting list"), message_id=referral_message["message_id"])
        waiting = await bot.click(PROVIDER, button(weeks, "4 weeks"), message_id=referral_message["message_id"])
        assert "about 4 weeks" in waiting.texts[-1]
        attended = await bot.click(PROVIDER, button(waiting, "First session attended"),
                                   message_id=referral_message["message_id"])
        assert "first session attended" in attended.texts[-1]

        told = [text for text in fake_bot_api.sent_texts(WORKER) if text.startswith(f"Update on {reference}")]
        assert len(told) == 3 and "accepted" in told[0] and "about 4 weeks" in told[1] and "attended" in told[2]
        card = await bot.command(WORKER, "case", reference)
        assert "referred on; first session attended" in card.texts[0]

        with FrozenClock(utcnow() + timedelta(days=120)):  # past every engagement check and the chase
            await bot.application.bot_data.services.delivery.dispatcher.dispatch_due()
        with session_scope(bot.runtime.engine) as session:
            checks = session.exec(select(FollowUp).where(FollowUp.kind == FollowUpKind.ENGAGEMENT_CHECK)).all()
            chases = session.exec(select(FollowUp).where(FollowUp.kind == FollowUpKind.PROVIDER_CHASE)).all()
            history = session.exec(select(ProviderUpdate.status).order_by(col(ProviderUpdate.id))).all()
            referral_on = session.exec(select(ReferralOn)).one()
            seen = session.exec(select(CaseEvent.kind).where(CaseEvent.actor_user_id == PROVIDER)).all()
    assert not any("engage with" in text for text in fake_bot_api.sent_texts(WORKER))  # the provider already said
    assert checks and {check.status for check in checks} == {FollowUpStatus.CANCELLED}
    assert {chase.status for chase in chases} == {FollowUpStatus.CANCELLED}  # answered: never chased
    assert history == [ProviderStatus.ACCEPTED, ProviderStatus.WAITING, ProviderStatus.ATTENDED]
    assert referral_on.accepted_at is not None and CLIENT_NUMBER not in referral_on.contact_details_enc
    assert {"provider_viewed", "provider_answer"} <= set(seen)


@sqlite_only
async def test_a_capacity_change_reaches_a_clients_search_without_a_restart(
    settings: Settings, fake_bot_api: FakeBotApi
) -> None:
    settings = settings.model_copy(update={"search_index_check_seconds": 0.0})
    async with running_bot(settings, fake_bot_api) as bot:
        await invite_provider(bot, PROVIDER, ORGANISATION)
        asked = await bot.command(PROVIDER, "capacity")
        assert "Which service?" in asked.texts[-1]
        refused = await bot.command(CLIENT, "capacity")
        assert "only for registered staff" in refused.texts[-1]
        chosen = await bot.click(PROVIDER, button(asked, SERVICE_NAME))
        changed = await bot.click(PROVIDER, button(chosen, "8 weeks"))
        assert "waiting list, about 8 weeks" in changed.texts[-1]

        # The first search after the change notices the directory revision moved and rebuilds in the background
        # (answering from the old index meanwhile); once that is done, searches see the new capacity.
        await bot.say(CLIENT, "citizens advice norwich")
        assert bot.application.bot_data.services.directory.wait(timeout=60)
        results = await bot.say(CLIENT, "citizens advice norwich")
        details = await bot.click(CLIENT, button(results, "1"))
        assert SERVICE_NAME in details.texts[-1]
        assert "There is a waiting list (about 8 weeks) — updated today." in details.texts[-1]

        again = await bot.click(PROVIDER, button(await bot.command(PROVIDER, "capacity"), SERVICE_NAME))
        closed = await bot.click(PROVIDER, button(again, "Not taking"))
        assert "not taking referrals" in closed.texts[-1]
        with session_scope(bot.runtime.engine) as session:
            assert session.get(Service, SERVICE).capacity_status == "closed"


@sqlite_only
async def test_an_unanswered_listing_check_reaches_the_admins(settings: Settings, fake_bot_api: FakeBotApi) -> None:
    settings = always_open(settings)
    async with running_bot(settings, fake_bot_api) as bot:
        await invite_provider(bot, PROVIDER, ORGANISATION)
        engine = bot.application.bot_data.services.delivery
        asked = engine.listing_pass()
        # checked in the last 6 months (28/10/2026 in the seed): not asked; North Norfolk (2024): asked
        assert SERVICE not in asked.asked and STALE_SERVICE in asked.asked and not asked.overdue
        await engine.dispatcher.dispatch_due()
        checks = [m for m in sent_messages(fake_bot_api, PROVIDER) if "Is this still right?" in m["text"]]
        stale = next(m for m in checks if STALE_NAME in m["text"])
        assert "Last checked: 12/09/2024" in stale["text"]
        fixed = await bot.click(PROVIDER, button([stale], "Website"), message_id=stale["message_id"])
        assert "Type the right one" in fixed.texts[-1]
        saved = await bot.say(PROVIDER, "www.citizensadvicenorwich.org.uk")
        assert "https://www.citizensadvicenorwich.org.uk" in saved.texts[-1]
        assert engine.listing_pass().asked == []  # asked once per listing, not every pass

        with FrozenClock(utcnow() + timedelta(days=15)):
            overdue = engine.listing_pass()
            await engine.dispatcher.dispatch_due()
        assert overdue.overdue and STALE_SERVICE not in overdue.overdue  # answered (its website fixed)
        [notice] = [text for text in fake_bot_api.sent_texts(ADMIN) if "didn't answer" in text]
        assert "/listings" in notice and "Citizens Advice Great Yarmouth" in notice and STALE_NAME not in notice
        listed = await bot.command(ADMIN, "listings")
        assert "Listings not checked in 6 months" in listed.texts[-1] and STALE_NAME not in listed.texts[-1]
        refused = await bot.command(PROVIDER, "listings")
        assert "Listings not checked" not in " ".join(refused.texts)


@sqlite_only
async def test_forged_and_malformed_provider_buttons_change_nothing(
    settings: Settings, fake_bot_api: FakeBotApi
) -> None:
    async with running_bot(settings, fake_bot_api) as bot:
        await invite_provider(bot, PROVIDER, ORGANISATION)
        await bot.command(CLIENT, "start")  # a bot message for the client to tap under
        for data in ("pv:abc:acc", "pv:999999:acc", "pv:1", "pv:1:zzz", "pv:1:wl:3", "lc:0:ok", "lc:999:ok",
                     "lc:x:phone", "cap:0:open", "cap:99:wl:4"):
            replies = await bot.click(PROVIDER, data, chat_id=PROVIDER)
            said = " ".join(replies.texts + [a or "" for a in replies.answers])
            assert "expired" in said or "isn't for your organisation" in said, (data, said)
        client = await bot.click(CLIENT, "pv:1:acc", chat_id=CLIENT)
        assert "only for registered staff" in " ".join(client.texts + [a or "" for a in client.answers])
        with session_scope(bot.runtime.engine) as session:
            assert session.exec(select(ProviderUpdate)).all() == []
            assert all(service.capacity_updated_at is None for service in session.exec(select(Service)).all())

"""Issue 17 over HTTP: staff menus after /join, refusals that name the role, self-referral to the inbox, carer
wording, a language switch, the PDF handout and changing one answer at the referral summary."""

from __future__ import annotations

import re

import pytest

from core.settings import Settings
from tests.e2e import running_bot, sqlite_only
from tests.fakebotapi import FakeBotApi
from tests.test_bot_e2e import ADMIN, CLIENT, NURSE, WORKER, button, enrol

pytestmark = pytest.mark.e2e


def menu_of(fake: FakeBotApi, chat_id: int) -> list[str] | None:
    """The commands last set for `chat_id`'s own menu (None: it has none, so the public menu shows)."""
    menu = None
    for call in fake.calls():
        scope = call.params.get("scope") or {}
        if scope.get("chat_id") == chat_id and call.method == "setMyCommands":
            menu = [c["command"] for c in call.params["commands"]]
        elif scope.get("chat_id") == chat_id and call.method == "deleteMyCommands":
            menu = None
    return menu


@sqlite_only
async def test_staff_get_their_menu_on_join_lose_it_when_suspended_and_help_and_refusals_name_roles(
    settings: Settings, fake_bot_api: FakeBotApi
) -> None:
    async with running_bot(settings, fake_bot_api) as bot:
        assert menu_of(fake_bot_api, NURSE) is None
        await enrol(bot, NURSE, "ward")
        await enrol(bot, WORKER, "linkworker")
        assert "refer" in menu_of(fake_bot_api, NURSE) and "inbox" not in menu_of(fake_bot_api, NURSE)
        assert {"refer", "inbox", "case", "report"} <= set(menu_of(fake_bot_api, WORKER))
        nurse_help = await bot.command(NURSE, "help")
        assert "ward staff" in nurse_help.texts[-1] and "/refer" in nurse_help.texts[-1]
        assert "/inbox" in (await bot.command(WORKER, "help")).texts[-1]
        refused = await bot.command(NURSE, "inbox")
        assert "link workers and admins" in refused.texts[-1] and "ward staff" in refused.texts[-1]
        assert "looking for support" not in refused.texts[-1]
        client = await bot.command(CLIENT, "inbox")
        assert "only for registered staff (link workers and admins)" in client.texts[-1]
        listed = await bot.command(ADMIN, "staff")
        suspend = next(data for row in [FakeBotApi.buttons(m) for m in listed] for label, data in row
                       if "Suspend" in label and data.endswith(tuple("0123456789")) and "1." in label)
        await bot.click(ADMIN, suspend)
        suspended = [m for m in (menu_of(fake_bot_api, NURSE), menu_of(fake_bot_api, WORKER)) if m is None]
        assert len(suspended) == 1  # whoever was first on the list lost their staff menu


@sqlite_only
async def test_staff_already_registered_get_their_menu_at_start_up_providers_theirs(
    settings: Settings, fake_bot_api: FakeBotApi
) -> None:
    from casework.models import Role, StaffUser
    from core.db import make_engine, session_scope

    async with running_bot(settings, fake_bot_api):
        pass  # the database is created and migrated
    engine = make_engine(settings.database_url)
    with session_scope(engine) as session:  # staff who joined before menus were set per person
        session.add(StaffUser(telegram_user_id=NURSE, display_name="Nurse", role=Role.WARD_STAFF))
        session.add(StaffUser(telegram_user_id=WORKER, display_name="Provider", role=Role.PROVIDER,
                              organisation_id="org-1"))
    engine.dispose()
    async with running_bot(settings, fake_bot_api):
        pass
    assert {"refer", "status", "cancel"} <= set(menu_of(fake_bot_api, NURSE) or [])
    assert {"referrals", "capacity"} <= set(menu_of(fake_bot_api, WORKER) or [])
    assert "refer" not in (menu_of(fake_bot_api, WORKER) or [])


async def summary_after_form(bot) -> object:
    """A referral filled in up to its summary (the same answers as test_bot_e2e.complete_referral)."""
    from tests.test_bot_e2e import HOSPITAL_REF, NHS_NUMBER, RISK_TEXT, refer_up_to_initials

    await refer_up_to_initials(bot)
    await bot.say(NURSE, "JS")
    await bot.say(NURSE, HOSPITAL_REF)
    reasons = await bot.say(NURSE, NHS_NUMBER)
    reasons = await bot.say(NURSE, "Ward 7 Elderly Care")
    toggled = await bot.click(NURSE, button(reasons, "Money"))
    urgency = await bot.click(NURSE, button(toggled, "Done"))
    await bot.click(NURSE, button(urgency, "Before discharge"))
    route = await bot.say(NURSE, RISK_TEXT)
    discharge = await bot.click(NURSE, button(route, "Phone call"))
    return await bot.click(NURSE, button(discharge, "Not known"))


@sqlite_only
async def test_the_nurse_changes_one_answer_at_the_summary_and_keeps_the_rest(
    settings: Settings, fake_bot_api: FakeBotApi
) -> None:
    from tests.test_bot_e2e import HOSPITAL_REF

    async with running_bot(settings, fake_bot_api) as bot:
        await enrol(bot, NURSE, "ward")
        summary = await summary_after_form(bot)
        assert "Ward 7 Elderly Care" in summary.texts[-1]
        choices = await bot.click(NURSE, button(summary, "Change an answer"))
        assert "Which answer" in choices.texts[-1] and HOSPITAL_REF not in choices.texts[-1]
        asked = await bot.click(NURSE, button(choices, "Ward / area"))
        assert "ward" in asked.texts[-1].lower()
        again = await bot.say(NURSE, "Ward 9 Stroke")
        assert "Please check the referral" in again.texts[-1]
        assert "Ward 9 Stroke" in again.texts[-1] and "Money" in again.texts[-1] and "JS" in again.texts[-1]
        assert "Ward 7" not in again.texts[-1]
        sent = await bot.click(NURSE, button(again, "Send referral"))
        assert "Referral sent" in sent.texts[-1]


PHONE = "07911 123456"


@sqlite_only
async def test_a_client_asks_for_a_call_back_and_it_arrives_in_the_inbox_as_a_self_referral(
    settings: Settings, fake_bot_api: FakeBotApi
) -> None:
    from sqlmodel import select

    from casework.models import Referral
    from core.db import session_scope
    from tests.test_bot_e2e import TEAM_CHAT

    async with running_bot(settings, fake_bot_api) as bot:
        await enrol(bot, WORKER, "linkworker")
        offer = await bot.say(CLIENT, "I want to talk to a person")
        assert "Here's what I found" not in " ".join(offer.texts)  # recognised, not searched
        assert "contact you" in offer.texts[-1] and settings.talk_phone in offer.texts[-1]
        consent = await bot.click(CLIENT, button(offer, "call back"))
        assert "Is that OK?" in consent.texts[-1]
        how = await bot.click(CLIENT, button(consent, "that's OK"))
        asked = await bot.click(CLIENT, button(how, "Phone me"))
        assert "phone number" in asked.texts[-1]
        wrong = await bot.say(CLIENT, "12345")
        assert "doesn't look like a UK phone number" in wrong.texts[-1] and "/cancel" in wrong.texts[-1]
        typed = fake_bot_api.push_text(CLIENT, PHONE)
        await bot.settle(typed["update_id"])
        deleted = [c.params.get("message_id") for c in fake_bot_api.calls("deleteMessage")]
        assert typed["message"]["message_id"] in deleted  # the number doesn't stay in the chat
        when = fake_bot_api.last_message(CLIENT)
        about = await bot.click(CLIENT, button([when], "Morning"))
        sent = await bot.click(CLIENT, button(about, "Money"))
        assert "has gone to the social prescribing team" in sent.texts[-1]
        reference = re.search(r"SP-[A-Z0-9]{6}", sent.texts[-1]).group(0)

        post = fake_bot_api.last_message(TEAM_CHAT)
        assert reference in post["text"] and "self-referral" in post["text"] and "7911" not in post["text"]
        inbox = await bot.command(WORKER, "inbox")
        assert "self-referral" in str([FakeBotApi.buttons(m) for m in inbox])
        masked = await bot.click(WORKER, button(inbox, reference))
        assert "Call back on: •" in masked.texts[-1] and "07911" not in masked.texts[-1]
        claimed = await bot.click(WORKER, button(masked, "Claim"))
        assert "+447911123456" in claimed.texts[-1] and "Morning" in claimed.texts[-1]
        with session_scope(bot.runtime.engine) as session:
            referral = session.exec(select(Referral).where(Referral.reference == reference)).one()
            assert referral.source == "self" and not referral.for_someone_else
            assert "7911" not in referral.contact_phone_enc  # encrypted at rest


@sqlite_only
async def test_a_carer_is_spoken_to_about_the_person_they_help_and_their_request_is_third_party(
    settings: Settings, fake_bot_api: FakeBotApi
) -> None:
    from sqlmodel import select

    from casework.models import Referral
    from core.db import session_scope

    async with running_bot(settings, fake_bot_api) as bot:
        carer = await bot.say(CLIENT, "I'm looking for someone else")
        assert "person you're helping" in carer.texts[-1]
        offer = await bot.command(CLIENT, "talk")
        assert "about the person you're helping" in offer.texts[-1]
        consent = await bot.click(CLIENT, button(offer, "call back"))
        assert "Does the person you're helping know" in consent.texts[-1]
        how = await bot.click(CLIENT, button(consent, "they agree"))
        when = await bot.click(CLIENT, button(how, "Message me here"))
        about = await bot.click(CLIENT, button(when, "Any time"))
        assert "What would the person you're helping like help with" in about.texts[-1]
        await bot.click(CLIENT, button(about, "Caring"))
        again = await bot.click(CLIENT, button(await bot.command(CLIENT, "talk"), "call back"))
        assert "already gone to the team" in again.texts[-1]  # one open request at a time
        voice = await bot.act(lambda: fake_bot_api.push_message(
            CLIENT, {"voice": {"file_id": "v1", "file_unique_id": "v1", "duration": 3}}))
        assert "only read typed words" in voice.texts[-1] and "call back" in voice.texts[-1]
        assert button(voice, "call back").startswith("tk:")
        with session_scope(bot.runtime.engine) as session:
            referral = session.exec(select(Referral)).one()
            assert referral.for_someone_else and referral.source == "self" and referral.contact_phone_enc == ""


@sqlite_only
async def test_the_nurse_sends_a_readable_one_page_handout_after_a_referral_and_the_worker_from_the_case(
    settings: Settings, fake_bot_api: FakeBotApi
) -> None:
    import io

    from pypdf import PdfReader

    from tests.test_bot_e2e import HOSPITAL_REF

    def sent_pdf(replies) -> str:
        call = next(c for c in replies.calls if c.method == "sendDocument" and c.ok)
        upload = next(f for f in call.files if f.field == "document")
        assert upload.filename.endswith(".pdf")
        reader = PdfReader(io.BytesIO(upload.content))
        assert len(reader.pages) == 1
        return " ".join(reader.pages[0].extract_text().split())

    async with running_bot(settings, fake_bot_api) as bot:
        await enrol(bot, NURSE, "ward")
        await enrol(bot, WORKER, "linkworker")
        summary = await summary_after_form(bot)
        sent = await bot.click(NURSE, button(summary, "Send referral"))
        reference = re.search(r"SP-[A-Z0-9]{6}", sent.texts[-1]).group(0)
        handout = await bot.click(NURSE, button(sent, "Large-print handout"))
        text = sent_pdf(handout)
        assert "Your local support" in text and "When you call, you could say" in text
        assert "money" in text.lower() and HOSPITAL_REF not in text and "JS" not in text.split()
        assert reference in handout.texts[-1]  # the caption says which referral it is for

        case = await bot.command(WORKER, "case", reference)
        claimed = await bot.click(WORKER, button(case, "Claim"))
        picking = await bot.click(WORKER, button(claimed, "Signpost"))
        picked = await bot.click(WORKER, button(picking, "1."))
        assert "Service:" in picked.texts[-1]
        chosen = picked.texts[-1].split("Service: ", 1)[1].split(" — ")[0].strip()
        card = await bot.click(WORKER, button(picking, "Done"))
        from_case = sent_pdf(await bot.click(WORKER, button(card, "Large-print handout")))
        assert chosen in from_case and from_case.count("When you call") == 1  # the signposted service only


@sqlite_only
async def test_report_last_month_is_understood_and_an_empty_period_draws_no_blank_chart(
    settings: Settings, fake_bot_api: FakeBotApi
) -> None:
    async with running_bot(settings, fake_bot_api) as bot:
        await enrol(bot, WORKER, "linkworker")
        report = await bot.command(WORKER, "report", "last month")
        assert not any("not a date" in text for text in report.texts)
        assert "Nothing was recorded" in report.texts[-1]
        assert not [c for c in report.calls if c.method == "sendPhoto"]


@sqlite_only
async def test_the_bot_speaks_the_persons_language_and_finds_services_from_their_words(
    settings: Settings, fake_bot_api: FakeBotApi
) -> None:
    async with running_bot(settings, fake_bot_api) as bot:
        fake_bot_api.set_user(CLIENT, language_code="pt-PT")
        welcome = await bot.command(CLIENT, "start")
        assert welcome.texts[-1].startswith("Olá!")
        assert "Procurar ajuda" in str(FakeBotApi.buttons(welcome[-1]))
        choose = await bot.command(CLIENT, "language")
        chosen = await bot.click(CLIENT, button(choose, "Polski"))
        assert "po polsku" in chosen.texts[-1]
        assert (await bot.command(CLIENT, "start")).texts[-1].startswith("Dzień dobry!")
        found = await bot.say(CLIENT, "pomoc z długami")
        assert found.texts[-1].startswith("Oto co znalazłem")
        assert "Citizens Advice" in found.texts[-1] or "debt" in found.texts[-1].lower()
        assert "po angielsku" in found.texts[-1]  # directory text is as the provider wrote it
        crisis = await bot.say(CLIENT, "Chcę umrzeć")
        assert "116 123" in crisis.texts[-1] and "999" in crisis.texts[-1] and "85258" in crisis.texts[-1]
        assert "Samaritans: zadzwoń" in crisis.texts[-1]
        await bot.command(CLIENT, "forgetme")
        await bot.click(CLIENT, "forget:yes")
        assert (await bot.command(CLIENT, "start")).texts[-1].startswith("Olá!")  # back to Telegram's language

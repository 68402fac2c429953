"""The real Application over HTTP against the fake Bot API: answers, restarts, webhook mode, 429s, a killed process."""

from __future__ import annotations

import io
import signal
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import inspect

from bot.__main__ import main
from core.db import make_engine, session_scope
from core.settings import Settings, get_settings
from directory.models import Organisation, Service
from tests.e2e import TEST_TOKEN, BotProcess, running_bot, settings_env, sqlite_only
from tests.fakebotapi import FakeBotApi

pytestmark = pytest.mark.e2e
USER = 42
ADMIN = 1000  # an admin in conftest's settings


@sqlite_only
async def test_ping_is_answered_and_the_command_menus_are_published(
    settings: Settings, fake_bot_api: FakeBotApi
) -> None:
    async with running_bot(settings, fake_bot_api) as bot:
        replies = await bot.command(USER, "ping")

    assert replies.texts == ["pong"]
    menus = {
        call.params.get("scope", {}).get("chat_id", "everyone"): [c["command"] for c in call.params["commands"]]
        for call in fake_bot_api.calls("setMyCommands")
    }
    assert {"start", "help", "find"} <= set(menus["everyone"])
    assert "refer" not in menus["everyone"]
    assert {"find", "refer", "inbox"} <= set(menus[ADMIN])


@sqlite_only
async def test_a_restart_neither_loses_nor_repeats_updates(settings: Settings, fake_bot_api: FakeBotApi) -> None:
    async with running_bot(settings, fake_bot_api):
        fake_bot_api.push_command(1, "ping")
        await fake_bot_api.wait_for(chat_id=1, contains="pong")  # stop straight away, before any settling

    fake_bot_api.push_command(2, "ping")  # while the bot is down
    last = fake_bot_api.push_command(3, "ping")

    async with running_bot(settings, fake_bot_api) as bot:
        await bot.settle(last["update_id"])

    assert [fake_bot_api.sent_texts(user) for user in (1, 2, 3)] == [["pong"]] * 3


@sqlite_only
async def test_webhook_mode_answers_updates_posted_by_telegram(settings: Settings, fake_bot_api: FakeBotApi) -> None:
    async with running_bot(settings, fake_bot_api, webhook=True) as bot:
        replies = await bot.command(USER, "ping")
        webhook = bot.runtime.settings.webhook_url
        async with httpx.AsyncClient() as client:  # someone who found the URL but not the secret
            forged = await client.post(webhook, json={"update_id": 1, "message": {"text": "/ping"}})

    assert replies.texts == ["pong"]
    assert fake_bot_api.calls("setWebhook")[0].params["url"] == webhook
    assert forged.status_code == 403  # no secret token: not from Telegram


@sqlite_only
async def test_many_people_writing_at_once_by_webhook_are_each_answered_in_the_order_they_wrote(
    settings: Settings, fake_bot_api: FakeBotApi
) -> None:
    people = range(7001, 7013)  # the fake POSTs their updates over many connections at once, as Telegram does
    async with running_bot(settings, fake_bot_api, webhook=True):
        for person in people:
            fake_bot_api.push_command(person, "help")
            fake_bot_api.push_command(person, "ping")
        for person in people:
            await fake_bot_api.wait_for(chat_id=person, contains="pong")

    for person in people:
        texts = fake_bot_api.sent_texts(person)
        assert texts[-1] == "pong" and len(texts) >= 2 and "pong" not in texts[:-1]  # /help answered first, once
    assert len(fake_bot_api.deliveries()) == 2 * len(people)  # every update accepted, none twice


@sqlite_only
async def test_a_rate_limited_reply_is_retried_not_lost(settings: Settings, fake_bot_api: FakeBotApi) -> None:
    fake_bot_api.fail_next("sendMessage", error_code=429, retry_after=1)

    async with running_bot(settings, fake_bot_api) as bot:
        replies = await bot.command(USER, "ping")

    assert replies.texts == ["pong"]
    assert [(c.ok, c.error_code) for c in fake_bot_api.calls("sendMessage")] == [(False, 429), (True, None)]


@sqlite_only
@pytest.mark.slow
def test_bot_process_answers_survives_sigkill_and_keeps_the_token_out_of_its_log(
    settings: Settings, fake_bot_api: FakeBotApi
) -> None:
    env = settings_env(settings, fake_bot_api)
    process = BotProcess(env).start()
    first = fake_bot_api.push_command(1, "ping")
    fake_bot_api.wait_for_sync(chat_id=1, contains="pong", timeout=30)
    fake_bot_api.wait_acknowledged_sync(first["update_id"], timeout=30)  # else Telegram would redeliver it

    assert process.kill() == -signal.SIGKILL
    fake_bot_api.push_command(2, "ping")  # arrives while the bot is dead
    with BotProcess(env) as restarted:
        fake_bot_api.wait_for_sync(chat_id=2, contains="pong", timeout=30)

    assert fake_bot_api.sent_texts(1) == ["pong"]
    assert TEST_TOKEN not in process.output + restarted.output
    assert "Signpost ready" in restarted.output


# --------------------------------------------------------------------------------------------- python -m bot


@pytest.fixture
def without_token(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[str]:
    """`python -m bot` as on a fresh machine: no token, no .env, an empty SQLite database."""
    database_url = f"sqlite:///{tmp_path / 'fresh.db'}"
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    monkeypatch.setenv("DATABASE_URL", database_url)
    get_settings.cache_clear()
    yield database_url
    get_settings.cache_clear()


def add_service(database_url: str, name: str, description: str) -> None:
    engine = make_engine(database_url)
    with session_scope(engine) as session:
        session.add(Organisation(id="org-1", name="Age UK Norfolk"))
        session.add(Service(id="svc-1", organisation_id="org-1", name=name, description=description))
    engine.dispose()


def test_without_a_token_it_offers_an_offline_directory_search(
    without_token: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["migrate"])
    add_service(without_token, "Telephone befriending", "A weekly friendly phone call for people who feel lonely")
    monkeypatch.setattr("sys.stdin", io.StringIO("befriending\nquit\nbenefits\n"))

    assert main([]) == 0

    shown = capsys.readouterr().out
    assert "TELEGRAM_BOT_TOKEN is not set" in shown
    assert "Telephone befriending" in shown
    assert '"benefits"' not in shown  # nothing is read after "quit"


def test_migrate_subcommand_reports_an_up_to_date_schema(
    without_token: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["migrate"]) == 0

    assert "up to date" in capsys.readouterr().out
    engine = make_engine(without_token)
    assert {"service", "organisation"} <= set(inspect(engine).get_table_names())
    engine.dispose()

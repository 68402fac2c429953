"""The bot's HTTP client for the Bot API (bot/telegram_request.py), over real HTTP against the fake Bot API: what
reaches Telegram, uploads, and how a slow, refusing or unreachable API surfaces (PTB's own errors, so its retries
and the bot's error handling work as they did with httpx)."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import NetworkError, RetryAfter, TimedOut

from bot.telegram_request import AiohttpRequest
from scheduler.sender import never_sent
from tests.e2e import TEST_TOKEN
from tests.fakebotapi import FakeBotApi

CHAT = 4242


@pytest.fixture
def fake() -> Iterator[FakeBotApi]:
    with FakeBotApi() as api:
        yield api


def bot_on(base_url: str, **timeouts: float) -> Bot:
    return Bot(TEST_TOKEN, base_url=base_url, request=AiohttpRequest(4, **timeouts),
               get_updates_request=AiohttpRequest(1, **timeouts))


async def test_a_message_with_buttons_arrives_whole(fake: FakeBotApi) -> None:
    text = "Cymorth – help with money 💷: Ysbyty Gwynedd, Llandudno (1–3 of 30)"
    buttons = InlineKeyboardMarkup([[InlineKeyboardButton("More about StepChange", callback_data="svc:open:7")]])
    async with bot_on(fake.base_url) as bot:
        sent = await bot.send_message(CHAT, text, reply_markup=buttons)

    assert sent.text == text
    call = fake.calls_after(0)[-1]
    assert call.method == "sendMessage"
    assert call.params["chat_id"] == CHAT
    assert call.params["text"] == text
    assert call.params["reply_markup"] == {
        "inline_keyboard": [[{"text": "More about StepChange", "callback_data": "svc:open:7"}]]
    }


async def test_an_upload_arrives_as_a_named_file_with_its_caption(fake: FakeBotApi) -> None:
    content = b"reference,referrals\r\nSP-1,3\r\n" * 1000
    async with bot_on(fake.base_url) as bot:
        sent = await bot.send_document(CHAT, document=content, filename="figures.csv", caption="Figures – 2026")

    assert sent.document is not None
    assert sent.document.file_name == "figures.csv"
    assert sent.caption == "Figures – 2026"
    upload = fake.calls_after(0)[-1].files[0]
    assert (upload.filename, upload.content) == ("figures.csv", content)


async def test_a_refusal_keeps_telegrams_reason(fake: FakeBotApi) -> None:
    fake.fail_next("sendMessage", error_code=429, retry_after=7)
    async with bot_on(fake.base_url) as bot:
        with pytest.raises(RetryAfter) as refused:
            await bot.send_message(CHAT, "hello")
    assert refused.value.retry_after == 7


async def test_a_slow_api_is_a_timeout_that_may_have_delivered(fake: FakeBotApi) -> None:
    async with bot_on(fake.base_url) as bot:
        fake.latency = 1.0  # from here on every answer comes after the bot stopped waiting
        with pytest.raises(TimedOut) as timed_out:
            await bot.send_message(CHAT, "hello", read_timeout=0.2)
    assert not never_sent(timed_out.value)  # Telegram may have it: an at-most-once prompt is not sent again


async def test_no_free_connection_in_time_is_a_timeout_that_sent_nothing(fake: FakeBotApi) -> None:
    bot = Bot(TEST_TOKEN, base_url=fake.base_url, request=AiohttpRequest(1, pool_timeout=0.1, connect_timeout=0.1))
    async with bot:
        fake.latency = 1.0
        first = asyncio.create_task(bot.send_message(CHAT, "first"))
        await asyncio.sleep(0.05)  # the only connection is now busy with the first
        with pytest.raises(TimedOut) as timed_out:
            await bot.send_message(CHAT, "second")
        await first
    assert never_sent(timed_out.value)
    assert [call.params["text"] for call in fake.calls_after(0) if call.method == "sendMessage"] == ["first"]


async def test_an_unreachable_api_is_a_network_error() -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    bot = bot_on(f"http://127.0.0.1:{port}/bot", connect_timeout=2.0)
    await bot.request.initialize()
    try:
        with pytest.raises(NetworkError) as failed:
            await bot.get_me()
    finally:
        await bot.request.shutdown()
    assert never_sent(failed.value)  # no connection, so nothing reached Telegram: safe to send again
    assert TEST_TOKEN not in str(failed.value)


async def test_a_proxy_named_in_the_environment_is_used(fake: FakeBotApi, monkeypatch: pytest.MonkeyPatch) -> None:
    """As with PTB's default client: HTTP(S)_PROXY is honoured (here the fake itself is the proxy for a host that
    does not exist), and NO_PROXY still goes direct."""
    monkeypatch.setenv("HTTP_PROXY", fake.url)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    async with bot_on("http://api.telegram.invalid/bot") as bot:
        await bot.send_message(CHAT, "through the proxy")
    assert fake.calls_after(0)[-1].params["text"] == "through the proxy"

    monkeypatch.setenv("NO_PROXY", "api.telegram.invalid")
    bot = bot_on("http://api.telegram.invalid/bot", connect_timeout=2.0)
    await bot.request.initialize()
    try:
        with pytest.raises(NetworkError):  # direct: the host does not exist
            await bot.get_me()
    finally:
        await bot.request.shutdown()

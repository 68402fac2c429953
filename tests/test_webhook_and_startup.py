"""The webhook server refuses what isn't Telegram's before reading it, and a misconfigured bot says so at once."""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import AsyncIterator
from urllib.parse import urlsplit

import httpx
import pytest

from bot.app import READY_LOG
from bot.webhook import MAX_BODY_BYTES, SECRET_HEADER
from core.settings import Settings
from tests.e2e import TEST_TOKEN, BotProcess, free_port, running_bot, settings_env, sqlite_only
from tests.fakebotapi import FakeBotApi

pytestmark = [pytest.mark.e2e, sqlite_only]
SECRET_TEXT = "H9988776 lives at 12 Secret Lane"


def raw_post(url: str, headers: dict[str, str], first_bytes: bytes, wait: float = 10) -> str:
    """Start a POST with `headers`, send only `first_bytes` of its body, and return the status line the server
    answers with (a server that reads the whole body first never answers before `wait` runs out)."""
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=wait) as connection:
        head = f"POST {parts.path} HTTP/1.1\r\nHost: {parts.netloc}\r\n" + "".join(
            f"{name}: {value}\r\n" for name, value in headers.items()
        )
        connection.sendall(head.encode() + b"\r\n" + first_bytes)
        try:
            return connection.recv(200).decode(errors="replace").split("\r\n")[0]
        except TimeoutError:
            return "no answer"


@pytest.fixture
async def webhook_url(settings: Settings, fake_bot_api: FakeBotApi) -> AsyncIterator[tuple[str, str]]:
    async with running_bot(settings, fake_bot_api, webhook=True) as bot:
        assert bot.runtime.settings.webhook_url and bot.runtime.settings.webhook_secret
        yield bot.runtime.settings.webhook_url, bot.runtime.settings.webhook_secret


async def test_a_huge_post_without_the_secret_is_refused_before_its_body_is_read(webhook_url) -> None:
    url, _ = webhook_url
    headers = {"Content-Type": "application/json", "Content-Length": str(90 * 1024 * 1024)}
    answer = await asyncio.to_thread(raw_post, url, headers, b"x" * 65536)  # the server shares this event loop
    assert answer.startswith("HTTP/1.1 403")


async def test_a_body_over_the_cap_is_refused_even_with_the_secret(webhook_url) -> None:
    url, secret = webhook_url
    declared = {"Content-Type": "application/json", "Content-Length": str(5 * MAX_BODY_BYTES), SECRET_HEADER: secret}
    assert (await asyncio.to_thread(raw_post, url, declared, b"{")).startswith("HTTP/1.1 413")

    async def endless() -> AsyncIterator[bytes]:  # no Content-Length: chunked, and longer than any update
        for _ in range(2 * MAX_BODY_BYTES // 65536 + 1):
            yield b" " * 65536

    async with httpx.AsyncClient() as client:
        streamed = await client.post(url, content=endless(), headers={SECRET_HEADER: secret})
    assert streamed.status_code == 413


async def test_what_is_not_an_update_gets_400_and_its_text_is_never_logged(
    webhook_url, caplog: pytest.LogCaptureFixture
) -> None:
    url, secret = webhook_url
    caplog.set_level(logging.DEBUG)
    async with httpx.AsyncClient() as client:
        malformed = await client.post(url, content=b"{not json", headers={SECRET_HEADER: secret})
        unreadable = await client.post(
            url, json={"update_id": 7, "message": {"text": SECRET_TEXT}}, headers={SECRET_HEADER: secret}
        )
        listed = await client.post(url, json=[1, 2], headers={SECRET_HEADER: secret})
    assert (malformed.status_code, unreadable.status_code, listed.status_code) == (400, 400, 400)
    assert "Secret Lane" not in caplog.text and "H9988776" not in caplog.text


@pytest.mark.slow
def test_a_wrong_api_address_fails_at_once_with_one_clear_line(settings: Settings, fake_bot_api: FakeBotApi) -> None:
    env = settings_env(settings, fake_bot_api) | {"TELEGRAM_API_BASE_URL": f"http://127.0.0.1:{free_port()}/bot"}
    process = BotProcess(env).spawn()
    code = process._process.wait(60)  # type: ignore[union-attr]
    process.stop()
    said = [line for line in process.output.splitlines() if "Cannot start" in line]
    assert code != 0 and READY_LOG not in process.output
    assert len(said) == 1 and "TELEGRAM_API_BASE_URL" in said[0], process.output
    assert "Traceback" not in process.output


@pytest.mark.slow
def test_a_wrong_token_fails_at_once_without_showing_the_token(settings: Settings, fake_bot_api: FakeBotApi) -> None:
    fake_bot_api.accepted_token = TEST_TOKEN
    wrong = "999999:WRONG-TOKEN-abc"
    process = BotProcess(settings_env(settings, fake_bot_api) | {"TELEGRAM_BOT_TOKEN": wrong}).spawn()
    code = process._process.wait(60)  # type: ignore[union-attr]
    process.stop()
    said = [line for line in process.output.splitlines() if "Cannot start" in line]
    assert code != 0 and READY_LOG not in process.output
    assert len(said) == 1 and "refused TELEGRAM_BOT_TOKEN" in said[0], process.output
    assert wrong not in process.output and "WRONG-TOKEN" not in process.output


@pytest.mark.slow
def test_a_webhook_bot_logs_ready_once_when_its_port_is_open(settings: Settings, fake_bot_api: FakeBotApi) -> None:
    port = free_port()
    webhook = settings.model_copy(update={"webhook_url": f"http://127.0.0.1:{port}/telegram", "webhook_port": port,
                                          "webhook_secret": "a-secret"})  # fmt: skip
    with BotProcess(settings_env(webhook, fake_bot_api)) as process:
        with socket.create_connection(("127.0.0.1", port), timeout=5):
            pass  # listening by the time it says it is ready
        fake_bot_api.push_command(1, "ping")
        fake_bot_api.wait_for_sync(chat_id=1, contains="pong", timeout=30)
    assert process.output.count(READY_LOG) == 1 and "(webhook)" in process.output

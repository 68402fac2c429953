"""End-to-end harness: the real PTB Application over HTTP against the fake Bot API (tests/fakebotapi.py).

In-process (fast, same event loop as the test)::

    async def test_x(settings, fake_bot_api):
        async with running_bot(settings, fake_bot_api) as bot:
            replies = await bot.say(42, "/ping")
            assert replies.texts == ["pong"]

As a separate process (for SIGKILL crash tests)::

    with BotProcess(settings_env(settings, fake_bot_api)) as process:
        fake_bot_api.push_command(42, "ping")
        fake_bot_api.wait_for_sync(chat_id=42, contains="pong")
        process.kill()
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import os
import random
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from telegram.ext import Application

from bot.app import READY_LOG, UPDATE_OPTIONS, build_application, make_runtime, webhook_server
from bot.webhook import WebhookServer
from core.runtime import Runtime
from core.settings import PROJECT_ROOT, Settings
from tests.fakebotapi import MESSAGE_METHODS, POLL_SECONDS, Call, FakeBotApi, FakeDriver, poll_until

DEFAULT_TIMEOUT = 10
TEST_TOKEN = "123456:TEST-TOKEN"
LISTEN_PORTS_FROM = 20000  # webhook servers in tests listen on ports from here up to the ephemeral range
# Run a test on SQLite only: `@sqlite_only` on a test using the `settings` / `database_url` fixtures.
sqlite_only = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


@pytest.fixture
def fake_bot_api() -> Iterator[FakeBotApi]:
    """A fake Bot API server on 127.0.0.1 (a fresh one per test)."""
    with FakeBotApi() as fake:
        yield fake


def pointed_at(settings: Settings, fake: FakeDriver) -> Settings:
    """`settings` talking to the fake server instead of Telegram (with a test token if none is set)."""
    return settings.model_copy(
        update={
            "telegram_api_base_url": fake.base_url,
            "telegram_api_file_url": fake.file_url,
            "telegram_bot_token": settings.telegram_bot_token or TEST_TOKEN,
        }
    )


class Replies(list[dict[str, Any]]):
    """Messages the bot sent or edited in one chat in response to one user action (as the user sees them)."""

    def __init__(self, messages: list[dict[str, Any]], calls: list[Call]) -> None:
        super().__init__(messages)
        self.calls = calls  # every Bot API call made meanwhile, to any chat

    @property
    def texts(self) -> list[str]:
        return [message.get("text", message.get("caption")) or "" for message in self]

    @property
    def answers(self) -> list[str | None]:
        """Texts of answered button taps (None: answered silently)."""
        return [call.params.get("text") for call in self.calls if call.ok and call.method == "answerCallbackQuery"]


def _chat_of(update: dict[str, Any]) -> int:
    message = (update.get("message") or update.get("edited_message") or update.get("callback_query", {}).get("message")
               or {})
    return message["chat"]["id"]


@dataclasses.dataclass
class BotHarness:
    """A running bot and the fake it talks to; each action waits until the bot has finished with it."""

    fake: FakeBotApi
    runtime: Runtime
    application: Application
    timeout: float = DEFAULT_TIMEOUT
    webhook: WebhookServer | None = None  # the webhook server, in webhook mode

    async def act(self, push: Callable[[], dict[str, Any]]) -> Replies:
        """Push one update (e.g. `lambda: bot.fake.push_sticker(42)`), wait until handled; the replies in its chat."""
        since = self.fake.mark()
        update = push()
        await self.settle(update["update_id"])
        chat_id = _chat_of(update)
        calls = self.fake.calls_after(since)
        messages = [
            call.result
            for call in calls
            if call.ok and call.method in MESSAGE_METHODS and call.result["chat"]["id"] == chat_id
        ]
        return Replies(messages, calls)

    async def settle(self, update_id: int) -> None:
        """Wait until the bot took the update, processed every queued update and has no request in flight."""
        await self.fake.wait_acknowledged(update_id, self.timeout)
        await asyncio.wait_for(self.application.update_queue.join(), self.timeout)
        await poll_until(lambda: self.fake.in_flight() == 0 or None, self.timeout, lambda: "a Bot API request hung")

    async def say(self, user_id: int, text: str, chat_id: int | None = None) -> Replies:
        """The user types `text`; returns what the bot sent/edited in that chat."""
        return await self.act(lambda: self.fake.push_text(user_id, text, chat_id))

    async def command(self, user_id: int, command: str, args: str = "", chat_id: int | None = None) -> Replies:
        return await self.act(lambda: self.fake.push_command(user_id, command, args, chat_id))

    async def click(
        self, user_id: int, callback_data: str, message_id: int | None = None, chat_id: int | None = None
    ) -> Replies:
        """The user taps a button with `callback_data` under a bot message (default: the bot's latest in the chat)."""
        return await self.act(lambda: self.fake.push_callback(user_id, callback_data, message_id, chat_id))


def free_port() -> int:
    return free_ports(1)[0]


def free_ports(count: int) -> list[int]:
    """`count` different local ports free right now, for servers to listen on.

    Picked below the kernel's ephemeral range: a port from that range (as `bind(0)` gives) can be taken a moment
    later as the local end of any outgoing connection, e.g. a bot process talking to the database.
    """
    probes: list[socket.socket] = []
    try:
        for candidate in random.sample(range(LISTEN_PORTS_FROM, _ephemeral_ports_from()), 500):
            probe = socket.socket()
            try:
                probe.bind(("127.0.0.1", candidate))
            except OSError:
                probe.close()
                continue
            probes.append(probe)
            if len(probes) == count:
                return [probe.getsockname()[1] for probe in probes]
        raise RuntimeError("no free local ports")
    finally:
        for probe in probes:
            probe.close()


def _ephemeral_ports_from() -> int:
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768  # Linux's default


def as_webhook(settings: Settings, port: int | None = None) -> Settings:
    """`settings` in webhook mode on `port` (default: a free local port), keeping a secret that is already set.
    Settings already in webhook mode are returned as they are unless a `port` is given."""
    if settings.webhook_url and settings.webhook_secret and port is None:
        return settings
    port = port or free_port()
    return settings.model_copy(
        update={
            "webhook_url": f"http://127.0.0.1:{port}/telegram",
            "webhook_listen": "127.0.0.1",
            "webhook_port": port,
            "webhook_secret": settings.webhook_secret or secrets.token_urlsafe(16),
        }
    )


async def start_in_loop(
    application: Application, settings: Settings, *, poll_timeout: float = 1
) -> WebhookServer | None:
    """Start like `bot.app.run` does (webhook if `settings.webhook_url`, else polling), inside this event loop.
    Returns the webhook server in webhook mode."""
    if settings.webhook_url:
        server = webhook_server(application, settings)
        serving = asyncio.create_task(server.serve())
        await poll_until(lambda: server.started or serving.done() or None, DEFAULT_TIMEOUT,
                         lambda: "the webhook server did not start")
        if serving.done():
            serving.result()  # raises what stopped it
        server.serving = serving  # type: ignore[attr-defined]
        return server
    await application.initialize()
    if application.post_init:
        await application.post_init(application)
    assert application.updater is not None
    await application.updater.start_polling(poll_interval=0, timeout=poll_timeout, **UPDATE_OPTIONS)
    await application.start()
    return None


async def stop_in_loop(application: Application, webhook: WebhookServer | None = None) -> None:
    """Stop like `Application.run_polling` does on SIGTERM (fetched updates are confirmed and processed first),
    or like the webhook server does."""
    if webhook is not None:
        webhook.stop()
        await webhook.serving  # type: ignore[attr-defined]
        return
    try:
        if application.updater and application.updater.running:
            await application.updater.stop()
        if application.running:
            await application.stop()
            if application.post_stop:
                await application.post_stop(application)
    finally:
        await application.shutdown()
        if application.post_shutdown:
            await application.post_shutdown(application)


@asynccontextmanager
async def running_bot(
    settings: Settings,
    fake: FakeBotApi,
    *,
    runtime: Runtime | None = None,
    webhook: bool = False,
    timeout: float = DEFAULT_TIMEOUT,
) -> AsyncIterator[BotHarness]:
    """Run the real Application against the fake in this event loop for the duration of the block.

    Polling by default; `webhook=True` runs the bot's webhook server on 127.0.0.1 and the fake POSTs updates to it.
    Pass `runtime` to use one you prepared (e.g. with `extras` hooks); its settings are pointed at the fake.
    """
    settings = pointed_at(as_webhook(settings) if webhook else settings, fake)
    own_runtime = runtime is None
    runtime = make_runtime(settings) if runtime is None else dataclasses.replace(runtime, settings=settings)
    application = build_application(runtime)
    server = None
    try:
        server = await start_in_loop(application, settings)
        yield BotHarness(fake, runtime, application, timeout, server)
    finally:
        await stop_in_loop(application, server)
        if own_runtime:
            runtime.engine.dispose()


# ------------------------------------------------------------------------------------------- separate process


def settings_env(settings: Settings, fake: FakeDriver | None = None) -> dict[str, str]:
    """Environment variables that reproduce `settings` (pointed at `fake` when given) in a child process."""
    if fake is not None:
        settings = pointed_at(settings, fake)
    env: dict[str, str] = {}
    for name, value in settings.model_dump().items():
        if value is None:
            continue
        if isinstance(value, bool):
            env[name.upper()] = "true" if value else "false"
        elif isinstance(value, list | dict):
            env[name.upper()] = json.dumps(value)
        else:
            env[name.upper()] = str(value)
    return env


class BotProcess:
    """`python -m bot run` in a child process with only `env` (plus PATH/PYTHONPATH); its log is captured."""

    def __init__(self, env: dict[str, str], *, workdir: Path | None = None, args: tuple[str, ...] = ("run",),
                 program: tuple[str, ...] = ("-m", "bot")) -> None:
        self.env = env
        self.args = args
        self.program = program  # what the interpreter runs (a benchmark's baseline bot instead of Signpost's)
        self._tmp = None if workdir else tempfile.TemporaryDirectory(prefix="signpost-bot-")
        self.workdir = workdir or Path(self._tmp.name)  # type: ignore[union-attr]
        self._process: subprocess.Popen[str] | None = None
        self._lines: list[str] = []
        self._reader: threading.Thread | None = None

    @property
    def pid(self) -> int:
        assert self._process is not None, "not started"
        return self._process.pid

    @property
    def returncode(self) -> int | None:
        return self._process.poll() if self._process else None

    @property
    def output(self) -> str:
        """Everything the process wrote to stdout/stderr so far (its log)."""
        return "".join(self._lines)

    def start(self, timeout: float = 60) -> BotProcess:
        """Start and wait until the bot logs that it is ready (raises with its output if it dies first)."""
        return self.spawn().wait_ready(timeout)

    def spawn(self) -> BotProcess:
        """Start without waiting (e.g. to start several at once, then `wait_ready` for each)."""
        base = {key: os.environ[key] for key in ("PATH", "LANG", "LC_ALL", "TMPDIR") if key in os.environ}
        env = base | {"PYTHONPATH": str(PROJECT_ROOT), "PYTHONUNBUFFERED": "1"} | self.env
        self._lines = []
        self._process = subprocess.Popen(
            [sys.executable, *self.program, *self.args],
            env=env,
            cwd=self.workdir,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self._reader = threading.Thread(target=self._read, args=(self._process,), daemon=True)
        self._reader.start()
        return self

    def wait_ready(self, timeout: float = 60) -> BotProcess:
        """Wait until the spawned bot logs that it is ready (raises with its output if it dies first)."""
        assert self._process is not None, "not started"
        deadline = time.monotonic() + timeout
        while READY_LOG not in self.output:
            if self._process.poll() is not None or time.monotonic() > deadline:
                self.kill()
                raise RuntimeError(f"the bot process did not become ready:\n{self.output}")
            time.sleep(POLL_SECONDS)
        return self

    def _read(self, process: subprocess.Popen[str]) -> None:
        assert process.stdout is not None
        for line in process.stdout:
            self._lines.append(line)

    def kill(self) -> int:
        """SIGKILL: no clean-up at all, like a crash or an OOM kill. Returns the exit status."""
        return self._end(signal.SIGKILL, timeout=30)

    def stop(self, timeout: float = 30) -> int:
        """SIGTERM: PTB's graceful shutdown (SIGKILL after `timeout`). Returns the exit status."""
        try:
            return self._end(signal.SIGTERM, timeout)
        except subprocess.TimeoutExpired:
            return self.kill()

    def _end(self, sig: int, timeout: float) -> int:
        assert self._process is not None, "not started"
        if self._process.poll() is None:
            self._process.send_signal(sig)
        code = self._process.wait(timeout)
        if self._reader:
            self._reader.join(timeout=5)
        return code

    def __enter__(self) -> BotProcess:
        """Start (unless `spawn` already did) and wait until ready."""
        return self.wait_ready() if self._process else self.start()

    def __exit__(self, *exc: object) -> None:
        if self._process and self._process.poll() is None:
            self.stop()
        if self._tmp:
            self._tmp.cleanup()


def act_sync(fake: FakeDriver, push: Callable[[], dict[str, Any]], expect: str, timeout: float = 30) -> Call:
    """Push one update to a bot in another process and wait for its answer: the first message sent or edited in
    that chat after the push whose text contains `expect`, once Telegram counts the update as taken."""
    since = fake.mark()
    update = push()
    answer = fake.wait_for_sync(
        None, _chat_of(update), lambda call: call.method in MESSAGE_METHODS, expect, since, timeout
    )
    fake.wait_acknowledged_sync(update["update_id"], timeout)
    return answer

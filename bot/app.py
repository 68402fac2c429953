"""Application wiring: the runtime (database, cipher) and the PTB `Application` that serves Telegram.

`TELEGRAM_API_BASE_URL` is the Bot API root *including* the `/bot` prefix, without the token, e.g.
`https://api.telegram.org/bot` (default) or `http://127.0.0.1:8081/bot` for a local or fake server;
PTB appends the token. `TELEGRAM_API_FILE_URL` likewise, e.g. `http://127.0.0.1:8081/file/bot`.
"""

from __future__ import annotations

import asyncio
import fcntl
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import text
from sqlalchemy.engine import Engine
from telegram import Bot, BotCommand, BotCommandScopeChat, BotCommandScopeDefault, Update
from telegram.error import InvalidToken, TelegramError
from telegram.ext import ApplicationBuilder

from bot.processor import PerChatUpdateProcessor
from bot.telegram_request import AiohttpRequest
from bot.webhook import WebhookServer
from casework.models import Role
from casework.staff import active_roles
from core.crypto import FieldCipher, load_or_create_key
from core.db import make_engine, migrate, reading, session_scope
from core.flood import FloodLimit
from core.runtime import Runtime
from core.settings import PROJECT_ROOT, Settings, sqlite_path
from directory.live import LiveDirectory
from directory.saved_index import default_index_path
from directory.seed import ensure_seeded
from handlers import register_all
from handlers.context import CONTEXT_TYPES, Services, SignpostApplication, SignpostContext
from handlers.menus import PUBLIC_COMMANDS, TEAM_CHAT_COMMANDS, Commands, commands_for
from scheduler.engine import FollowUpEngine
from scheduler.hooks import FollowUpPlanner
from scheduler.policy import FollowUpPolicy
from scheduler.sender import SendLimits, SharedRateLimiter

logger = logging.getLogger(__name__)

# Updates must survive restarts: never drop what Telegram is holding for us.
UPDATE_OPTIONS: dict[str, Any] = {"allowed_updates": Update.ALL_TYPES, "drop_pending_updates": False}
RETRY_FOREVER = -1
READY_LOG = "Signpost ready"  # logged once start-up is done; process supervisors and tests wait for it
_STARTUP_LOCK_ID = 0x5167_9057  # pg_advisory_lock key shared by every Signpost process
STARTUP_ATTEMPTS = 3  # tries to reach Telegram at start (1 s, then 2 s apart) before giving up with one clear line


class ConfigurationError(ValueError):
    """The settings cannot run the bot as asked (missing token, webhook without secret ...)."""


def data_dir(settings: Settings) -> Path:
    """Where local files live: next to the SQLite database, else the project root."""
    database_file = sqlite_path(settings.database_url)
    return database_file.parent if database_file else PROJECT_ROOT


@contextmanager
def startup_lock(engine: Engine, settings: Settings) -> Iterator[None]:
    """Serialises migrate/seed/key creation between bot processes starting at the same time."""
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("SELECT pg_advisory_lock(:id)"), {"id": _STARTUP_LOCK_ID})
            try:
                yield
            finally:
                connection.execute(text("SELECT pg_advisory_unlock(:id)"), {"id": _STARTUP_LOCK_ID})
        return
    database_file = sqlite_path(settings.database_url)
    if database_file is None:  # in-memory: nothing to share
        yield
        return
    database_file.parent.mkdir(parents=True, exist_ok=True)
    with database_file.with_name(database_file.name + ".startup-lock").open("a") as lock_file:
        fcntl.flock(lock_file, fcntl.LOCK_EX)
        yield


def prepare_database(settings: Settings) -> Engine:
    """An engine on a migrated database whose service directory is seeded (when it was empty)."""
    engine = make_engine(settings.database_url)
    with startup_lock(engine, settings):
        migrate(engine)
        ensure_seeded(engine, settings.seed_csv)
    return engine


def make_runtime(settings: Settings) -> Runtime:
    """The ground services for `settings`: the prepared database and the field cipher."""
    engine = prepare_database(settings)
    with startup_lock(engine, settings):
        key = load_or_create_key(settings.notes_encryption_key, data_dir(settings) / "signpost.key")
    if not settings.notes_encryption_key:
        logger.warning("NOTES_ENCRYPTION_KEY is not set: using a local key file (fine for a demo, not for a service)")
    if settings.talk_to_person_text == Settings.model_fields["talk_to_person_text"].default:
        logger.warning("TALK_TO_PERSON_TEXT is the sample text (a fictional Ofcom drama-range number): set your "
                       "service's real contact details before going live")
    return Runtime(settings=settings, engine=engine, cipher=FieldCipher(key))


def bot_commands(commands: Commands) -> list[BotCommand]:
    return [BotCommand(name, description) for name, description in commands]


async def publish_commands(bot: Bot, settings: Settings, staff: dict[int, Role] | None = None) -> None:
    """The command menu: public commands for everyone, each member of staff's own (`staff`, e.g. those who joined
    before menus were set per person), the admin menu in config admins' chats and the team's in the link-worker
    chat. Staff who join later get theirs then (handlers.staff); a chat Telegram does not know yet (an admin who
    never opened the bot) is skipped, not fatal."""
    await bot.set_my_commands(bot_commands(PUBLIC_COMMANDS), scope=BotCommandScopeDefault())
    menus = {chat_id: commands_for(role) for chat_id, role in (staff or {}).items()}
    menus |= {chat_id: commands_for(Role.ADMIN) for chat_id in settings.admin_user_ids}
    if settings.link_worker_chat_id:
        menus[settings.link_worker_chat_id] = TEAM_CHAT_COMMANDS
    for chat_id, commands in menus.items():
        try:
            await bot.set_my_commands(bot_commands(commands), scope=BotCommandScopeChat(chat_id))
        except TelegramError as error:
            logger.warning("Could not set the staff command menu for chat %s: %s", chat_id, error)


def _staff_roles(runtime: Runtime) -> dict[int, Role]:
    with session_scope(reading(runtime.engine)) as session:
        return active_roles(session)


async def _post_init(application: SignpostApplication) -> None:
    """Before updates flow: the search index starts loading (in a background thread, so the first person to search
    does not wait for it), the command menu; the jobs start with the application (see `_started`)."""
    application.bot_data.services.directory.start()
    runtime = application.bot_data.services.runtime
    try:
        await publish_commands(application.bot, runtime.settings, await asyncio.to_thread(_staff_roles, runtime))
    except TelegramError as error:
        logger.warning("Could not set the command menu: %s", error)
    job_queue = application.job_queue
    assert job_queue is not None, "python-telegram-bot[job-queue] is a dependency"
    # A job queue fires jobs only once the application has started, i.e. once polling began or the webhook opened.
    job_queue.run_once(_started, when=0, name="signpost-started", job_kwargs={"misfire_grace_time": None})


async def _started(context: SignpostContext) -> None:
    """Once the application runs: start the follow-up engine (its first pass, crash recovery, runs at once); when
    polling, updates are flowing now, so log READY_LOG (the webhook server logs it once its port is open)."""
    runtime, job_queue = context.runtime, context.job_queue
    assert job_queue is not None
    context.services.delivery.schedule(job_queue)
    if not runtime.settings.webhook_url:
        log_ready(context.bot.username, "polling")


def log_ready(username: str, mode: str) -> None:
    """The one line saying the bot is serving (process supervisors and tests wait for it)."""
    logger.info("%s as @%s (%s)", READY_LOG, username, mode)


async def who_am_i(settings: Settings, attempts: int = STARTUP_ATTEMPTS) -> str:
    """The bot's username, asked of the Bot API at `TELEGRAM_API_BASE_URL`; a `ConfigurationError` with one clear
    line when the token is refused or the API can't be reached after a few tries (instead of retrying silently)."""
    assert settings.telegram_bot_token
    request = AiohttpRequest(1, connect_timeout=5, read_timeout=10)
    bot = Bot(settings.telegram_bot_token, base_url=settings.telegram_api_base_url, request=request)
    problem: TelegramError | None = None
    for attempt in range(attempts):
        try:
            async with bot:
                return bot.username
        except InvalidToken:  # its message quotes the token: never shown
            raise ConfigurationError(
                f"the Bot API at {settings.telegram_api_base_url} refused TELEGRAM_BOT_TOKEN. Check the token from "
                "@BotFather, and that TELEGRAM_API_BASE_URL ends in /bot"
            ) from None
        except TelegramError as error:
            problem = error
            if attempt + 1 < attempts:
                await asyncio.sleep(2**attempt)
    raise ConfigurationError(
        f"cannot reach the Telegram Bot API at {settings.telegram_api_base_url} ({type(problem).__name__}). "
        "Check TELEGRAM_API_BASE_URL and the network"
    )


def check_telegram(settings: Settings) -> str:
    """`who_am_i` on an event loop of its own (PTB's `run_polling` makes its own afterwards)."""
    loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(who_am_i(settings))
    finally:
        loop.close()


def build_application(runtime: Runtime) -> SignpostApplication:
    """The PTB Application for `runtime`: API endpoint, rate limits, timeouts, typed context, handlers and jobs."""
    settings = runtime.settings
    if not settings.telegram_bot_token:
        raise ConfigurationError("TELEGRAM_BOT_TOKEN is not set")
    builder = (
        ApplicationBuilder()
        .token(settings.telegram_bot_token)
        .base_url(settings.telegram_api_base_url)
        .context_types(CONTEXT_TYPES)
        # Telegram's limits (SEND_RATE_PER_SECOND overall, 20/minute per group), counted in the database so they hold
        # across processes, on the limiter's own connections; a 429 is retried after its retry_after.
        .rate_limiter(SharedRateLimiter(make_engine(settings.database_url), SendLimits.from_settings(settings),
                                        max_retries=3))
        # PTB's own pool size (256), timeouts as before; aiohttp instead of httpx (bot/telegram_request.py says why)
        .request(AiohttpRequest(256, connect_timeout=5, read_timeout=15, write_timeout=20, pool_timeout=5))
        .get_updates_request(AiohttpRequest(1, connect_timeout=5, read_timeout=15))  # PTB adds the long poll on top
        .post_init(_post_init)
    )
    if settings.telegram_api_file_url:
        builder = builder.base_file_url(settings.telegram_api_file_url)
    if settings.concurrent_updates > 1:  # 1: PTB's own processing, one update at a time
        # Different chats at once, each chat's updates in order (handlers run their transactions in threads).
        builder = builder.concurrent_updates(PerChatUpdateProcessor(settings.concurrent_updates))
    application: SignpostApplication = builder.build()
    application.bot_data.services = Services(
        runtime=runtime,
        directory=LiveDirectory(
            runtime.engine,
            default_index_path(settings.database_url, settings.search_index_path),
            check_every=settings.search_index_check_seconds,
        ),
        followups=FollowUpPlanner(FollowUpPolicy.from_settings(settings)),
        flood=FloodLimit(settings.user_rate_limit_per_minute, settings.user_rate_burst),
        delivery=FollowUpEngine(runtime.engine, settings, application.bot, running=lambda: application.running),
    )
    register_all(application)
    return application


def webhook_options(settings: Settings) -> dict[str, Any]:
    """Arguments for PTB's webhook server (`run_webhook` / `Updater.start_webhook`) from `settings`."""
    if not settings.webhook_url:
        raise ConfigurationError("WEBHOOK_URL is not set")
    if not settings.webhook_secret:
        raise ConfigurationError("WEBHOOK_SECRET is required in webhook mode (Telegram sends it with every update)")
    return {
        "listen": settings.webhook_listen,
        "port": settings.webhook_port,
        "url_path": urlsplit(settings.webhook_url).path.lstrip("/"),
        "webhook_url": settings.webhook_url,
        "secret_token": settings.webhook_secret,
        **UPDATE_OPTIONS,
    }


def run_polling(application: SignpostApplication) -> None:
    """Serve by long polling until SIGINT/SIGTERM; updates that arrived while down are handled, none dropped."""
    application.run_polling(bootstrap_retries=RETRY_FOREVER, **UPDATE_OPTIONS)


def webhook_server(application: SignpostApplication, settings: Settings) -> WebhookServer:
    """Our webhook server for `application` (secret and size checked before a body is read; bot/webhook.py)."""
    options = webhook_options(settings)
    return WebhookServer(application, settings, options, lambda: log_ready(application.bot.username, "webhook"))


def run_webhook(application: SignpostApplication, settings: Settings) -> None:
    """Serve by webhook until SIGINT/SIGTERM (several processes may share one token behind a load balancer)."""
    asyncio.run(webhook_server(application, settings).serve())


def run(application: SignpostApplication, settings: Settings) -> None:
    """Check Telegram can be reached with this token (fail fast), then webhook mode when `WEBHOOK_URL` is set,
    polling otherwise."""
    if settings.webhook_url:
        webhook_options(settings)  # a missing secret fails before any network call
    check_telegram(settings)
    if settings.webhook_url:
        run_webhook(application, settings)
    else:
        run_polling(application)

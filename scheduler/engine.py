"""APScheduler wiring: runs the dispatcher every few seconds inside the bot's event loop.

The database is the source of truth; the scheduler only decides when to look. On start a recovery pass runs at once:
rows interrupted by a crash are reported, and everything that fell due while the bot was down is sent once (or, in
quiet hours, at the next allowed time).
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import socket
from datetime import UTC, datetime
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from telegram.ext import Application

from bot.runtime import Runtime
from scheduler.dispatcher import Dispatcher, DispatchStats
from scheduler.hooks import FollowUpPlanner
from scheduler.policy import FollowUpPolicy
from scheduler.retention import schedule_retention
from scheduler.sender import Sender, TelegramSender

log = logging.getLogger(__name__)

SHUTDOWN_GRACE_SECONDS = 20.0
JOB_ID = "followup-dispatch"
ENGINE_KEY = "followup_engine"  # runtime.extras: the running FollowUpEngine
HOOKS_KEY = "followup_hooks"  # runtime.extras: a FollowUpPlanner for casework's FollowUpHooks parameter
_INSTALLED_KEY = "followup_installed"


def default_worker_id() -> str:
    """Unique per process, and readable in the database: host:pid:random."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{secrets.token_hex(4)}"


class FollowUpEngine:
    """Drives a `Dispatcher` from an AsyncIOScheduler (one job, never overlapping itself)."""

    def __init__(
        self,
        runtime: Runtime,
        application: Application,
        *,
        interval_seconds: float | None = None,
        sender: Sender | None = None,
        worker_id: str | None = None,
    ) -> None:
        settings = runtime.settings
        self.policy = FollowUpPolicy.from_settings(settings)
        self.dispatcher = Dispatcher(
            runtime.engine, sender or TelegramSender(application.bot), self.policy, worker_id or default_worker_id()
        )
        self.interval_seconds = interval_seconds or float(settings.followup_dispatch_seconds)
        self._retention = (runtime.engine, settings.retention_months, settings.timezone)
        self._scheduler = AsyncIOScheduler(timezone=UTC)
        self._running_tick: asyncio.Task[Any] | None = None

    async def start(self) -> None:
        """Recovery pass now, then a dispatch pass straight away and every `interval_seconds`."""
        recovered = self.dispatcher.upkeep()
        log.info("follow-up engine starting (worker %s): %d interrupted row(s) reported",
                 self.dispatcher.worker_id, recovered.interrupted)
        self._scheduler.add_job(
            self.tick, "interval", seconds=self.interval_seconds, id=JOB_ID, replace_existing=True,
            max_instances=1, coalesce=True, next_run_time=datetime.now(UTC),
        )
        schedule_retention(self._scheduler, *self._retention)
        self._scheduler.start()

    async def tick(self) -> DispatchStats:
        """One scheduled pass: upkeep and every batch that is due. Errors are logged and retried next tick."""
        self._running_tick = asyncio.current_task()
        try:
            stats = await self.dispatcher.dispatch_due()
        except Exception as problem:  # the job must survive e.g. a database blip; rows stay safe in the DB
            log.error("follow-up dispatch pass failed: %s", type(problem).__name__)
            return DispatchStats()
        finally:
            self._running_tick = None
        if stats.claimed or stats.interrupted or stats.escalated:
            log.info("follow-ups: %s", stats)
        return stats

    async def shutdown(self) -> None:
        """Stop scheduling, let sends already under way finish, and hand unsent claimed rows back."""
        self.dispatcher.stop()
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)
        tick = self._running_tick
        if tick is not None and not tick.done() and tick is not asyncio.current_task():
            await asyncio.wait({tick}, timeout=SHUTDOWN_GRACE_SECONDS)


def install(runtime: Runtime) -> None:
    """Start the engine after the Application starts and stop it on shutdown (via the runtime's hook lists).

    Also puts a `FollowUpPlanner` in `runtime.extras["followup_hooks"]` for casework calls. Safe to call twice.
    """
    if runtime.extras.get(_INSTALLED_KEY):
        return
    runtime.extras[_INSTALLED_KEY] = True
    runtime.extras.setdefault(HOOKS_KEY, FollowUpPlanner(FollowUpPolicy.from_settings(runtime.settings)))

    async def start_engine(application: Application) -> None:
        engine = FollowUpEngine(runtime, application)
        runtime.extras[ENGINE_KEY] = engine
        await engine.start()

    async def stop_engine(application: Application) -> None:
        engine = runtime.extras.pop(ENGINE_KEY, None)
        if engine is not None:
            await engine.shutdown()

    runtime.extras.setdefault("post_init_hooks", []).append(start_engine)
    runtime.extras.setdefault("post_stop_hooks", []).append(stop_engine)

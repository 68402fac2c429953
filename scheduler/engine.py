"""The follow-up engine on PTB's JobQueue (APScheduler underneath): the dispatcher every few seconds, and retention.

The database is the source of truth; the job queue only decides when to look. The first pass runs as soon as the
application starts: rows a crash left behind are settled, and everything that fell due while the bot was down is
sent (or, in quiet hours, at the next allowed time). Messages a handler's transaction owed (team posts, referrer
notices) are sent straight after it commits (`send_now`); the passes retry whatever that could not send. When the
application stops, the pass under way finishes the sends it has started and hands the rest back (PTB's JobQueue
waits for running jobs).
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import socket
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.engine import Engine
from telegram import Bot
from telegram.ext import JobQueue

from core.clock import utcnow
from core.db import session_scope
from core.settings import Settings
from scheduler.dispatcher import Dispatcher, DispatchStats
from scheduler.policy import FollowUpPolicy
from scheduler.privacy import RetentionRules
from scheduler.providers import ListingPass, plan_listing_checks
from scheduler.retention import schedule_retention
from scheduler.sender import Pacer, Sender, SendLimits, SharedPacer, TelegramSender

log = logging.getLogger(__name__)

JOB_ID = "followup-dispatch"
LISTING_JOB_ID = "listing-checks"
LISTING_CHECK_INTERVAL_SECONDS = 3600.0  # listings fall due by the month: an hourly look is plenty


def default_worker_id() -> str:
    """Unique per process, and readable in the database: host:pid:random."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{secrets.token_hex(4)}"


class FollowUpEngine:
    """Drives a `Dispatcher` from a repeating job that never overlaps itself."""

    def __init__(
        self,
        engine: Engine,
        settings: Settings,
        bot: Bot,
        *,
        running: Callable[[], bool] = lambda: True,
        sender: Sender | None = None,
        worker_id: str | None = None,
        pacer: Pacer | None = None,
    ) -> None:
        """`running` says whether the application is still running: once it is not, no new send starts.
        Sends are paced per chat and overall through the database (`SharedPacer`) unless another `pacer` is given."""
        self.engine, self.settings = engine, settings
        self.policy = FollowUpPolicy.from_settings(settings)
        self.dispatcher = Dispatcher(
            engine, sender or TelegramSender(bot), self.policy, worker_id or default_worker_id(), running=running,
            pacer=pacer or SharedPacer(engine, SendLimits.from_settings(settings)),
        )

    def schedule(self, job_queue: JobQueue[Any]) -> None:
        """Dispatch at once and every `FOLLOWUP_DISPATCH_SECONDS`; retention nightly and once at start."""
        job_queue.run_repeating(
            self.tick,
            interval=float(self.settings.followup_dispatch_seconds),
            name=JOB_ID,
            # The first pass now (PTB's `first=0` is computed before the job is added, so APScheduler may already
            # count it as past and wait a whole interval); one pass at a time; a late pass still runs.
            job_kwargs={"next_run_time": datetime.now(UTC), "max_instances": 1, "coalesce": True,
                        "misfire_grace_time": None},
        )
        job_queue.run_repeating(self.listing_tick, interval=LISTING_CHECK_INTERVAL_SECONDS, first=60.0,
                                name=LISTING_JOB_ID, job_kwargs={"max_instances": 1, "coalesce": True})
        schedule_retention(job_queue, self.engine, self.settings.retention_months, self.settings.timezone,
                           RetentionRules.from_settings(self.settings), self.policy)

    async def send_now(self, followup_ids: Iterable[int]) -> DispatchStats:
        """Send rows a handler's transaction just committed (team posts, referrer notices)."""
        return await self.dispatcher.send_now(followup_ids)

    def listing_pass(self) -> ListingPass:
        """Ask providers whose listings are due "Is this still right?", put unanswered checks on the admins' list
        and reopen services whose closure date has passed, in one transaction (the rows go out with the next
        dispatch pass)."""
        with session_scope(self.engine) as session:
            done = plan_listing_checks(session, self.policy, utcnow())
        if done.asked or done.overdue or done.reopened:
            log.info("listing checks: %d asked, %d overdue, %d reopened", len(done.asked), len(done.overdue),
                     len(done.reopened))
        return done

    async def listing_tick(self, _context: object = None) -> ListingPass:
        """The hourly listing-check job (off the event loop); errors are logged and retried next hour."""
        try:
            return await asyncio.to_thread(self.listing_pass)
        except Exception as problem:  # the job must survive e.g. a database blip
            log.error("listing check pass failed: %s", type(problem).__name__)
            return ListingPass()

    async def tick(self, _context: object = None) -> DispatchStats:
        """One scheduled pass: upkeep and every batch that is due. Errors are logged and retried next tick."""
        stats = DispatchStats()
        more = True
        while more:  # a pass still sending a backlog hands over to the next at once (upkeep in between)
            try:
                done = await self.dispatcher.dispatch_due()
            except Exception as problem:  # the job must survive e.g. a database blip; rows stay safe in the DB
                log.error("follow-up dispatch pass failed: %s", type(problem).__name__)
                return stats
            stats += done
            more = done.more_soon and not self.dispatcher.stopping
        if stats.claimed or stats.interrupted or stats.requeued or stats.escalated:
            log.info("follow-ups: %s", stats)
        return stats

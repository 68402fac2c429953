"""Sends due follow-ups exactly once, even with several bot processes sharing one database.

A dispatcher claims due rows (PostgreSQL: `SELECT … FOR UPDATE SKIP LOCKED`; SQLite: one atomic conditional
UPDATE), marking them SENDING with a lease. It then checks each is still relevant, sends it and records SENT with the
message id the moment Telegram answers. Transient errors are retried with exponential backoff; permanent ones (a
blocked bot, a rejected message) fail at once and are reported. Rows whose lease runs out mid-send are handled by
`scheduler.upkeep.recover_interrupted`.
"""

from __future__ import annotations

import asyncio
import logging
import warnings
from collections.abc import Callable
from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from telegram.error import BadRequest, Forbidden, RetryAfter, TimedOut
from telegram.warnings import PTBDeprecationWarning

from core.clock import utcnow
from core.db import session_scope
from scheduler.checkins import stop_client_checkins
from scheduler.compose import Outgoing, compose, load_contexts
from scheduler.messages import BLOCKED, INTERRUPTED
from scheduler.models import FollowUp, FollowUpKind, FollowUpStatus
from scheduler.notices import notify_failure
from scheduler.policy import FollowUpPolicy
from scheduler.sender import Sender
from scheduler.upkeep import recover_interrupted, sweep_unanswered

log = logging.getLogger(__name__)

LEASE_SAFETY_MARGIN = timedelta(seconds=30)  # never start a send this close to the end of our lease
REJECTED = "Telegram rejected the message"


@dataclass
class DispatchStats:
    """What one dispatch pass (or several, added together) did."""

    claimed: int = 0
    sent: int = 0
    skipped: int = 0  # no longer relevant: cancelled without sending
    retried: int = 0
    failed: int = 0
    released: int = 0  # handed back unsent (shutting down, or lease nearly over)
    interrupted: int = 0  # found mid-send after a crash; marked failed
    resent: int = 0  # unanswered prompts queued for their one re-send
    escalated: int = 0  # unanswered prompts escalated
    quiet: bool = False  # nothing sent because it is quiet hours

    def __iadd__(self, other: DispatchStats) -> DispatchStats:
        for item in fields(self):
            if item.name != "quiet":
                setattr(self, item.name, getattr(self, item.name) + getattr(other, item.name))
        self.quiet = self.quiet or other.quiet
        return self


class Dispatcher:
    """Claims, sends and records follow-ups for one worker (`worker_id` must be unique per process)."""

    def __init__(
        self,
        engine: Engine,
        sender: Sender,
        policy: FollowUpPolicy,
        worker_id: str,
        *,
        batch_size: int = 50,
        concurrency: int = 8,
        running: Callable[[], bool] = lambda: True,
    ) -> None:
        """Once `running()` is False (the application is stopping), or after `stop()`, the sends already started
        finish, the rest of the batch is handed back and nothing more is claimed."""
        self.engine, self.sender, self.policy, self.worker_id = engine, sender, policy, worker_id[:64]
        self.batch_size, self.concurrency = batch_size, concurrency
        self._running = running
        self._stop_requested = False

    def stop(self) -> None:
        """Finish the sends already started, hand the rest of the batch back and claim nothing more."""
        self._stop_requested = True

    @property
    def _stopping(self) -> bool:
        return self._stop_requested or not self._running()

    def claim_due(self, limit: int) -> list[int]:
        """Reserve up to `limit` due rows for this worker; no other worker can claim them until the lease ends."""
        now = utcnow()
        lease = {"status": FollowUpStatus.SENDING, "locked_by": self.worker_id,
                 "locked_until": now + timedelta(seconds=self.policy.lease_seconds)}
        due = (
            select(FollowUp.id)
            .where(FollowUp.status == FollowUpStatus.PENDING, col(FollowUp.due_at) <= now)
            .order_by(col(FollowUp.due_at))  # straight off the (status, due_at) index
            .limit(limit)
        )
        with session_scope(self.engine) as session:
            if session.get_bind().dialect.name == "postgresql":
                ids = list(session.exec(due.with_for_update(skip_locked=True)).all())
                if ids:
                    session.execute(_update(col(FollowUp.id).in_(ids)).values(**lease))
            else:
                # SQLite: one UPDATE statement takes the database write lock before it reads, so the rows its
                # subquery picks are still pending when they are marked (no second status filter: it would make
                # SQLite scan every pending row instead of looking ids up).
                claim = _update(col(FollowUp.id).in_(due)).values(**lease)
                ids = list(session.execute(claim.returning(FollowUp.id)).scalars())
        return [int(followup_id) for followup_id in ids if followup_id is not None]

    def upkeep(self) -> DispatchStats:
        """Recover rows interrupted by a crash and re-send or escalate unanswered prompts."""
        now = utcnow()
        with session_scope(self.engine) as session:
            interrupted = recover_interrupted(session, self.policy, now)
            resent, escalated = sweep_unanswered(session, self.policy, now)
        if interrupted:
            log.warning("%d follow-up(s) interrupted mid-send, marked failed and reported (first ids: %s)",
                        len(interrupted), interrupted[:10])
        return DispatchStats(interrupted=len(interrupted), resent=resent, escalated=escalated)

    async def dispatch_once(self) -> DispatchStats:
        """Claim one batch of due follow-ups and send them. Sends nothing in quiet hours."""
        if self._stopping:
            return DispatchStats()
        if not self.policy.is_allowed(utcnow()):
            return DispatchStats(quiet=True)
        lease_ends = utcnow() + timedelta(seconds=self.policy.lease_seconds)  # no later than the stored lease
        ids = self.claim_due(self.batch_size)
        stats = DispatchStats(claimed=len(ids))
        if not ids:
            return stats
        ready = self._prepare(ids, stats)
        gate = asyncio.Semaphore(self.concurrency)
        outcomes = await asyncio.gather(*(self._deliver(fid, out, lease_ends, gate) for fid, out in ready))
        for outcome in outcomes:
            setattr(stats, outcome, getattr(stats, outcome) + 1)
        return stats

    async def dispatch_due(self, max_batches: int = 20) -> DispatchStats:
        """Upkeep, then batches until nothing more is due (bounded, so one pass never runs for ever)."""
        stats = self.upkeep()
        for _ in range(max_batches):
            batch = await self.dispatch_once()
            stats += batch
            if batch.claimed < self.batch_size:
                break
        return stats

    # --- one batch ----------------------------------------------------------------------------------------

    def _prepare(self, ids: list[int], stats: DispatchStats) -> list[tuple[int, Outgoing]]:
        """Compose each claimed row; rows no longer relevant are cancelled (or failed if nobody can receive them)."""
        ready: list[tuple[int, Outgoing]] = []
        with session_scope(self.engine) as session:
            rows = session.exec(
                select(FollowUp).where(col(FollowUp.id).in_(ids)).order_by(col(FollowUp.due_at), col(FollowUp.id))
            ).all()
            for context in load_contexts(session, rows):
                followup_id = context.followup.id
                assert followup_id is not None
                result = compose(context, self.policy)
                if isinstance(result, Outgoing):
                    ready.append((followup_id, result))
                elif result.failed:
                    stats.failed += self._fail(session, followup_id, result.reason) is not None
                else:
                    stats.skipped += self._settle(session, followup_id, FollowUpStatus.CANCELLED,
                                                  last_error=result.reason) is not None
        return ready

    async def _deliver(
        self, followup_id: int, outgoing: Outgoing, lease_ends: datetime, gate: asyncio.Semaphore
    ) -> str:
        """Send one message and record the outcome; returns the DispatchStats field to count it under."""
        async with gate:
            if self._stopping or utcnow() >= lease_ends - LEASE_SAFETY_MARGIN:
                return self._record(followup_id, FollowUpStatus.PENDING, "released")
            try:
                message_id = await self.sender.send(outgoing.chat_id, outgoing.text, outgoing.buttons)
            except Forbidden:
                return self._record_failure(followup_id, BLOCKED, blocked_chat=outgoing.chat_id)
            except BadRequest:
                return self._record_failure(followup_id, REJECTED)
            except RetryAfter as flood:
                return self._record_retry(followup_id, "Telegram flood control", _seconds(flood))
            except TimedOut:  # Telegram may have the message already: never send twice, tell admins instead
                return self._record_failure(followup_id, INTERRUPTED)
            except Exception as problem:  # NetworkError and anything unexpected: nothing was delivered, retry later
                return self._record_retry(followup_id, type(problem).__name__)
            # Recorded straight away: the only window for a crash is between Telegram answering and this line.
            return self._mark_sent(followup_id, outgoing.chat_id, message_id)

    def _mark_sent(self, followup_id: int, chat_id: int, message_id: int) -> str:
        """SENT with the message id, if this worker still holds the row (one prepared statement: the hot path)."""
        with self.engine.begin() as connection:
            result = connection.execute(_MARK_SENT, {"row_id": followup_id, "worker": self.worker_id,
                                                     "now": utcnow(), "chat": chat_id, "message": message_id})
        return "sent" if result.rowcount == 1 else "released"

    def _record(self, followup_id: int, status: FollowUpStatus, counted_as: str, **values: Any) -> str:
        with session_scope(self.engine) as session:
            won = self._settle(session, followup_id, status, **values) is not None
        return counted_as if won else "released"

    def _record_retry(self, followup_id: int, error: str, retry_after: float | None = None) -> str:
        with session_scope(self.engine) as session:
            followup = session.get(FollowUp, followup_id)
            attempts = (followup.attempts if followup else 0) + 1
            if attempts >= self.policy.max_attempts:
                gave_up = self._fail(session, followup_id, f"gave up after {attempts} attempts: {error}",
                                     attempts=attempts)
                return "failed" if gave_up else "released"
            due = self.policy.next_allowed_time(utcnow() + self.policy.retry_delay(attempts, retry_after))
            won = self._settle(session, followup_id, FollowUpStatus.PENDING, due_at=due, attempts=attempts,
                               last_error=error)
        log.info("follow-up %s: send failed (%s), retry %s at %s", followup_id, error, attempts, due.isoformat())
        return "retried" if won else "released"

    def _record_failure(self, followup_id: int, error: str, blocked_chat: int | None = None) -> str:
        with session_scope(self.engine) as session:
            failed = self._fail(session, followup_id, error, attempts=FollowUp.attempts + 1)
            if failed and blocked_chat is not None and failed.kind == FollowUpKind.CLIENT_CHECK:
                stop_client_checkins(session, blocked_chat)  # no more check-ins to someone who blocked us
        return "failed" if failed else "released"

    def _fail(self, session: Session, followup_id: int, error: str, **values: Any) -> FollowUp | None:
        """Mark FAILED and tell the people who need to know. None if another worker had taken the row over."""
        followup = self._settle(session, followup_id, FollowUpStatus.FAILED, last_error=error[:200], **values)
        if followup is not None:
            log.warning("follow-up %s (%s) failed: %s", followup_id, followup.kind, error)
            notify_failure(session, followup, self.policy)
        return followup

    def _settle(self, session: Session, followup_id: int, status: FollowUpStatus, **values: Any) -> FollowUp | None:
        """Leave SENDING for `status`, only if this worker still holds the row; returns the updated row."""
        result = session.execute(
            _update(FollowUp.id == followup_id, FollowUp.status == FollowUpStatus.SENDING,
                    FollowUp.locked_by == self.worker_id)
            .values(status=status, locked_by=None, locked_until=None, **values)
        )
        if result.rowcount != 1:
            log.warning("follow-up %s was no longer held by this worker; outcome not recorded", followup_id)
            return None
        return session.exec(
            select(FollowUp).where(FollowUp.id == followup_id).execution_options(populate_existing=True)
        ).one()


_MARK_SENT = (
    update(FollowUp)
    .where(FollowUp.id == bindparam("row_id"), FollowUp.status == FollowUpStatus.SENDING,
           FollowUp.locked_by == bindparam("worker"))
    .values(status=FollowUpStatus.SENT, sent_at=bindparam("now"), message_id=bindparam("message"),
            recipient_chat_id=bindparam("chat"), attempts=FollowUp.attempts + 1, last_error=None, locked_by=None,
            locked_until=None)
)


def _update(*criteria: Any):  # type: ignore[no-untyped-def]
    return update(FollowUp).where(*criteria).execution_options(synchronize_session=False)


def _seconds(flood: RetryAfter) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = flood.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)

"""Sends due follow-ups and owed messages with several bot processes sharing one database.

A row's life: PENDING → CLAIMED (reserved with a lease; PostgreSQL `SELECT … FOR UPDATE SKIP LOCKED`, SQLite one
atomic conditional UPDATE) → SENDING (set just before its API call) → SENT with the message id the moment Telegram
answers. Workers claim a few rows at a time, only what they will send in the next few seconds, so a crash leaves
little behind: CLAIMED rows go back to the queue, and only SENDING rows are in doubt (`scheduler.upkeep`).

What an error means depends on the kind (docs/delivery.md): errors proving Telegram did not take the message are
retried with backoff; an error that may have come after Telegram took it is retried for at-least-once kinds (a
repeated notice is harmless) and fails visibly for the at-most-once prompts (a repeated prompt is not).
"""

from __future__ import annotations

import asyncio
import heapq
import logging
import time
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from telegram.error import BadRequest, Forbidden, RetryAfter
from telegram.warnings import PTBDeprecationWarning

from casework.models import Referral
from core.clock import utcnow
from core.db import session_scope
from scheduler.checkins import stop_client_checkins
from scheduler.compose import Outgoing, compose, load_contexts
from scheduler.messages import BLOCKED, INTERRUPTED
from scheduler.models import AT_MOST_ONCE, CLIENT_KINDS, IMMEDIATE_KINDS, FollowUp, FollowUpKind, FollowUpStatus
from scheduler.notices import notify_failure
from scheduler.policy import FollowUpPolicy
from scheduler.sender import Pacer, Sender, Turn, never_sent
from scheduler.upkeep import recover_interrupted, sweep_unanswered

log = logging.getLogger(__name__)

LEASE_SAFETY_MARGIN = timedelta(seconds=30)  # never start a send this close to the end of our lease
CLAIM_AHEAD = timedelta(seconds=5)  # sends are booked at most this far ahead; later ones go back to the queue
MAX_CLAIM_BATCH = 256  # rows claimed at once while walking a backlog for people who are busy
LINGER_SECONDS = 20.0  # a pass waits this long at most for rows it handed back until their chat's turn
REJECTED = "Telegram rejected the message"
_IMMEDIATE = [kind.value for kind in IMMEDIATE_KINDS]


@dataclass
class DispatchStats:
    """What one dispatch pass (or several, added together) did."""

    claimed: int = 0
    sent: int = 0
    skipped: int = 0  # no longer relevant: cancelled without sending
    retried: int = 0
    failed: int = 0
    released: int = 0  # handed back unsent (shutting down, lease nearly over, or the chat's turn is later)
    requeued: int = 0  # found claimed but unsent after a crash: back in the queue
    resent: int = 0  # at-least-once messages found mid-send after a crash: queued again, plus unanswered prompts
    interrupted: int = 0  # prompts found mid-send after a crash; marked failed and reported in one digest
    escalated: int = 0  # unanswered prompts escalated
    quiet: bool = False  # quiet hours: only messages owed now (team posts, referrer notices) were sent
    more_soon: bool = False  # rows handed back for their chat's turn fall due soon: run another pass at once

    def __iadd__(self, other: DispatchStats) -> DispatchStats:
        for item in fields(self):
            if item.name in _FLAGS:
                setattr(self, item.name, getattr(self, item.name) or getattr(other, item.name))
            else:
                setattr(self, item.name, getattr(self, item.name) + getattr(other, item.name))
        return self

    def count(self, outcome: str) -> None:
        setattr(self, outcome, getattr(self, outcome) + 1)


_FLAGS = ("quiet", "more_soon")


@dataclass(frozen=True)
class _Ready:
    """A claimed row, composed and ready to send."""

    followup_id: int
    kind: FollowUpKind
    created_at: datetime
    referral_id: int | None
    outgoing: Outgoing


class Dispatcher:
    """Claims, sends and records follow-ups for one worker (`worker_id` must be unique per process)."""

    def __init__(
        self,
        engine: Engine,
        sender: Sender,
        policy: FollowUpPolicy,
        worker_id: str,
        *,
        batch_size: int = 8,
        concurrency: int = 8,
        running: Callable[[], bool] = lambda: True,
        pacer: Pacer | None = None,
        linger_seconds: float = LINGER_SECONDS,
    ) -> None:
        """Rows are claimed `batch_size` at a time and booked on the `pacer` (None: no pacing); up to `concurrency`
        API calls are in flight at once. Once `running()` is False (the application is stopping), or after `stop()`,
        the sends already started finish, the rest is handed back and nothing more is claimed."""
        self.engine, self.sender, self.policy, self.worker_id = engine, sender, policy, worker_id[:64]
        self.batch_size, self.concurrency, self.pacer = batch_size, concurrency, pacer
        self.linger_seconds = linger_seconds
        self._running = running
        self._stop_requested = False

    def stop(self) -> None:
        """Finish the sends already started, hand the rest back and claim nothing more."""
        self._stop_requested = True

    @property
    def stopping(self) -> bool:
        """Stopped, or the application is stopping."""
        return self._stop_requested or not self._running()

    def claim_due(self, limit: int, only: Iterable[int] | None = None) -> list[int]:
        """Reserve up to `limit` due rows (of `only`, when given) for this worker until its lease ends.

        In quiet hours only messages owed now (team posts, referrer notices) are due."""
        now = utcnow()
        lease = {"status": FollowUpStatus.CLAIMED, "locked_by": self.worker_id,
                 "locked_until": now + timedelta(seconds=self.policy.lease_seconds)}
        due = (
            select(FollowUp.id)
            .where(FollowUp.status == FollowUpStatus.PENDING, col(FollowUp.due_at) <= now)
            .order_by(col(FollowUp.due_at))  # straight off the (status, due_at) index
            .limit(limit)
        )
        if not self.policy.is_allowed(now):
            due = due.where(col(FollowUp.kind).in_(_IMMEDIATE))
        if only is not None:
            due = due.where(col(FollowUp.id).in_(list(only)))
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
        """Settle rows left behind by a crash and re-send or escalate unanswered prompts."""
        now = utcnow()
        with session_scope(self.engine) as session:
            recovered = recover_interrupted(session, self.policy, now)
            resent, escalated = sweep_unanswered(session, self.policy, now)
        if recovered.interrupted:
            log.warning("%d prompt(s) interrupted mid-send, marked failed and reported (first ids: %s)",
                        len(recovered.interrupted), recovered.interrupted[:10])
        if recovered.requeued or recovered.resent:
            log.info("after a crash: %d claimed follow-up(s) back in the queue, %d message(s) to send again",
                     len(recovered.requeued), len(recovered.resent))
        return DispatchStats(requeued=len(recovered.requeued), resent=resent + len(recovered.resent),
                             interrupted=len(recovered.interrupted), escalated=escalated)

    async def dispatch_once(self, only: Iterable[int] | None = None) -> DispatchStats:
        """Send everything due now (of `only`, when given), until nothing is left. In quiet hours only messages owed
        now go out.

        Rows are claimed a few at a time and each is booked on the pacer: a row whose chat can take it now (or in a
        moment) gets a slot and is sent then; a row whose chat is busy goes back to the queue until its turn (the
        k-th such row for one chat k turns later), so the overall rate is spent on chats that can take a message
        and a backlog for one person never holds up the rest. No API call waits for a slot while holding a place
        among the `concurrency` in flight. The pass waits for rows it handed back (up to `linger_seconds`), so
        sending has no gaps between passes."""
        run = _Pass(self, DispatchStats(quiet=not self.policy.is_allowed(utcnow())),
                    None if only is None else list(only))
        try:
            await run.go()
        finally:
            await run.finish()
        return run.stats

    async def dispatch_due(self) -> DispatchStats:
        """Upkeep, then everything that is due."""
        stats = self.upkeep()
        stats += await self.dispatch_once()
        return stats

    async def send_now(self, followup_ids: Iterable[int]) -> DispatchStats:
        """Send rows a transaction has just committed (the outbox), without waiting for the next pass. A failure
        leaves them to the dispatcher's retries."""
        try:
            return await self.dispatch_once(followup_ids)
        except Exception as problem:  # the rows are safe in the database; the next pass picks them up
            log.warning("sending owed messages failed (%s); the dispatcher will retry", type(problem).__name__)
            return DispatchStats()

    # --- one worker ---------------------------------------------------------------------------------------

    def _prepare(self, ids: list[int], stats: DispatchStats) -> list[_Ready]:
        """Compose each claimed row; rows no longer relevant are cancelled (or failed if nobody can receive them)."""
        ready: list[_Ready] = []
        with session_scope(self.engine) as session:
            rows = session.exec(
                select(FollowUp).where(col(FollowUp.id).in_(ids)).order_by(col(FollowUp.due_at), col(FollowUp.id))
            ).all()
            for context in load_contexts(session, rows):
                row = context.followup
                assert row.id is not None
                result = compose(context, self.policy)
                if isinstance(result, Outgoing):
                    ready.append(_Ready(row.id, row.kind, row.created_at, row.referral_id, result))
                elif result.failed:
                    stats.failed += self._fail(session, row.id, result.reason) is not None
                else:
                    stats.skipped += self._settle(session, row.id, FollowUpStatus.CANCELLED,
                                                  last_error=result.reason) is not None
        return ready

    async def _book(
        self, ready: _Ready, lease_ends: datetime, handed_back: _HandedBack, *, keep_overall_busy: bool = True
    ) -> Turn | str:
        """The row's turn on the pacer, or (when it can't go soon) the DispatchStats field it was counted under.
        `handed_back` holds the rows this pass already put back for their chat's turn. Without `keep_overall_busy`
        a row waits for its chat's turn (within `CLAIM_AHEAD`) even while other chats could use the overall rate:
        what a message owed right now (`send_now`) wants."""
        latest = lease_ends - LEASE_SAFETY_MARGIN
        if self.stopping or utcnow() >= latest:
            return await self._record_async(ready.followup_id, FollowUpStatus.PENDING, "released")
        if self.pacer is None:
            return Turn(0.0, booked=True)
        chat, asked = ready.outgoing.chat_id, utcnow()
        turn = await self.pacer.book_turn(chat, min(CLAIM_AHEAD, latest - asked).total_seconds(),
                                          keep_overall_busy=keep_overall_busy)
        # The turn's moment, counted from when the booking was asked for (the pacer's `wait` is from then, not from
        # whenever its thread hop returned): a row handed back for exactly this moment is not taken for busy.
        free_at, spacing = asked + timedelta(seconds=turn.wait), timedelta(seconds=self.pacer.spacing(chat))
        if turn.booked:
            handed_back.note_turn(chat, free_at + spacing)
            return turn
        handed_back.note_turn(chat, free_at)
        if turn.wait < spacing.total_seconds() / 2:  # came due a moment early: keeps its place
            due = handed_back.for_turn(free_at)
        else:  # another send took the turn it was handed back for: after the rest
            due = handed_back.due_for(chat, free_at, spacing)
        return await self._record_async(ready.followup_id, FollowUpStatus.PENDING, "released", due_at=due)

    async def _deliver(self, ready: _Ready, lease_ends: datetime, started_to: dict[int, float] | None = None) -> str:
        """Send one message and record the outcome; returns the DispatchStats field to count it under. The moment
        the API call starts goes in `started_to` under its chat (monotonic)."""
        followup_id, outgoing = ready.followup_id, ready.outgoing
        if self.stopping or utcnow() >= lease_ends - LEASE_SAFETY_MARGIN:
            return await self._record_async(followup_id, FollowUpStatus.PENDING, "released")
        if not await asyncio.to_thread(self._mark_sending, followup_id):
            return "released"
        if started_to is not None:
            started_to[outgoing.chat_id] = time.monotonic()
        try:
            message_id = await self.sender.send(outgoing.chat_id, outgoing.text, outgoing.buttons)
        except Forbidden:
            return await asyncio.to_thread(self._record_failure, followup_id, BLOCKED, outgoing.chat_id)
        except BadRequest:
            return await asyncio.to_thread(self._record_failure, followup_id, REJECTED)
        except RetryAfter as flood:
            return await asyncio.to_thread(self._record_retry, ready, "Telegram flood control", _seconds(flood))
        except Exception as problem:  # network trouble, a 5xx, a time-out, anything unexpected
            if never_sent(problem) or ready.kind not in AT_MOST_ONCE:
                return await asyncio.to_thread(self._record_retry, ready, type(problem).__name__)
            # Telegram may have the prompt already: never ask twice, tell admins instead
            return await asyncio.to_thread(self._record_failure, followup_id, INTERRUPTED)
        # Recorded straight away, on the event loop (one short prepared UPDATE): the only window for a crash is
        # between Telegram answering and this line, and a tap on the message finds it recorded as sent.
        return self._mark_sent(ready, message_id)

    def _hand_back(self, rows: list[tuple[int, datetime]]) -> int:
        """Put claimed rows back in the queue, each due at its given time (one transaction); how many were."""
        with self.engine.begin() as connection:
            result = connection.execute(_HAND_BACK, [{"row_id": followup_id, "worker": self.worker_id, "due": due}
                                                     for followup_id, due in rows])
        return max(result.rowcount, 0)

    def _mark_sending(self, followup_id: int) -> bool:
        """CLAIMED → SENDING just before the API call: from here a crash leaves the row in doubt."""
        with self.engine.begin() as connection:
            result = connection.execute(_MARK_SENDING, {"row_id": followup_id, "worker": self.worker_id})
        return result.rowcount == 1

    def _mark_sent(self, ready: _Ready, message_id: int) -> str:
        """SENT with the message id, if this worker still holds the row (prepared statements: the hot path)."""
        with self.engine.begin() as connection:
            result = connection.execute(_MARK_SENT, {"row_id": ready.followup_id, "worker": self.worker_id,
                                                     "now": utcnow(), "chat": ready.outgoing.chat_id,
                                                     "message": message_id})
            if result.rowcount == 1 and ready.kind == FollowUpKind.TEAM_POST:
                connection.execute(_TEAM_MESSAGE, {"referral": ready.referral_id, "message": message_id})
        return "sent" if result.rowcount == 1 else "released"

    async def _record_async(self, followup_id: int, status: FollowUpStatus, counted_as: str, **values: Any) -> str:
        return await asyncio.to_thread(lambda: self._record(followup_id, status, counted_as, **values))

    def _record(self, followup_id: int, status: FollowUpStatus, counted_as: str, **values: Any) -> str:
        with session_scope(self.engine) as session:
            won = self._settle(session, followup_id, status, **values) is not None
        return counted_as if won else "released"

    def _record_retry(self, ready: _Ready, error: str, retry_after: float | None = None) -> str:
        """Back to the queue after a delay growing with each attempt; after the last attempt, FAILED."""
        immediate = ready.kind in IMMEDIATE_KINDS
        with session_scope(self.engine) as session:
            followup = session.get(FollowUp, ready.followup_id)
            attempts = (followup.attempts if followup else 0) + 1
            now = utcnow()
            if self._gives_up(ready, attempts, now):
                gave_up = self._fail(session, ready.followup_id, f"gave up after {attempts} attempts: {error}",
                                     attempts=attempts)
                return "failed" if gave_up else "released"
            due = now + self.policy.retry_delay(attempts, retry_after, immediate=immediate)
            if not immediate:
                due = self.policy.next_allowed_time(due)
            won = self._settle(session, ready.followup_id, FollowUpStatus.PENDING, due_at=due, attempts=attempts,
                               last_error=error)
        log.info("follow-up %s: send failed (%s), retry %s at %s", ready.followup_id, error, attempts, due.isoformat())
        return "retried" if won else "released"

    def _gives_up(self, ready: _Ready, attempts: int, now: datetime) -> bool:
        """Owed-now messages keep trying for `immediate_give_up_hours`; the rest for `max_attempts` attempts."""
        if ready.kind in IMMEDIATE_KINDS:
            return now - ready.created_at >= timedelta(hours=self.policy.immediate_give_up_hours)
        return attempts >= self.policy.max_attempts

    def _record_failure(self, followup_id: int, error: str, blocked_chat: int | None = None) -> str:
        with session_scope(self.engine) as session:
            failed = self._fail(session, followup_id, error, attempts=FollowUp.attempts + 1)
            if failed and blocked_chat is not None and failed.kind in CLIENT_KINDS:
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
        """Leave CLAIMED/SENDING for `status`, only if this worker still holds the row; returns the updated row."""
        result = session.execute(
            _update(FollowUp.id == followup_id, col(FollowUp.status).in_(_HELD), FollowUp.locked_by == self.worker_id)
            .values(status=status, locked_by=None, locked_until=None, **values)
        )
        if result.rowcount != 1:
            log.warning("follow-up %s was no longer held by this worker; outcome not recorded", followup_id)
            return None
        return session.exec(
            select(FollowUp).where(FollowUp.id == followup_id).execution_options(populate_existing=True)
        ).one()


class _HandedBack:
    """Rows one pass put back in the queue for their chat's turn: each chat's a turn apart, and when they fall due."""

    def __init__(self, near: timedelta) -> None:
        """A chat whose turn is at most `near` away is not busy: the pacer books it (its slack)."""
        self.near = near
        self._last_in_chat: dict[int, datetime] = {}
        self._free_at: dict[int, datetime] = {}
        self._due: list[datetime] = []  # a heap

    def due_for(self, chat_id: int, earliest: datetime, spacing: timedelta) -> datetime:
        """When to try a row for `chat_id` again: its chat's turn (no sooner than `earliest`), after the rows already
        put back for it."""
        earliest = max(earliest, self._free_at.get(chat_id, earliest))
        last = self._last_in_chat.get(chat_id)
        due = earliest if last is None else max(earliest, last + spacing)
        self._last_in_chat[chat_id] = due
        heapq.heappush(self._due, due)
        return due

    def for_turn(self, free_at: datetime) -> datetime:
        """When to try a row that came due a moment before its chat's turn: at that turn, ahead of the chat's next
        row (each send starts a little after its row fell due, so a chat's turns drift later than the rows handed
        back a turn apart; once the drift is more than the pacer's slack, each would otherwise lose its turn)."""
        heapq.heappush(self._due, free_at)
        return free_at

    def note_turn(self, chat_id: int, free_at: datetime) -> None:
        """What the pacer said: `chat_id` can take its next message at `free_at`."""
        self._free_at[chat_id] = free_at

    def busy(self, chat_id: int, now: datetime) -> bool:
        """Whether the pacer said `chat_id` can't take a message until more than `near` from now."""
        free_at = self._free_at.get(chat_id)
        return free_at is not None and free_at > now + self.near

    def next_due(self, now: datetime) -> datetime | None:
        """The first of them still to fall due (the rest have been claimed again, here or by another process)."""
        while self._due and self._due[0] <= now:
            heapq.heappop(self._due)
        return self._due[0] if self._due else None


class _Pass:
    """One dispatch pass: a claiming loop that books each row's turn, and a send task per booked row.

    The database calls run in worker threads, so a pass never blocks the bot's event loop."""

    def __init__(self, dispatcher: Dispatcher, stats: DispatchStats, only: list[int] | None) -> None:
        self.dispatcher, self.stats, self.only = dispatcher, stats, only
        self.free = asyncio.Semaphore(dispatcher.concurrency)  # API calls in flight
        self.ahead = max(2 * dispatcher.concurrency, dispatcher.batch_size)  # booked rows waiting for their moment
        self.sends: set[asyncio.Task[None]] = set()
        self.last_to_chat: dict[int, asyncio.Task[None]] = {}
        self.batch = dispatcher.batch_size
        self.started = time.monotonic()
        self.spacing = dispatcher.pacer.overall_spacing if dispatcher.pacer is not None else 0.0
        self.handed_back = _HandedBack(timedelta(seconds=self.spacing))
        self.started_to: dict[int, float] = {}  # when this pass's last send to each chat started (monotonic)
        self.next_start = 0.0

    async def go(self) -> None:
        dispatcher = self.dispatcher
        while not dispatcher.stopping:
            while len(self.sends) >= self.ahead:
                await asyncio.wait(self.sends, return_when=asyncio.FIRST_COMPLETED)
            asked = utcnow()  # rows handed back that fell due by now are claimed now, if nobody else has them
            lease_ends = asked + timedelta(seconds=dispatcher.policy.lease_seconds)  # no later than the stored one
            ids = await asyncio.to_thread(dispatcher.claim_due, self.batch, self.only)
            if not ids:
                if await self._wait_for_handed_back(asked):
                    continue
                return
            self.stats.claimed += len(ids)
            ready_rows = await asyncio.to_thread(dispatcher._prepare, ids, self.stats)
            later: list[tuple[int, datetime]] = []  # rows for people this pass already knows are busy
            for ready in ready_rows:
                chat = ready.outgoing.chat_id
                if self.only is None and dispatcher.pacer is not None and self.handed_back.busy(chat, utcnow()):
                    spacing = timedelta(seconds=dispatcher.pacer.spacing(chat))
                    later.append((ready.followup_id, self.handed_back.due_for(chat, utcnow(), spacing)))
                    continue
                turn = await dispatcher._book(ready, lease_ends, self.handed_back,
                                              keep_overall_busy=self.only is None)
                if isinstance(turn, str):
                    self.stats.count(turn)
                    continue
                previous = self.last_to_chat.get(chat)
                task = asyncio.create_task(self._send_at(time.monotonic() + turn.wait, ready, lease_ends, previous))
                self.sends.add(task)
                self.last_to_chat[chat] = task
                task.add_done_callback(self._done)
            if later:  # handed back together, in one transaction: a deep backlog for a few people is walked fast
                self.stats.released += await asyncio.to_thread(dispatcher._hand_back, later)
            # Mostly backlog for busy people: claim more at a time until the claims reach people who are free.
            mostly_later = len(later) * 2 > len(ready_rows)
            self.batch = min(MAX_CLAIM_BATCH, self.batch * 2) if mostly_later else dispatcher.batch_size

    def _done(self, task: asyncio.Task[None]) -> None:
        self.sends.discard(task)
        for chat, last in list(self.last_to_chat.items()):
            if last is task:
                del self.last_to_chat[chat]

    async def _send_at(
        self, moment: float, ready: _Ready, lease_ends: datetime, previous: asyncio.Task[None] | None
    ) -> None:
        delay = moment - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        if previous is not None:  # one chat's messages arrive in the order they fell due
            await asyncio.wait((previous,))
        await self._after_previous(ready.outgoing.chat_id)
        async with self.free:
            await self._spaced()
            self.stats.count(await self.dispatcher._deliver(ready, lease_ends, self.started_to))

    async def _after_previous(self, chat_id: int) -> None:
        """A send that started late (its slot booked while the pass was busy) does not bunch up with the chat's
        next, on time: sends to one chat start at least its spacing apart, as sent, not only as booked."""
        pacer, last = self.dispatcher.pacer, self.started_to.get(chat_id)
        if pacer is not None and last is not None:
            delay = last + pacer.spacing(chat_id) - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)

    async def _spaced(self) -> None:
        """Sends start no closer together than the overall limit's interval, even after a stall (a busy machine
        can hold up the event loop, and every send that came due meanwhile would otherwise go at once)."""
        moment = time.monotonic()
        start = max(moment, self.next_start)
        self.next_start = start + self.spacing
        if start > moment:
            await asyncio.sleep(start - moment)

    async def _wait_for_handed_back(self, asked: datetime) -> bool:
        """Nothing was due at `asked`: wait for the next row this pass handed back, if it comes back soon. False: the
        pass is over (`more_soon` says whether the next should start at once). A row that fell due after `asked`
        (while the claim ran, on a busy machine) is claimed at once rather than taken for claimed already."""
        dispatcher, before = self.dispatcher, utcnow()
        next_due = self.handed_back.next_due(asked)
        if self.only is not None:  # sending what a handler just owed: the regular passes take what is left
            return False
        if next_due is not None and next_due <= before:
            return not dispatcher.stopping
        if next_due is None or (next_due - before).total_seconds() > dispatcher.linger_seconds:
            return False  # the regular passes pick it up
        if time.monotonic() - self.started >= dispatcher.linger_seconds:
            self.stats.more_soon = True  # let upkeep run, then go on
            return False
        await asyncio.sleep(min(1.0, max(0.01, (next_due - before).total_seconds())))
        # The app's clock did not move (tests freeze it): nothing handed back can fall due in this pass.
        return utcnow() > before and not dispatcher.stopping

    async def finish(self) -> None:
        """Wait for the sends under way (those not started yet hand their rows back once stopping)."""
        if self.sends:
            await asyncio.gather(*self.sends, return_exceptions=True)


_HELD = [FollowUpStatus.CLAIMED, FollowUpStatus.SENDING]
_MARK_SENDING = (
    update(FollowUp)
    .where(FollowUp.id == bindparam("row_id"), FollowUp.status == FollowUpStatus.CLAIMED,
           FollowUp.locked_by == bindparam("worker"))
    .values(status=FollowUpStatus.SENDING)
)
_HAND_BACK = (
    update(FollowUp)
    .where(FollowUp.id == bindparam("row_id"), FollowUp.status == FollowUpStatus.CLAIMED,
           FollowUp.locked_by == bindparam("worker"))
    .values(status=FollowUpStatus.PENDING, locked_by=None, locked_until=None, due_at=bindparam("due"))
)
_MARK_SENT = (
    update(FollowUp)
    .where(FollowUp.id == bindparam("row_id"), FollowUp.status == FollowUpStatus.SENDING,
           FollowUp.locked_by == bindparam("worker"))
    .values(status=FollowUpStatus.SENT, sent_at=bindparam("now"), message_id=bindparam("message"),
            recipient_chat_id=bindparam("chat"), attempts=FollowUp.attempts + 1, last_error=None, locked_by=None,
            locked_until=None)
)
_TEAM_MESSAGE = update(Referral).where(Referral.id == bindparam("referral")).values(
    team_message_id=bindparam("message")
)


def _update(*criteria: Any):  # type: ignore[no-untyped-def]
    return update(FollowUp).where(*criteria).execution_options(synchronize_session=False)


def _seconds(flood: RetryAfter) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = flood.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)

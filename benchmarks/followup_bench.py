"""Follow-up engine at scale: 100k scheduled follow-ups, a restart, recovery time and dispatch throughput.

Run: `.venv/bin/python benchmarks/followup_bench.py [--postgres postgresql://user@host/db] [--rows 100000]`.
For each backend it bulk-inserts `--rows` overdue follow-ups (as if the bot had been down while they fell due, plus
a few rows a crashed process left mid-send), then "restarts" with a fresh engine and dispatcher and prints:
  * recovery: the start-up upkeep pass (interrupted rows reported) and the time to claim every overdue row;
  * dispatch: a sample of real sends through PTB over HTTP to the fake Bot API server (tests/fakebotapi.py, in
    this process's threads), rate limiter and pacing off, so the figure is the engine's own ceiling.
With `--postgres` a throwaway database is created on that server (and dropped afterwards).
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, insert, select, text, update  # noqa: E402
from sqlalchemy.engine import Engine, make_url  # noqa: E402
from telegram import Bot  # noqa: E402
from telegram.request import HTTPXRequest  # noqa: E402

from casework.models import CaseStatus, Referral, Signposting  # noqa: E402
from core.db import make_engine, migrate, session_scope  # noqa: E402
from directory.models import Organisation, Service  # noqa: E402
from scheduler.dispatcher import Dispatcher  # noqa: E402
from scheduler.models import FollowUp, FollowUpKind, FollowUpStatus  # noqa: E402
from scheduler.policy import FollowUpPolicy  # noqa: E402
from scheduler.sender import TelegramSender  # noqa: E402
from tests.fakebotapi import FakeBotApi  # noqa: E402

TOKEN = "123456:BENCH-TOKEN"
CASES = 2_000
INTERRUPTED_ROWS = 200
INSERT_CHUNK = 5_000
CLAIM_BATCH = 500
TELEGRAM_CAP_PER_SECOND = 30
# Prompts at any hour, so the figures don't depend on when the benchmark runs; admins get failure notices.
POLICY = FollowUpPolicy(quiet_hours_start=0, quiet_hours_end=0, allow_weekend_prompts=True, admin_chat_ids=(1000,))


def timed(action: Callable[[], Any]) -> tuple[Any, float]:
    started = time.perf_counter()
    result = action()
    return result, time.perf_counter() - started


@contextmanager
def sqlite_database() -> Iterator[str]:
    with tempfile.TemporaryDirectory(prefix="followup-bench-") as folder:
        yield f"sqlite:///{Path(folder) / 'bench.db'}"


@contextmanager
def postgres_database(server_url: str) -> Iterator[str]:
    """A throwaway database on the given server, dropped afterwards."""
    name = f"signpost_bench_{secrets.token_hex(4)}"
    admin = make_engine(server_url)
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text(f"CREATE DATABASE {name}"))
    try:
        yield make_url(admin.url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()


def schedule(engine: Engine, rows: int, now: datetime) -> None:
    """Cases, signpostings and `rows` overdue follow-ups (bulk insert), plus rows a crash left mid-send."""
    with session_scope(engine) as session:
        session.add(Organisation(id="org-bench", name="Bench Org"))
        session.flush()
        session.add(Service(id="svc-bench", organisation_id="org-bench", name="Bench Advice Service"))
    with engine.begin() as connection:
        connection.execute(
            insert(Referral),
            [
                {
                    "reference": f"SP-B{n:05d}",
                    "created_at": now - timedelta(days=30),
                    "referrer_user_id": 2001,
                    "referrer_chat_id": 2001,
                    "source_ward": "Ward 1",
                    "client_initials": "XX",
                    "reasons": ["money"],
                    "status": CaseStatus.CLAIMED,
                    "claimed_by": 3000 + n % 20,
                }
                for n in range(CASES)
            ],
        )
        connection.execute(
            insert(Signposting),
            [
                {
                    "referral_id": n + 1,
                    "service_id": "svc-bench",
                    "created_at": now - timedelta(days=20),
                    "created_by": 3000 + n % 20,
                }
                for n in range(CASES)
            ],
        )
    lease_ran_out = now - timedelta(minutes=10)
    for start in range(0, rows, INSERT_CHUNK):
        chunk = [
            {
                "dedupe_key": f"bench:{n}",
                "kind": FollowUpKind.ENGAGEMENT_CHECK,
                "referral_id": n % CASES + 1,
                "signposting_id": n % CASES + 1,
                "sequence": 1,
                "due_at": now - timedelta(minutes=n % 10_000),
                "status": FollowUpStatus.SENDING if n < INTERRUPTED_ROWS else FollowUpStatus.PENDING,
                "locked_by": "crashed" if n < INTERRUPTED_ROWS else None,
                "locked_until": lease_ran_out if n < INTERRUPTED_ROWS else None,
                "attempts": 0,
                "resends": 0,
                "created_at": now - timedelta(days=20),
            }
            for n in range(start, min(start + INSERT_CHUNK, rows))
        ]
        with engine.begin() as connection:
            connection.execute(insert(FollowUp), chunk)


class NullSender:
    async def send(self, chat_id: int, text: str, buttons: Any) -> int:
        raise AssertionError("recovery must not send")


def recover(engine: Engine) -> tuple[float, float, float, int]:
    """(upkeep s, first claim ms, claim-all s, rows claimed) for a freshly started dispatcher."""
    dispatcher = Dispatcher(engine, NullSender(), POLICY, "bench-restart")
    _, upkeep_seconds = timed(dispatcher.upkeep)
    first, first_seconds = timed(lambda: dispatcher.claim_due(CLAIM_BATCH))
    claimed = len(first)

    def claim_rest() -> int:
        total = 0
        while batch := dispatcher.claim_due(CLAIM_BATCH):
            total += len(batch)
        return total

    rest, rest_seconds = timed(claim_rest)
    with engine.begin() as connection:  # hand everything back for the dispatch run
        connection.execute(
            update(FollowUp)
            .where(FollowUp.locked_by == "bench-restart")
            .values(status=FollowUpStatus.PENDING, locked_by=None, locked_until=None)
        )
    return upkeep_seconds, first_seconds * 1000, first_seconds + rest_seconds, claimed + rest


class InstantSender:
    """No network at all: what the engine itself (claim, compose, record) can do."""

    def __init__(self) -> None:
        self.count = 0

    async def send(self, chat_id: int, text: str, buttons: Any) -> int:
        self.count += 1
        return self.count


class Sampling:
    """Wraps a sender; stops the dispatcher once `sample` messages have gone."""

    def __init__(self, sender: Any, sample: int) -> None:
        self.sender, self.sample, self.count = sender, sample, 0
        self.dispatcher: Dispatcher | None = None

    async def send(self, chat_id: int, text: str, buttons: Any) -> int:
        message_id = await self.sender.send(chat_id, text, buttons)
        self.count += 1
        if self.count >= self.sample and self.dispatcher is not None:
            self.dispatcher.stop()
        return message_id


async def dispatch(engine: Engine, sender: Any, sample: int, concurrency: int) -> tuple[int, float]:
    """Dispatch until about `sample` follow-ups are sent; (sent, seconds)."""
    sampling = Sampling(sender, sample)
    dispatcher = Dispatcher(engine, sampling, POLICY, "bench-dispatch", concurrency=concurrency)
    sampling.dispatcher = dispatcher
    started = time.perf_counter()
    stats = await dispatcher.dispatch_once()
    return stats.sent, time.perf_counter() - started


async def dispatch_over_http(engine: Engine, base_url: str, sample: int, concurrency: int) -> tuple[int, float]:
    """Through PTB's Bot over real HTTP to the fake server, rate limiter and pacing off."""
    request = HTTPXRequest(connection_pool_size=concurrency * 2)
    async with Bot(TOKEN, base_url=base_url, request=request) as bot:
        return await dispatch(engine, TelegramSender(bot), sample, concurrency)


def run_backend(label: str, url: str, args: argparse.Namespace, fake_base_url: str) -> None:
    now = datetime.now(UTC)
    engine = make_engine(url)
    migrate(engine)
    _, insert_seconds = timed(lambda: schedule(engine, args.rows, now))
    engine.dispose()  # the "restart": a new engine and dispatcher from here on
    engine = make_engine(url)
    upkeep_seconds, first_claim_ms, claim_all_seconds, claimed = recover(engine)
    local_sent, local_seconds = asyncio.run(dispatch(engine, InstantSender(), args.sample, args.concurrency))
    sent, send_seconds = asyncio.run(dispatch_over_http(engine, fake_base_url, args.sample, args.concurrency))
    with engine.connect() as connection:
        remaining = connection.execute(
            select(func.count()).select_from(FollowUp).where(FollowUp.status == FollowUpStatus.PENDING)
        ).scalar_one()
    engine.dispose()
    print(f"\n== {label}: {args.rows:,} follow-ups ({INTERRUPTED_ROWS} left mid-send by a crash)")
    print(f"  bulk insert                 {insert_seconds:8.2f} s ({args.rows / insert_seconds:,.0f} rows/s)")
    print(f"  restart upkeep pass         {upkeep_seconds:8.3f} s (rows caught mid-send failed, one digest to admins)")
    print(f"  first batch claimed         {first_claim_ms:8.1f} ms ({CLAIM_BATCH} rows)")
    print(
        f"  claim every overdue row     {claim_all_seconds:8.2f} s ({claimed:,} rows, "
        f"{claimed / claim_all_seconds:,.0f} rows/s)"
    )
    print(
        f"  dispatch, no network        {local_seconds:8.2f} s for {local_sent:,} = "
        f"{local_sent / local_seconds:,.0f} msg/s (claim + compose + record: the engine's own ceiling)"
    )
    print(
        f"  dispatch over HTTP          {send_seconds:8.2f} s for {sent:,} sends = {sent / send_seconds:,.0f} msg/s "
        f"(PTB -> fake Bot API, concurrency {args.concurrency}, rate limiter off); {remaining:,} still pending"
    )
    print(
        f"  at Telegram's cap ({TELEGRAM_CAP_PER_SECOND}/s, shared rate limits in production) {args.rows:,} "
        f"prompts need {args.rows / TELEGRAM_CAP_PER_SECOND / 60:,.0f} min; the engine is not the bottleneck"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--sample", type=int, default=5_000, help="follow-ups actually sent in the dispatch run")
    parser.add_argument("--concurrency", type=int, default=16, help="sends in flight per dispatcher")
    parser.add_argument("--postgres", metavar="URL", help="also run on this PostgreSQL server (temp database)")
    args = parser.parse_args()
    with FakeBotApi() as fake:
        with sqlite_database() as url:
            run_backend("SQLite", url, args, fake.base_url)
        if args.postgres:
            with postgres_database(args.postgres) as url:
                run_backend("PostgreSQL", url, args, fake.base_url)


if __name__ == "__main__":
    main()

"""Follow-up engine at scale: a restart with a backlog, then the production engine draining it at Telegram's cap.

Run: `.venv/bin/python benchmarks/followup_bench.py [--rows 10000,100000] [--owners 2000] [--postgres auto|URL]`.
For each queue size and backend it bulk-inserts that many overdue follow-ups (as if the bot had been down while
they fell due; each case's fall due together, plus a few rows a crashed process left mid-send), "restarts" with a
fresh engine and prints:
  * recovery: the start-up upkeep pass (interrupted rows reported) and the time to claim every overdue row;
  * drain: the production `FollowUpEngine` (default batch and concurrency, shared database rate limits, PTB's ExtBot
    with `SharedRateLimiter`) over HTTP to the fake Bot API (tests/fakebotapi.py) with a `--latency` round trip,
    ticking until nothing is due: seconds, messages/s, the busiest second and the smallest gap between two messages
    to one person, side by side with the ideal (every message at the overall cap).
`--postgres auto` starts a throwaway PostgreSQL cluster; a URL uses that server (a temp database, dropped after).
"""

from __future__ import annotations

import argparse
import asyncio
import math
import secrets
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, insert, select, text, update  # noqa: E402
from sqlalchemy.engine import Engine, make_url  # noqa: E402
from telegram.ext import ExtBot  # noqa: E402

from bot.telegram_request import AiohttpRequest  # noqa: E402
from casework.models import CaseStatus, Referral, Signposting  # noqa: E402
from core.db import make_engine, migrate, session_scope  # noqa: E402
from core.settings import Settings  # noqa: E402
from directory.models import Organisation, Service  # noqa: E402
from scheduler.dispatcher import Dispatcher  # noqa: E402
from scheduler.engine import FollowUpEngine  # noqa: E402
from scheduler.models import FollowUp, FollowUpKind, FollowUpStatus  # noqa: E402
from scheduler.policy import FollowUpPolicy  # noqa: E402
from scheduler.sender import OVERALL, PER_PERSON, SharedRateLimiter  # noqa: E402
from tests.fakebotapi import FakeBotApi  # noqa: E402
from tests.pgcluster import ThrowawayCluster  # noqa: E402

TOKEN = "123456:BENCH-TOKEN"
CASES = 2_000
INTERRUPTED_ROWS = 200
INSERT_CHUNK = 5_000
CLAIM_BATCH = 500
OVERALL_PER_SECOND = 1 / OVERALL.interval  # the shared overall limit every process books on
PER_PERSON_PER_SECOND = 1 / PER_PERSON.interval
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


def schedule(engine: Engine, rows: int, owners: int, now: datetime) -> None:
    """Cases owned by `owners` link workers, signpostings and `rows` overdue follow-ups (bulk insert; each case's
    follow-ups fall due together, as prompts planned on one day do), plus rows a crash left mid-send."""
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
                    "claimed_by": 3000 + n % owners,
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
                    "created_by": 3000 + n % owners,
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


class Recording:
    """Counts what the fake Bot API recorded: sends per second and the smallest gap to one person."""

    def __init__(self, fake: FakeBotApi) -> None:
        self.fake, self.since = fake, fake.mark()

    def figures(self) -> tuple[int, int, float]:
        """(messages, busiest second, smallest gap between two messages to one person in s)."""
        calls = [call for call in self.fake.calls("sendMessage", after=self.since) if call.ok]
        # when each send reached the fake, i.e. left the bot (answer times add the fake's own thread jitter)
        moments = sorted(call.arrived for call in calls)
        busiest, window_start = 0, 0
        for end, moment in enumerate(moments):  # a sliding one-second window over the sorted send times
            while moments[window_start] <= moment - 1.0:
                window_start += 1
            busiest = max(busiest, end - window_start + 1)
        by_chat: dict[Any, list[float]] = {}
        for call in calls:
            by_chat.setdefault(call.chat_id, []).append(call.arrived)
        gaps = [b - a for times in by_chat.values() for a, b in pairwise(sorted(times))]
        return len(calls), busiest, min(gaps, default=float("nan"))


def pending(engine: Engine) -> int:
    with engine.connect() as connection:
        return connection.execute(
            select(func.count()).select_from(FollowUp).where(FollowUp.status == FollowUpStatus.PENDING)
        ).scalar_one()


async def drain(url: str, base_url: str, limit_seconds: float | None) -> tuple[float, bool]:
    """The production engine (`FollowUpEngine`: default batch, concurrency and shared limits, PTB's ExtBot with
    Signpost's `SharedRateLimiter`) ticking as the job queue would, until nothing is pending (or `limit_seconds`).
    (seconds, drained)."""
    engine = make_engine(url)
    settings = Settings(database_url=url, quiet_hours_start=0, quiet_hours_end=0, allow_weekend_prompts=True,
                        admin_user_ids=[1000])
    request = AiohttpRequest(32)  # the bot's own Bot API client
    limiter = SharedRateLimiter(make_engine(url))
    started = time.perf_counter()
    try:
        async with ExtBot(TOKEN, base_url=base_url, request=request, rate_limiter=limiter) as bot:
            followups = FollowUpEngine(engine, settings, bot, worker_id="bench-production")
            if limit_seconds is not None:  # a tick keeps going while a backlog lasts: stop it from outside
                asyncio.get_running_loop().call_later(limit_seconds, followups.dispatcher.stop)
            while pending(engine):
                if limit_seconds is not None and time.perf_counter() - started >= limit_seconds:
                    return time.perf_counter() - started, False
                stats = await followups.tick()
                if not stats.claimed:  # only rows handed back for a later turn: the next tick
                    await asyncio.sleep(0.5)
        return time.perf_counter() - started, True
    finally:
        engine.dispose()


def run_backend(label: str, url: str, rows: int, args: argparse.Namespace, fake: FakeBotApi) -> None:
    now = datetime.now(UTC)
    engine = make_engine(url)
    migrate(engine)
    _, insert_seconds = timed(lambda: schedule(engine, rows, args.owners, now))
    engine.dispose()  # the "restart": a new engine and dispatcher from here on
    engine = make_engine(url)
    upkeep_seconds, first_claim_ms, claim_all_seconds, claimed = recover(engine)
    due = pending(engine)
    engine.dispose()
    recording = Recording(fake)
    seconds, drained = asyncio.run(drain(url, fake.base_url, args.max_seconds))
    sent, busiest, gap = recording.figures()
    people = min(args.owners, CASES, rows)
    cap = min(OVERALL_PER_SECOND, people * PER_PERSON_PER_SECOND)  # neither limit can be beaten
    print(f"\n== {label}: {rows:,} follow-ups to {people:,} link workers "
          f"({INTERRUPTED_ROWS} left mid-send by a crash); Bot API round trip {fake.latency * 1000:.0f} ms")
    print(f"  bulk insert                 {insert_seconds:8.2f} s ({rows / insert_seconds:,.0f} rows/s)")
    print(f"  restart upkeep pass         {upkeep_seconds:8.3f} s (rows caught mid-send failed, one digest to admins)")
    print(f"  first batch claimed         {first_claim_ms:8.1f} ms ({CLAIM_BATCH} rows)")
    print(f"  claim every overdue row     {claim_all_seconds:8.2f} s ({claimed:,} rows, "
          f"{claimed / claim_all_seconds:,.0f} rows/s)")
    state = "drained" if drained else f"stopped after --max-seconds, {due - sent:,} still due"
    print(f"  {'':28}{'seconds':>9}{'msg/s':>8}{'busiest 1 s':>13}{'min gap, 1 person':>19}")
    gap_text = "-" if math.isnan(gap) else f"{gap:.2f} s"
    print(f"  {'production engine, measured':<28}{seconds:>9.1f}{sent / seconds:>8.1f}{busiest:>13}{gap_text:>19}"
          f"   {sent:,} sent, {state}")
    print(f"  {'at the limits (ideal)':<28}{due / cap:>9.1f}{cap:>8.1f}{'':>13}{'':>19}   "
          f"{due:,} due at min({OVERALL_PER_SECOND:.0f}/s overall, 1/s x {people:,} people)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", default="10000,100000", help="comma-separated queue sizes to drain")
    parser.add_argument("--owners", type=int, default=2_000, help="link workers the follow-ups go to (max 2,000)")
    parser.add_argument("--latency", type=float, default=0.05, help="Bot API round trip in seconds")
    parser.add_argument("--max-seconds", type=float, help="stop a drain after this long (prints the rate so far)")
    parser.add_argument("--postgres", metavar="URL",
                        help="also run on this PostgreSQL server (temp database); 'auto' starts a throwaway cluster")
    parser.add_argument("--no-sqlite", action="store_true", help="PostgreSQL only")
    args = parser.parse_args()
    sizes = [int(size) for size in args.rows.split(",")]
    with FakeBotApi() as fake, postgres_server(args.postgres) as server:
        fake.latency = args.latency
        for rows in sizes:
            if not args.no_sqlite:
                with sqlite_database() as url:
                    run_backend("SQLite", url, rows, args, fake)
            if server:
                with postgres_database(server) as url:
                    run_backend("PostgreSQL", url, rows, args, fake)


@contextmanager
def postgres_server(option: str | None) -> Iterator[str | None]:
    """The server `--postgres` names; `auto`: a throwaway cluster (tests/pgcluster.py) for the run."""
    if option != "auto":
        yield option
        return
    cluster = ThrowawayCluster()
    cluster.start()
    try:
        yield cluster.url()
    finally:
        cluster.stop()


if __name__ == "__main__":
    main()

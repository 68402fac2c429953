"""Two bot processes sending together: do they stay within Telegram's limits? Shared limits vs PTB's per process.

Run: `.venv/bin/python benchmarks/delivery_bench.py [--rows 300] [--chats 30] [--postgres postgresql://…]`.
Two dispatchers, each with its own engine, event loop and PTB bot (like two processes), send `--rows` due
follow-ups spread over `--chats` people, over HTTP to the fake Bot API (tests/fakebotapi.py), twice:
  * per process: PTB's `AIORateLimiter(overall_max_rate=30)` in each process — what a PTB user would pick;
  * shared: Signpost's `SharedRateLimiter` + `SharedPacer`, counting in the database.
It prints, from the fake's record of every sendMessage: the busiest second (Telegram allows about 30), the
smallest gap between two messages to one person (Telegram asks for about 1 s) and the total time.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import delete, insert  # noqa: E402
from sqlalchemy.engine import Engine  # noqa: E402
from telegram.ext import AIORateLimiter, ExtBot  # noqa: E402

from bot.telegram_request import AiohttpRequest  # noqa: E402
from casework.models import CaseStatus, Referral, Signposting  # noqa: E402
from core.db import make_engine, migrate, session_scope  # noqa: E402
from core.rate_limits import RateLimitState  # noqa: E402
from directory.models import Organisation, Service  # noqa: E402
from scheduler.dispatcher import Dispatcher  # noqa: E402
from scheduler.models import FollowUp, FollowUpKind  # noqa: E402
from scheduler.policy import FollowUpPolicy  # noqa: E402
from scheduler.sender import SharedPacer, SharedRateLimiter, TelegramSender  # noqa: E402
from tests.fakebotapi import FakeBotApi  # noqa: E402

TOKEN = "123456:BENCH-TOKEN"
POLICY = FollowUpPolicy(quiet_hours_start=0, quiet_hours_end=0, allow_weekend_prompts=True)


def schedule(engine: Engine, rows: int, chats: int) -> None:
    """`rows` engagement checks due now, over `chats` link workers' cases."""
    now = datetime.now(UTC)
    with session_scope(engine) as session:
        if session.get(Service, "svc-bench") is None:
            session.add(Organisation(id="org-bench", name="Bench"))
            session.flush()
            session.add(Service(id="svc-bench", organisation_id="org-bench", name="Bench service"))
    with engine.begin() as connection:
        for table in (FollowUp, Signposting, Referral, RateLimitState):
            connection.execute(delete(table))
        connection.execute(insert(Referral), [
            {"id": n + 1, "reference": f"SP-B{n:05d}", "created_at": now - timedelta(days=20), "referrer_user_id": 1,
             "referrer_chat_id": 1, "source_ward": "Bench", "source_role": "ward_staff", "consent_share": True,
             "consent_gp": False, "client_initials": "AB", "hospital_ref_enc": "", "nhs_number_enc": "",
             "reasons": ["money"], "urgency": "ROUTINE", "risks_enc": "", "contact_route": "PHONE",
             "status": CaseStatus.CLAIMED, "claimed_by": 8000 + n, "contact_attempts": 0, "anonymised": False}
            for n in range(chats)
        ])  # fmt: skip
        connection.execute(insert(Signposting), [
            {"id": n + 1, "referral_id": n + 1, "service_id": "svc-bench", "created_at": now - timedelta(days=8),
             "created_by": 8000 + n} for n in range(chats)
        ])  # fmt: skip
        connection.execute(insert(FollowUp), [
            {"dedupe_key": f"bench:{n}", "kind": FollowUpKind.ENGAGEMENT_CHECK, "referral_id": n % chats + 1,
             "signposting_id": n % chats + 1, "sequence": 1, "due_at": now - timedelta(minutes=1),
             "status": "PENDING", "attempts": 0, "resends": 0, "created_at": now}
            for n in range(rows)
        ])  # fmt: skip


class UnpacedSender(TelegramSender):
    """The plain PTB way: no `rate_limit_args`, the bot's own limiter decides."""

    def _paced(self) -> dict[str, Any]:
        return {}


def one_process(url: str, base_url: str, name: str, shared: bool, errors: list[BaseException]) -> None:
    engine = make_engine(url)

    async def run() -> None:
        limiter = SharedRateLimiter(make_engine(url)) if shared else AIORateLimiter(overall_max_rate=30, max_retries=3)
        request = AiohttpRequest(32)  # the bot's own Bot API client
        async with ExtBot(TOKEN, base_url=base_url, request=request, rate_limiter=limiter) as bot:
            sender = TelegramSender(bot) if shared else UnpacedSender(bot)
            pacer = SharedPacer(engine) if shared else None
            await Dispatcher(engine, sender, POLICY, name, pacer=pacer).dispatch_once()

    try:
        asyncio.run(run())
    except BaseException as problem:
        errors.append(problem)
    finally:
        engine.dispose()


def measure(url: str, rows: int, chats: int, shared: bool) -> tuple[int, float, float, int]:
    """(busiest second, smallest same-chat gap in s, seconds in all, messages sent)."""
    engine = make_engine(url)
    schedule(engine, rows, chats)
    engine.dispose()
    errors: list[BaseException] = []
    with FakeBotApi() as fake:
        started = time.perf_counter()
        threads = [threading.Thread(target=one_process, args=(url, fake.base_url, f"p{n}", shared, errors))
                   for n in range(2)]  # fmt: skip
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - started
        calls = [call for call in fake.calls("sendMessage") if call.ok]
    if errors:
        raise errors[0]
    moments = sorted(call.arrived for call in calls)  # when each message left its process
    busiest = max(sum(1 for other in moments if start <= other < start + 1.0) for start in moments)
    by_chat: dict[Any, list[float]] = {}
    for call in calls:
        by_chat.setdefault(call.chat_id, []).append(call.arrived)
    gap = min(b - a for times in by_chat.values() for a, b in pairwise(sorted(times)))
    return busiest, gap, elapsed, len(calls)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=300)
    parser.add_argument("--chats", type=int, default=30)
    parser.add_argument("--postgres", metavar="URL", help="a PostgreSQL database to use instead of a SQLite file")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="delivery-bench-") as folder:
        url = args.postgres or f"sqlite:///{Path(folder) / 'bench.db'}"
        engine = make_engine(url)
        migrate(engine)
        engine.dispose()
        print(f"two processes, {args.rows} follow-ups to {args.chats} people, "
              f"{'PostgreSQL' if args.postgres else 'SQLite'}; Telegram allows ~30/s overall, ~1/s per chat")
        print(f"{'limits':<34}{'busiest second':>15}{'min gap, 1 chat':>17}{'total':>9}{'sent':>6}")
        for label, shared in (("PTB AIORateLimiter per process", False), ("Signpost shared (database)", True)):
            busiest, gap, elapsed, sent = measure(url, args.rows, args.chats, shared)
            print(f"{label:<34}{busiest:>11} msg{gap:>15.3f} s{elapsed:>7.1f} s{sent:>6}")


if __name__ == "__main__":
    main()

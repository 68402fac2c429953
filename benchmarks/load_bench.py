"""The bot under load: the real bot process against the fake Bot API with a realistic round trip, PTB's own
one-update-at-a-time processing side by side with Signpost's per-chat concurrent processing, in the same run.

Run: `.venv/bin/python benchmarks/load_bench.py [--repeats 3] [--rate 30] [--seconds 20] [--latency 0.05]
[--mode polling|webhook|both] [--only sustained --only flood]`.
Each scenario starts `python -m bot run` on a fresh SQLite database, pointed at a fresh fake Bot API
(tests/fakebotapi.py) whose every answer takes `--latency` seconds, warms it up, and measures reply times as a
person sees them: from the moment an update is offered to the moment the bot's first message to that chat is
answered by the fake. `--mode` says how updates reach the bot: polling (getUpdates, at most 100 an answer, one
round trip each), webhook (the fake POSTs them to the bot's webhook server over setWebhook's `max_connections`,
40, at once, one chat's one at a time — as Telegram does), or both side by side in the same run (the default).
Scenarios:
  * sustained: `--rate` updates a second for `--seconds`, each from a different person (/start, /help or a search):
    updates handled a second, p50/p95/max reply, and the bot process's CPU time per update — with, as the floor,
    PTB's own cost: benchmarks/echo_bot.py answering each with one message and nothing else (no database), over
    PTB's default HTTP client (httpx) and over the one Signpost uses (bot/telegram_request.py, aiohttp);
  * slow action: an admin asks for a year's /report (`--referrals` referrals seeded); a moment later five other
    people send /start: their replies, and how much later they came than the same five without the report;
  * flood: `--flood` accounts each send ten messages at once while one light user sends /start every 0.5 s
    (waiting for each reply, at most 30 s): the light user's p50/p95 reply.
Figures are medians over `--repeats` runs.
"""

from __future__ import annotations

import argparse
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert  # noqa: E402

from bot.app import prepare_database  # noqa: E402
from casework.models import CaseStatus, Referral, Signposting  # noqa: E402
from core.settings import Settings  # noqa: E402
from tests.e2e import BotProcess, as_webhook, settings_env  # noqa: E402
from tests.fakebotapi import MESSAGE_METHODS, FakeBotApi  # noqa: E402

ADMIN = 990_001
LIGHT_USER = 990_002
MODES = (("PTB default (one update at a time)", 1), ("Signpost per-chat concurrent (16)", 16))
# sustained only: what PTB and an HTTP client alone cost per update (the floor), by the client the echo bot uses
ECHOES = (("PTB echo bot, no database, httpx (PTB's default)", "httpx"),
          ("PTB echo bot, no database, aiohttp (Signpost's)", "aiohttp"))
ECHO_BOT = Path(__file__).resolve().parent / "echo_bot.py"
SAYINGS = (("command", "start"), ("command", "help"), ("text", "debt advice"), ("text", "someone to talk to"))
REPLY_TIMEOUT = 120.0
FLOOD_REPLY_TIMEOUT = 30.0  # a light user's reply not come within this is counted as this long
TRANSPORTS = ("polling", "webhook")


@dataclass
class Offered:
    chat: int
    at: float  # wall clock, comparable with the fake's call times
    after: int  # the fake's call record position when it was offered


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (all its threads), from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / 100.0  # utime, stime in clock ticks (USER_HZ = 100 on Linux)


class Bench:
    """One bot process on its own database, and helpers to offer updates and read reply times."""

    def __init__(self, fake: FakeBotApi, folder: Path, concurrent: int, referrals: int, echo: str = "",
                 transport: str = "polling") -> None:
        self.fake = fake
        settings = Settings(
            database_url=f"sqlite:///{folder / 'load.db'}", admin_user_ids=[ADMIN], concurrent_updates=concurrent,
            search_index_path=folder / "index",
        )
        if transport == "webhook":
            settings = as_webhook(settings)
        engine = prepare_database(settings)
        seed_referrals(engine, referrals)
        engine.dispose()
        program = (str(ECHO_BOT),) if echo else ("-m", "bot")
        env = settings_env(settings, fake) | ({"ECHO_HTTP_CLIENT": echo} if echo else {})
        self.process = BotProcess(env, workdir=folder, program=program,
                                  args=() if echo else ("run",))

    def offer(self, chat: int, kind: str, value: str) -> Offered:
        offered = Offered(chat, time.time(), self.fake.mark())
        if kind == "command":
            command, _, args = value.partition(" ")
            self.fake.push_command(chat, command, args)
        else:
            self.fake.push_text(chat, value)
        return offered

    def reply_seconds(self, offered: Offered, timeout: float = REPLY_TIMEOUT) -> float:
        call = self.fake.wait_for_sync(None, offered.chat, lambda c: c.method in MESSAGE_METHODS, after=offered.after,
                                       timeout=timeout)
        return call.time - offered.at

    def reply_times(self, offers: list[Offered]) -> list[float]:
        return [self.reply_seconds(offered) for offered in offers]

    def warm_up(self) -> None:
        """Index loaded, connections open: a search and a /start answered before measuring."""
        for n, (kind, value) in enumerate(SAYINGS):
            self.reply_seconds(self.offer(980_000 + n, kind, value))


def seed_referrals(engine: Any, count: int) -> None:
    """`count` referrals over the past year (most claimed and signposted), for the year's /report."""
    now = datetime.now(UTC)
    rows = [
        {"reference": f"SP-L{n:06d}", "created_at": now - timedelta(minutes=n * 525_600 // max(count, 1)),
         "referrer_user_id": 2000 + n % 300, "referrer_chat_id": 2000 + n % 300, "source_ward": f"Ward {n % 40}",
         "source_role": "ward_staff", "client_initials": "AB", "reasons": ["money", "isolation"][: 1 + n % 2],
         "status": CaseStatus.CLOSED if n % 3 else CaseStatus.CLAIMED, "claimed_by": 3000 + n % 50,
         "claimed_at": now - timedelta(minutes=n * 525_600 // max(count, 1) - 90)}
        for n in range(count)
    ]  # fmt: skip
    with engine.begin() as connection:
        for start in range(0, len(rows), 5000):
            connection.execute(insert(Referral), rows[start : start + 5000])
        service_ids = [row[0] for row in connection.exec_driver_sql("SELECT id FROM service LIMIT 50").all()]
        signpostings = [
            {"referral_id": n + 1, "service_id": service_ids[n % len(service_ids)], "created_by": 3000 + n % 50,
             "created_at": rows[n]["created_at"] + timedelta(days=2)}
            for n in range(count) if n % 4
        ]  # fmt: skip
        for start in range(0, len(signpostings), 5000):
            connection.execute(insert(Signposting), signpostings[start : start + 5000])


@contextmanager
def running(latency: float, concurrent: int, referrals: int, echo: str = "",
            transport: str = "polling") -> Iterator[Bench]:
    """A bot process on a fresh database and a fresh fake Bot API (nothing left over from an earlier run)."""
    with tempfile.TemporaryDirectory(prefix="load-bench-") as folder, FakeBotApi() as fake:
        fake.latency = latency
        bench = Bench(fake, Path(folder), concurrent, referrals, echo, transport)
        with bench.process:
            bench.warm_up()
            yield bench
            bench.process.kill()  # a flood may still be queued: no need to wait for it


def sustained(bench: Bench, rate: float, seconds: float) -> dict[str, float]:
    total = int(rate * seconds)
    cpu_before, started = cpu_seconds(bench.process.pid), time.perf_counter()
    offers = []
    for n in range(total):
        pause = started + n / rate - time.perf_counter()
        if pause > 0:
            time.sleep(pause)
        kind, value = SAYINGS[n % len(SAYINGS)]
        offers.append(bench.offer(100_000 + n, kind, value))
    replies = bench.reply_times(offers)
    elapsed = max(offered.at + reply for offered, reply in zip(offers, replies, strict=True)) - offers[0].at
    cpu = cpu_seconds(bench.process.pid) - cpu_before
    return {"handled/s": total / elapsed, "p50 s": percentile(replies, 0.5), "p95 s": percentile(replies, 0.95),
            "max s": max(replies), "CPU ms/update": 1000 * cpu / total}


def slow_action(bench: Bench) -> dict[str, float]:
    others = [200_000 + n for n in range(5)]
    alone = bench.reply_times([bench.offer(chat, "command", "start") for chat in others])
    today = date.today()
    report = bench.offer(ADMIN, "command", f"report {today - timedelta(days=365)} {today}")
    time.sleep(0.2)
    during = bench.reply_times([bench.offer(chat + 10, "command", "start") for chat in others])
    report_seconds = bench.reply_seconds(report)
    return {"report s": report_seconds, "others p50 s": statistics.median(during), "others max s": max(during),
            "delayed by s": max(during) - max(alone)}


def flood(bench: Bench, accounts: int, light_seconds: float = 15.0) -> dict[str, float]:
    for round_ in range(10):
        for account in range(accounts):
            bench.offer(300_000 + account, "text", f"hello {round_}")
    replies: list[float] = []
    started = time.perf_counter()
    while time.perf_counter() - started < light_seconds:
        sent = time.perf_counter()
        try:
            replies.append(bench.reply_seconds(bench.offer(LIGHT_USER, "command", "start"), FLOOD_REPLY_TIMEOUT))
        except TimeoutError:  # counted as the time-out: the light user gave up waiting
            replies.append(FLOOD_REPLY_TIMEOUT)
            break
        time.sleep(max(0.0, 0.5 - (time.perf_counter() - sent)))
    return {"light p50 s": percentile(replies, 0.5), "light p95 s": percentile(replies, 0.95),
            "light max s": max(replies)}


@contextmanager
def profiled(pid: int, output: str | None) -> Iterator[None]:
    """py-spy recording `pid` meanwhile (a profiling aid: `pip install py-spy`; not a dependency)."""
    if output is None:
        yield
        return
    recorder = subprocess.Popen(["py-spy", "record", "--pid", str(pid), "--output", output, "--format", "raw",
                                 "--rate", "250", "--nonblocking"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        yield
    finally:
        recorder.send_signal(signal.SIGINT)
        recorder.wait(60)


def medians(runs: list[dict[str, float]]) -> dict[str, float]:
    return {key: statistics.median(run[key] for run in runs) for key in runs[0]}


def table(title: str, results: dict[str, dict[str, float]]) -> None:
    keys = list(next(iter(results.values())))
    print(f"\n{title}")
    print(f"  {'':48}" + "".join(f"{key:>15}" for key in keys))
    for label, figures in results.items():
        print(f"  {label:<48}" + "".join(f"{figures[key]:>15.2f}" for key in keys))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--rate", type=float, default=30.0, help="updates a second offered (sustained)")
    parser.add_argument("--seconds", type=float, default=20.0, help="how long the sustained load lasts")
    parser.add_argument("--latency", type=float, default=0.05, help="Bot API round trip in seconds")
    parser.add_argument("--referrals", type=int, default=20_000, help="referrals in the year /report reads")
    parser.add_argument("--flood", type=int, default=500, help="accounts in the flood")
    parser.add_argument("--only", choices=("sustained", "slow", "flood"), action="append",
                        help="run this scenario (repeat for several; default all)")
    parser.add_argument("--mode", choices=(*TRANSPORTS, "both"), default="both",
                        help="how updates reach the bot (default both, side by side)")
    parser.add_argument("--profile", metavar="FILE", help="py-spy (if installed) records the concurrent bot process "
                        "during the scenario (collapsed stacks in FILE)")
    args = parser.parse_args()
    scenarios: dict[str, Callable[[Bench], dict[str, float]]] = {
        "sustained": lambda bench: sustained(bench, args.rate, args.seconds),
        "slow": slow_action,
        "flood": lambda bench: flood(bench, args.flood),
    }
    titles = {
        "sustained": f"sustained: {args.rate:g} updates/s for {args.seconds:g} s, each from a different person",
        "slow": f"slow action: a year's /report ({args.referrals:,} referrals), five others /start meanwhile",
        "flood": f"flood: {args.flood} accounts x 10 messages at once; a light user's /start every 0.5 s "
                 f"({FLOOD_REPLY_TIMEOUT:.0f} = no reply within {FLOOD_REPLY_TIMEOUT:.0f} s)",
    }
    transports = TRANSPORTS if args.mode == "both" else (args.mode,)
    print(f"Bot API round trip {args.latency * 1000:.0f} ms; medians of {args.repeats} runs; SQLite; "
          f"updates by {' and '.join(transports)}")
    for name, scenario in scenarios.items():
        if args.only and name not in args.only:
            continue
        results: dict[str, dict[str, float]] = {}
        modes = [(label, concurrent, "") for label, concurrent in MODES]
        if name == "sustained":
            modes += [(label, MODES[-1][1], client) for label, client in ECHOES]
        for label, concurrent, echo in modes:
            for transport in transports:
                runs = []
                for _ in range(args.repeats):
                    with running(args.latency, concurrent, args.referrals if name == "slow" else 0, echo,
                                 transport) as bench, \
                            profiled(bench.process.pid, args.profile if concurrent > 1 and not echo else None):
                        runs.append(scenario(bench))
                results[f"{label}, {transport}"] = medians(runs)
        table(titles[name], results)


if __name__ == "__main__":
    main()

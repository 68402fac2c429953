"""Each update is handled in exactly one database transaction: role check, dialog and action together."""

from __future__ import annotations

import threading
from collections.abc import Awaitable, Callable
from datetime import timedelta

import pytest
from sqlalchemy import event

from core.clock import utcnow
from tests.e2e import BotHarness, Replies, running_bot, sqlite_only
from tests.fakebotapi import FakeBotApi, poll_until
from tests.test_bot_e2e import NURSE, button, enrol

pytestmark = pytest.mark.e2e


async def transactions_during(bot: BotHarness, action: Callable[[], Awaitable[Replies]]) -> tuple[int, Replies]:
    """How many transactions handling one update opened (no job runs meanwhile: see `quiet_jobs`)."""
    begun: list[str] = []

    def count(_connection: object) -> None:
        begun.append(threading.current_thread().name)

    event.listen(bot.runtime.engine, "begin", count)
    try:
        replies = await action()
    finally:
        event.remove(bot.runtime.engine, "begin", count)
    return len(begun), replies


async def start_up_finished(bot: BotHarness) -> None:
    """The start-up jobs (retention, the first follow-up pass) have run and finished; the next is an hour away."""

    def jobs_idle() -> bool | None:
        job_queue = bot.application.job_queue
        assert job_queue is not None
        [dispatch] = job_queue.get_jobs_by_name("followup-dispatch")
        at_start = job_queue.get_jobs_by_name("data-retention-at-start")
        running = job_queue._executor._pending_futures  # APScheduler 3 has no public "jobs running now"
        later = dispatch.next_t is not None and dispatch.next_t > utcnow() + timedelta(minutes=30)
        return (later and not at_start and not running) or None

    await poll_until(jobs_idle, 10, lambda: "the start-up jobs never finished")


@sqlite_only
async def test_a_command_a_tap_and_a_typed_answer_each_open_one_transaction(settings, fake_bot_api: FakeBotApi) -> None:
    settings = settings.model_copy(update={"followup_dispatch_seconds": 3600})
    async with running_bot(settings, fake_bot_api) as bot:
        await enrol(bot, NURSE, "ward")
        await start_up_finished(bot)

        opened, started = await transactions_during(bot, lambda: bot.command(NURSE, "refer"))
        assert opened == 1 and "agreed" in started.texts[-1]
        opened, asked = await transactions_during(bot, lambda: bot.click(NURSE, button(started, "they agree")))
        assert opened == 1 and "GP" in asked.texts[-1]
        opened, _ = await transactions_during(bot, lambda: bot.click(NURSE, button(asked, "Yes")))
        assert opened == 1
        opened, typed = await transactions_during(bot, lambda: bot.say(NURSE, "JS"))
        assert opened == 1 and "Hospital number" in typed.texts[-1]
        opened, stale = await transactions_during(bot, lambda: bot.click(NURSE, button(started, "they agree")))
        assert opened == 2 and "earlier question" in stale.texts[0]  # undone, then answered in a fresh one

"""The nightly data-retention job (scheduler.privacy.apply_retention), on PTB's JobQueue."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from sqlalchemy.engine import Engine
from telegram.ext import CallbackContext, JobQueue

from core.db import session_scope
from scheduler.policy import FollowUpPolicy
from scheduler.privacy import RetentionResult, RetentionRules, apply_retention

log = logging.getLogger(__name__)
JOB_ID = "data-retention"


def run_retention(
    engine: Engine,
    retention_months: int,
    rules: RetentionRules | None = None,
    policy: FollowUpPolicy | None = None,
) -> RetentionResult:
    """One retention pass in its own transaction (idempotent, so several processes may run it)."""
    with session_scope(engine) as session:
        return apply_retention(session, retention_months, rules=rules or RetentionRules(), policy=policy)


async def _retention_job(context: CallbackContext[Any, Any, Any, Any]) -> None:
    """The job: one pass, off the event loop (it can touch many rows)."""
    assert context.job is not None
    engine, retention_months, rules, policy = context.job.data  # type: ignore[misc]
    await asyncio.to_thread(run_retention, engine, retention_months, rules, policy)


def schedule_retention(
    job_queue: JobQueue[Any],
    engine: Engine,
    retention_months: int,
    timezone: str,
    rules: RetentionRules | None = None,
    policy: FollowUpPolicy | None = None,
) -> None:
    """Run retention every night at 02:30 local time, and once at start in case a night was missed."""
    data = (engine, retention_months, rules, policy)
    job_queue.run_custom(
        _retention_job, name=f"{JOB_ID}-at-start", data=data,
        job_kwargs={"trigger": "date", "id": f"{JOB_ID}-at-start", "replace_existing": True,
                    "misfire_grace_time": None},
    )  # fmt: skip
    job_queue.run_custom(
        _retention_job, name=JOB_ID, data=data,
        job_kwargs={"trigger": "cron", "hour": 2, "minute": 30, "timezone": timezone, "id": JOB_ID,
                    "replace_existing": True, "coalesce": True, "max_instances": 1, "misfire_grace_time": 6 * 3600},
    )  # fmt: skip

"""The nightly data-retention job (scheduler.privacy.apply_retention), on PTB's JobQueue.

A pass that fails (e.g. the database is briefly unavailable) is tried again after a growing delay, up to
`RETRIES` times, instead of waiting for the next night.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy.engine import Engine
from telegram.ext import CallbackContext, JobQueue

from core.db import session_scope
from scheduler.policy import FollowUpPolicy
from scheduler.privacy import RetentionResult, RetentionRules, apply_retention

log = logging.getLogger(__name__)
JOB_ID = "data-retention"
RETRIES = 6
RETRY_BASE_SECONDS = 30.0  # then 60, 120 ... about an hour in all


@dataclass(frozen=True)
class RetentionJob:
    """What a retention job needs, and how many times this pass has been tried."""

    engine: Engine
    retention_months: int
    rules: RetentionRules | None = None
    policy: FollowUpPolicy | None = None
    retry_base_seconds: float = RETRY_BASE_SECONDS
    attempt: int = 0


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
    """The job: one pass, off the event loop (it can touch many rows); on failure, tried again with backoff."""
    assert context.job is not None and context.job_queue is not None
    job: RetentionJob = context.job.data  # type: ignore[assignment]
    try:
        await asyncio.to_thread(run_retention, job.engine, job.retention_months, job.rules, job.policy)
    except Exception as problem:  # the pass is idempotent: trying again later is always safe
        if job.attempt >= RETRIES:
            log.error("retention pass failed %d times (%s); next try at the nightly run", job.attempt + 1,
                      type(problem).__name__)
            return
        delay = job.retry_base_seconds * 2**job.attempt
        log.warning("retention pass failed (%s); trying again in %.0f s", type(problem).__name__, delay)
        context.job_queue.run_once(_retention_job, when=delay, data=replace(job, attempt=job.attempt + 1),
                                   name=f"{JOB_ID}-retry", job_kwargs={"misfire_grace_time": None})


def schedule_retention(
    job_queue: JobQueue[Any],
    engine: Engine,
    retention_months: int,
    timezone: str,
    rules: RetentionRules | None = None,
    policy: FollowUpPolicy | None = None,
    retry_base_seconds: float = RETRY_BASE_SECONDS,
) -> None:
    """Run retention every night at 02:30 local time, and once at start in case a night was missed."""
    data = RetentionJob(engine, retention_months, rules, policy, retry_base_seconds)
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

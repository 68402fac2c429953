"""The nightly data-retention job (anonymise old closed cases, purge abandoned drafts), scheduled by APScheduler."""

from __future__ import annotations

import logging

from apscheduler.schedulers.base import BaseScheduler
from sqlalchemy.engine import Engine

from core.db import session_scope
from scheduler.privacy import RetentionResult, apply_retention

log = logging.getLogger(__name__)
JOB_ID = "data-retention"


def run_retention(engine: Engine, retention_months: int) -> RetentionResult:
    """One retention pass in its own transaction (idempotent, so several processes may run it)."""
    with session_scope(engine) as session:
        return apply_retention(session, retention_months)


def schedule_retention(scheduler: BaseScheduler, engine: Engine, retention_months: int, timezone: str) -> None:
    """Run retention every night at 02:30 local time, and once at start in case a night was missed."""
    scheduler.add_job(
        run_retention, "date", id=f"{JOB_ID}-at-start", replace_existing=True, args=(engine, retention_months)
    )
    scheduler.add_job(
        run_retention,
        "cron",
        hour=2,
        minute=30,
        timezone=timezone,
        id=JOB_ID,
        replace_existing=True,
        args=(engine, retention_months),
        coalesce=True,
        max_instances=1,
        misfire_grace_time=6 * 3600,
    )

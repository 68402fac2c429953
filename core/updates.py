"""Telegram updates already applied, so a redelivered update changes nothing, in any process.

Telegram delivers updates at least once: a webhook POST is retried when our answer is lost, and a polling bot killed
before it confirmed an update gets it again. Each update's id is recorded in the same transaction as its effects, so
the effects and the record commit together or not at all. Telegram keeps an update for at most 24 hours, so ids
older than `KEEP_DAYS` are pruned by the nightly retention job.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import BigInteger, Column, bindparam, delete, text
from sqlmodel import Field, Session, SQLModel

from core.clock import utcnow
from core.db import DriverStatement

KEEP_DAYS = 3


class HandledUpdate(SQLModel, table=True):
    """One update a bot has applied: (bot id, update id). Ids are per bot, so a new token starts afresh."""

    __tablename__ = "handled_update"

    bot_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    update_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    handled_at: datetime = Field(default_factory=utcnow, index=True)


def first_delivery(session: Session, bot_id: int, update_id: int) -> bool:
    """Record the update in this transaction; False when it was already recorded (a redelivery).

    On PostgreSQL a second process inserting the same id waits for the first transaction: if that commits, this one
    sees a redelivery; if it rolls back, this one applies the update.
    """
    found = _RECORD.first(session, {"bot_id": bot_id, "update_id": update_id, "handled_at": utcnow()})
    return found is not None  # a row only when it was inserted (rowcount is not portable here)


# Plain SQL that SQLite (3.35+) and PostgreSQL both speak, rather than `sqlite.insert(...).on_conflict_do_nothing()`:
# SQLAlchemy never caches the dialects' ON CONFLICT inserts (their `inherit_cache` is False), so that statement was
# compiled afresh for every update, about 0.3 ms of CPU each time (py-spy, benchmarks/load_bench.py). Run on the
# driver (`DriverStatement`), compiled once per dialect.
_RECORD = DriverStatement(text(
    "INSERT INTO handled_update (bot_id, update_id, handled_at) VALUES (:bot_id, :update_id, :handled_at) "
    "ON CONFLICT (bot_id, update_id) DO NOTHING RETURNING update_id"
).bindparams(bindparam("handled_at", type_=HandledUpdate.__table__.c.handled_at.type)))  # type: ignore[attr-defined]


def prune_handled_updates(session: Session, now: datetime | None = None) -> int:
    """Forget updates handled more than `KEEP_DAYS` ago (Telegram never redelivers them that late)."""
    cutoff = (now or utcnow()) - timedelta(days=KEEP_DAYS)
    return session.execute(delete(HandledUpdate).where(HandledUpdate.handled_at < cutoff)).rowcount  # type: ignore[arg-type]

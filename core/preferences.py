"""What a person chose for how the bot talks to them: their language (/language) and whether they are looking for
someone else (a carer or family member). Keyed by Telegram user id; deleted on /forgetme."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import BigInteger, Column, bindparam, select
from sqlmodel import Field, Session, SQLModel, delete

from core.clock import utcnow
from core.db import DriverStatement


class PersonPreference(SQLModel, table=True):
    """One person's choices. No name, no text they typed: a language code and a yes/no."""

    __tablename__ = "person_preference"

    telegram_user_id: int = Field(sa_column=Column(BigInteger, primary_key=True))
    language: str = Field(default="", max_length=8)  # "" : follow Telegram's language_code
    for_someone_else: bool = False  # carer mode: wording speaks of "the person you're helping"
    updated_at: datetime = Field(default_factory=utcnow)


@dataclass(frozen=True)
class Preferences:
    language: str = ""
    for_someone_else: bool = False


def preferences_of(session: Session, telegram_user_id: int) -> Preferences:
    row = _CHOICES.first(session, {"user_id": telegram_user_id})
    return Preferences(row[0], bool(row[1])) if row else Preferences()


_TABLE = PersonPreference.__table__  # type: ignore[attr-defined]
# Built once and run on the driver: it is read for almost every update (an ORM `get` costs about 0.15 ms more).
_CHOICES = DriverStatement(select(_TABLE.c.language, _TABLE.c.for_someone_else).where(
    _TABLE.c.telegram_user_id == bindparam("user_id")))


def remember(session: Session, telegram_user_id: int, *, language: str | None = None,
             for_someone_else: bool | None = None) -> None:
    """Record a choice (the other is kept as it was)."""
    row = session.get(PersonPreference, telegram_user_id) or PersonPreference(telegram_user_id=telegram_user_id)
    if language is not None:
        row.language = language
    if for_someone_else is not None:
        row.for_someone_else = for_someone_else
    row.updated_at = utcnow()
    session.add(row)


def forget_preferences(session: Session, telegram_user_id: int) -> int:
    """/forgetme: the person's choices go (returns how many rows)."""
    result = session.exec(delete(PersonPreference).where(PersonPreference.telegram_user_id == telegram_user_id))
    return result.rowcount or 0

"""Multi-step conversation state kept in the database, one row per (chat, user, dialog).

Each step is saved in the same transaction as its effects, so a restart or crash resumes where the user was,
and `version` (optimistic locking) stops two bot processes advancing the same step twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, bindparam, text, update
from sqlalchemy import select as sa_select
from sqlmodel import Field, Session, SQLModel, delete

from core.clock import utcnow
from core.db import DriverStatement


class DialogState(SQLModel, table=True):
    """Where a user is in a multi-step conversation, stored per step so restarts and crashes lose nothing.

    `version` gives optimistic locking, so two bot processes cannot both advance the same step.
    """

    __tablename__ = "dialog_state"

    chat_id: int = Field(sa_column=Column(BigInteger, primary_key=True))
    user_id: int = Field(sa_column=Column(BigInteger, primary_key=True))
    name: str = Field(primary_key=True, max_length=32)
    step: str = Field(max_length=32)
    data: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    version: int = 0
    # The typed message that last moved it (Telegram numbers a chat's messages in order): an older or repeated
    # message (a redelivery, an edit of an earlier answer) can't answer the question after the one it answered.
    answered_message_id: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    updated_at: datetime = Field(default_factory=utcnow)


@dataclass
class Dialog:
    """A snapshot of one user's place in a conversation."""

    chat_id: int
    user_id: int
    name: str
    step: str
    data: dict[str, Any] = field(default_factory=dict)
    version: int = 0
    answered_message_id: int | None = None

    def answers_an_earlier_step(self, message_id: int | None) -> bool:
        """Whether typed message `message_id` is the one that already moved this dialog, or older."""
        last = self.answered_message_id
        return message_id is not None and last is not None and message_id <= last


def _snapshot(row: DialogState) -> Dialog:
    return Dialog(row.chat_id, row.user_id, row.name, row.step, dict(row.data), row.version, row.answered_message_id)


class StaleDialog(RuntimeError):
    """Someone (another process or a double tap) advanced this dialog first."""


def load_dialog(session: Session, chat_id: int, user_id: int, name: str) -> Dialog | None:
    row = session.get(DialogState, (chat_id, user_id, name))
    return None if row is None else _snapshot(row)


def active_dialog(session: Session, chat_id: int, user_id: int, names: tuple[str, ...]) -> Dialog | None:
    """The most recently touched of the named dialogs this user has open in this chat."""
    row = _open_dialogs(len(names), latest_first=True).first(session, _named(chat_id, user_id, names))
    return None if row is None else Dialog(*row)


def has_active_dialog(session: Session, chat_id: int, user_id: int, names: tuple[str, ...]) -> bool:
    """Whether this user has any of the named dialogs open in this chat (one indexed lookup, no row loaded)."""
    return _open_dialogs(len(names), latest_first=False).first(session, _named(chat_id, user_id, names)) is not None


_TABLE = DialogState.__table__  # type: ignore[attr-defined]


@cache
def _open_dialogs(count: int, *, latest_first: bool) -> DriverStatement:
    """Built once per number of dialog names asked about and run on the driver: it runs for every update (flood
    counting) and every typed message. `latest_first` selects the whole dialog, else only whether one exists."""
    columns = (_TABLE.c.chat_id, _TABLE.c.user_id, _TABLE.c.name, _TABLE.c.step, _TABLE.c.data, _TABLE.c.version,
               _TABLE.c.answered_message_id) if latest_first else (_TABLE.c.name,)
    statement = sa_select(*columns).where(
        _TABLE.c.chat_id == bindparam("chat_id"), _TABLE.c.user_id == bindparam("user_id"),
        _TABLE.c.name.in_([bindparam(f"name_{number}") for number in range(count)]),
    )
    if latest_first:
        statement = statement.order_by(_TABLE.c.updated_at.desc())
    return DriverStatement(statement.limit(1))


def _named(chat_id: int, user_id: int, names: tuple[str, ...]) -> dict[str, object]:
    return {"chat_id": chat_id, "user_id": user_id} | {f"name_{number}": name for number, name in enumerate(names)}


def start_dialog(
    session: Session, chat_id: int, user_id: int, name: str, step: str, data: dict[str, Any],
    message_id: int | None = None,
) -> Dialog:
    """Begin (or restart) a dialog at `step` (`message_id`: the typed message that started it, if any)."""
    values = {"chat_id": chat_id, "user_id": user_id, "name": name, "step": step, "data": data,
              "updated_at": utcnow(), "message_id": message_id}
    version, answered = session.execute(_START, values).one()
    loaded = session.identity_map.get(session.identity_key(DialogState, (chat_id, user_id, name)))
    if loaded is not None:  # read earlier in this transaction: read it again when next used
        session.expire(loaded)
    return Dialog(chat_id, user_id, name, step, dict(data), version, answered)


# One statement both databases speak, built once (a search starts a dialog on every message, so this is hot): the
# ORM's read-then-flush cost about 0.7 ms of CPU, and SQLAlchemy never caches its dialect ON CONFLICT constructs.
_START = text(
    "INSERT INTO dialog_state (chat_id, user_id, name, step, data, version, answered_message_id, updated_at) "
    "VALUES (:chat_id, :user_id, :name, :step, :data, 0, :message_id, :updated_at) "
    "ON CONFLICT (chat_id, user_id, name) DO UPDATE SET step = excluded.step, data = excluded.data, "
    "version = dialog_state.version + 1, updated_at = excluded.updated_at, "
    "answered_message_id = COALESCE(excluded.answered_message_id, dialog_state.answered_message_id) "
    "RETURNING version, answered_message_id"
).bindparams(
    bindparam("data", type_=_TABLE.c.data.type), bindparam("updated_at", type_=_TABLE.c.updated_at.type),
    bindparam("message_id", type_=_TABLE.c.answered_message_id.type),
)


def advance_dialog(
    session: Session, dialog: Dialog, step: str, data: dict[str, Any], message_id: int | None = None
) -> Dialog:
    """Move to `step` with `data`, only if nobody else moved it since `dialog` was read (`message_id`: the typed
    message that answered, if any)."""
    answered = dialog.answered_message_id if message_id is None else message_id
    result = session.execute(
        update(DialogState)
        .where(
            DialogState.chat_id == dialog.chat_id,
            DialogState.user_id == dialog.user_id,
            DialogState.name == dialog.name,
            DialogState.version == dialog.version,
        )
        .values(step=step, data=data, version=dialog.version + 1, answered_message_id=answered, updated_at=utcnow())
    )
    if result.rowcount != 1:
        raise StaleDialog(dialog.name)
    return Dialog(dialog.chat_id, dialog.user_id, dialog.name, step, dict(data), dialog.version + 1, answered)


def end_dialog(session: Session, chat_id: int, user_id: int, name: str) -> bool:
    """Forget a dialog (finished or cancelled). True if there was one."""
    result = session.execute(
        delete(DialogState).where(
            DialogState.chat_id == chat_id, DialogState.user_id == user_id, DialogState.name == name
        )
    )
    return result.rowcount > 0

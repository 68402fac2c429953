"""SQLite, the embedded default: concurrent writers wait their turn instead of failing with "database is locked"."""

from __future__ import annotations

import threading

from sqlalchemy import func
from sqlmodel import select

from casework.models import Invite, Role
from core.clock import utcnow
from core.db import reading, session_scope


def _invite(code: str) -> Invite:
    return Invite(code_hash=code, role=Role.WARD_STAFF, created_by=1, expires_at=utcnow())


def test_a_read_then_write_transaction_is_not_broken_by_a_writer_in_between(sqlite_engine) -> None:
    read_done, other_finished = threading.Event(), threading.Event()
    problems: list[BaseException] = []

    def other_writer() -> None:
        read_done.wait(5)
        try:
            with session_scope(sqlite_engine) as session:
                session.add(_invite("b" * 64))
        except BaseException as problem:
            problems.append(problem)
        finally:
            other_finished.set()

    thread = threading.Thread(target=other_writer)
    thread.start()
    with session_scope(sqlite_engine) as session:
        session.exec(select(func.count()).select_from(Invite)).one()
        read_done.set()
        other_finished.wait(1)  # let the other writer commit in between, if SQLite lets it
        session.add(_invite("a" * 64))
    thread.join(10)
    assert problems == []
    with session_scope(reading(sqlite_engine)) as session:
        assert session.exec(select(func.count()).select_from(Invite)).one() == 2

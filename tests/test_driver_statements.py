"""The per-update statements run on the driver (core.db.DriverStatement) read and write exactly what the ORM does,
on both backends: the same stored formats, JSON back as a dict, booleans, and pending ORM changes seen."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import select

import core.updates
from casework.models import Role, StaffUser
from casework.roles import role_of
from core.db import session_scope
from core.dialogs import active_dialog, has_active_dialog, start_dialog
from core.preferences import preferences_of, remember
from core.rate_limits import Rate, admit
from core.updates import KEEP_DAYS, HandledUpdate, first_delivery, prune_handled_updates


def test_a_recorded_update_keeps_its_time_as_the_orm_stores_it_and_is_pruned_only_when_old(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    # no microseconds: the driver alone would store it shorter
    on_the_second = datetime(2026, 12, 2, 9, 30, 0, tzinfo=UTC)
    monkeypatch.setattr(core.updates, "utcnow", lambda: on_the_second)
    with session_scope(engine) as session:
        assert first_delivery(session, bot_id=1, update_id=5)
        session.add(HandledUpdate(bot_id=1, update_id=6, handled_at=on_the_second))
    with session_scope(engine) as session:
        stored = session.execute(text("SELECT CAST(handled_at AS TEXT) FROM handled_update ORDER BY update_id"))
        by_driver, by_orm = stored.scalars().all()
        assert by_driver == by_orm
        assert session.get(HandledUpdate, (1, 5)).handled_at == on_the_second  # type: ignore[union-attr]
        assert prune_handled_updates(session, now=on_the_second + timedelta(days=KEEP_DAYS - 1)) == 0
        assert prune_handled_updates(session, now=on_the_second + timedelta(days=KEEP_DAYS, seconds=1)) == 2


def test_the_open_dialog_comes_back_whole_newest_first(engine: Engine) -> None:
    with session_scope(engine) as session:
        start_dialog(session, 10, 20, "refer", "ward", {"ward": "Cley", "urgent": True, "steps": [1, 2]})
    with session_scope(engine) as session:
        start_dialog(session, 10, 20, "search", "area", {"query": "debt"})

    with session_scope(engine) as session:
        latest = active_dialog(session, 10, 20, ("refer", "search"))
        older = active_dialog(session, 10, 20, ("refer",))
        assert has_active_dialog(session, 10, 20, ("refer", "invite"))
        assert not has_active_dialog(session, 10, 21, ("refer", "search"))

    assert latest is not None and (latest.name, latest.step, latest.data) == ("search", "area", {"query": "debt"})
    assert older is not None and older.data == {"ward": "Cley", "urgent": True, "steps": [1, 2]}
    assert older.version == 0 and older.answered_message_id is None


def test_a_change_not_yet_flushed_is_seen_by_the_next_per_update_read(engine: Engine) -> None:
    with session_scope(engine) as session:
        session.add(StaffUser(telegram_user_id=77, role=Role.LINK_WORKER))
        remember(session, 77, language="pl", for_someone_else=True)
        assert role_of(session, 77) is Role.LINK_WORKER
        assert preferences_of(session, 77).language == "pl"
        assert preferences_of(session, 77).for_someone_else is True
    with session_scope(engine) as session:
        suspended = session.exec(select(StaffUser).where(StaffUser.telegram_user_id == 77)).one()
        suspended.active = False
        session.add(suspended)
        assert role_of(session, 77) is None


def test_a_flood_limit_refuses_once_it_is_spent_and_says_so_only_the_first_time(engine: Engine) -> None:
    rate, now = Rate.per_minute(2, burst=2), 1_000_000.0
    with session_scope(engine) as session:
        allowed = [admit(session, "flood:user:9", rate, now).allowed for _ in range(2)]
        refused = [admit(session, "flood:user:9", rate, now) for _ in range(2)]
    with session_scope(engine) as session:
        later = admit(session, "flood:user:9", rate, now + 31)

    assert allowed == [True, True]
    assert [(a.allowed, a.first_refusal) for a in refused] == [(False, True), (False, False)]
    assert later.allowed

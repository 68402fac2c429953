"""Each update is applied once per bot, on both backends (the record is plain SQL both databases speak)."""

from __future__ import annotations

from sqlalchemy.engine import Engine

from core.db import session_scope
from core.updates import first_delivery


def test_an_update_seen_again_is_a_redelivery_but_another_bots_same_id_is_not(engine: Engine) -> None:
    with session_scope(engine) as session:
        assert first_delivery(session, bot_id=1, update_id=42)
    with session_scope(engine) as session:
        assert not first_delivery(session, bot_id=1, update_id=42)
        assert first_delivery(session, bot_id=2, update_id=42)


def test_an_update_whose_transaction_rolled_back_is_applied_when_it_comes_again(engine: Engine) -> None:
    try:
        with session_scope(engine) as session:
            assert first_delivery(session, bot_id=1, update_id=7)
            raise RuntimeError("the handler failed")
    except RuntimeError:
        pass
    with session_scope(engine) as session:
        assert first_delivery(session, bot_id=1, update_id=7)

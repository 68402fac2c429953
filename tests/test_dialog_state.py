"""Dialog state on both backends: starting again restarts at the new step, keeps optimistic locking and the typed
message that last moved it, and a row already read in the same transaction is not served stale."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import Engine

from core.db import session_scope
from core.dialogs import DialogState, StaleDialog, active_dialog, advance_dialog, load_dialog, start_dialog


def test_starting_a_dialog_again_restarts_it_and_a_step_read_before_cannot_advance_it(engine: Engine) -> None:
    with session_scope(engine) as session:
        first = start_dialog(session, 10, 20, "refer", "consent", {"a": 1}, message_id=5)
    with session_scope(engine) as session:
        again = start_dialog(session, 10, 20, "refer", "ward", {"b": 2})
    with session_scope(engine) as session:
        stored = load_dialog(session, 10, 20, "refer")
        with pytest.raises(StaleDialog):
            advance_dialog(session, first, "reasons", {})

    assert (first.version, again.version) == (0, 1)
    assert again.answered_message_id == 5  # no new message: the last one that moved it still counts
    assert stored is not None
    assert (stored.step, stored.data, stored.version, stored.answered_message_id) == ("ward", {"b": 2}, 1, 5)


def test_a_new_starting_message_replaces_the_last_one(engine: Engine) -> None:
    with session_scope(engine) as session:
        start_dialog(session, 10, 20, "refer", "consent", {}, message_id=5)
        restarted = start_dialog(session, 10, 20, "refer", "consent", {}, message_id=9)

    assert restarted.answered_message_id == 9
    assert restarted.answers_an_earlier_step(9) and not restarted.answers_an_earlier_step(10)


def test_a_dialog_row_held_from_earlier_in_the_transaction_is_read_afresh_after_a_restart(engine: Engine) -> None:
    with session_scope(engine) as session:
        start_dialog(session, 10, 20, "search", "shown", {"page": 0})
    with session_scope(engine) as session:
        held = session.get(DialogState, (10, 20, "search"))  # the ORM keeps this object for the transaction
        assert held is not None and held.data == {"page": 0}
        start_dialog(session, 10, 20, "search", "shown", {"page": 2})
        after = load_dialog(session, 10, 20, "search")

        assert (held.data, held.version) == ({"page": 2}, 1)
        assert after is not None and (after.data, after.version) == ({"page": 2}, 1)


def test_the_dialog_waiting_for_a_typed_answer_is_the_one_touched_last(engine: Engine) -> None:
    with session_scope(engine) as session:
        start_dialog(session, 10, 20, "refer", "ward", {"w": 1}, message_id=3)
        start_dialog(session, 10, 20, "search", "shown", {})
        start_dialog(session, 10, 99, "refer", "ward", {})  # someone else in the same group chat
    with session_scope(engine) as session:
        latest = active_dialog(session, 10, 20, ("refer", "search"))
        refer = active_dialog(session, 10, 20, ("refer",))
        nobody = active_dialog(session, 10, 21, ("refer", "search"))

    assert latest is not None and latest.name == "search"
    assert refer is not None and (refer.step, refer.data, refer.answered_message_id) == ("ward", {"w": 1}, 3)
    assert nobody is None

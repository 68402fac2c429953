"""Follow-ups to one chat are spaced about a second apart (Telegram's per-chat limit); other chats don't wait.

The pacing is booked in the database (`scheduler.sender.SharedPacer`), so it holds across bot processes too.
"""

import time
from datetime import timedelta

import pytest

from core.rate_limits import Rate
from scheduler.dispatcher import Dispatcher
from scheduler.sender import SendLimits, SharedPacer
from tests.test_followup_support import TUESDAY_10AM, FakeSender, add_followup, make_case, policy


async def test_same_chat_waits_other_chats_do_not(engine, monkeypatch: pytest.MonkeyPatch) -> None:
    now = [100.0]
    slept: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        slept.append(round(seconds, 6))
        now[0] += seconds

    monkeypatch.setattr("scheduler.sender.asyncio.sleep", fake_sleep)
    limits = SendLimits(overall=Rate.per_second(1000, burst=100), private=Rate(1.0))
    pacer = SharedPacer(engine, limits, clock=lambda: now[0])
    for chat in (1, 1, 2):
        assert await pacer.wait_turn(chat, within=5) is None  # booked (after any wait)
        now[0] += 0.25
    assert slept == [0.75]  # only the second message to chat 1 waited, for the rest of its second


async def test_a_chat_busy_for_longer_than_allowed_is_not_booked(engine) -> None:
    pacer = SharedPacer(engine, SendLimits(private=Rate(10.0)), clock=lambda: 100.0)
    assert await pacer.wait_turn(7, within=5) is None
    assert await pacer.wait_turn(7, within=5) == pytest.approx(10.0)  # come back when the chat can take it


def _backlogs(engine, chats: list[int], per_chat: int) -> None:  # type: ignore[no-untyped-def]
    """`per_chat` prompts for each chat, one chat's after another's (as prompts planned on one day fall due)."""
    for number, chat in enumerate(chats):
        case = make_case(engine, claimed_by=chat, signposted=True)
        for n in range(per_chat):
            add_followup(engine, case, TUESDAY_10AM - timedelta(days=2, minutes=-number), key=f"backlog:{chat}:{n}")


async def test_a_backlog_for_one_person_never_holds_up_the_next_people(engine) -> None:
    """While one person's next prompt must wait for their turn (about 1 s), the sends go to other people: the first
    message to each person goes before anyone's second."""
    chats = list(range(7301, 7309))
    _backlogs(engine, chats, per_chat=3)
    sender = FakeSender()
    limits = SendLimits(overall=Rate.per_second(200, burst=10), private=Rate(1.0))
    dispatcher = Dispatcher(engine, sender, policy(quiet_hours_start=0, quiet_hours_end=0, allow_weekend_prompts=True),
                            "pacing-test", concurrency=2, pacer=SharedPacer(engine, limits))
    stats = await dispatcher.dispatch_once()
    assert sorted(message.chat_id for message in sender.sent[: len(chats)]) == chats  # everyone's first, first
    assert stats.sent == 3 * len(chats)  # the rows handed back for a later turn were sent in the same pass
    for chat in chats:
        assert len(sender.to(chat)) == 3


async def test_a_busy_chat_is_not_booked_while_the_overall_rate_could_go_to_someone_else(engine) -> None:
    pacer = SharedPacer(engine, SendLimits(overall=Rate.per_second(10), private=Rate(1.0)), clock=lambda: 100.0)
    assert (await pacer.book_turn(7, within=5)).booked
    later = await pacer.book_turn(7, within=5)  # chat 7's turn is a second away; the overall limit's is 0.1 s
    assert not later.booked and later.wait == pytest.approx(1.0)
    assert (await pacer.book_turn(8, within=5)).booked  # the overall slot goes to another chat instead
    owed_now = await pacer.book_turn(7, within=5, keep_overall_busy=False)  # e.g. a team post owed right now
    assert owed_now.booked and owed_now.wait == pytest.approx(1.0)


async def test_a_row_that_comes_due_while_a_claim_runs_is_still_sent_in_the_same_pass(engine) -> None:
    """On a busy machine a claim can take longer than the wait for a row handed back a turn ago: when it finds
    nothing, the row has fallen due meanwhile. The pass claims it again rather than taking it for claimed by someone
    else and ending with prompts left for the next tick (CI once sent 19 of 24 here)."""
    chats = [7401, 7402]
    _backlogs(engine, chats, per_chat=3)
    sender = FakeSender()
    limits = SendLimits(overall=Rate.per_second(200, burst=10), private=Rate(1.0))
    dispatcher = Dispatcher(engine, sender, policy(quiet_hours_start=0, quiet_hours_end=0, allow_weekend_prompts=True),
                            "pacing-test", concurrency=2, pacer=SharedPacer(engine, limits))
    claim_due = dispatcher.claim_due

    def slow_when_empty(limit: int, only=None) -> list[int]:  # type: ignore[no-untyped-def]
        ids = claim_due(limit, only)
        if not ids:
            time.sleep(1.2)  # the claim's answer arrives after the next handed-back row fell due
        return ids

    dispatcher.claim_due = slow_when_empty  # type: ignore[method-assign]
    stats = await dispatcher.dispatch_once()

    assert stats.sent == 3 * len(chats), stats

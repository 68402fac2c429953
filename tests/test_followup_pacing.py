"""Follow-ups to one chat are spaced about a second apart (Telegram's per-chat limit); other chats don't wait.

The pacing is booked in the database (`scheduler.sender.SharedPacer`), so it holds across bot processes too.
"""

import pytest

from core.clock import FrozenClock
from core.rate_limits import Rate
from scheduler.sender import SendLimits, SharedPacer
from tests.test_followup_support import TUESDAY_10AM


async def test_same_chat_waits_other_chats_do_not(engine, monkeypatch: pytest.MonkeyPatch) -> None:
    slept: list[float] = []
    with FrozenClock(TUESDAY_10AM) as clock:

        async def fake_sleep(seconds: float) -> None:
            slept.append(round(seconds, 6))
            clock.advance(seconds=seconds)

        monkeypatch.setattr("scheduler.sender.asyncio.sleep", fake_sleep)
        pacer = SharedPacer(engine, SendLimits(overall=Rate.per_second(1000, burst=100), private=Rate(1.0)))
        for chat in (1, 1, 2):
            slot = await pacer.wait_turn(chat, latest=clock.now.timestamp() + 5)
            assert slot.reserved
            clock.advance(seconds=0.25)
    assert slept == [0.75]  # only the second message to chat 1 waited, for the rest of its second


async def test_a_chat_busy_for_longer_than_allowed_is_not_booked(engine) -> None:
    with FrozenClock(TUESDAY_10AM) as clock:
        pacer = SharedPacer(engine, SendLimits(private=Rate(10.0)))
        assert (await pacer.wait_turn(7, latest=clock.now.timestamp() + 5)).reserved
        later = await pacer.wait_turn(7, latest=clock.now.timestamp() + 5)
    assert not later.reserved and later.start == pytest.approx(clock.now.timestamp() + 10)

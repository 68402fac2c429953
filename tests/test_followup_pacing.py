"""Follow-ups to one chat are spaced about a second apart (Telegram's per-chat limit); other chats don't wait.

The pacing is booked in the database (`scheduler.sender.SharedPacer`), so it holds across bot processes too.
"""

import pytest

from core.rate_limits import Rate
from scheduler.sender import SendLimits, SharedPacer


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

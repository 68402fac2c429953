"""Follow-ups to one chat are spaced about a second apart (Telegram's per-chat limit); other chats don't wait."""

import pytest

from scheduler.sender import PerChatPacer


async def test_same_chat_waits_other_chats_do_not(monkeypatch: pytest.MonkeyPatch) -> None:
    now = [100.0]
    slept: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    monkeypatch.setattr("scheduler.sender.asyncio.sleep", fake_sleep)
    pacer = PerChatPacer(interval=1.0, clock=lambda: now[0])
    for chat in (1, 1, 2):
        lock = await pacer.wait_turn(chat)
        pacer.sent(chat)
        lock.release()
        now[0] += 0.25
    assert slept == [0.75]  # only the second message to chat 1 waited, for the rest of its second

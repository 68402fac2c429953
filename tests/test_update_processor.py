"""Updates from different people are handled at once; one person's updates stay in the order they sent them."""

from __future__ import annotations

import asyncio
import threading

import pytest
from telegram import Chat, Message, Update, User

from bot.processor import PerChatUpdateProcessor
from core.settings import Settings
from handlers import report as report_handlers
from tests.e2e import running_bot, sqlite_only
from tests.fakebotapi import FakeBotApi


def update_in(chat_id: int, update_id: int) -> Update:
    user = User(id=chat_id, first_name="Sam", is_bot=False)
    message = Message(message_id=update_id, date=None, chat=Chat(id=chat_id, type="private"), from_user=user)  # type: ignore[arg-type]
    return Update(update_id=update_id, message=message)


class Recorder:
    """Handler stand-ins that note when they start and finish, and wait for a gate the test opens."""

    def __init__(self) -> None:
        self.events: list[str] = []
        self.gates: dict[str, asyncio.Event] = {}

    async def handle(self, name: str) -> None:
        self.events.append(f"start {name}")
        gate = self.gates.setdefault(name, asyncio.Event())
        await gate.wait()
        self.events.append(f"end {name}")

    def open(self, name: str) -> None:
        self.gates.setdefault(name, asyncio.Event()).set()


async def until(condition, describe: str) -> None:  # type: ignore[no-untyped-def]
    for _ in range(1000):
        if condition():
            return
        await asyncio.sleep(0)
    raise AssertionError(describe)


async def test_a_second_chat_is_handled_while_the_first_is_still_busy() -> None:
    processor, recorder = PerChatUpdateProcessor(workers=4), Recorder()
    first = asyncio.create_task(processor.process_update(update_in(1, 1), recorder.handle("a1")))
    second = asyncio.create_task(processor.process_update(update_in(2, 2), recorder.handle("b1")))
    await until(lambda: "start b1" in recorder.events, "chat 2 waited for chat 1")
    recorder.open("b1")
    await second
    assert "end a1" not in recorder.events
    recorder.open("a1")
    await first


async def test_one_chats_updates_run_one_after_another_in_arrival_order() -> None:
    processor, recorder = PerChatUpdateProcessor(workers=4), Recorder()
    tasks = [asyncio.create_task(processor.process_update(update_in(1, n), recorder.handle(f"a{n}")))
             for n in range(1, 4)]
    await until(lambda: "start a1" in recorder.events, "nothing started")
    for _ in range(20):
        await asyncio.sleep(0)
    assert recorder.events == ["start a1"]  # the others wait for it
    for name in ("a3", "a2", "a1"):  # gates opened in reverse: order still comes from arrival
        recorder.open(name)
    await asyncio.gather(*tasks)
    assert recorder.events == ["start a1", "end a1", "start a2", "end a2", "start a3", "end a3"]
    assert processor.waiting_chats == 0


async def test_a_chat_waiting_for_its_turn_takes_no_worker_from_other_chats() -> None:
    processor, recorder = PerChatUpdateProcessor(workers=2), Recorder()
    flood = [asyncio.create_task(processor.process_update(update_in(1, n), recorder.handle(f"a{n}")))
             for n in range(1, 30)]
    other = asyncio.create_task(processor.process_update(update_in(2, 99), recorder.handle("b")))
    await until(lambda: "start b" in recorder.events, "a flood from one chat held up another chat")
    recorder.open("b")
    await other
    for n in range(1, 30):
        recorder.open(f"a{n}")
    await asyncio.gather(*flood)


async def test_no_more_than_the_configured_number_of_updates_run_at_once() -> None:
    processor, recorder = PerChatUpdateProcessor(workers=2), Recorder()
    tasks = [asyncio.create_task(processor.process_update(update_in(chat, chat), recorder.handle(f"c{chat}")))
             for chat in range(1, 6)]
    await until(lambda: len(recorder.events) == 2, "nothing started")
    for _ in range(20):
        await asyncio.sleep(0)
    assert recorder.events == ["start c1", "start c2"]
    for chat in range(1, 6):
        recorder.open(f"c{chat}")
    await asyncio.gather(*tasks)
    assert len(recorder.events) == 10


def test_workers_must_be_positive() -> None:
    with pytest.raises(ValueError):
        PerChatUpdateProcessor(workers=0)


@sqlite_only
async def test_the_bot_answers_another_person_while_a_reply_to_the_first_is_stuck(
    settings: Settings, fake_bot_api: FakeBotApi
) -> None:
    """A slow Bot API call for one person (or a slow report) must not stop the bot answering anyone else."""
    async with running_bot(settings, fake_bot_api):
        fake_bot_api.hold("sendMessage", chat_id=501)
        fake_bot_api.push_command(501, "start")
        await until_held(fake_bot_api)
        since = fake_bot_api.mark()
        fake_bot_api.push_command(502, "start")
        reply = await fake_bot_api.wait_for(chat_id=502, after=since)
        assert reply.params.get("text")
        assert fake_bot_api.held() == 1  # the first person's reply is still on its way
        fake_bot_api.release()
        await fake_bot_api.wait_for(chat_id=501)


async def until_held(fake: FakeBotApi) -> None:
    for _ in range(500):
        if fake.held():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("the first reply never reached the Bot API")


async def test_when_updates_queue_the_person_with_fewest_waiting_goes_first() -> None:
    """During a flood the next free place goes to someone sending one message, not to the next of fifty."""
    processor, recorder = PerChatUpdateProcessor(workers=1), Recorder()
    busy = asyncio.create_task(processor.process_update(update_in(9, 1), recorder.handle("busy")))
    await until(lambda: "start busy" in recorder.events, "nothing started")
    flood = [
        asyncio.create_task(processor.process_update(update_in(chat, 10 * chat + n), recorder.handle(f"f{chat}.{n}")))
        for chat in (1, 2, 3) for n in range(3)
    ]
    light = asyncio.create_task(processor.process_update(update_in(4, 99), recorder.handle("light")))
    for _ in range(20):
        await asyncio.sleep(0)
    for name in ["busy", "light", *(f"f{chat}.{n}" for chat in (1, 2, 3) for n in range(3))]:
        recorder.open(name)
    await asyncio.gather(busy, light, *flood)
    started = [event.removeprefix("start ") for event in recorder.events if event.startswith("start")]
    assert started[:2] == ["busy", "light"]  # before the flooders, though it arrived after them
    assert started[2:5] == ["f1.0", "f2.0", "f3.0"]  # flooders take turns
    assert started[5:8] == ["f1.1", "f2.1", "f3.1"]


@sqlite_only
async def test_while_a_report_is_being_worked_out_other_people_are_answered(
    settings: Settings, fake_bot_api: FakeBotApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A year's report takes a while; it must hold neither the event loop nor the database (SQLite's write lock)."""
    working, finish = threading.Event(), threading.Event()
    real_build = report_handlers.build_report

    def slow_build(*args):  # type: ignore[no-untyped-def]
        working.set()
        finish.wait(30)
        return real_build(*args)

    monkeypatch.setattr(report_handlers, "build_report", slow_build)
    admin = 7001
    async with running_bot(settings.model_copy(update={"admin_user_ids": [admin]}), fake_bot_api):
        fake_bot_api.push_command(admin, "report")
        for _ in range(500):
            if working.is_set():
                break
            await asyncio.sleep(0.02)
        assert working.is_set(), "the report never started"
        since = fake_bot_api.mark()
        fake_bot_api.push_command(7002, "start")  # records its update id: a write
        assert (await fake_bot_api.wait_for(chat_id=7002, after=since)).params.get("text")
        finish.set()
        # the report still arrives (an empty test database: the summary, and no chart for an empty period)
        await fake_bot_api.wait_for(chat_id=admin, contains="no chart to show")

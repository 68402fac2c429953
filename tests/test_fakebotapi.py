"""The fake Bot API answers python-telegram-bot the way Telegram does (for what the bot uses)."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import AsyncIterator, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import httpx
import pytest
from telegram import Bot, BotCommand, BotCommandScopeChat, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import ParseMode
from telegram.error import BadRequest, Conflict, EndPointNotFound, Forbidden, RetryAfter

from tests.e2e import TEST_TOKEN
from tests.fakebotapi import FakeBotApi, poll_until

pytestmark = pytest.mark.e2e
USER = 42


@pytest.fixture
async def bot(fake_bot_api: FakeBotApi) -> AsyncIterator[Bot]:
    async with Bot(TEST_TOKEN, base_url=fake_bot_api.base_url) as client:
        yield client


def keyboard(*buttons: tuple[str, str]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(text, callback_data=data)] for text, data in buttons])


async def test_get_me_describes_the_bot_from_its_token(bot: Bot) -> None:
    assert bot.id == 123456
    assert bot.username == "signpost_test_bot"


async def test_user_message_reaches_the_bot_with_sender_and_command_entity(bot: Bot, fake_bot_api: FakeBotApi) -> None:
    fake_bot_api.set_user(USER, first_name="Ada")
    fake_bot_api.push_command(USER, "find", "debt advice")

    [update] = await bot.get_updates()

    assert update.message.text == "/find debt advice"
    assert update.message.from_user.first_name == "Ada"
    assert update.message.chat.type == "private"
    assert update.message.parse_entities(["bot_command"]).popitem()[1] == "/find"


async def test_stickers_and_photos_arrive_as_non_text_messages(bot: Bot, fake_bot_api: FakeBotApi) -> None:
    fake_bot_api.push_sticker(USER)
    fake_bot_api.push_photo(USER, caption="my letter")

    sticker, photo = (update.message for update in await bot.get_updates())

    assert (sticker.text, sticker.sticker.emoji) == (None, "👍")
    assert (photo.text, photo.caption, len(photo.photo)) == (None, "my letter", 1)


async def test_updates_are_redelivered_until_confirmed_by_offset(bot: Bot, fake_bot_api: FakeBotApi) -> None:
    first = fake_bot_api.push_text(USER, "one")["update_id"]
    fake_bot_api.push_text(USER, "two")

    assert [u.message.text for u in await bot.get_updates()] == ["one", "two"]
    assert [u.message.text for u in await bot.get_updates()] == ["one", "two"]
    assert [u.message.text for u in await bot.get_updates(offset=first + 1)] == ["two"]
    assert fake_bot_api.is_acknowledged(first)
    assert [u.message.text for u in await bot.get_updates(offset=first + 1, limit=1)] == ["two"]


async def test_long_poll_returns_an_update_pushed_while_waiting(bot: Bot, fake_bot_api: FakeBotApi) -> None:
    waiting = asyncio.create_task(bot.get_updates(timeout=30))
    await asyncio.sleep(0.1)
    fake_bot_api.push_text(USER, "hello")

    [update] = await asyncio.wait_for(waiting, 20)
    assert update.message.text == "hello"


async def test_a_second_poller_terminates_the_first_with_conflict(bot: Bot, fake_bot_api: FakeBotApi) -> None:
    first = asyncio.create_task(bot.get_updates(timeout=30))
    await asyncio.sleep(0.1)
    async with Bot(TEST_TOKEN, base_url=fake_bot_api.base_url) as other_instance:
        second = asyncio.create_task(other_instance.get_updates(timeout=30))
        with pytest.raises(Conflict):
            await asyncio.wait_for(first, 20)
        fake_bot_api.push_text(USER, "hello")
        assert len(await asyncio.wait_for(second, 20)) == 1


async def test_sent_message_is_a_valid_message_with_buttons_and_per_chat_ids(
    bot: Bot, fake_bot_api: FakeBotApi
) -> None:
    fake_bot_api.push_text(USER, "hi")  # message 1 in this chat

    sent = await bot.send_message(USER, "Pick one", reply_markup=keyboard(("Money", "cat:money")))
    elsewhere = await bot.send_message(-500, "New referral")

    assert (sent.message_id, sent.chat.id, sent.from_user.id) == (2, USER, bot.id)
    assert elsewhere.message_id == 1 and elsewhere.chat.type == "group"
    assert fake_bot_api.buttons(fake_bot_api.last_message(USER)) == [("Money", "cat:money")]
    assert fake_bot_api.sent_texts(USER) == ["Pick one"]
    call = await fake_bot_api.wait_for("sendMessage", chat_id=-500)
    assert call.text == "New referral"


async def test_numeric_looking_text_stays_text(bot: Bot) -> None:
    assert (await bot.send_message(USER, "123")).text == "123"
    assert (await bot.send_message(USER, "true")).text == "true"


async def test_json_and_form_bodies_are_both_understood(fake_bot_api: FakeBotApi) -> None:
    url = f"{fake_bot_api.base_url}{TEST_TOKEN}/sendMessage"
    async with httpx.AsyncClient() as client:
        as_json = await client.post(url, json={"chat_id": USER, "text": "json body"})
        as_form = await client.post(url, data={"chat_id": str(USER), "text": "form body"})

    assert as_json.json()["result"]["text"] == "json body"
    assert as_form.json()["result"]["chat"]["id"] == USER


async def test_editing_replaces_text_drops_keyboard_unless_resent_and_rejects_no_change(
    bot: Bot, fake_bot_api: FakeBotApi
) -> None:
    sent = await bot.send_message(USER, "Page 1", reply_markup=keyboard(("Next", "page:2")))

    await bot.edit_message_text("Page 2", USER, sent.message_id, reply_markup=keyboard(("Back", "page:1")))
    assert fake_bot_api.buttons(fake_bot_api.last_message(USER)) == [("Back", "page:1")]
    with pytest.raises(BadRequest, match=r"(?i)not modified"):
        await bot.edit_message_text("Page 2", USER, sent.message_id, reply_markup=keyboard(("Back", "page:1")))
    await bot.edit_message_text("Done", USER, sent.message_id)

    assert fake_bot_api.last_message(USER)["text"] == "Done"
    assert fake_bot_api.buttons(fake_bot_api.last_message(USER)) == []
    assert fake_bot_api.sent_texts(USER) == ["Page 1"]  # what was sent, not what it became
    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await bot.edit_message_reply_markup(USER, 999)


async def test_button_tap_points_at_the_message_and_can_be_answered_once(bot: Bot, fake_bot_api: FakeBotApi) -> None:
    sent = await bot.send_message(USER, "Claim?", reply_markup=keyboard(("Claim", "claim:SP-1")))
    fake_bot_api.push_callback(USER, "claim:SP-1")

    [update] = await bot.get_updates()
    query = update.callback_query
    assert (query.data, query.message.message_id, query.from_user.id) == ("claim:SP-1", sent.message_id, USER)
    assert await query.answer("Claimed")
    with pytest.raises(BadRequest, match=r"(?i)query id is invalid"):
        await query.answer()
    with pytest.raises(LookupError):
        fake_bot_api.push_callback(USER, "claim:SP-1", message_id=999)


@pytest.mark.parametrize(
    ("text", "parse_mode", "problem"),
    [
        ("<b>Age UK</b>", ParseMode.HTML, "plain text only"),
        (r"*Call* 111\.", ParseMode.MARKDOWN_V2, "plain text only"),
        ("x" * 4097, None, "too long"),
        ("   ", None, "empty"),
    ],
)
async def test_text_telegram_would_reject_is_rejected(
    bot: Bot, text: str, parse_mode: str | None, problem: str
) -> None:
    with pytest.raises(BadRequest, match=f"(?i){problem}"):
        await bot.send_message(USER, text, parse_mode=parse_mode)


@pytest.mark.parametrize(
    "button",
    [InlineKeyboardButton("Call", url="tel:+441632960000"), InlineKeyboardButton("Long", callback_data="x" * 65)],
)
async def test_buttons_telegram_would_reject_are_rejected(bot: Bot, button: InlineKeyboardButton) -> None:
    with pytest.raises(BadRequest):
        await bot.send_message(USER, "Options", reply_markup=InlineKeyboardMarkup([[button]]))


async def test_injected_rate_limit_and_blocked_user(bot: Bot, fake_bot_api: FakeBotApi) -> None:
    fake_bot_api.fail_next("sendMessage", error_code=429, retry_after=3)
    fake_bot_api.block_chat(7)

    with pytest.raises(RetryAfter, match="3 seconds"):
        await bot.send_message(USER, "first")
    assert (await bot.send_message(USER, "second")).text == "second"
    with pytest.raises(Forbidden, match="blocked by the user"):
        await bot.send_message(7, "hello")
    outcomes = [(c.ok, c.error_code) for c in fake_bot_api.calls("sendMessage")]
    assert outcomes == [(False, 429), (True, None), (False, 403)]


async def test_unknown_method_is_not_found(bot: Bot) -> None:
    with pytest.raises(EndPointNotFound):
        await bot.do_api_request("sendTelepathy", api_kwargs={"chat_id": USER})


async def test_uploads_record_filename_and_size(bot: Bot, fake_bot_api: FakeBotApi) -> None:
    message = await bot.send_document(USER, b"a,b\n1,2\n", filename="report.csv", caption="Monthly figures")

    assert message.document.file_name == "report.csv"
    call = await fake_bot_api.wait_for("sendDocument", chat_id=USER)
    assert [(f.filename, f.size) for f in call.files] == [("report.csv", 8)]
    assert call.text == "Monthly figures"


async def test_photo_upload_is_recorded_and_answered_with_a_photo_message(bot: Bot, fake_bot_api: FakeBotApi) -> None:
    chart = b"\x89PNG fake chart"
    message = await bot.send_photo(USER, chart, filename="chart.png")

    assert message.photo
    call = await fake_bot_api.wait_for("sendPhoto", chat_id=USER)
    assert [(f.filename, f.size) for f in call.files] == [("chart.png", len(chart))]


async def test_commands_are_kept_per_scope(bot: Bot) -> None:
    await bot.set_my_commands([BotCommand("find", "Find support")])
    await bot.set_my_commands([BotCommand("inbox", "Referrals")], scope=BotCommandScopeChat(1000))

    assert [c.command for c in await bot.get_my_commands()] == ["find"]
    assert [c.command for c in await bot.get_my_commands(scope=BotCommandScopeChat(1000))] == ["inbox"]
    await bot.delete_my_commands()
    assert await bot.get_my_commands() == ()
    with pytest.raises(BadRequest):
        await bot.set_my_commands([BotCommand("Find", "capital letters are not allowed")])


class _Receiver(BaseHTTPRequestHandler):
    received: ClassVar[list[tuple[str | None, dict]]] = []

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.received.append((self.headers.get("X-Telegram-Bot-Api-Secret-Token"), body))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def webhook_receiver() -> Iterator[tuple[str, list]]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    _Receiver.received = []
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook", _Receiver.received
    server.shutdown()
    server.server_close()


async def test_webhook_delivery_posts_updates_with_the_secret(
    bot: Bot, fake_bot_api: FakeBotApi, webhook_receiver: tuple[str, list]
) -> None:
    url, received = webhook_receiver
    await bot.set_webhook(url, secret_token="s3cret")
    update_id = fake_bot_api.push_text(USER, "via webhook")["update_id"]

    await fake_bot_api.wait_acknowledged(update_id)
    [(secret, body)] = received
    assert (secret, body["message"]["text"]) == ("s3cret", "via webhook")
    assert (await bot.get_webhook_info()).url == url
    with pytest.raises(Conflict):
        await bot.get_updates()
    await bot.delete_webhook()
    fake_bot_api.push_text(USER, "queued again")
    assert [u.message.text for u in await bot.get_updates()] == ["queued again"]


async def test_deliver_to_round_robins_and_skips_a_dead_target(
    fake_bot_api: FakeBotApi, webhook_receiver: tuple[str, list]
) -> None:
    url, received = webhook_receiver
    dead = "http://127.0.0.1:9/hook"  # discard port: connection refused
    fake_bot_api.deliver_to([dead, url], secret_token="s3cret")

    ids = [fake_bot_api.push_text(USER, f"m{n}")["update_id"] for n in range(3)]
    for update_id in ids:
        await fake_bot_api.wait_acknowledged(update_id)

    assert [body["message"]["text"] for _secret, body in received] == ["m0", "m1", "m2"]


class _SlowReceiver(BaseHTTPRequestHandler):
    """Holds every POST until `gate` opens, noting how many are open at once and which chats they are for."""

    gate: ClassVar[threading.Event] = threading.Event()
    lock: ClassVar[threading.Lock] = threading.Lock()
    open_chats: ClassVar[list[int]] = []
    most_at_once: ClassVar[int] = 0
    same_chat_at_once: ClassVar[bool] = False
    received: ClassVar[list[tuple[int, str]]] = []

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        chat = body["message"]["chat"]["id"]
        cls = type(self)
        with cls.lock:
            cls.same_chat_at_once |= chat in cls.open_chats
            cls.open_chats.append(chat)
            cls.most_at_once = max(cls.most_at_once, len(cls.open_chats))
        cls.gate.wait(10)
        with cls.lock:
            cls.open_chats.remove(chat)
            cls.received.append((chat, body["message"]["text"]))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


async def test_webhook_updates_go_over_max_connections_at_once_each_chats_in_order(
    bot: Bot, fake_bot_api: FakeBotApi
) -> None:
    _SlowReceiver.gate.clear()
    _SlowReceiver.open_chats, _SlowReceiver.received = [], []
    _SlowReceiver.most_at_once, _SlowReceiver.same_chat_at_once = 0, False
    server = ThreadingHTTPServer(("127.0.0.1", 0), _SlowReceiver)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    try:
        await bot.set_webhook(f"http://127.0.0.1:{server.server_address[1]}/hook", max_connections=3)
        users = range(501, 506)
        ids = [fake_bot_api.push_text(user, f"{user}:{n}")["update_id"] for n in range(3) for user in users]

        def three_open() -> bool | None:
            with _SlowReceiver.lock:
                return len(_SlowReceiver.open_chats) == 3 or None

        await poll_until(three_open, 10, lambda: f"open POSTs: {_SlowReceiver.open_chats}")
        _SlowReceiver.gate.set()
        for update_id in ids:
            await fake_bot_api.wait_acknowledged(update_id)
    finally:
        _SlowReceiver.gate.set()
        server.shutdown()
        server.server_close()
    assert _SlowReceiver.most_at_once == 3  # Telegram's max_connections, not one at a time nor all at once
    assert not _SlowReceiver.same_chat_at_once
    for user in users:  # each chat's updates arrive in the order they were sent
        assert [text for chat, text in _SlowReceiver.received if chat == user] == [f"{user}:{n}" for n in range(3)]


async def test_set_webhook_refuses_max_connections_telegram_does_not_allow(bot: Bot) -> None:
    with pytest.raises(BadRequest):
        await bot.set_webhook("http://127.0.0.1:9/hook", max_connections=101)

"""A fake Telegram Bot API server on 127.0.0.1 for end-to-end tests.

It speaks enough of https://core.telegram.org/bots/api for python-telegram-bot: long-polling `getUpdates` with
offset confirmation, webhook delivery, sending/editing messages with Telegram's own validation (length, button
data/URLs, "message is not modified"), uploads, commands, and injected failures (429, 403 ...).
Every call is recorded so tests can assert what a user would have seen.

Signpost sends plain text only (odd input can't break formatting), so a message with any `parse_mode` is refused
here: a change that starts formatting messages fails the tests until the fake is taught to render it.

`with FakeBotApi() as fake: Settings(telegram_api_base_url=fake.base_url, ...)`; bot processes started by a test
(tests/e2e.py `BotProcess`) talk to the same in-process server over HTTP.
"""

from __future__ import annotations

import asyncio
import http.client
import itertools
import json
import re
import threading
import time
import traceback
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, TypeVar
from urllib.parse import parse_qs, urlsplit

BOT_FIRST_NAME = "Signpost Test"
BOT_USERNAME = "signpost_test_bot"
MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA_BYTES = 64
FIRST_UPDATE_ID = 100_000
POLL_SECONDS = 0.02
DEFAULT_WEBHOOK_CONNECTIONS = 40  # setWebhook's max_connections when not given (Telegram's default; 1-100)
MAX_WEBHOOK_CONNECTIONS = 100
MAX_LONG_POLL_SECONDS = 50
API_METHODS = (
    "getMe", "getUpdates", "deleteWebhook", "setWebhook", "getWebhookInfo", "setMyCommands", "getMyCommands",
    "deleteMyCommands", "sendMessage", "editMessageText", "editMessageReplyMarkup", "editMessageCaption",
    "deleteMessage", "answerCallbackQuery", "sendPhoto", "sendDocument", "sendChatAction", "close", "logOut",
)  # fmt: skip
SENDING_METHODS = frozenset({"sendMessage", "sendPhoto", "sendDocument"})
MESSAGE_METHODS = SENDING_METHODS | {"editMessageText", "editMessageReplyMarkup", "editMessageCaption"}
# Parameters Telegram types as String: PTB sends them raw; everything else arrives JSON-encoded.
STRING_PARAMS = frozenset(
    {
        "text", "caption", "parse_mode", "callback_query_id", "inline_message_id", "url", "secret_token",
        "action", "language_code", "photo", "document", "ip_address", "business_connection_id",
        "message_effect_id", "description", "short_description", "emoji",
    }
)  # fmt: skip
_KEPT_ALIVE = threading.local()  # each webhook connection thread's open connections, by (host, port)
_TOKEN = re.compile(r"^/bot(?P<token>\d+:[\w-]+)/(?P<method>\w+)$")
_BOT_COMMAND = re.compile(r"(?<!\S)/[A-Za-z0-9_]{1,32}(?:@\w+)?")
_COMMAND_NAME = re.compile(r"^[a-z0-9_]{1,32}$")
_BUTTON_URL = re.compile(r"^(https?|tg)://\S+$")


class ApiError(Exception):
    """A Bot API error response: `{"ok": false, "error_code": ..., "description": ...}`."""

    def __init__(self, error_code: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.error_code = error_code
        self.description = description
        self.retry_after = retry_after

    def payload(self) -> dict[str, Any]:
        body: dict[str, Any] = {"ok": False, "error_code": self.error_code, "description": self.description}
        if self.retry_after:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


def bad_request(detail: str) -> ApiError:
    return ApiError(400, f"Bad Request: {detail}")


BLOCKED = "Forbidden: bot was blocked by the user"
DEFAULT_DESCRIPTIONS = {400: "Bad Request: injected failure", 403: BLOCKED, 500: "Internal Server Error",
                        502: "Bad Gateway"}  # fmt: skip


@dataclass(frozen=True)
class UploadedFile:
    """A file the bot uploaded (multipart part)."""

    field: str
    filename: str
    size: int
    content: bytes = b""  # what was uploaded (tests read a sent PDF back)


@dataclass(frozen=True)
class Call:
    """One Bot API request the bot made, with what the fake answered."""

    seq: int
    method: str
    params: dict[str, Any]
    time: float  # when the fake answered (after any simulated round trip)
    ok: bool
    result: Any = None
    error_code: int | None = None
    files: tuple[UploadedFile, ...] = ()
    arrived: float = 0.0  # when the request reached the fake: the moment the bot sent it

    @property
    def chat_id(self) -> int | str | None:
        return self.params.get("chat_id")

    @property
    def text(self) -> str | None:
        """The text a user sees (as stored by the fake), else the raw text/caption parameter."""
        if isinstance(self.result, dict):
            shown = self.result.get("text", self.result.get("caption"))
            if shown is not None:
                return shown
        return self.params.get("text", self.params.get("caption"))


@dataclass
class _Failure:
    method: str
    remaining: int
    error: ApiError
    chat_id: int | None


# ----------------------------------------------------------------------------------------------- text parsing


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, the unit Telegram uses for limits and entity offsets."""
    return len(text.encode("utf-16-le")) // 2


def refuse_formatting(params: dict[str, Any]) -> None:
    """Signpost never formats messages; a `parse_mode` means a change this fake does not emulate."""
    if params.get("parse_mode"):
        raise bad_request(f"this fake renders plain text only, not parse_mode {params['parse_mode']}")


def command_entities(text: str) -> list[dict[str, Any]]:
    """`bot_command` entities, as a Telegram client adds them for `/command` words."""
    entities = []
    for match in _BOT_COMMAND.finditer(text):
        entities.append(
            {"type": "bot_command", "offset": utf16_len(text[: match.start()]), "length": utf16_len(match.group())}
        )
    return entities


def validate_inline_keyboard(markup: Any) -> dict[str, Any] | None:
    """The inline keyboard to store on the message, after Telegram's checks (None for other keyboards)."""
    if not isinstance(markup, dict) or "inline_keyboard" not in markup:
        return None
    for row in markup["inline_keyboard"]:
        for button in row:
            if not button.get("text"):
                raise bad_request("BUTTON_TEXT_EMPTY")
            data = button.get("callback_data")
            if data is not None and not 1 <= len(str(data).encode()) <= MAX_CALLBACK_DATA_BYTES:
                raise bad_request("BUTTON_DATA_INVALID")
            url = button.get("url")
            if url is not None and not _BUTTON_URL.match(url):
                raise bad_request(f"inline keyboard button URL '{url}' is invalid: Wrong HTTP URL")
    return markup


def _decode_value(name: str, raw: str) -> Any:
    if name in STRING_PARAMS:
        return raw
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def parse_form(body: bytes) -> dict[str, Any]:
    """`application/x-www-form-urlencoded`, as PTB sends it (non-string values JSON-encoded)."""
    fields = parse_qs(body.decode("utf-8"), keep_blank_values=True)
    return {name: _decode_value(name, values[-1]) for name, values in fields.items()}


def parse_multipart(content_type: str, body: bytes) -> tuple[dict[str, Any], tuple[UploadedFile, ...]]:
    """`multipart/form-data`: plain fields and uploaded files (name + size recorded)."""
    message = BytesParser(policy=HTTP).parsebytes(b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body)
    params: dict[str, Any] = {}
    files: list[UploadedFile] = []
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        filename = part.get_filename()
        payload = part.get_payload(decode=True) or b""
        if filename is not None:
            files.append(UploadedFile(field=str(name), filename=filename, size=len(payload), content=payload))
        else:
            params[str(name)] = _decode_value(str(name), payload.decode("utf-8"))
    return params, tuple(files)


def snapshot(data: Any) -> Any:
    """A deep, JSON-shaped copy (what Telegram would serialise at that moment)."""
    return json.loads(json.dumps(data))


def _webhook_queue(update: dict[str, Any]) -> object:
    """Which of Telegram's per-chat webhook queues an update goes in: its chat, else its sender, else its own."""
    for key, value in update.items():
        if key == "update_id" or not isinstance(value, dict):
            continue
        chat = value.get("chat") or (value.get("message") or {}).get("chat")
        if chat:
            return ("chat", chat["id"])
        if value.get("from"):
            return ("user", value["from"]["id"])
    return ("update", update["update_id"])


def _chat(chat_id: int, user: dict[str, Any] | None = None) -> dict[str, Any]:
    if chat_id > 0:
        chat = {"id": chat_id, "type": "private", "first_name": (user or {}).get("first_name", f"User {chat_id}")}
        return chat
    kind = "supergroup" if chat_id <= -1_000_000_000_000 else "group"
    return {"id": chat_id, "type": kind, "title": f"Group {chat_id}"}


# ------------------------------------------------------------------------------------------------- the API state


class BotApiState:
    """Telegram's side of the conversation: updates waiting for the bot, messages, webhook, injected failures.

    Thread-safe; every public method may be called from tests while the HTTP server threads serve the bot.
    """

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._calls: list[Call] = []
        self._pending: list[dict[str, Any]] = []
        self._acknowledged: set[int] = set()
        self._update_ids = itertools.count(FIRST_UPDATE_ID)
        self._callback_ids = itertools.count(1)
        self._message_ids: dict[int, itertools.count[int]] = {}
        self._messages: dict[tuple[int, int], dict[str, Any]] = {}
        self._bot_message_keys: list[tuple[int, int]] = []
        self._users: dict[int, dict[str, Any]] = {}
        self._open_callbacks: set[str] = set()
        self._blocked: set[int] = set()
        self._failures: list[_Failure] = []
        self._holds: list[tuple[str, int | None]] = []  # (method, chat_id or None for any chat)
        self._held = 0
        self._deliveries: list[tuple[int, str]] = []  # (update_id, webhook URL that accepted it)
        self._commands: dict[str, list[dict[str, Any]]] = {}
        self._webhook_url = ""
        self._webhook_secret: str | None = None
        self._delivery_targets: list[str] = []
        self._targets_pinned = False
        self._max_connections = DEFAULT_WEBHOOK_CONNECTIONS
        self._posting: set[object] = set()  # the queues (chats) with an update being POSTed right now
        self._allowed_updates: set[str] | None = None
        self._poll_generation = 0
        self._in_flight = 0
        self._stopping = False
        self.bot_id = 0
        self.accepted_token: str | None = None  # when set, any other token is refused (401), as Telegram does
        self.latency = 0.0  # seconds every answer (but a long poll's) takes, like the round trip to Telegram
        # Bot API method names are case-insensitive; calls are recorded under the documented spelling.
        self._methods = {name.lower(): (name, getattr(self, f"_api_{name}")) for name in API_METHODS}

    # --- serving the bot -------------------------------------------------------------------------------------

    def handle(self, token: str, method: str, params: dict[str, Any], files: tuple[UploadedFile, ...]) -> dict:
        """Answer one Bot API request and record it."""
        if self.accepted_token is not None and token != self.accepted_token:
            return ApiError(401, "Unauthorized").payload()
        self.bot_id = int(token.split(":", 1)[0])
        name, handler = self._methods.get(method.lower(), (method, None))
        arrived = time.time()
        counted = name != "getUpdates"
        with self._cond:
            self._in_flight += counted
        try:
            if counted and self.latency:
                time.sleep(self.latency)  # each request has its own server thread: others are not held up
            self._wait_while_held(name, params)
            return self._answer(name, handler, params, files, arrived)
        finally:
            with self._cond:
                self._in_flight -= counted
                self._cond.notify_all()

    def _answer(self, name: str, handler: Callable | None, params: dict, files: tuple[UploadedFile, ...],
                arrived: float) -> dict:
        try:
            if handler is None:
                raise ApiError(404, "Not Found")
            self._raise_injected_failure(name, params)
            result = handler(params, files)
        except ApiError as error:
            self._record(name, params, files, ok=False, error_code=error.error_code, arrived=arrived)
            return error.payload()
        except Exception:
            traceback.print_exc()  # a bug in the fake: show it, answer like a broken server
            self._record(name, params, files, ok=False, error_code=500, arrived=arrived)
            return ApiError(500, "Internal Server Error").payload()
        self._record(name, params, files, ok=True, result=result, arrived=arrived)
        return {"ok": True, "result": result}

    def _record(self, method: str, params: dict, files: tuple[UploadedFile, ...], **outcome: Any) -> None:
        if method == "getUpdates" and outcome.get("result") == []:
            return  # idle long-polls would drown the record
        with self._cond:
            self._calls.append(Call(len(self._calls) + 1, method, params, time.time(), files=files, **outcome))
            self._cond.notify_all()

    def _raise_injected_failure(self, method: str, params: dict[str, Any]) -> None:
        chat_id = params.get("chat_id")
        with self._cond:
            if method in MESSAGE_METHODS | {"sendChatAction"} and chat_id in self._blocked:
                raise ApiError(403, BLOCKED)
            for failure in self._failures:
                if failure.method == method and failure.chat_id in (None, chat_id):
                    failure.remaining -= 1
                    if failure.remaining <= 0:
                        self._failures.remove(failure)
                    raise failure.error

    def _wait_while_held(self, method: str, params: dict[str, Any]) -> None:
        chat = params.get("chat_id")

        def held() -> bool:
            return not self._stopping and any(name == method and on in (None, chat) for name, on in self._holds)

        with self._cond:
            if not held():
                return
            self._held += 1
            self._cond.notify_all()
            try:
                self._cond.wait_for(lambda: not held())
            finally:
                self._held -= 1

    def stop(self) -> None:
        """Release long-polls, held calls and the webhook deliverer."""
        with self._cond:
            self._stopping = True
            self._cond.notify_all()

    # --- updates ---------------------------------------------------------------------------------------------

    def _api_getUpdates(self, params: dict, _files: tuple) -> list[dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        limit = min(max(int(params.get("limit") or 100), 1), 100)
        timeout = min(float(params.get("timeout") or 0), MAX_LONG_POLL_SECONDS)
        deadline = time.monotonic() + timeout
        with self._cond:
            if self._webhook_url or self._delivery_targets:
                raise ApiError(409, "Conflict: can't use getUpdates method while webhook is active; "
                                    "use deleteWebhook to delete the webhook first")  # fmt: skip
            if "allowed_updates" in params and params["allowed_updates"] is not None:
                self._allowed_updates = set(params["allowed_updates"]) or None
            self._poll_generation += 1
            generation = self._poll_generation
            self._confirm_before(offset)
            while not self._deliverable() and not self._stopping:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self._cond.wait(remaining)
                if self._poll_generation != generation:
                    raise ApiError(409, "Conflict: terminated by other getUpdates request; "
                                        "make sure that only one bot instance is running")  # fmt: skip
            return self._deliverable()[:limit]

    def _confirm_before(self, offset: int) -> None:
        if offset < 0:
            self._pending = self._pending[offset:]
            return
        confirmed = [update for update in self._pending if update["update_id"] < offset]
        self._pending = self._pending[len(confirmed) :]
        self._acknowledged.update(update["update_id"] for update in confirmed)
        self._cond.notify_all()

    def _deliverable(self) -> list[dict[str, Any]]:
        if self._allowed_updates is not None:
            self._pending = [u for u in self._pending if self._allowed_updates & (u.keys() - {"update_id"})]
        return self._pending

    def push_update(self, body: dict[str, Any]) -> dict[str, Any]:
        """Queue a raw update (an `update_id` is assigned); returns it."""
        with self._cond:
            update = {"update_id": next(self._update_ids), **body}
            self._pending.append(update)
            self._cond.notify_all()
            return update

    def redeliver(self, update: dict[str, Any]) -> dict[str, Any]:
        """Deliver an update again, same id (a webhook retry: Telegram delivers at least once)."""
        with self._cond:
            self._pending.append(update)
            self._cond.notify_all()
            return update

    def push_edit(self, update: dict[str, Any], text: str) -> dict[str, Any]:
        """The user edits the message an earlier update carried: an `edited_message` update, same message id."""
        with self._cond:
            message = dict(update["message"], text=text, edit_date=int(time.time()))
            message.pop("entities", None)
            return self.push_update({"edited_message": message})

    def push_message(self, user_id: int, content: dict[str, Any], chat_id: int | None = None) -> dict[str, Any]:
        """A user sends a message with `content` (e.g. `{"text": ...}`) in `chat_id` (default: private chat)."""
        chat = chat_id if chat_id is not None else user_id
        with self._cond:
            user = self._user(user_id)
            message = {
                "message_id": self._next_message_id(chat),
                "date": int(time.time()),
                "chat": _chat(chat, user),
                "from": user,
                **content,
            }
            self._messages[(chat, message["message_id"])] = message
            return self.push_update({"message": message})

    def push_callback(
        self, user_id: int, data: str, message_id: int | None = None, chat_id: int | None = None
    ) -> dict[str, Any]:
        """The user taps an inline button carrying `data` under a message the bot sent (default: its latest)."""
        if not 1 <= len(data.encode()) <= MAX_CALLBACK_DATA_BYTES:
            raise ValueError("Telegram clients only send callback data of 1-64 bytes")
        chat = chat_id if chat_id is not None else user_id
        with self._cond:
            if message_id is None:
                message_id = max((mid for c, mid in self._bot_message_keys if c == chat), default=None)
            message = self._messages.get((chat, message_id or 0))
            if message is None:
                raise LookupError(f"the bot sent no message {message_id} in chat {chat}")
            query_id = str(next(self._callback_ids))
            self._open_callbacks.add(query_id)
            query = {
                "id": query_id,
                "from": self._user(user_id),
                "message": snapshot(message),
                "chat_instance": str(abs(chat)),
                "data": data,
            }
            return self.push_update({"callback_query": query})

    def set_user(self, user_id: int, **fields: Any) -> dict[str, Any]:
        """Set profile fields (first_name, last_name, username, language_code ...) used in later updates."""
        with self._cond:
            user = self._user(user_id)
            user.update(fields)
            return dict(user)

    def _user(self, user_id: int) -> dict[str, Any]:
        return self._users.setdefault(
            user_id, {"id": user_id, "is_bot": False, "first_name": f"Tester{user_id}", "language_code": "en"}
        )

    def is_acknowledged(self, update_id: int) -> bool:
        """Has the bot confirmed (polling) or accepted (webhook) this update?"""
        with self._cond:
            return update_id in self._acknowledged

    def pending_count(self) -> int:
        with self._cond:
            return len(self._pending)

    def in_flight(self) -> int:
        """Bot API requests (other than getUpdates) being answered right now."""
        with self._cond:
            return self._in_flight

    # --- webhook ---------------------------------------------------------------------------------------------

    def _api_setWebhook(self, params: dict, _files: tuple) -> bool:
        url = params.get("url") or ""
        connections = int(params.get("max_connections") or DEFAULT_WEBHOOK_CONNECTIONS)
        if not 1 <= connections <= MAX_WEBHOOK_CONNECTIONS:
            raise bad_request("bad webhook: max_connections must be between 1 and 100")
        with self._cond:
            self._max_connections = connections
            if params.get("drop_pending_updates"):
                self._pending.clear()
            self._webhook_url = url
            self._webhook_secret = params.get("secret_token")
            if not self._targets_pinned:
                self._delivery_targets = [url] if url else []
            self._cond.notify_all()
        return True

    def _api_deleteWebhook(self, params: dict, _files: tuple) -> bool:
        with self._cond:
            if params.get("drop_pending_updates"):
                self._pending.clear()
            self._webhook_url = ""
            if not self._targets_pinned:
                self._delivery_targets = []
        return True

    def _api_getWebhookInfo(self, _params: dict, _files: tuple) -> dict[str, Any]:
        with self._cond:
            pending = len(self._pending)
        return {"url": self._webhook_url, "has_custom_certificate": False, "pending_update_count": pending}

    def deliver_to(self, urls: str | Sequence[str], secret_token: str | None = None) -> None:
        """POST updates to these webhook URLs (round robin, like a load balancer), whatever setWebhook says."""
        with self._cond:
            self._delivery_targets = [urls] if isinstance(urls, str) else list(urls)
            self._webhook_secret = secret_token
            self._targets_pinned = True
            self._cond.notify_all()

    def stop_delivery(self) -> None:
        """Back to queueing updates for getUpdates."""
        with self._cond:
            self._delivery_targets = []
            self._targets_pinned = False
            self._webhook_url = ""

    def deliver_forever(self) -> None:
        """Webhook delivery loop (run in a thread), as Telegram's Bot API server does it: updates are POSTed over up
        to `max_connections` connections at once (setWebhook's, default 40), but one chat's updates one at a time,
        in order — a chat's next update only once its previous one was accepted. An update is POSTed again until a
        target accepts it (at least once)."""
        turn = itertools.count()
        connections = ThreadPoolExecutor(MAX_WEBHOOK_CONNECTIONS, thread_name_prefix="fake-webhook")
        try:
            while True:
                with self._cond:
                    self._cond.wait_for(lambda: self._stopping or self._next_to_post() is not None)
                    if self._stopping:
                        return
                    update = self._next_to_post()
                    assert update is not None
                    queue = _webhook_queue(update)
                    self._posting.add(queue)
                    targets, secret = list(self._delivery_targets), self._webhook_secret
                connections.submit(self._post_in_turn, update, queue, targets[next(turn) % len(targets)], secret)
        finally:
            connections.shutdown(wait=False, cancel_futures=True)  # a POST under way ends by its own time-out

    def _next_to_post(self) -> dict[str, Any] | None:
        """The earliest update whose chat has none being POSTed, while a connection is free (holding `_cond`)."""
        if not self._delivery_targets or len(self._posting) >= self._max_connections:
            return None
        seen: set[object] = set()
        for update in self._pending:
            queue = _webhook_queue(update)
            if queue not in self._posting and queue not in seen:
                return update
            seen.add(queue)
        return None

    def _post_in_turn(self, update: dict[str, Any], queue: object, target: str, secret: str | None) -> None:
        accepted = self._post_update(target, update, secret)
        if not accepted:
            time.sleep(POLL_SECONDS)  # then this chat's queue is free to try it again
        with self._cond:
            if accepted:
                position = next((n for n, waiting in enumerate(self._pending) if waiting is update), None)
                if position is not None:
                    del self._pending[position]
                self._acknowledged.add(update["update_id"])
                self._deliveries.append((update["update_id"], target))
            self._posting.discard(queue)
            self._cond.notify_all()

    @staticmethod
    def _post_update(url: str, update: dict[str, Any], secret: str | None) -> bool:
        """POST `update` over this thread's kept-alive connection to `url` (Telegram keeps its webhook connections
        alive); a connection that failed is dropped and the next try opens a new one."""
        headers = {"Content-Type": "application/json"}
        if secret:
            headers["X-Telegram-Bot-Api-Secret-Token"] = secret
        parts = urlsplit(url)
        kept: dict[tuple[str, int | None], http.client.HTTPConnection] = _KEPT_ALIVE.__dict__.setdefault("kept", {})
        where = (parts.hostname or "127.0.0.1", parts.port)
        connection = kept.pop(where, None) or http.client.HTTPConnection(*where, timeout=10)
        try:
            connection.request("POST", parts.path + (f"?{parts.query}" if parts.query else ""),
                               json.dumps(update).encode(), headers)
            response = connection.getresponse()
            response.read()
        except (OSError, http.client.HTTPException):
            connection.close()
            return False
        if response.will_close:
            connection.close()
        else:
            kept[where] = connection
        return 200 <= response.status < 300

    # --- messages --------------------------------------------------------------------------------------------

    def _next_message_id(self, chat_id: int) -> int:
        return next(self._message_ids.setdefault(chat_id, itertools.count(1)))

    def _bot_user(self) -> dict[str, Any]:
        return {"id": self.bot_id, "is_bot": True, "first_name": BOT_FIRST_NAME, "username": BOT_USERNAME}

    def _store_bot_message(self, params: dict[str, Any], content: dict[str, Any]) -> dict[str, Any]:
        chat_id = self._chat_id(params)
        markup = validate_inline_keyboard(params.get("reply_markup"))
        with self._cond:
            message = {
                "message_id": self._next_message_id(chat_id),
                "date": int(time.time()),
                "chat": _chat(chat_id, self._users.get(chat_id)),
                "from": self._bot_user(),
                **content,
            }
            if markup:
                message["reply_markup"] = markup
            key = (chat_id, message["message_id"])
            self._messages[key] = message
            self._bot_message_keys.append(key)
            return snapshot(message)  # later edits must not rewrite what was sent

    @staticmethod
    def _chat_id(params: dict[str, Any]) -> int:
        chat_id = params.get("chat_id")
        if isinstance(chat_id, bool) or not isinstance(chat_id, int):
            raise bad_request("chat not found")
        return chat_id

    @staticmethod
    def _shown_text(params: dict[str, Any], key: str, limit: int, *, required: bool) -> str | None:
        raw = params.get(key)
        if raw is None or raw == "":
            if required:
                raise bad_request("message text is empty")
            return None
        refuse_formatting(params)
        shown = str(raw)
        if required and not shown.strip():
            raise bad_request("message text is empty")
        if utf16_len(shown) > limit:
            raise bad_request("message is too long" if key == "text" else "message caption is too long")
        return shown

    def _api_sendMessage(self, params: dict, _files: tuple) -> dict[str, Any]:
        text = self._shown_text(params, "text", MAX_TEXT, required=True)
        return self._store_bot_message(params, {"text": text})

    def _api_sendPhoto(self, params: dict, files: tuple[UploadedFile, ...]) -> dict[str, Any]:
        size = next((f.size for f in files if f.field == "photo"), 0)
        if not size and not params.get("photo"):
            raise bad_request("there is no photo in the request")
        content: dict[str, Any] = {
            "photo": [{"file_id": f"photo-{time.time_ns()}", "file_unique_id": "p", "width": 640, "height": 480,
                       "file_size": size}]
        }  # fmt: skip
        return self._store_bot_message(params, self._with_caption(params, content))

    def _api_sendDocument(self, params: dict, files: tuple[UploadedFile, ...]) -> dict[str, Any]:
        upload = next((f for f in files if f.field == "document"), None)
        if upload is None and not params.get("document"):
            raise bad_request("there is no document in the request")
        document = {"file_id": f"doc-{time.time_ns()}", "file_unique_id": "d"}
        if upload:
            document |= {"file_name": upload.filename, "file_size": upload.size}
        return self._store_bot_message(params, self._with_caption(params, {"document": document}))

    def _with_caption(self, params: dict[str, Any], content: dict[str, Any]) -> dict[str, Any]:
        caption = self._shown_text(params, "caption", MAX_CAPTION, required=False)
        return content | ({"caption": caption} if caption is not None else {})

    def _editable(self, params: dict[str, Any]) -> dict[str, Any]:
        if params.get("inline_message_id"):
            raise bad_request("inline messages are not supported by the fake")
        key = (self._chat_id(params), int(params.get("message_id") or 0))
        message = self._messages.get(key)
        if message is None:
            raise bad_request("message to edit not found")
        if message["from"]["id"] != self.bot_id:
            raise bad_request("message can't be edited")
        return message

    def _apply_edit(self, message: dict[str, Any], changes: dict[str, Any], markup: Any) -> dict[str, Any]:
        """Edit in place; without `reply_markup` Telegram removes the inline keyboard."""
        keyboard = validate_inline_keyboard(markup)
        with self._cond:
            before = (tuple(message.get(k) for k in changes), message.get("reply_markup"))
            if before == (tuple(changes.values()), keyboard):
                raise bad_request(
                    "message is not modified: specified new message content and reply markup are exactly the "
                    "same as a current content and reply markup of the message"
                )
            message.update(changes)
            message.pop("reply_markup", None)
            if keyboard:
                message["reply_markup"] = keyboard
            message["edit_date"] = int(time.time())
            return snapshot(message)

    def _api_editMessageText(self, params: dict, _files: tuple) -> dict[str, Any]:
        message = self._editable(params)
        if "text" not in message:
            raise bad_request("there is no text in the message to edit")
        text = self._shown_text(params, "text", MAX_TEXT, required=True)
        return self._apply_edit(message, {"text": text}, params.get("reply_markup"))

    def _api_editMessageCaption(self, params: dict, _files: tuple) -> dict[str, Any]:
        message = self._editable(params)
        caption = self._shown_text(params, "caption", MAX_CAPTION, required=False)
        return self._apply_edit(message, {"caption": caption}, params.get("reply_markup"))

    def _api_editMessageReplyMarkup(self, params: dict, _files: tuple) -> dict[str, Any]:
        return self._apply_edit(self._editable(params), {}, params.get("reply_markup"))

    def _api_deleteMessage(self, params: dict, _files: tuple) -> bool:
        key = (self._chat_id(params), int(params.get("message_id") or 0))
        with self._cond:
            if self._messages.pop(key, None) is None:
                raise bad_request("message to delete not found")
            if key in self._bot_message_keys:
                self._bot_message_keys.remove(key)
        return True

    def _api_answerCallbackQuery(self, params: dict, _files: tuple) -> bool:
        with self._cond:
            query_id = str(params.get("callback_query_id"))
            if query_id not in self._open_callbacks:
                raise bad_request("query is too old and response timeout expired or query ID is invalid")
            self._open_callbacks.discard(query_id)
        if len(params.get("text") or "") > 200:
            raise bad_request("MESSAGE_TOO_LONG")
        return True

    def _api_sendChatAction(self, params: dict, _files: tuple) -> bool:
        self._chat_id(params)
        return True

    # --- bot profile and commands ----------------------------------------------------------------------------

    def _api_getMe(self, _params: dict, _files: tuple) -> dict[str, Any]:
        return self._bot_user() | {
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    @staticmethod
    def _commands_key(params: dict[str, Any]) -> str:
        return json.dumps([params.get("scope") or {"type": "default"}, params.get("language_code") or ""])

    def _api_setMyCommands(self, params: dict, _files: tuple) -> bool:
        commands = params.get("commands") or []
        for command in commands:
            if not _COMMAND_NAME.match(str(command.get("command", ""))) or not command.get("description"):
                raise bad_request("BOT_COMMAND_INVALID")
        with self._cond:
            self._commands[self._commands_key(params)] = commands
        return True

    def _api_getMyCommands(self, params: dict, _files: tuple) -> list[dict[str, Any]]:
        with self._cond:
            return self._commands.get(self._commands_key(params), [])

    def _api_deleteMyCommands(self, params: dict, _files: tuple) -> bool:
        with self._cond:
            self._commands.pop(self._commands_key(params), None)
        return True

    def _api_close(self, _params: dict, _files: tuple) -> bool:
        return True

    def _api_logOut(self, _params: dict, _files: tuple) -> bool:
        return True

    # --- failure injection and inspection --------------------------------------------------------------------

    def fail_next(
        self,
        method: str,
        times: int = 1,
        error_code: int = 429,
        retry_after: int = 1,
        description: str | None = None,
        chat_id: int | None = None,
    ) -> None:
        """The next `times` calls of `method` (optionally only to `chat_id`) fail with `error_code`."""
        if error_code == 429:
            error = ApiError(429, description or f"Too Many Requests: retry after {retry_after}", retry_after)
        else:
            error = ApiError(error_code, description or DEFAULT_DESCRIPTIONS.get(error_code, "Injected failure"))
        with self._cond:
            self._failures.append(_Failure(method, times, error, chat_id))

    def block_chat(self, chat_id: int) -> None:
        """The user blocked the bot: sends and edits to this chat get 403."""
        with self._cond:
            self._blocked.add(chat_id)

    def unblock_chat(self, chat_id: int) -> None:
        with self._cond:
            self._blocked.discard(chat_id)

    def hold(self, method: str, chat_id: int | None = None) -> None:
        """Calls of `method` (optionally only to `chat_id`) wait unanswered until `release()`: a request in flight
        for as long as a test needs (e.g. to kill the bot mid-send). Released calls are then answered as usual."""
        with self._cond:
            self._holds.append((method, chat_id))

    def release(self) -> None:
        """Lift every hold; the calls waiting are answered now (recorded as if Telegram had been slow)."""
        with self._cond:
            self._holds.clear()
            self._cond.notify_all()

    def held(self) -> int:
        """How many calls are waiting on a hold right now."""
        with self._cond:
            return self._held

    def deliveries(self) -> list[tuple[int, str]]:
        """Webhook deliveries so far: (update_id, the URL that accepted it), in order."""
        with self._cond:
            return list(self._deliveries)

    def calls_after(self, after: int = 0) -> list[Call]:
        """Recorded calls with `seq > after`."""
        with self._cond:
            return self._calls[after:]

    def still_shown(self, chat_id: int, message_id: int) -> bool:
        """Whether a message (the user's or the bot's) is still in the chat, i.e. has not been deleted."""
        with self._cond:
            return (chat_id, message_id) in self._messages

    def messages(self, chat_id: int) -> list[dict[str, Any]]:
        """Messages the bot has sent in a chat and not deleted, oldest first, as they look now (after edits)."""
        with self._cond:
            return [snapshot(self._messages[key]) for key in self._bot_message_keys if key[0] == chat_id]


# ------------------------------------------------------------------------------------------------- test helpers

T = TypeVar("T")


async def poll_until(check: Callable[[], T | None], timeout: float, describe: Callable[[], str]) -> T:
    """`check()` once it returns something other than None; TimeoutError(describe()) after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while (found := check()) is None:
        if time.monotonic() > deadline:
            raise TimeoutError(describe())
        await asyncio.sleep(POLL_SECONDS)
    return found


def poll_until_sync(check: Callable[[], T | None], timeout: float, describe: Callable[[], str]) -> T:
    """`poll_until` for code outside an event loop."""
    deadline = time.monotonic() + timeout
    while (found := check()) is None:
        if time.monotonic() > deadline:
            raise TimeoutError(describe())
        time.sleep(POLL_SECONDS)
    return found



class FakeDriver(BotApiState):
    """Test-side helpers over the fake's state: push what a user does, wait for and read what the bot did."""

    def mark(self) -> int:
        """A position in the call record: pass it as `after=` to look only at later calls."""
        calls = self.calls_after(0)
        return calls[-1].seq if calls else 0

    def calls(self, method: str | None = None, chat_id: int | None = None, after: int = 0) -> list[Call]:
        return [
            call
            for call in self.calls_after(after)
            if (method is None or call.method == method) and (chat_id is None or call.chat_id == chat_id)
        ]

    def push_text(self, user_id: int, text: str, chat_id: int | None = None) -> dict[str, Any]:
        """The user types `text` (a Telegram client never sends more than 4096 characters in one message)."""
        if not text or utf16_len(text) > MAX_TEXT:
            raise ValueError("Telegram clients send 1-4096 characters per message")
        content: dict[str, Any] = {"text": text}
        entities = command_entities(text)
        if entities:
            content["entities"] = entities
        return self.push_message(user_id, content, chat_id)

    def push_command(self, user_id: int, command: str, args: str = "", chat_id: int | None = None) -> dict[str, Any]:
        """The user sends `/command args`."""
        return self.push_text(user_id, f"/{command.lstrip('/')} {args}".rstrip(), chat_id)

    def push_sticker(self, user_id: int, chat_id: int | None = None, emoji: str = "👍") -> dict[str, Any]:
        sticker = {"file_id": "sticker-1", "file_unique_id": "s1", "type": "regular", "width": 512, "height": 512,
                   "is_animated": False, "is_video": False, "emoji": emoji}  # fmt: skip
        return self.push_message(user_id, {"sticker": sticker}, chat_id)

    def push_photo(self, user_id: int, caption: str | None = None, chat_id: int | None = None) -> dict[str, Any]:
        photo = [{"file_id": "photo-1", "file_unique_id": "ph1", "width": 90, "height": 60, "file_size": 1200}]
        content: dict[str, Any] = {"photo": photo}
        if caption:
            content["caption"] = caption
        return self.push_message(user_id, content, chat_id)

    def _find(self, method: str | None, chat_id: int | None, predicate: Callable[[Call], bool] | None,
              contains: str | None, after: int, ok: bool | None) -> Call | None:  # fmt: skip
        for call in self.calls(method, chat_id, after):
            if ok is not None and call.ok != ok:
                continue
            if contains is not None and contains not in (call.text or ""):
                continue
            if predicate is None or predicate(call):
                return call
        return None

    def _describe_wait(self, method: str | None, chat_id: int | None, after: int) -> str:
        recent = ", ".join(f"{c.method}(chat={c.chat_id}, ok={c.ok})" for c in self.calls_after(after)[-10:])
        return f"no matching {method or 'call'} to chat {chat_id}; calls since {after}: [{recent}]"

    async def wait_for(self, method: str | None = "sendMessage", chat_id: int | None = None,
                       predicate: Callable[[Call], bool] | None = None, contains: str | None = None,
                       after: int = 0, timeout: float = 10, ok: bool | None = True) -> Call:  # fmt: skip
        """The first recorded call matching everything given (waits for it). Use inside the bot's event loop."""
        return await poll_until(
            lambda: self._find(method, chat_id, predicate, contains, after, ok),
            timeout,
            lambda: self._describe_wait(method, chat_id, after),
        )

    def wait_for_sync(self, method: str | None = "sendMessage", chat_id: int | None = None,
                      predicate: Callable[[Call], bool] | None = None, contains: str | None = None,
                      after: int = 0, timeout: float = 10, ok: bool | None = True) -> Call:  # fmt: skip
        """`wait_for` for code outside an event loop (e.g. a bot running in a subprocess)."""
        return poll_until_sync(
            lambda: self._find(method, chat_id, predicate, contains, after, ok),
            timeout,
            lambda: self._describe_wait(method, chat_id, after),
        )

    async def wait_acknowledged(self, update_id: int, timeout: float = 10) -> None:
        """Wait until the bot has taken the update (confirmed by its next getUpdates, or accepted by webhook)."""
        await poll_until(
            lambda: self.is_acknowledged(update_id) or None, timeout, lambda: f"the bot never took update {update_id}"
        )

    def wait_acknowledged_sync(self, update_id: int, timeout: float = 10) -> None:
        """`wait_acknowledged` for code outside an event loop."""
        poll_until_sync(
            lambda: self.is_acknowledged(update_id) or None, timeout, lambda: f"the bot never took update {update_id}"
        )

    def sent_texts(self, chat_id: int, after: int = 0) -> list[str]:
        """What the bot sent to a chat (text or caption as shown), oldest first."""
        return [c.text or "" for c in self.calls(chat_id=chat_id, after=after) if c.ok and c.method in SENDING_METHODS]

    def last_message(self, chat_id: int) -> dict[str, Any] | None:
        """The bot's latest message in a chat, as the user sees it now (edits applied)."""
        messages = self.messages(chat_id)
        return messages[-1] if messages else None

    @staticmethod
    def buttons(message: dict[str, Any] | Call | None) -> list[tuple[str, str | None]]:
        """Inline buttons of a message (or of a call's result) as `(text, callback_data or url)`, row by row."""
        if isinstance(message, Call):
            message = message.result if isinstance(message.result, dict) else message.params
        keyboard = ((message or {}).get("reply_markup") or {}).get("inline_keyboard", [])
        return [(b["text"], b.get("callback_data", b.get("url"))) for row in keyboard for b in row]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # answers go out in two writes; without TCP_NODELAY each waits ~40 ms for an ACK
    server: _Server

    def do_POST(self) -> None:
        self._serve()

    def do_GET(self) -> None:
        self._serve()

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: tests read the call record instead."""

    def _serve(self) -> None:
        split = urlsplit(self.path)
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        api = _TOKEN.match(split.path)
        if api:
            params, files = self._params(split.query, body)
            self._reply(self.server.fake.handle(api["token"], api["method"], params, files))
        else:
            self._reply({"ok": False, "error_code": 404, "description": "Not Found"})

    def _params(self, query: str, body: bytes) -> tuple[dict[str, Any], tuple[UploadedFile, ...]]:
        params = {name: _decode_value(name, values[-1]) for name, values in parse_qs(query).items()}
        content_type = self.headers.get("Content-Type", "")
        if content_type.startswith("application/json") and body:
            return params | json.loads(body), ()
        if content_type.startswith("multipart/form-data"):
            fields, files = parse_multipart(content_type, body)
            return params | fields, files
        return params | (parse_form(body) if body else {}), ()

    def _reply(self, payload: dict[str, Any]) -> None:
        data = json.dumps(payload).encode()
        try:
            self.send_response(200 if payload.get("ok") else int(payload.get("error_code", 500)))
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except OSError:
            pass  # the bot went away (cancelled long-poll, killed process)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    fake: FakeBotApi


class FakeBotApi(FakeDriver):
    """The fake server running in background threads of this process. Use as a context manager."""

    def __init__(self, port: int = 0) -> None:
        super().__init__()
        self._server = _Server(("127.0.0.1", port), _Handler)
        self._server.fake = self
        self._threads: list[threading.Thread] = []

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        """For `Settings.telegram_api_base_url` (PTB appends the token)."""
        return f"{self.url}/bot"

    @property
    def file_url(self) -> str:
        return f"{self.url}/file/bot"

    def start(self) -> FakeBotApi:
        serve = threading.Thread(target=self._server.serve_forever, args=(POLL_SECONDS,), daemon=True)
        deliver = threading.Thread(target=self.deliver_forever, daemon=True)
        self._threads = [serve, deliver]
        for thread in self._threads:
            thread.start()
        return self

    def close(self) -> None:
        self.stop()
        self._server.shutdown()
        self._server.server_close()
        for thread in self._threads:
            thread.join(timeout=5)

    def __enter__(self) -> FakeBotApi:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

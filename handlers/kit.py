"""The one shape of every handler: read the update, do the work in one transaction, reply once it has committed.

A handler is a plain function `(turn) -> None` under `@on_update(guard, ...)`. The decorator opens one database
transaction for the whole update — the update's id, the person's flood allowance, guards, dialog loading and the
domain call all share it — and runs it off the event loop. The replies the handler queued on the `Turn` are sent
only after the transaction has committed, so a reply never announces a change that was rolled back, and no
transaction stays open while Telegram is called. Messages the change owes to other people (a team post, a
referrer's notice) are outbox rows written in the same transaction (`scheduler.outbox`) and sent straight after.

Telegram delivers updates at least once: an update whose id is already recorded changes nothing; the person is
shown where they are in their conversation, in case the first answer never reached them.

Conversations (`Conversation`) keep their place in the dialog store with optimistic locking; when a tap or a typed
answer finds that its dialog has moved on (a double tap, another bot process, an old button, a repeated or edited
earlier message), the whole update is rolled back and answered the same way for every conversation:
`STALE_DIALOG` (or `STALE_ANSWER` for typed text), then where the person is now.

Every message is kept within Telegram's limits here, in one place (`core.message_limits`): long text is split at
paragraph or line breaks with the buttons under the last part, captions over 1,024 continue as text, and button
data over 64 bytes raises rather than being sent.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import cached_property
from typing import Any

from sqlmodel import Session
from telegram import (
    BotCommand,
    BotCommandScopeChat,
    CallbackQuery,
    InlineKeyboardMarkup,
    InputFile,
    Message,
    Update,
)
from telegram.error import BadRequest, TelegramError

from casework.crisis import suggests_crisis
from casework.invites import ROLE_LABELS
from casework.models import Role
from casework.roles import may, role_of, who_may
from core.clock import local_now
from core.db import session_scope
from core.dialogs import (
    Dialog,
    StaleDialog,
    active_dialog,
    advance_dialog,
    end_dialog,
    has_active_dialog,
    load_dialog,
    start_dialog,
)
from core.i18n import choose_language, translator
from core.message_limits import MAX_CAPTION, split_message
from core.preferences import Preferences, preferences_of
from core.runtime import Runtime
from core.settings import Settings
from core.updates import first_delivery
from directory.search import SearchIndex
from handlers.context import Services, SignpostContext
from scheduler.outbox import owed_in
from scheduler.sender import SharedRateLimiter, booked_ahead, callback_keyboard

log = logging.getLogger(__name__)

Buttons = Sequence[Sequence[tuple[str, str]]]  # rows of (label, callback data)
TOAST_CHARS = 190  # Telegram shows at most 200 characters in a button answer
STALE_BUTTON = "Sorry, that button has expired. Please start again — nothing has been changed."
STALE_DIALOG = "That button has expired: it's from an earlier question, so nothing has been changed."
STALE_ANSWER = "I already have that message as the answer to an earlier question, so nothing has been changed."
SLOW_DOWN = "You're sending messages very quickly. Please wait a minute, then try again."
NOT_ALLOWED = (
    "Sorry, that's only for registered staff ({who}), so I haven't changed anything. "
    "If you're looking for support, type what you need help with — for example 'debt advice'."
)
WRONG_ROLE = (
    "Sorry, that's only for {who}. You're registered as {role}, so I haven't changed anything. "
    "Send /help to see what you can do."
)
NOT_ALLOWED_TOAST = "Sorry, that's only for registered staff."
TEXT_ONLY = "I can only read typed words here. Please type your answer, or tap one of the buttons."


@dataclass(frozen=True)
class Reply:
    """A message owed to someone once the update's transaction has committed."""

    text: str
    buttons: Buttons = ()
    chat_id: int | None = None  # None: the chat the update came from
    edit: bool = False  # replace the message the tapped button was on
    send_if_not_edited: bool = True  # when that message can't be edited (too old, unchanged), send a new one
    best_effort: bool = False  # a refusal from Telegram is logged, not raised (e.g. a chat not opened yet)
    photo: bytes | None = None  # send a picture with `text` as its caption
    remember: Callable[[Session, Message], None] | None = None  # record the sent message, in its own transaction
    message_id: int | None = None  # edit (or, with `delete`, remove) this message rather than the tapped one
    delete: bool = False  # remove `message_id`; when Telegram refuses (older than 48 hours), edit it to `text`
    document: bytes | None = None  # send a file (e.g. a PDF handout) with `text` as its caption
    filename: str = ""  # the document's file name as the person sees it
    menu: tuple[tuple[str, str], ...] | None = None  # set this chat's command menu (empty: back to the default)


class Turn:
    """One update being handled: who and where, its transaction, and the replies owed once it commits."""

    def __init__(self, update: Update, context: SignpostContext, session: Session) -> None:
        self.update, self.context, self.session = update, context, session
        self.replies: list[Reply] = []
        self.toast_text: str | None = None
        self.owed: list[int] = []  # outbox rows the committed transaction owes (sent after the replies)
        self.after: list[Callable[[], None]] = []  # slow read-only work run after the commit (`after_commit`)
        self.first_send: tuple[int, float] | None = None  # the first reply's send slot, booked in the transaction

    # --- who, where, what --------------------------------------------------------------------------------

    @property
    def services(self) -> Services:
        return self.context.services

    @property
    def runtime(self) -> Runtime:
        return self.context.runtime

    @property
    def settings(self) -> Settings:
        return self.context.settings

    @property
    def index(self) -> SearchIndex:
        """The directory search index this process answers from."""
        return self.services.directory.index

    @property
    def chat_id(self) -> int:
        chat = self.update.effective_chat
        assert chat is not None, "handlers are registered for updates from a chat"
        return chat.id

    @property
    def user_id(self) -> int:
        user = self.update.effective_user
        assert user is not None, "handlers are registered for updates from a person"
        return user.id

    @property
    def has_person(self) -> bool:
        return self.update.effective_user is not None and self.update.effective_chat is not None

    @cached_property
    def role(self) -> Role | None:
        """The person's staff role (None for clients), read in this update's transaction."""
        user = self.update.effective_user
        return role_of(self.session, user.id, self.settings.admin_user_ids) if user else None

    @cached_property
    def preferences(self) -> Preferences:
        """The person's language and carer-mode choices (defaults for updates without a person)."""
        user = self.update.effective_user
        return preferences_of(self.session, user.id) if user else Preferences()

    @cached_property
    def language(self) -> str:
        """The language to answer in: their /language choice, else Telegram's language_code, else English."""
        user = self.update.effective_user
        return choose_language(self.preferences.language, user.language_code if user else None,
                               self.settings.languages)

    def t(self, text: str) -> str:
        """`text` (an English catalogue string) in the person's language."""
        return translator(self.language)(text)

    @property
    def is_private(self) -> bool:
        chat = self.update.effective_chat
        return chat is not None and chat.type == "private"

    @property
    def in_team_chat(self) -> bool:
        chat = self.update.effective_chat
        return chat is not None and chat.id == self.settings.link_worker_chat_id

    @property
    def args(self) -> str:
        """The words after a command (`/find debt advice` -> 'debt advice')."""
        return " ".join(self.context.args or [])

    @property
    def text(self) -> str | None:
        """The typed text of a message, or None for stickers, photos and other non-text messages."""
        message = self.update.effective_message
        return message.text if message is not None and isinstance(message.text, str) else None

    @property
    def message_id(self) -> int | None:
        """The id of the message the person sent (None for a button tap)."""
        message = self.update.message
        return message.message_id if message is not None else None

    @property
    def tapped_message_id(self) -> int | None:
        """The id of the message whose button was tapped (None when this update is not a tap)."""
        query = self.update.callback_query
        return query.message.message_id if query is not None and query.message is not None else None

    @property
    def callback_data(self) -> str | None:
        query = self.update.callback_query
        return query.data if query is not None and isinstance(query.data, str) else None

    @property
    def typed_message_id(self) -> int | None:
        """The id of the typed message this update carries (new or edited); None for button taps and the rest."""
        message = self.update.effective_message
        if self.update.callback_query is not None or message is None:
            return None
        return message.message_id

    @property
    def display_name(self) -> str:
        user = self.update.effective_user
        return (user.full_name if user else "")[:100]

    def now_local(self) -> datetime:
        return local_now(self.settings.tz)

    def today(self) -> date:
        return self.now_local().date()

    # --- what to send back -------------------------------------------------------------------------------

    def say(
        self, text: str, buttons: Buttons = (), *, remember: Callable[[Session, Message], None] | None = None
    ) -> None:
        """A plain-text message in this chat (never Markdown/HTML, so odd input can't break formatting); `remember`
        records the sent message in its own transaction."""
        self.replies.append(Reply(text, buttons, remember=remember))

    def edit(
        self,
        text: str,
        buttons: Buttons = (),
        *,
        or_send: bool = True,
        message_id: int | None = None,
        remember: Callable[[Session, Message], None] | None = None,
    ) -> None:
        """Replace the message the tapped button was on (or `message_id` in this chat); when it can't be (none, too
        old, unchanged), send `text` as a new message, unless `or_send` is False. `remember` records the message
        shown (edited or sent)."""
        editing = message_id is not None or self.update.callback_query is not None
        if editing or or_send:
            self.replies.append(
                Reply(text, buttons, edit=editing, send_if_not_edited=or_send, message_id=message_id,
                      remember=remember)
            )

    def delete(self, message_id: int | None = None, *, chat_id: int | None = None, instead: str = "") -> None:
        """Remove a message from this chat once the update has committed (default: the one the person just sent,
        e.g. a typed NHS number). Best effort; a message Telegram will no longer delete is edited to `instead`
        when that is given (bots may edit their own messages at any age)."""
        target = message_id if message_id is not None else self.message_id
        if target is not None:
            self.replies.append(Reply(instead, chat_id=chat_id, message_id=target, delete=True, best_effort=True))

    def send(self, chat_id: int, text: str, buttons: Buttons = (), *, best_effort: bool = False) -> None:
        """A courtesy message to another chat, sent once after commit (e.g. a worker's private chat). Messages the
        change owes someone go through the outbox instead (`scheduler.outbox`), so they are never lost."""
        self.replies.append(Reply(text, buttons, chat_id=chat_id, best_effort=best_effort))

    def photo(self, image: bytes, caption: str) -> None:
        self.replies.append(Reply(caption, photo=image))

    def document(self, content: bytes, filename: str, caption: str, *, chat_id: int | None = None) -> None:
        """A file (e.g. a PDF) with `caption`, in this chat or `chat_id`."""
        self.replies.append(Reply(caption, chat_id=chat_id, document=content, filename=filename))

    def set_menu(self, chat_id: int, commands: tuple[tuple[str, str], ...]) -> None:
        """Show `commands` as the command menu in `chat_id` once committed (none: the default menu again). Best
        effort: a menu Telegram refuses (a chat it doesn't know yet) is logged, and never undoes the change."""
        self.replies.append(Reply("", chat_id=chat_id, menu=commands, best_effort=True))

    def after_commit(self, work: Callable[[], None]) -> None:
        """Run `work` (slow, read-only: e.g. a year's report, reading through its own session) once this update's
        transaction has committed, still off the event loop, then send the replies it queued with the others. The
        update's transaction — and on SQLite the database's write lock — is not held while it runs."""
        self.after.append(work)

    def toast(self, text: str) -> None:
        """The short note shown when a button tap is answered."""
        self.toast_text = text[:TOAST_CHARS]


Step = Callable[[Turn], None]
Guard = Callable[[Turn], bool]  # True to go on; False after queuing the refusal
Callback = Callable[[Update, SignpostContext], Awaitable[None]]


class DialogMoved(Exception):
    """The update answers a step its conversation has already left: undo it all and say so."""

    def __init__(self, conversation: Conversation) -> None:
        super().__init__(conversation.name)
        self.conversation = conversation


def on_update(*guards: Guard) -> Callable[[Step], Callback]:
    """Make `step(turn)` a PTB callback: guards then step in one transaction, off the event loop; replies after."""

    def decorate(step: Step) -> Callback:
        @functools.wraps(step)
        async def callback(update: Update, context: SignpostContext) -> None:
            if _refused_in_memory(update, context) and not _may_be_crisis(update):
                if update.callback_query is not None:  # still stop the button's spinner
                    await answer_callback(update.callback_query)
                return
            turn = await asyncio.to_thread(_run, step, guards, update, context)
            if turn.after:
                await asyncio.to_thread(_run_after_commit, turn)
            await deliver(turn)

        return callback

    return decorate


def _may_be_crisis(update: Update) -> bool:
    """Whether the update's typed text (or a caption) suggests crisis: such a message is never quieted by the flood
    limit, since someone in distress may well send many messages in a row (docs/safety-crisis.md)."""
    message = update.effective_message
    text = (message.text or message.caption) if message is not None and update.callback_query is None else None
    return bool(text) and suggests_crisis(text)


def _refused_in_memory(update: Update, context: SignpostContext) -> bool:
    """A flooder's update this process already knows the database would refuse: dropped with no transaction and no
    thread (they have been told to slow down). The flood allowance stays counted in the database by the updates
    that reach it (see `core.flood`)."""
    user = update.effective_user
    return user is not None and update.effective_chat is not None and context.services.flood.surely_refused(user.id)


def _run(step: Step, guards: tuple[Guard, ...], update: Update, context: SignpostContext) -> Turn:
    engine = context.runtime.engine
    try:
        with session_scope(engine) as session:
            turn = Turn(update, context, session)
            if _admitted(turn) and all(guard(turn) for guard in guards):
                step(turn)
            _book_first_send(turn)
    except DialogMoved as moved:  # rolled back; answered in a fresh transaction
        with session_scope(engine) as session:
            turn = Turn(update, context, session)
            if _admitted(turn):
                moved.conversation.answer_moved(turn)
            _book_first_send(turn)
    turn.owed = owed_in(turn.session)
    return turn


def _book_first_send(turn: Turn) -> None:
    """Book the first reply's slot on Telegram's send limits in the update's own transaction, last (so the limit's
    row is held only for the commit), instead of a transaction of its own when it is sent. Not for a turn with slow
    work after the commit (the slot would lapse) or a first reply that deletes or sets a menu (not a message)."""
    limiter = getattr(turn.context.bot, "rate_limiter", None)
    if not isinstance(limiter, SharedRateLimiter) or not turn.replies or turn.after:
        return
    first = turn.replies[0]
    if first.delete or first.menu is not None:
        return
    turn.first_send = limiter.book_ahead(turn.session, turn.chat_id if first.chat_id is None else first.chat_id)


def _run_after_commit(turn: Turn) -> None:
    """The turn's slow read-only work, in its worker thread once the update's transaction has committed (so it holds
    no write lock while it runs); it queues its replies on the turn like the step did."""
    for work in turn.after:
        work()


def _admitted(turn: Turn) -> bool:
    """Record the update in this transaction; False (after queuing what to say) for a redelivered update or a
    person who is flooding."""
    bot_id = int(turn.context.bot.token.split(":", 1)[0])
    if not first_delivery(turn.session, bot_id, turn.update.update_id):
        log.info("update %s was already handled; nothing changed", turn.update.update_id)
        _show_where_they_are(turn)
        return False
    if not turn.has_person:
        return True
    waiting = has_active_dialog(turn.session, turn.chat_id, turn.user_id, _answering())
    tap = turn.update.callback_query is not None
    admission = turn.services.flood.check(turn.session, turn.user_id, tap=tap, in_conversation=waiting)
    if not admission.allowed and _may_be_crisis(turn.update):
        return True  # counted like any message, but answered: the handler's crisis check replies
    if not admission.allowed and admission.first_refusal:  # said once per flood, not on every message
        if turn.update.callback_query is not None:
            turn.toast(SLOW_DOWN)
        else:
            turn.say(SLOW_DOWN)
    return admission.allowed


def _answering() -> tuple[str, ...]:
    """The conversations whose open dialog waits for answers."""
    return tuple(name for name, conversation in _CONVERSATIONS.items() if conversation.waits_for_answers)


def _show_where_they_are(turn: Turn) -> None:
    """After a redelivery: the question the person's conversation is on, in case the first answer never arrived."""
    if not turn.has_person:
        return
    resumable = {name: conversation for name, conversation in _CONVERSATIONS.items() if conversation.resume}
    dialog = active_dialog(turn.session, turn.chat_id, turn.user_id, tuple(resumable))
    if dialog is not None:
        resume = resumable[dialog.name].resume
        assert resume is not None
        resume(turn, dialog)


async def deliver(turn: Turn) -> None:
    """Answer the button tap (if any), send the replies in order, then the messages the change owes others."""
    query = turn.update.callback_query
    if query is not None:
        await answer_callback(query, turn.toast_text)
    with booked_ahead(turn.first_send):
        for reply in turn.replies:
            await _send(turn, reply)
    if turn.owed:
        await turn.services.delivery.send_now(turn.owed)


async def _send(turn: Turn, reply: Reply) -> None:
    chat_id = turn.chat_id if reply.chat_id is None else reply.chat_id
    try:
        if reply.delete:
            await _delete(turn, chat_id, reply)
            return
        if reply.menu is not None:
            await _set_menu(turn, chat_id, reply.menu)
            return
        if reply.document is not None or reply.photo is not None:
            message = await _send_captioned(turn, chat_id, reply)
        else:
            message = await _send_text(turn, chat_id, reply)
    except TelegramError as problem:
        if not reply.best_effort:
            raise
        log.info("message to chat %s not delivered: %s", chat_id, type(problem).__name__)
        return
    if message is not None and reply.remember is not None:
        await asyncio.to_thread(_remember, turn.runtime, reply.remember, message)


async def _send_text(turn: Turn, chat_id: int, reply: Reply) -> Message | None:
    """The text in as many messages as Telegram's limit needs, the buttons under the last; an edit replaces the
    tapped message (or `reply.message_id`) with the first part. Returns the message carrying the buttons."""
    *parts, last = split_message(reply.text)
    markup = keyboard(reply.buttons)
    first_markup = None if parts else markup
    edited = await _edited(turn, chat_id, reply, (parts or [last])[0], first_markup) if reply.edit else None
    if edited is None and reply.edit and not reply.send_if_not_edited:
        return None
    following = [*parts, last][1:] if edited is not None else [*parts, last]
    message = edited
    for number, part in enumerate(following, start=1):
        message = await turn.context.bot.send_message(
            chat_id, part, reply_markup=markup if number == len(following) else None
        )
    return message


async def _send_captioned(turn: Turn, chat_id: int, reply: Reply) -> Message | None:
    """A picture or a file with as much of the text as a caption holds; the rest follows as text."""
    caption = split_message(reply.text, MAX_CAPTION)[0]
    bot = turn.context.bot
    if reply.document is not None:
        upload = InputFile(reply.document, filename=reply.filename or "document")
        message = await bot.send_document(chat_id, document=upload, caption=caption)
    else:
        message = await bot.send_photo(chat_id, photo=reply.photo, caption=caption)
    rest = reply.text[len(caption):].strip()
    if rest:
        return await _send_text(turn, chat_id, Reply(rest, reply.buttons))
    return message


async def _set_menu(turn: Turn, chat_id: int, commands: tuple[tuple[str, str], ...]) -> None:
    scope = BotCommandScopeChat(chat_id)
    if commands:
        await turn.context.bot.set_my_commands([BotCommand(name, about) for name, about in commands], scope=scope)
    else:
        await turn.context.bot.delete_my_commands(scope=scope)


async def _edited(
    turn: Turn, chat_id: int, reply: Reply, text: str, markup: InlineKeyboardMarkup | None
) -> Message | None:
    query = turn.update.callback_query
    try:
        if reply.message_id is not None:
            edited = await turn.context.bot.edit_message_text(
                text, chat_id=chat_id, message_id=reply.message_id, reply_markup=markup
            )
        elif query is not None and query.message is not None:
            edited = await query.edit_message_text(text, reply_markup=markup)
        else:
            return None
    except BadRequest as problem:  # too old to edit, gone, or unchanged: a fresh message instead
        log.debug("edit failed (%s); sending a new message", type(problem).__name__)
        return None
    return edited if isinstance(edited, Message) else None


async def _delete(turn: Turn, chat_id: int, reply: Reply) -> None:
    assert reply.message_id is not None
    bot = turn.context.bot
    try:
        await bot.delete_message(chat_id, reply.message_id)
        return
    except TelegramError as problem:
        log.info("message in chat %s not deleted: %s", chat_id, type(problem).__name__)
    if reply.text:
        try:
            await bot.edit_message_text(reply.text, chat_id=chat_id, message_id=reply.message_id)
        except TelegramError as problem:
            log.info("message in chat %s not blanked either: %s", chat_id, type(problem).__name__)


def _remember(runtime: Runtime, remember: Callable[[Session, Message], None], message: Message) -> None:
    with session_scope(runtime.engine) as session:
        remember(session, message)


async def answer_callback(query: CallbackQuery, text: str | None = None) -> None:
    """Stop the button's spinner; a short toast when `text` is given."""
    try:
        await query.answer(text[:TOAST_CHARS] if text else None)
    except BadRequest:  # an old query id can't be answered; nothing else to do
        log.debug("callback query too old to answer")


# --- guards --------------------------------------------------------------------------------------------------


def staff_only(action: str, refusal: str = "") -> Guard:
    """Only people whose role may do `action` (casework.roles.PERMISSIONS) go on; others are refused kindly, told
    which roles may (and, for staff, which role they have)."""

    def guard(turn: Turn) -> bool:
        if may(turn.role, action):
            return True
        if turn.update.callback_query is not None:
            turn.toast(NOT_ALLOWED_TOAST)
        who = who_may(action)
        if turn.role is None:
            turn.say(NOT_ALLOWED.format(who=who))
        else:
            turn.say(refusal or WRONG_ROLE.format(who=who, role=ROLE_LABELS[turn.role]))
        return False

    return guard


def private_only(refusal: str) -> Guard:
    """Only in a private chat with the bot (patient details never go to groups)."""

    def guard(turn: Turn) -> bool:
        if turn.is_private:
            return True
        turn.say(refusal)
        return False

    return guard


# --- conversations -------------------------------------------------------------------------------------------

TextStep = Callable[[Turn, Dialog], bool]  # True when it used the typed text
Resume = Callable[[Turn, Dialog], None]
_CONVERSATIONS: dict[str, Conversation] = {}  # every conversation by name (to resume one after a redelivery)


@dataclass(frozen=True)
class Conversation:
    """A multi-step conversation kept in the dialog store, with versioned buttons `<prefix>:<version>:<value...>`.

    `resume` shows where the person is now (after a stale tap); `gone` answers a tap when no dialog is open.
    """

    name: str
    prefix: str
    resume: Resume | None = None
    gone: str = STALE_BUTTON
    moved_hint: str = ""
    waits_for_answers: bool = True  # its open dialog expects answers (cheap for flood counting); False: a search

    def __post_init__(self) -> None:
        _CONVERSATIONS[self.name] = self

    def load(self, turn: Turn) -> Dialog | None:
        return load_dialog(turn.session, turn.chat_id, turn.user_id, self.name)

    def start(self, turn: Turn, step: str, data: dict[str, Any]) -> Dialog:
        """Begin (or begin again) at `step`."""
        return start_dialog(turn.session, turn.chat_id, turn.user_id, self.name, step, data, turn.typed_message_id)

    def advance(self, turn: Turn, dialog: Dialog, step: str, data: dict[str, Any]) -> Dialog:
        """Move on from `dialog` — only if nobody moved it since it was read, and (for typed text) only with a
        message newer than the one that moved it last; else the update is undone."""
        message_id = turn.typed_message_id
        if dialog.answers_an_earlier_step(message_id):
            raise DialogMoved(self)
        try:
            return advance_dialog(turn.session, dialog, step, data, message_id)
        except StaleDialog:
            raise DialogMoved(self) from None

    def end(self, turn: Turn) -> bool:
        return end_dialog(turn.session, turn.chat_id, turn.user_id, self.name)

    def tapped(self, turn: Turn) -> tuple[Dialog, list[str]] | None:
        """The open dialog and the tapped button's values after its version.

        None (after saying `gone`) when no dialog is open; `DialogMoved` when the button is from an earlier step or
        malformed.
        """
        dialog = self.load(turn)
        if dialog is None:
            turn.say(self.gone)
            return None
        parts = callback_parts(turn, self.prefix, 2)
        if parts is None or parts[0] != str(dialog.version):
            raise DialogMoved(self)
        return dialog, parts[1:]

    def answer_moved(self, turn: Turn) -> None:
        """The one answer to a stale tap or answer, for every conversation: say so, then show where things are."""
        stale = STALE_DIALOG if turn.update.callback_query is not None else STALE_ANSWER
        turn.say(f"{stale} {self.moved_hint}".strip())
        dialog = self.load(turn)
        if dialog is not None and self.resume is not None:
            self.resume(turn, dialog)


# --- small helpers -------------------------------------------------------------------------------------------


keyboard = callback_keyboard  # rows of (label, callback data) -> an inline keyboard (scheduler.sender)


def callback_parts(turn: Turn, prefix: str, min_parts: int) -> list[str] | None:
    """Split `prefix:a:b` callback data; None when it's malformed (forged or from an old version)."""
    data = turn.callback_data
    if data is None or not data.startswith(prefix + ":"):
        return None
    parts = data.split(":")[1:]
    return parts if len(parts) >= min_parts and all(parts[:min_parts]) else None


def small_number(text: str, max_digits: int = 9) -> int | None:
    """A whole number written in plain digits 0-9 (not '²', not 20 digits long), else None."""
    return int(text) if re.fullmatch(rf"[0-9]{{1,{max_digits}}}", text) else None


def chunk(items: Sequence[Any], size: int) -> list[list[Any]]:
    return [list(items[i : i + size]) for i in range(0, len(items), size)]

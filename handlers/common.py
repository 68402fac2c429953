"""Shared plumbing for handlers: replies, buttons, roles, sessions and dialog routing. No domain logic here."""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sqlmodel import Session
from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest
from telegram.ext import ContextTypes

from bot.db import session_scope
from bot.runtime import Runtime, get_runtime
from casework.dialogs import Dialog, load_dialog
from casework.models import Role
from casework.roles import may, role_of

log = logging.getLogger(__name__)
Context = ContextTypes.DEFAULT_TYPE
Buttons = Sequence[Sequence[tuple[str, str]]]  # rows of (label, callback data)
DialogTextHandler = Callable[[Update, Context, Dialog], Awaitable[bool]]  # True when it used the text

MAX_MESSAGE_CHARS = 1000
STALE_BUTTON = "Sorry, that button has expired. Please start again — nothing has been changed."
NOT_ALLOWED = (
    "Sorry, that's only for registered staff, so I haven't changed anything. "
    "If you're looking for support, type what you need help with — for example 'debt advice'."
)
TEXT_ONLY = "I can only read typed words here. Please type your answer, or tap one of the buttons."

# Dialogs that take typed answers register here, so one text router can resume them after a restart.
DIALOG_TEXT_HANDLERS: dict[str, DialogTextHandler] = {}


def keyboard(rows: Buttons) -> InlineKeyboardMarkup | None:
    """An inline keyboard from rows of (label, callback data); None when there are no buttons."""
    built = [[InlineKeyboardButton(label, callback_data=data) for label, data in row] for row in rows if row]
    return InlineKeyboardMarkup(built) if built else None


async def reply(update: Update, text: str, rows: Buttons = ()) -> Message | None:
    """Send a plain-text reply (never Markdown/HTML, so odd input can't break formatting)."""
    chat = update.effective_chat
    if chat is None:
        return None
    return await chat.send_message(text, reply_markup=keyboard(rows))


async def edit_or_reply(update: Update, text: str, rows: Buttons = ()) -> None:
    """Replace the message a button was on; fall back to a new message."""
    query = update.callback_query
    if query is not None and query.message is not None:
        try:
            await query.edit_message_text(text, reply_markup=keyboard(rows))
            return
        except BadRequest as problem:  # too old to edit, or unchanged: send a fresh message instead
            log.debug("edit failed (%s); sending a new message", type(problem).__name__)
    await reply(update, text, rows)


async def answer_callback(query: CallbackQuery, text: str | None = None) -> None:
    """Stop the button's spinner; a short toast when `text` is given."""
    try:
        await query.answer(text[:190] if text else None)
    except BadRequest:  # an old query id can't be answered; nothing else to do
        log.debug("callback query too old to answer")


@contextmanager
def db(context: Context) -> Iterator[Session]:
    """One transaction for this update."""
    with session_scope(get_runtime(context).engine) as session:
        yield session


def runtime(context: Context) -> Runtime:
    return get_runtime(context)


def search_index(context: Context) -> Any:
    """The directory search index, built once per process from the database."""
    extras = runtime(context).extras
    if "search_index" not in extras:
        from directory.search import SearchIndex

        extras["search_index"] = SearchIndex.load(runtime(context).engine)
    return extras["search_index"]


def user_role(context: Context, user_id: int) -> Role | None:
    with db(context) as session:
        return role_of(session, user_id, runtime(context).settings.admin_user_ids)


async def require(update: Update, context: Context, action: str) -> Role | None:
    """The user's role if they may do `action`; otherwise a polite refusal and None (nothing changes)."""
    user = update.effective_user
    role = user_role(context, user.id) if user else None
    if may(role, action):
        return role
    if update.callback_query is not None:
        await answer_callback(update.callback_query, "Sorry, that's only for registered staff.")
    await reply(update, NOT_ALLOWED)
    return None


def is_private(update: Update) -> bool:
    chat = update.effective_chat
    return chat is not None and chat.type == "private"


def ids(update: Update) -> tuple[int, int]:
    """(chat id, user id) of this update."""
    assert update.effective_chat is not None and update.effective_user is not None
    return update.effective_chat.id, update.effective_user.id


def callback_parts(update: Update, prefix: str, min_parts: int) -> list[str] | None:
    """Split `prefix:a:b` callback data; None when it's malformed (forged or from an old version)."""
    data = update.callback_query.data if update.callback_query else None
    if not isinstance(data, str) or not data.startswith(prefix + ":"):
        return None
    parts = data.split(":")[1:]
    return parts if len(parts) >= min_parts and all(parts[:min_parts]) else None


async def dialog_button(
    update: Update, context: Context, prefix: str, name: str
) -> tuple[Dialog | None, list[str] | None]:
    """Answer a tap on a `prefix:<dialog version>:...` button of dialog `name`.

    Returns the user's open dialog (or None) and the button's parts after the version — parts are None when the
    button is forged or from an older step, so the caller changes nothing.
    """
    assert update.callback_query is not None
    await answer_callback(update.callback_query)
    parts = callback_parts(update, prefix, 2)
    chat_id, user_id = ids(update)
    with db(context) as session:
        dialog = load_dialog(session, chat_id, user_id, name)
    if parts is None or dialog is None or parts[0] != str(dialog.version):
        return dialog, None
    return dialog, parts[1:]


def message_text(update: Update) -> str | None:
    """The typed text of a message, or None for stickers, photos and other non-text messages."""
    message = update.effective_message
    return message.text if message is not None and isinstance(message.text, str) else None


def small_number(text: str, max_digits: int = 9) -> int | None:
    """A whole number written in plain digits 0-9 (not '²', not 20 digits long), else None."""
    return int(text) if re.fullmatch(rf"[0-9]{{1,{max_digits}}}", text) else None


def command_args(context: Context) -> str:
    return " ".join(context.args or [])


def display_name(update: Update) -> str:
    user = update.effective_user
    return (user.full_name if user else "")[:100]


def chunk(items: Sequence[Any], size: int) -> list[list[Any]]:
    return [list(items[i : i + size]) for i in range(0, len(items), size)]

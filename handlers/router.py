"""Typed text and /cancel: text goes to the conversation the person is in (resumable after restarts), else search."""

from __future__ import annotations

from functools import partial

from telegram.ext import Application, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from core.dialogs import active_dialog
from core.i18n import N_
from handlers import client, provider, referral, safety, signposting, support, talk
from handlers.kit import TEXT_ONLY, Conversation, TextStep, Turn, on_update

MAX_MESSAGE_CHARS = 1000  # for answers in a staff conversation
MAX_SEARCH_CHARS = client.MAX_QUERY  # a search may be a whole Telegram message (4096 characters)
NOT_TEXT_CLIENT = N_('I can only read typed words. Type what you need help with — for example "help with bills".')
# Conversations that take typed answers, and what reads them.
TEXT_STEPS: dict[str, tuple[Conversation, TextStep]] = {
    conversation.name: (conversation, read)
    for conversation, read in (
        (client.SEARCH, client.on_area_typed),
        (referral.REFER, referral.on_typed),
        (signposting.SIGNPOST, signposting.on_typed),
        (provider.CAPACITY, provider.on_capacity_typed),
        (provider.LISTING_FIX, provider.on_fix_typed),
        (support.DISTRICT, support.on_district_typed),
        (support.PLAN, support.on_plan_typed),
        (talk.TALK, talk.on_typed),
    )
}
# What /cancel ends, besides a referral in progress.
STAFF_CONVERSATIONS = (
    signposting.SIGNPOST, provider.CAPACITY, provider.LISTING_FIX, support.DISTRICT, support.PLAN, talk.TALK,
)
# What "I'm safe, carry on" does after a crisis check on typed text (handlers/safety.py).
CARRY_ON: dict[str, safety.CarryOn] = {"search": partial(client.search_and_show, checked=True),
                                       "talk": talk.ask_again}


@on_update()
def on_text(turn: Turn) -> None:
    text = turn.text or ""
    dialog = active_dialog(turn.session, turn.chat_id, turn.user_id, tuple(TEXT_STEPS))
    in_staff_conversation = dialog is not None and dialog.name != client.SEARCH.name
    limit = MAX_MESSAGE_CHARS if in_staff_conversation else MAX_SEARCH_CHARS
    if len(text) > limit:
        turn.say(_too_long(dialog.name if in_staff_conversation and dialog else "", limit))
        return
    if dialog is not None and TEXT_STEPS[dialog.name][1](turn, dialog):
        return
    client.search_and_show(turn, text)


def _too_long(conversation: str, limit: int) -> str:
    """A message over the limit: in a referral or signposting, what was answered so far is kept — say so."""
    if conversation == referral.REFER.name:
        return (f"That answer is too long (over {limit} characters), so I haven't used it. Your referral so far is "
                "kept: please send a shorter answer to the question above.")
    if conversation:
        return f"That message is too long (over {limit} characters). Please try a few words; nothing has changed."
    return (f"That message is very long. Could you say it in a few words (under {limit} characters)? "
            "Nothing has been saved.")


@on_update()
def on_safety_answer(turn: Turn) -> None:
    """A tap on "I'm safe, carry on" / "I need help now" under a crisis check."""
    safety.answer_check(turn, CARRY_ON)


@on_update()
def on_not_text(turn: Turn) -> None:
    """Stickers, photos, voice notes, files: explain kindly; nothing changes (a caption is still read for crisis)."""
    if safety.caption_in_crisis(turn):
        return
    dialog = active_dialog(turn.session, turn.chat_id, turn.user_id, tuple(TEXT_STEPS))
    in_conversation = dialog is not None and dialog.name not in {client.SEARCH.name, talk.TALK.name}
    if in_conversation:
        turn.say(TEXT_ONLY)
        return
    call_back = turn.t(talk.CALL_BACK_BUTTON[0]), talk.CALL_BACK_BUTTON[1]
    turn.say(turn.t(NOT_TEXT_CLIENT) + "\n\n" + turn.t(talk.RATHER_TALK), [[call_back]])


@on_update()
def cancel(turn: Turn) -> None:
    """/cancel: leave whatever staff conversation is open. Nothing is saved."""
    ended = [conversation.name for conversation in STAFF_CONVERSATIONS if conversation.end(turn)]
    ended += ["refer"] if referral.end_unfinished(turn) else []
    turn.say(referral.CANCELLED if ended else "There's nothing to cancel.")


def register(application: Application) -> None:
    application.add_handler(CommandHandler("cancel", cancel))
    application.add_handler(CallbackQueryHandler(on_safety_answer, pattern=r"^sf:"))
    private = filters.ChatType.PRIVATE
    application.add_handler(MessageHandler(private & filters.TEXT & ~filters.COMMAND, on_text), group=1)
    not_text = private & ~filters.TEXT & ~filters.StatusUpdate.ALL
    application.add_handler(MessageHandler(not_text, on_not_text), group=1)

"""Follow-up answers (`fu:` buttons), client check-in opt-in (/checkin, /stopcheckins, `/start checkin-CODE`),
check-in codes for link workers (/checkincode) and failed follow-ups for admins (/failedfollowups, /retryfollowup).
Thin: parse, call `scheduler.*`, reply.
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import BadRequest
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from casework.referrals import get_referral
from handlers.common import (
    Context,
    answer_callback,
    command_args,
    db,
    ids,
    is_private,
    reply,
    require,
    runtime,
    small_number,
)
from scheduler.admin import describe_failed, failed_followups, retry_failed_followup
from scheduler.answers import AnswerOutcome, record_answer
from scheduler.checkins import DEEP_LINK_PREFIX, issue_client_checkin_code, redeem_client_checkin, stop_client_checkins
from scheduler.messages import EXPIRED_BUTTON, parse_callback
from scheduler.policy import FollowUpPolicy

log = logging.getLogger(__name__)

CHECKIN_CODE_TTL_HOURS = 24 * 14  # long enough to reach someone after discharge
PRIVATE_ONLY = "Please send me this in a private chat, so your details stay between us."
CHECKIN_HOW = "Please send the code your link worker gave you, like this: /checkin ABCD-EFGH"


def _policy(context: Context) -> FollowUpPolicy:
    return FollowUpPolicy.from_settings(runtime(context).settings)


async def on_answer(update: Update, context: Context) -> None:
    """A tap on a follow-up button: record it (once), then show the answer under the prompt."""
    query = update.callback_query
    if query is None or update.effective_user is None:
        return
    parsed = parse_callback(query.data)
    if parsed is None:
        await answer_callback(query, EXPIRED_BUTTON)
        return
    followup_id, answer = parsed
    with db(context) as session:
        result = record_answer(session, followup_id, update.effective_user.id, answer, _policy(context))
    log.info("follow-up %s answer: %s", followup_id, result.outcome)
    await answer_callback(query, result.message)
    if result.outcome != AnswerOutcome.EXPIRED and result.answered_line and query.message is not None:
        prompt = getattr(query.message, "text", None) or ""
        try:
            await query.edit_message_text(f"{prompt}\n\n{result.answered_line}".strip(), reply_markup=None)
        except BadRequest:  # already edited (an old copy) or too old to edit: the answer is recorded regardless
            log.debug("follow-up %s: prompt not edited", followup_id)


async def checkin(update: Update, context: Context) -> None:
    """/checkin CODE: a client opts in to check-in messages."""
    await _redeem(update, context, command_args(context))


async def checkin_from_start(update: Update, context: Context, code: str) -> None:
    """`/start checkin-CODE` (a deep link from the link worker): same as /checkin CODE."""
    await _redeem(update, context, code)


async def _redeem(update: Update, context: Context, code: str) -> None:
    if not is_private(update):
        await reply(update, PRIVATE_ONLY)
        return
    if not code.strip():
        await reply(update, CHECKIN_HOW)
        return
    chat_id, _user_id = ids(update)
    with db(context) as session:
        result = redeem_client_checkin(session, code, chat_id, _policy(context))
    log.info("check-in opt-in %s", "accepted" if result.ok else "refused")
    await reply(update, result.message)


async def stop_checkins(update: Update, context: Context) -> None:
    """/stopcheckins: no more check-in messages to this chat."""
    chat_id, _user_id = ids(update)
    with db(context) as session:
        stopped = stop_client_checkins(session, chat_id)
    if stopped:
        await reply(
            update,
            "Done. You won't get any more check-in messages from me. "
            "Your link worker can still contact you in the usual way.",
        )
    else:
        await reply(update, "You're not signed up for check-in messages, so there's nothing to stop.")


async def checkin_code(update: Update, context: Context) -> None:
    """/checkincode REF: a one-time code the link worker gives the client so the bot may check in with them."""
    await send_checkin_code(update, context, command_args(context))


async def send_checkin_code(update: Update, context: Context, reference: str) -> None:
    """Issue a client check-in code for case `reference` (also the case card's button)."""
    role = await require(update, context, "casework")
    if role is None:
        return
    if not is_private(update):
        await reply(update, "Please ask me for check-in codes in a private chat.")
        return
    _chat_id, user_id = ids(update)
    with db(context) as session:
        referral = get_referral(session, reference)
        ttl = CHECKIN_CODE_TTL_HOURS
        result = issue_client_checkin_code(session, referral, user_id, role, ttl) if referral else None
    if result is None:
        await reply(update, "Please give the case reference, like this: /checkincode SP-7K3Q9X")
        return
    if not result.ok or result.code is None:
        await reply(update, result.message)
        return
    link = f"https://t.me/{context.bot.username}?start={DEEP_LINK_PREFIX}{result.code.replace('-', '')}"
    await reply(
        update,
        f"{result.message} (valid for {CHECKIN_CODE_TTL_HOURS // 24} days, one use).\n"
        f"Ask the client to open {link} or send /checkin {result.code} to this bot. "
        "They can stop check-ins at any time with /stopcheckins.",
    )


async def failed_list(update: Update, context: Context) -> None:
    """/failedfollowups: what could not be delivered (admins)."""
    if await require(update, context, "admin") is None:
        return
    with db(context) as session:
        lines = describe_failed(session, failed_followups(session), _policy(context))
    if not lines:
        await reply(update, "No failed follow-ups.")
        return
    await reply(
        update,
        "Follow-ups that were not delivered (newest first):\n"
        + "\n".join(lines)
        + "\n\nTo try one again: /retryfollowup <number>",
    )


async def retry_failed(update: Update, context: Context) -> None:
    """/retryfollowup ID: queue a failed follow-up again (admins)."""
    if await require(update, context, "admin") is None:
        return
    text = command_args(context).strip().lstrip("#")
    followup_id = small_number(text)
    if followup_id is None:
        await reply(update, "Please give the follow-up number, like this: /retryfollowup 12")
        return
    with db(context) as session:
        queued = retry_failed_followup(session, followup_id, _policy(context))
    await reply(
        update,
        f"Follow-up #{text} will be tried again shortly."
        if queued
        else f"Follow-up #{text} isn't a failed follow-up, so nothing was changed.",
    )


def register(application: Application) -> None:
    application.add_handler(CallbackQueryHandler(on_answer, pattern=r"^fu:"))
    application.add_handler(CommandHandler("checkin", checkin))
    application.add_handler(CommandHandler("stopcheckins", stop_checkins))
    application.add_handler(CommandHandler("checkincode", checkin_code))
    application.add_handler(CommandHandler("failedfollowups", failed_list))
    application.add_handler(CommandHandler("retryfollowup", retry_failed))

"""Follow-up answers (`fu:` buttons), client check-in opt-in (/checkin, /stopcheckins, `/start checkin-CODE`),
check-in codes for link workers (/checkincode) and failed follow-ups for admins (/failedfollowups, /retryfollowup).
Thin: parse, call `scheduler.*`, reply.
"""

from __future__ import annotations

import logging

from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from casework.referrals import get_referral
from handlers.kit import Turn, on_update, small_number, staff_only
from scheduler.admin import describe_failed, failed_followups, retry_failed_followups
from scheduler.answers import AnswerOutcome, record_answer
from scheduler.checkins import DEEP_LINK_PREFIX, issue_client_checkin_code, redeem_client_checkin, stop_client_checkins
from scheduler.messages import EXPIRED_BUTTON, parse_callback

log = logging.getLogger(__name__)

CHECKIN_CODE_TTL_HOURS = 24 * 14  # long enough to reach someone after discharge
PRIVATE_ONLY = "Please send me this in a private chat, so your details stay between us."
CHECKIN_HOW = "Please send the code your link worker gave you, like this: /checkin ABCD-EFGH"
MAX_RETRY_IDS = 50


@on_update()
def on_answer(turn: Turn) -> None:
    """A tap on a follow-up button: record it (once), then show the answer under the prompt."""
    parsed = parse_callback(turn.callback_data)
    if parsed is None:
        turn.toast(EXPIRED_BUTTON)
        return
    followup_id, answer = parsed
    result = record_answer(turn.session, followup_id, turn.user_id, answer, turn.services.followups.policy)
    log.info("follow-up %s answer: %s", followup_id, result.outcome)
    turn.toast(result.message)
    message = turn.update.callback_query.message if turn.update.callback_query else None
    if result.outcome != AnswerOutcome.EXPIRED and result.answered_line and message is not None:
        prompt = getattr(message, "text", None) or ""
        # an old copy of the prompt, or one already edited, can't be edited: the answer is recorded regardless
        turn.edit(f"{prompt}\n\n{result.answered_line}".strip(), or_send=False)


@on_update()
def checkin(turn: Turn) -> None:
    """/checkin CODE: a client opts in to check-in messages."""
    redeem_checkin(turn, turn.args)


def redeem_checkin(turn: Turn, code: str) -> None:
    """/checkin CODE, or `/start checkin-CODE` (a deep link from the link worker)."""
    if not turn.is_private:
        turn.say(PRIVATE_ONLY)
        return
    if not code.strip():
        turn.say(CHECKIN_HOW)
        return
    result = redeem_client_checkin(turn.session, code, turn.chat_id, turn.services.followups.policy)
    log.info("check-in opt-in %s", "accepted" if result.ok else "refused")
    turn.say(result.message)


@on_update()
def stop_checkins(turn: Turn) -> None:
    """/stopcheckins: no more check-in messages to this chat."""
    if stop_client_checkins(turn.session, turn.chat_id):
        turn.say(
            "Done. You won't get any more check-in messages from me. "
            "Your link worker can still contact you in the usual way."
        )
    else:
        turn.say("You're not signed up for check-in messages, so there's nothing to stop.")


@on_update(staff_only("casework"))
def checkin_code(turn: Turn) -> None:
    """/checkincode REF: a one-time code the link worker gives the client so the bot may check in with them."""
    send_checkin_code(turn, turn.args)


def send_checkin_code(turn: Turn, reference: str) -> None:
    """Issue a client check-in code for case `reference` (also the case card's button). Staff only."""
    if not turn.is_private:
        turn.say("Please ask me for check-in codes in a private chat.")
        return
    referral = get_referral(turn.session, reference)
    result = (
        issue_client_checkin_code(turn.session, referral, turn.user_id, turn.role, CHECKIN_CODE_TTL_HOURS)
        if referral
        else None
    )
    if result is None:
        turn.say("Please give the case reference, like this: /checkincode SP-7K3Q9X")
        return
    if not result.ok or result.code is None:
        turn.say(result.message)
        return
    link = f"https://t.me/{turn.context.bot.username}?start={DEEP_LINK_PREFIX}{result.code.replace('-', '')}"
    turn.say(
        f"{result.message} (valid for {CHECKIN_CODE_TTL_HOURS // 24} days, one use).\n"
        f"Ask the client to open {link} or send /checkin {result.code} to this bot. "
        "They can stop check-ins at any time with /stopcheckins."
    )


@on_update(staff_only("admin"))
def failed_list(turn: Turn) -> None:
    """/failedfollowups: what could not be delivered (admins)."""
    lines = describe_failed(turn.session, failed_followups(turn.session), turn.services.followups.policy)
    if not lines:
        turn.say("No failed follow-ups.")
        return
    turn.say(
        "Follow-ups that were not delivered (newest first):\n"
        + "\n".join(lines)
        + "\n\nTo try one again: /retryfollowup <number> (several: /retryfollowup 12 13; every one: /retryfollowup all)"
    )


@on_update(staff_only("admin"))
def retry_failed(turn: Turn) -> None:
    """/retryfollowup ID [ID ...] or /retryfollowup all: queue failed follow-ups again (admins)."""
    words = [word.strip(",").lstrip("#") for word in turn.args.split()]
    everything = [word.lower() for word in words] == ["all"]
    ids = [small_number(word) for word in words]
    if not words or (not everything and (None in ids or len(ids) > MAX_RETRY_IDS)):
        turn.say("Please give the follow-up numbers, like this: /retryfollowup 12 13 — or /retryfollowup all")
        return
    chosen = None if everything else [followup_id for followup_id in ids if followup_id is not None]
    queued = retry_failed_followups(turn.session, chosen, turn.services.followups.policy)
    if chosen is not None and len(chosen) == 1:
        turn.say(
            f"Follow-up #{chosen[0]} will be tried again shortly."
            if queued
            else f"Follow-up #{chosen[0]} isn't a failed follow-up, so nothing was changed."
        )
    else:
        turn.say(f"{queued} failed follow-up(s) will be tried again shortly." if queued
                 else "None of those is a failed follow-up, so nothing was changed.")


def register(application: Application) -> None:
    application.add_handler(CallbackQueryHandler(on_answer, pattern=r"^fu:"))
    application.add_handler(CommandHandler("checkin", checkin))
    application.add_handler(CommandHandler("stopcheckins", stop_checkins))
    application.add_handler(CommandHandler("checkincode", checkin_code))
    application.add_handler(CommandHandler("failedfollowups", failed_list))
    application.add_handler(CommandHandler("retryfollowup", retry_failed))

"""Staff on-boarding: admins create one-time invite codes (/invite role); staff redeem them (/join CODE)."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import Application, CommandHandler

from casework.invites import ROLE_LABELS, create_invite, redeem_invite
from casework.models import Role
from handlers.common import Context, command_args, db, display_name, ids, is_private, reply, require, runtime, user_role

log = logging.getLogger(__name__)
ROLE_WORDS = {
    "admin": Role.ADMIN,
    "linkworker": Role.LINK_WORKER,
    "link_worker": Role.LINK_WORKER,
    "link-worker": Role.LINK_WORKER,
    "ward": Role.WARD_STAFF,
    "ward_staff": Role.WARD_STAFF,
    "wardstaff": Role.WARD_STAFF,
}


async def invite(update: Update, context: Context) -> None:
    """/invite <ward|linkworker|admin> — admins only; replies with a one-time code."""
    if await require(update, context, "invite") is None:
        return
    if not is_private(update):
        await reply(update, "Please ask for invite codes in a private chat with me.")
        return
    role = ROLE_WORDS.get(command_args(context).strip().lower())
    if role is None:
        await reply(update, "Which role? Send /invite ward, /invite linkworker or /invite admin.")
        return
    _, user_id = ids(update)
    hours = runtime(context).settings.invite_ttl_hours
    with db(context) as session:
        code = create_invite(session, role, user_id, hours)
    log.info("invite created for role %s", role.value)
    await reply(
        update,
        f"Invite code for {ROLE_LABELS[role]}: {code}\n\nIt works once and expires in {hours} hours. "
        f"They should send me: /join {code}",
    )


async def join(update: Update, context: Context) -> None:
    """/join CODE — become staff with the invite's role."""
    if not is_private(update):
        await reply(update, "Please send /join to me in a private chat.")
        return
    code = command_args(context).strip()
    if not code or len(code) > 20:
        await reply(update, "Please send /join followed by your invite code, for example /join K7QM-3XRP.")
        return
    _, user_id = ids(update)
    with db(context) as session:
        result = redeem_invite(session, code, user_id, display_name(update))
    if result.ok:
        log.info("staff joined with role %s", result.role)
    await reply(update, result.message + (_ROLE_HINTS.get(result.role, "") if result.role else ""))


_ROLE_HINTS = {
    Role.WARD_STAFF: "\n\nSend /refer to make a social prescribing referral.",
    Role.LINK_WORKER: "\n\nSend /inbox to see new referrals and your cases.",
    Role.ADMIN: "\n\nYou can /invite staff, use /inbox and /report.",
}


async def whoami(update: Update, context: Context) -> None:
    """/whoami — what the bot thinks you are."""
    _, user_id = ids(update)
    role = user_role(context, user_id)
    text = f"You're registered as {ROLE_LABELS[role]}." if role else "You're using the public directory (not staff)."
    await reply(update, text)


def register(application: Application) -> None:
    application.add_handler(CommandHandler("invite", invite))
    application.add_handler(CommandHandler("join", join))
    application.add_handler(CommandHandler("whoami", whoami))

"""Staff on-boarding: admins create one-time invite codes (/invite role); staff redeem them (/join CODE)."""

from __future__ import annotations

import logging

from telegram.ext import Application, CommandHandler

from casework.invites import ROLE_LABELS, create_invite, redeem_invite
from casework.models import Role
from handlers.kit import Turn, on_update, private_only, staff_only

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
_ROLE_HINTS = {
    Role.WARD_STAFF: "\n\nSend /refer to make a social prescribing referral.",
    Role.LINK_WORKER: "\n\nSend /inbox to see new referrals and your cases.",
    Role.ADMIN: "\n\nYou can /invite staff, use /inbox and /report.",
}


@on_update(staff_only("invite"), private_only("Please ask for invite codes in a private chat with me."))
def invite(turn: Turn) -> None:
    """/invite <ward|linkworker|admin> — admins only; replies with a one-time code."""
    role = ROLE_WORDS.get(turn.args.strip().lower())
    if role is None:
        turn.say("Which role? Send /invite ward, /invite linkworker or /invite admin.")
        return
    hours = turn.settings.invite_ttl_hours
    code = create_invite(turn.session, role, turn.user_id, hours)
    log.info("invite created for role %s", role.value)
    turn.say(
        f"Invite code for {ROLE_LABELS[role]}: {code}\n\nIt works once and expires in {hours} hours. "
        f"They should send me: /join {code}"
    )


@on_update(private_only("Please send /join to me in a private chat."))
def join(turn: Turn) -> None:
    """/join CODE — become staff with the invite's role."""
    code = turn.args.strip()
    if not code or len(code) > 20:
        turn.say("Please send /join followed by your invite code, for example /join K7QM-3XRP.")
        return
    result = redeem_invite(turn.session, code, turn.user_id, turn.display_name)
    if result.ok:
        log.info("staff joined with role %s", result.role)
    turn.say(result.message + (_ROLE_HINTS.get(result.role, "") if result.role else ""))


@on_update()
def whoami(turn: Turn) -> None:
    """/whoami — what the bot thinks you are."""
    role = turn.role
    turn.say(f"You're registered as {ROLE_LABELS[role]}." if role else "You're using the public directory (not staff).")


def register(application: Application) -> None:
    application.add_handler(CommandHandler("invite", invite))
    application.add_handler(CommandHandler("join", join))
    application.add_handler(CommandHandler("whoami", whoami))

"""Staff access: admins create one-time invite codes (/invite role) and manage staff (/staff: suspend, reactivate,
remove leavers); staff redeem codes (/join CODE). Every change is audited (casework.staff)."""

from __future__ import annotations

import logging

from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from casework.invites import ROLE_LABELS, create_invite
from casework.models import Role
from casework.providers import organisation_for
from casework.staff import (
    StaffOutcome,
    audit,
    join_with_code,
    reactivate_staff,
    remove_staff,
    staff_list,
    suspend_staff,
)
from handlers.kit import STALE_BUTTON, Turn, callback_parts, on_update, private_only, small_number, staff_only
from handlers.menus import commands_for
from handlers.team import announce_new_referral

log = logging.getLogger(__name__)
ROLE_WORDS = {
    "admin": Role.ADMIN,
    "linkworker": Role.LINK_WORKER,
    "link_worker": Role.LINK_WORKER,
    "link-worker": Role.LINK_WORKER,
    "ward": Role.WARD_STAFF,
    "ward_staff": Role.WARD_STAFF,
    "wardstaff": Role.WARD_STAFF,
    "provider": Role.PROVIDER,
}
_ROLE_HINTS = {
    Role.WARD_STAFF: "\n\nSend /refer to make a social prescribing referral.",
    Role.LINK_WORKER: "\n\nSend /inbox to see new referrals and your cases.",
    Role.ADMIN: "\n\nYou can /invite staff, use /inbox and /report.",
    Role.PROVIDER: "\n\nReferrals to your services arrive here with buttons to answer; /referrals lists open ones "
                   "and /capacity says whether you're taking people on.",
}
_MENU_HINT = " Your staff commands are in the menu (the / button); /help explains them."


@on_update(staff_only("invite"), private_only("Please ask for invite codes in a private chat with me."))
def invite(turn: Turn) -> None:
    """/invite <ward|linkworker|admin> or /invite provider <organisation or service id> — admins only; replies
    with a one-time code."""
    word, _, target = turn.args.strip().partition(" ")
    role = ROLE_WORDS.get(word.lower())
    if role is None or (target and role != Role.PROVIDER):
        turn.say("Which role? Send /invite ward, /invite linkworker, /invite admin, or /invite provider followed by "
                 "the organisation's or one of its services' id.")
        return
    organisation = organisation_for(turn.session, target) if role == Role.PROVIDER else None
    if role == Role.PROVIDER and organisation is None:
        turn.say("Which organisation? Send /invite provider followed by the id of the organisation or of one of its "
                 "services, as in the directory (e.g. /invite provider norfolk-citizens-advice).")
        return
    hours = turn.settings.invite_ttl_hours
    code = create_invite(turn.session, role, turn.user_id, hours, organisation.id if organisation else None)
    audit(turn.session, "invite_created", turn.user_id, None,
          role.value + (f" for {organisation.id}" if organisation else ""))
    log.info("invite created for role %s", role.value)
    label = f"a provider for {organisation.name}" if organisation else ROLE_LABELS[role]
    turn.say(
        f"Invite code for {label}: {code}\n\nIt works once and expires in {hours} hours. "
        f"They should send me: /join {code}"
    )


@on_update(private_only("Please send /join to me in a private chat."))
def join(turn: Turn) -> None:
    """/join CODE — become staff with the invite's role."""
    code = turn.args.strip()
    if not code or len(code) > 20:
        turn.say("Please send /join followed by your invite code, for example /join K7QM-3XRP.")
        return
    result = join_with_code(turn.session, code, turn.user_id, turn.display_name)
    if result.ok:
        log.info("staff joined with role %s", result.role)
    else:  # never the code itself: a near-miss code is most of a working one
        log.warning("failed /join attempt by user %s: %s", turn.user_id, result.failure or "rate limited")
    turn.say(result.message + (_ROLE_HINTS.get(result.role, "") + _MENU_HINT if result.role else ""))
    if result.ok and result.role:
        turn.set_menu(turn.chat_id, commands_for(result.role))


@on_update()
def whoami(turn: Turn) -> None:
    """/whoami — what the bot thinks you are."""
    role = turn.role
    turn.say(f"You're registered as {ROLE_LABELS[role]}." if role else "You're using the public directory (not staff).")


MAX_LISTED = 25  # people shown with buttons in one /staff message (Telegram allows 100 buttons)
STAFF_ACTIONS = {"sus": suspend_staff, "on": reactivate_staff, "rmy": remove_staff}


@on_update(staff_only("admin"), private_only("Please manage staff in a private chat with me."))
def staff_command(turn: Turn) -> None:
    """/staff: everyone with staff access, with buttons to suspend, reactivate or remove (leavers)."""
    people = staff_list(turn.session)
    if not people:
        turn.say("No staff have joined yet. Send /invite ward, /invite linkworker, /invite admin or /invite provider "
                 "<organisation id>.")
        return
    lines, rows = [f"Staff ({len(people)}):"], []
    for number, (person, open_cases) in enumerate(people[:MAX_LISTED], start=1):
        state = "active" if person.active else "suspended"
        role = ROLE_LABELS[person.role] + (f" for {person.organisation_id}" if person.organisation_id else "")
        lines.append(f"{number}. {person.display_name or person.telegram_user_id} — {role}, "
                     f"{state}, joined {person.created_at:%d/%m/%Y}, {open_cases} open case(s)")
        toggle = ("Suspend", f"st:sus:{person.id}") if person.active else ("Reactivate", f"st:on:{person.id}")
        rows.append([(f"{number}. {toggle[0]}", toggle[1]), (f"{number}. Remove (left)", f"st:rm:{person.id}")])
    if len(people) > MAX_LISTED:
        lines.append(f"…and {len(people) - MAX_LISTED} more.")
    turn.say("\n".join(lines), rows)


@on_update(staff_only("admin"), private_only("Please manage staff in a private chat with me."))
def on_staff_button(turn: Turn) -> None:
    """`st:<sus|on|rm|rmy>:<staff id>`: suspend, reactivate, ask to confirm removal, remove."""
    parts = callback_parts(turn, "st", 2)
    staff_id = small_number(parts[1]) if parts else None
    if parts is None or staff_id is None or parts[0] not in {*STAFF_ACTIONS, "rm", "no"}:
        turn.say(STALE_BUTTON)
        return
    if parts[0] == "no":
        turn.edit("OK, nothing has been changed.")
        return
    if parts[0] == "rm":
        turn.edit(
            "Remove this person for good? They lose access at once, and their open cases go back to the team's "
            "unclaimed list. (For a break, use Suspend instead.)",
            [[("Yes, remove", f"st:rmy:{staff_id}"), ("Cancel", f"st:no:{staff_id}")]],
        )
        return
    outcome = STAFF_ACTIONS[parts[0]](turn.session, staff_id, turn.user_id, turn.settings.admin_user_ids)
    turn.edit(outcome.message)
    if outcome.ok and outcome.subject is not None:
        menu = commands_for(outcome.menu_role) if outcome.menu_role else ()
        turn.set_menu(outcome.subject.telegram_user_id, menu)
    if outcome.ok:
        log.info("staff %s: %s by admin %s", staff_id, parts[0], turn.user_id)
        _tidy_after_removal(turn, outcome, staff_id)


def _tidy_after_removal(turn: Turn, outcome: StaffOutcome, leaver_id: int) -> None:
    """A leaver's cases go back to the team chat to be claimed again; their case cards are taken out of their chat."""
    for referral in outcome.released:
        announce_new_referral(turn, referral, heading="Back with the team (its link worker has left)",
                              occasion=f"handed-back:{leaver_id}")
    for card in outcome.cards:
        turn.delete(card.message_id, chat_id=card.chat_id, instead="This case card was removed: you no longer have "
                    "access to cases.")


def register(application: Application) -> None:
    application.add_handler(CommandHandler("staff", staff_command))
    application.add_handler(CallbackQueryHandler(on_staff_button, pattern=r"^st:"))
    application.add_handler(CommandHandler("invite", invite))
    application.add_handler(CommandHandler("join", join))
    application.add_handler(CommandHandler("whoami", whoami))

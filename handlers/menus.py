"""The command menu and /help for each role: what a client, ward nurse, link worker or admin can do.

Telegram shows a chat's own menu (`BotCommandScopeChat`) over the default one, so each member of staff gets theirs
when they join or their role changes, and loses it when they are suspended or removed (see `handlers.staff`).
"""

from __future__ import annotations

from casework.models import Role

Commands = tuple[tuple[str, str], ...]

PUBLIC_COMMANDS: Commands = (
    ("start", "Start here"),
    ("help", "How this bot can help"),
    ("find", "Find local support, e.g. /find debt advice"),
    ("talk", "Ask for a call back from a person"),
    ("language", "Change language"),
)
WARD_COMMANDS: Commands = (
    ("refer", "Refer a patient for social prescribing"),
    ("status", "Where a referral you made is now: /status <reference>"),
    ("cancel", "Stop what you are doing"),
)
LINK_WORKER_COMMANDS: Commands = (
    ("inbox", "Referrals waiting for a link worker"),
    ("case", "Open a case: /case <reference>"),
    ("report", "Figures, e.g. /report last month"),
)
ADMIN_COMMANDS: Commands = (
    ("invite", "Create a one-time staff invite code"),
    ("staff", "Staff list: suspend or remove a leaver"),
    ("listings", "Listings nobody has checked lately"),
    ("failedfollowups", "Follow-ups that could not be sent"),
)
PROVIDER_COMMANDS: Commands = (
    ("referrals", "Referrals to your services waiting for an answer"),
    ("capacity", "Say whether a service is taking people on"),
    ("cancel", "Stop what you are doing"),
)
ROLE_COMMANDS: dict[Role, Commands] = {
    Role.WARD_STAFF: WARD_COMMANDS,
    Role.LINK_WORKER: (*WARD_COMMANDS[:2], *LINK_WORKER_COMMANDS, *WARD_COMMANDS[2:]),
    Role.ADMIN: (*WARD_COMMANDS[:2], *LINK_WORKER_COMMANDS, *ADMIN_COMMANDS, *WARD_COMMANDS[2:]),
    Role.PROVIDER: PROVIDER_COMMANDS,
}
TEAM_CHAT_COMMANDS: Commands = (("inbox", "Referrals waiting for a link worker"), ("report", "Figures"))

STAFF_HELP: dict[Role, str] = {
    Role.WARD_STAFF: (
        "You're registered as ward staff.\n"
        "• /refer — refer a patient for social prescribing (about a minute; you can change any answer before "
        "sending).\n"
        "• After sending, you can send the patient a large-print handout of services from the message with the "
        "reference.\n"
        "• /status SP-XXXXXX — where a referral you made is now.\n"
        "• /cancel — stop a referral in progress (nothing is saved).\n"
        "• I'll message you when a link worker picks your referral up, and when the case closes."
    ),
    Role.LINK_WORKER: (
        "You're registered as a link worker.\n"
        "• /inbox — unclaimed referrals (self-referrals too) and your open cases, most urgent first.\n"
        "• /case SP-XXXXXX — open a case: claim it, record contact, signpost to services, send a large-print "
        "handout, close it.\n"
        "• /report last month — referral figures (also \"this month\", \"last week\", or dates).\n"
        "• /refer — make a referral yourself. /cancel stops what you are doing."
    ),
    Role.ADMIN: (
        "You're registered as an admin.\n"
        "• /invite ward, /invite linkworker or /invite admin — one-time codes for new staff.\n"
        "• /invite provider <organisation or service id> — a code for a service's own staff.\n"
        "• /staff — suspend, reactivate or remove a leaver. /listings — listings nobody has checked lately.\n"
        "• /inbox, /case, /report and /refer as link workers have; /failedfollowups for messages that could "
        "not be sent."
    ),
    Role.PROVIDER: (
        "You're registered for your organisation's services.\n"
        "• Referrals on arrive here as messages: Accept, Waiting list or Can't help; later, who attended.\n"
        "• /referrals — the ones waiting for your answer.\n"
        "• /capacity — say whether a service is open, has a waiting list, or is closed for now.\n"
        "• I'll sometimes ask \"Is this still right?\" about your listing: one tap keeps it up to date."
    ),
}


def commands_for(role: Role | None) -> Commands:
    """The menu a person with `role` sees in their private chat with the bot (clients: the public one)."""
    return (*PUBLIC_COMMANDS[:3], *ROLE_COMMANDS[role]) if role is not None else PUBLIC_COMMANDS

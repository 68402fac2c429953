"""/forgetme: a client removes what the bot holds about them."""

from __future__ import annotations

from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from handlers.kit import Turn, on_update
from scheduler.privacy import forget_client

STAFF_REFUSAL = "You're registered as staff. Please ask an admin to remove your access."


def _clients_only(turn: Turn) -> bool:
    """Staff are removed by an admin, not by /forgetme (a forged tap from staff changes nothing)."""
    if turn.role is None:
        return True
    turn.edit(STAFF_REFUSAL)
    return False


@on_update(_clients_only)
def forgetme(turn: Turn) -> None:
    turn.say(
        "This removes your check-in reminders and anything you were in the middle of with me. "
        "Your link worker's case notes are kept by the service under its own rules. Go ahead?",
        [[("Yes, forget me", "forget:yes"), ("No, keep", "forget:no")]],
    )


@on_update()
def on_forget_button(turn: Turn) -> None:
    if turn.callback_data != "forget:yes":
        turn.edit("OK, nothing has been changed.")
        return
    if not _clients_only(turn):
        return
    forget_client(turn.session, turn.user_id, turn.runtime.cipher.pseudonym(turn.user_id))
    turn.edit("Done. I've removed your check-ins and anything in progress. Take care.")


def register(application: Application) -> None:
    application.add_handler(CommandHandler("forgetme", forgetme))
    application.add_handler(CallbackQueryHandler(on_forget_button, pattern=r"^forget:(yes|no)$"))

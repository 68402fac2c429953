"""/forgetme: a client removes what the bot holds about them."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from casework.privacy import forget_client
from handlers.common import Context, answer_callback, db, edit_or_reply, ids, reply, user_role

STAFF_REFUSAL = "You're registered as staff. Please ask an admin to remove your access."


async def forgetme(update: Update, context: Context) -> None:
    _, user_id = ids(update)
    if user_role(context, user_id) is not None:
        await reply(update, STAFF_REFUSAL)
        return
    await reply(
        update,
        "This removes your check-in reminders and anything you were in the middle of with me. "
        "Your link worker's case notes are kept by the service under its own rules. Go ahead?",
        [[("Yes, forget me", "forget:yes"), ("No, keep", "forget:no")]],
    )


async def on_forget_button(update: Update, context: Context) -> None:
    assert update.callback_query is not None
    await answer_callback(update.callback_query)
    if update.callback_query.data != "forget:yes":
        await edit_or_reply(update, "OK, nothing has been changed.")
        return
    _, user_id = ids(update)
    if user_role(context, user_id) is not None:  # staff never see the button; a forged tap changes nothing
        await edit_or_reply(update, STAFF_REFUSAL)
        return
    with db(context) as session:
        forget_client(session, user_id)
    await edit_or_reply(update, "Done. I've removed your check-ins and anything in progress. Take care.")


def register(application: Application) -> None:
    application.add_handler(CommandHandler("forgetme", forgetme))
    application.add_handler(CallbackQueryHandler(on_forget_button, pattern=r"^forget:(yes|no)$"))

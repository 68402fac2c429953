"""/report [period]: a short summary and a chart for link workers and admins."""

from __future__ import annotations

import asyncio
import logging

from telegram import Update
from telegram.ext import Application, CommandHandler

from casework.roles import may
from handlers.common import NOT_ALLOWED, Context, command_args, is_private, reply, runtime, user_role
from reports.chart import render_chart
from reports.figures import build_report
from reports.period import PeriodError, local_today, parse_period
from reports.text import summary_text

log = logging.getLogger(__name__)

STAFF_NOT_ALLOWED = "Sorry, reports are only for link workers and admins. Please ask your social prescribing lead."
PRIVATE_ONLY = "Please ask for reports in a private chat with me (or in the link worker team chat)."


async def report_command(update: Update, context: Context) -> None:
    """Reply with the report for the period typed after /report (default: the last 30 days)."""
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None:
        return
    role = user_role(context, user.id)
    if not may(role, "report"):
        await reply(update, NOT_ALLOWED if role is None else STAFF_NOT_ALLOWED)
        return
    settings = runtime(context).settings
    if not (is_private(update) or chat.id == settings.link_worker_chat_id):
        await reply(update, PRIVATE_ONLY)
        return
    try:
        period = parse_period(command_args(context), local_today(settings.tz))
    except PeriodError as problem:
        await reply(update, str(problem))
        return
    data = await asyncio.to_thread(build_report, runtime(context).engine, period, settings.tz)
    await reply(update, summary_text(data))
    chart = await asyncio.to_thread(render_chart, data)
    await context.bot.send_photo(chat.id, photo=chart, caption=f"Signpost report: {period.label}")
    log.info("report sent to user %s for %s..%s", user.id, period.start, period.end)


def register(application: Application) -> None:
    application.add_handler(CommandHandler("report", report_command))

"""/report [period]: a short summary and a chart for link workers and admins."""

from __future__ import annotations

import logging

from telegram.ext import Application, CommandHandler

from handlers.kit import Turn, on_update, staff_only
from reports.chart import render_chart
from reports.figures import build_report
from reports.period import Period, PeriodError, parse_period
from reports.text import summary_text

log = logging.getLogger(__name__)

STAFF_NOT_ALLOWED = "Sorry, reports are only for link workers and admins. Please ask your social prescribing lead."
PRIVATE_ONLY = "Please ask for reports in a private chat with me (or in the link worker team chat)."


def _private_or_team_chat(turn: Turn) -> bool:
    if turn.is_private or turn.in_team_chat:
        return True
    turn.say(PRIVATE_ONLY)
    return False


@on_update(staff_only("report", STAFF_NOT_ALLOWED), _private_or_team_chat)
def report_command(turn: Turn) -> None:
    """Reply with the report for the period typed after /report (default: the last 30 days)."""
    try:
        period = parse_period(turn.args, turn.today())
    except PeriodError as problem:
        turn.say(str(problem))
        return
    turn.after_commit(lambda: _answer_with_report(turn, period))


def _answer_with_report(turn: Turn, period: Period) -> None:
    """The figures (in their own read transaction, after the update's has committed: a year's report holds up no
    one else's update), the summary and the chart."""
    data = build_report(turn.runtime.engine, period, turn.settings.tz)
    turn.say(summary_text(data, show_search_terms=turn.is_private))
    if data.is_empty:
        turn.say(f"Nothing was recorded from {period.label}, so there is no chart to show. "
                 "Try a longer period, for example /report this year.")
    else:
        turn.photo(render_chart(data), f"Signpost report: {period.label}")
    log.info("report sent to user %s for %s..%s", turn.user_id, period.start, period.end)


def register(application: Application) -> None:
    application.add_handler(CommandHandler("report", report_command))

"""Report periods: whole local days, parsed from what people type after /report."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

DEFAULT_DAYS = 30
PERIOD_HELP = (
    "Say which period you want: nothing (last 30 days), 'last month' (or just 'month'), 'this month', "
    "'last week', 'this week', 'last quarter', '2025-03' (a month) or '2025-01-01 2025-03-31' (from and to dates)."
)
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_DAY = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}$")


FIRST_YEAR, LAST_YEAR = 2000, 2100  # reports outside these years are typing mistakes


class PeriodError(ValueError):
    """The period text could not be understood; the message is safe to show to the user."""


@dataclass(frozen=True)
class Period:
    """From `start` to `end`, both whole local days and both included."""

    start: date
    end: date

    def __post_init__(self) -> None:
        for day in (self.start, self.end):
            if not FIRST_YEAR <= day.year <= LAST_YEAR:
                raise PeriodError(f"Please choose dates between {FIRST_YEAR} and {LAST_YEAR}. {PERIOD_HELP}")
        if self.start > self.end:
            raise PeriodError(f"The start date ({self.start:%d %b %Y}) is after the end date ({self.end:%d %b %Y}).")

    @property
    def label(self) -> str:
        """Human label, e.g. '1 Mar 2025 to 31 Mar 2025'."""
        return f"{_day(self.start)} to {_day(self.end)}"

    def utc_bounds(self, tz: ZoneInfo) -> tuple[datetime, datetime]:
        """Aware-UTC [from, until) covering the local days, to compare with stored timestamps."""
        return _local_midnight_utc(self.start, tz), _local_midnight_utc(self.end + timedelta(days=1), tz)

    def months(self) -> list[str]:
        """Every 'YYYY-MM' the period touches, in order."""
        labels, cursor = [], self.start.replace(day=1)
        while cursor <= self.end:
            labels.append(f"{cursor:%Y-%m}")
            cursor = _next_month(cursor)
        return labels


def parse_period(text: str | None, today: date) -> Period:
    """The period meant by `text` (see PERIOD_HELP); raises PeriodError with a friendly message."""
    words = (text or "").strip().lower().split()
    if not words:
        return Period(today - timedelta(days=DEFAULT_DAYS - 1), today)
    if (named := _NAMED.get(" ".join(words))) is not None:
        return named(today)
    if len(words) == 1 and (match := _MONTH.match(words[0])):
        year, month = int(match.group(1)), int(match.group(2))
        if not 1 <= month <= 12:
            raise PeriodError(f"There is no month {month}. {PERIOD_HELP}")
        if not FIRST_YEAR <= year <= LAST_YEAR:
            raise PeriodError(f"Please choose a month between {FIRST_YEAR} and {LAST_YEAR}. {PERIOD_HELP}")
        first = date(year, month, 1)
        return Period(first, _next_month(first) - timedelta(days=1))
    if len(words) == 2 and all(_DAY.match(word) for word in words):
        return Period(_parse_day(words[0]), _parse_day(words[1]))
    raise PeriodError(f"Sorry, I did not understand that period. {PERIOD_HELP}")


def _last_month(today: date) -> Period:
    last_month_end = today.replace(day=1) - timedelta(days=1)
    return Period(last_month_end.replace(day=1), last_month_end)


def _last_quarter(today: date) -> Period:
    this_quarter_start = today.replace(month=3 * ((today.month - 1) // 3) + 1, day=1)
    last_quarter_end = this_quarter_start - timedelta(days=1)
    return Period(last_quarter_end.replace(month=last_quarter_end.month - 2, day=1), last_quarter_end)


def _this_week(today: date) -> Period:
    return Period(today - timedelta(days=today.weekday()), today)


def _last_week(today: date) -> Period:
    monday = today - timedelta(days=today.weekday() + 7)
    return Period(monday, monday + timedelta(days=6))


# Periods said in words (weeks run Monday to Sunday, as the NHS and most rotas count them).
_NAMED = {
    "month": _last_month, "last month": _last_month, "previous month": _last_month,
    "this month": lambda today: Period(today.replace(day=1), today),
    "quarter": _last_quarter, "last quarter": _last_quarter,
    "this quarter": lambda today: Period(today.replace(month=3 * ((today.month - 1) // 3) + 1, day=1), today),
    "week": _last_week, "last week": _last_week, "previous week": _last_week, "this week": _this_week,
    "this year": lambda today: Period(today.replace(month=1, day=1), today),
    "today": lambda today: Period(today, today),
}  # fmt: skip


def _parse_day(word: str) -> date:
    try:
        return date.fromisoformat(word)
    except ValueError:
        raise PeriodError(f"'{word[:20]}' is not a date like 2025-03-31. {PERIOD_HELP}") from None


def _next_month(first_of_month: date) -> date:
    return (first_of_month.replace(day=28) + timedelta(days=4)).replace(day=1)


def _local_midnight_utc(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(), tzinfo=tz).astimezone(UTC)


def _day(value: date) -> str:
    return f"{value.day} {value:%b %Y}"

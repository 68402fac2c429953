"""What people can type after /report, and which days and hours that covers."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from reports.period import Period, PeriodError, parse_period
from reports.received import utc_offsets

TODAY = date(2025, 5, 15)
LONDON = ZoneInfo("Europe/London")


@pytest.mark.parametrize(
    ("typed", "start", "end"),
    [
        ("", date(2025, 4, 16), date(2025, 5, 15)),  # last 30 days, today included
        ("   ", date(2025, 4, 16), date(2025, 5, 15)),
        ("month", date(2025, 4, 1), date(2025, 4, 30)),  # last full calendar month
        ("MONTH", date(2025, 4, 1), date(2025, 4, 30)),
        ("quarter", date(2025, 1, 1), date(2025, 3, 31)),  # last full quarter
        ("2025-02", date(2025, 2, 1), date(2025, 2, 28)),
        ("2024-02", date(2024, 2, 1), date(2024, 2, 29)),
        ("2024-12", date(2024, 12, 1), date(2024, 12, 31)),
        ("2025-01-06 2025-03-09", date(2025, 1, 6), date(2025, 3, 9)),
        ("2025-03-09 2025-03-09", date(2025, 3, 9), date(2025, 3, 9)),
        ("last month", date(2025, 4, 1), date(2025, 4, 30)),  # TODAY is Thursday 15 May 2025
        ("this month", date(2025, 5, 1), date(2025, 5, 15)),
        ("Last Week", date(2025, 5, 5), date(2025, 5, 11)),  # Monday to Sunday
        ("this week", date(2025, 5, 12), date(2025, 5, 15)),
        ("last quarter", date(2025, 1, 1), date(2025, 3, 31)),
    ],
)
def test_typed_periods(typed: str, start: date, end: date) -> None:
    assert parse_period(typed, TODAY) == Period(start, end)


def test_no_text_means_last_30_days() -> None:
    period = parse_period(None, TODAY)
    assert (period.end - period.start).days + 1 == 30


def test_quarter_in_january_is_last_years_final_quarter() -> None:
    assert parse_period("quarter", date(2025, 1, 10)) == Period(date(2024, 10, 1), date(2024, 12, 31))


def test_month_in_january_is_last_december() -> None:
    assert parse_period("month", date(2025, 1, 31)) == Period(date(2024, 12, 1), date(2024, 12, 31))


@pytest.mark.parametrize(
    ("typed", "hint"),
    [
        ("2025-03-31 2025-03-01", "after the end date"),
        ("2025-13", "no month 13"),
        ("last fortnight", "did not understand"),  # issue 17: 'last week' works now
        ("2025-03-01 soon", "did not understand"),
        ("yesterday", "did not understand"),
        ("2025-02-30 2025-03-01", "is not a date"),
        ("2025-01-01 2025-02-01 2025-03-01", "did not understand"),
        ("0000-01", "between 2000 and 2100"),
        ("9999-12", "between 2000 and 2100"),
        ("0001-01-01 9999-12-31", "between 2000 and 2100"),
    ],
)
def test_unclear_periods_are_explained(typed: str, hint: str) -> None:
    with pytest.raises(PeriodError) as problem:
        parse_period(typed, TODAY)
    assert hint in str(problem.value)


def test_a_misunderstood_period_shows_what_to_type() -> None:
    with pytest.raises(PeriodError) as problem:
        parse_period("fortnight", TODAY)
    assert "'month'" in str(problem.value) and "2025-01-01 2025-03-31" in str(problem.value)


def test_label_is_plain_english() -> None:
    assert Period(date(2025, 3, 1), date(2025, 3, 31)).label == "1 Mar 2025 to 31 Mar 2025"


def test_local_days_become_utc_bounds_across_the_clock_change() -> None:
    since, until = Period(date(2025, 3, 1), date(2025, 3, 31)).utc_bounds(LONDON)
    assert since == datetime(2025, 3, 1, 0, 0, tzinfo=UTC)  # GMT
    assert until == datetime(2025, 3, 31, 23, 0, tzinfo=UTC)  # midnight BST on 1 April


def test_months_touched_run_across_a_year_end() -> None:
    assert Period(date(2024, 11, 20), date(2025, 1, 5)).months() == ["2024-11", "2024-12", "2025-01"]


@pytest.mark.parametrize(("zone", "start", "end", "expected"), [
    ("Europe/London", date(2025, 4, 1), date(2026, 3, 31),
     [(datetime(2025, 10, 26, 1, tzinfo=UTC), 3600), (datetime(2026, 3, 29, 1, tzinfo=UTC), 0),
      (datetime(2026, 3, 31, 23, tzinfo=UTC), 3600)]),
    ("Europe/London", date(2025, 12, 1), date(2025, 12, 31), [(datetime(2026, 1, 1, tzinfo=UTC), 0)]),
    ("America/St_Johns", date(2025, 10, 1), date(2025, 11, 30),
     [(datetime(2025, 11, 2, 4, 30, tzinfo=UTC), -9000), (datetime(2025, 12, 1, 3, 30, tzinfo=UTC), -12600)]),
])  # fmt: skip
def test_utc_offsets_over_a_period(zone: str, start: date, end: date, expected: list[tuple[datetime, int]]) -> None:
    """Each stretch of one offset from UTC ends at the very second the clocks change (local days in SQL use them)."""
    tz = ZoneInfo(zone)
    assert utc_offsets(*Period(start, end).utc_bounds(tz), tz) == expected

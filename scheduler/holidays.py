"""England & Wales bank holidays, from the `holidays` package (substitute days and one-off holidays included).

The package lists a fixed holiday on its own date as well as its weekday substitute ("observed"); only weekdays are
kept, so a bank holiday is always a day people would otherwise work. tests/test_followup_policy.py pins the
gov.uk list for 2025–2028 against it.
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache

import holidays

COUNTRY, SUBDIVISION = "GB", "ENG"  # England (and Wales: the same bank holidays)


@lru_cache(maxsize=64)
def bank_holidays(year: int) -> frozenset[date]:
    """The weekday bank holidays in `year`."""
    calendar = holidays.country_holidays(COUNTRY, subdiv=SUBDIVISION, years=year)
    return frozenset(day for day in calendar if day.year == year and day.weekday() < 5)


def is_bank_holiday(day: date) -> bool:
    return day in bank_holidays(day.year)

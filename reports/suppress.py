"""Statistical disclosure control for exports meant for sharing outside the team.

In a shareable export every count of people or signpostings is shown as:
0 as 0; 1-4 as "<5"; 5 or more rounded to the nearest 5 (so a hidden small number cannot be worked out by
subtracting the other cells from a total). A percentage is suppressed when its numerator, its denominator or the
difference between them is 1-4. Internal exports (shareable=False) show exact figures.
"""

from __future__ import annotations

SMALL = "<5"
SUPPRESSED = "suppressed"
NO_DATA = "n/a"
SMALLEST_SHOWN = 5
ROUND_TO = 5


def is_small(n: int) -> bool:
    """A count that could identify someone (1-4)."""
    return 0 < n < SMALLEST_SHOWN


def shown_count(n: int, shareable: bool) -> int | str:
    """The count as published."""
    if not shareable:
        return n
    if is_small(n):
        return SMALL
    return ROUND_TO * round(n / ROUND_TO)


def shown_percent(part: int, whole: int, shareable: bool) -> float | str:
    """`part` as a percentage of `whole` (one decimal place), NO_DATA when `whole` is 0."""
    if whole == 0:
        return NO_DATA
    if shareable and any(is_small(n) for n in (part, whole, whole - part)):
        return SUPPRESSED
    return round(100 * part / whole, 1)


def shown_statistic(value: float | None, n: int, shareable: bool) -> float | str:
    """A summary statistic (e.g. a median) over `n` cases: suppressed when `n` is small in a shareable export."""
    if value is None:
        return NO_DATA
    if shareable and is_small(n):
        return SUPPRESSED
    return round(value, 1)

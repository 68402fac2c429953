"""Opening hours as link workers write them: which times count as open."""

from __future__ import annotations

from datetime import datetime

import pytest

from directory.opening_hours import OpeningSlot, is_open, parse_opening_hours

# 2025-06-02 is a Monday.
MONDAY, TUESDAY, WEDNESDAY, THURSDAY, FRIDAY, SATURDAY, SUNDAY = (2, 3, 4, 5, 6, 7, 8)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2025, 6, day, hour, minute)


def test_weekday_and_saturday_hours_are_parsed_into_slots() -> None:
    slots = parse_opening_hours("Mon-Fri 09:00-17:00; Sat 10:00-13:00")

    assert len(slots) == 6
    assert OpeningSlot(0, 9 * 60, 17 * 60) in slots
    assert OpeningSlot(5, 10 * 60, 13 * 60) in slots
    assert not any(slot.weekday == 6 for slot in slots)


@pytest.mark.parametrize(
    ("when", "expected"),
    [
        (at(MONDAY, 9), True),
        (at(WEDNESDAY, 16, 59), True),
        (at(FRIDAY, 17), False),  # closing time itself is closed
        (at(TUESDAY, 8, 59), False),
        (at(SATURDAY, 11), True),
        (at(SATURDAY, 13, 30), False),
        (at(SUNDAY, 11), False),
    ],
)
def test_open_during_listed_hours_only(when: datetime, expected: bool) -> None:
    assert is_open("Mon-Fri 09:00-17:00; Sat 10:00-13:00", when) is expected


def test_comma_separated_days() -> None:
    hours = "Tue,Thu 10:00-12:00"

    assert is_open(hours, at(TUESDAY, 10, 30))
    assert is_open(hours, at(THURSDAY, 11, 59))
    assert not is_open(hours, at(WEDNESDAY, 10, 30))
    assert not is_open(hours, at(THURSDAY, 12))


def test_always_open() -> None:
    for text in ("24/7", "24 hours, 7 days a week", "Always open"):
        assert is_open(text, at(SUNDAY, 3, 15)), text
        assert is_open(text, at(WEDNESDAY, 23, 59)), text


def test_several_ranges_in_one_day() -> None:
    hours = "Mon 09:00-12:00, 13:00-16:00"

    assert is_open(hours, at(MONDAY, 11))
    assert not is_open(hours, at(MONDAY, 12, 30))
    assert is_open(hours, at(MONDAY, 15))


def test_hours_past_midnight_carry_into_the_next_day() -> None:
    hours = "Fri 22:00-02:00"

    assert is_open(hours, at(FRIDAY, 23))
    assert is_open(hours, at(SATURDAY, 1, 30))
    assert not is_open(hours, at(SATURDAY, 2))
    assert not is_open(hours, at(FRIDAY, 21))


@pytest.mark.parametrize(
    ("text", "when"),
    [
        ("Weekdays 9am-5pm", at(THURSDAY, 16)),
        ("Daily 8:30-20:00", at(SUNDAY, 8, 30)),
        ("Sat & Sun 10-4", at(SUNDAY, 15)),  # people mean 10am to 4pm
        ("Mon to Fri 9 to 5pm", at(FRIDAY, 12)),
        ("Wednesdays 10:00-12:00", at(WEDNESDAY, 10)),
        ("Mon 5-9pm", at(MONDAY, 18)),
    ],
)
def test_everyday_ways_of_writing_hours(text: str, when: datetime) -> None:
    assert is_open(text, when)


def test_evening_session_written_in_twelve_hour_form_is_not_open_in_the_morning() -> None:
    assert not is_open("Mon 5-9pm", at(MONDAY, 6))


@pytest.mark.parametrize("text", ["", "   ", "By appointment", "Phone for details", "Mon 25:00-26:00", "Blursday 9-5"])
def test_unknown_or_unreadable_hours_never_count_as_open(text: str) -> None:
    assert parse_opening_hours(text) == ()
    assert not is_open(text, at(MONDAY, 12))

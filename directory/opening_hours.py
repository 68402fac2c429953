"""Opening-hours text as link workers write it, parsed into weekly slots.

Understands "24/7", "Mon-Fri 09:00-17:00; Sat 10:00-13:00", "Tue,Thu 10:00-12:00",
"Weekdays 9am-5pm", "Daily 8:30-20:00", several time ranges per day ("Mon 09:00-12:00, 13:00-16:00")
and ranges past midnight ("Fri 22:00-02:00"). Monthly groups ("2nd Mon 14:00-16:00", "1st,3rd Wed 10:00-12:00",
"last Fri 10:00-12:00") are read by `parse_monthly` and are never weekly slots. Anything unrecognised (e.g.
"by appointment") yields no slots, so the service never counts as open now.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache

from dateutil import rrule

MINUTES_PER_DAY = 24 * 60
DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_DAY_ALIASES = {
    "mo": 0, "mon": 0, "monday": 0, "mondays": 0,
    "tu": 1, "tue": 1, "tues": 1, "tuesday": 1, "tuesdays": 1,
    "we": 2, "wed": 2, "weds": 2, "wednesday": 2, "wednesdays": 2,
    "th": 3, "thu": 3, "thur": 3, "thurs": 3, "thursday": 3, "thursdays": 3,
    "fr": 4, "fri": 4, "friday": 4, "fridays": 4,
    "sa": 5, "sat": 5, "saturday": 5, "saturdays": 5,
    "su": 6, "sun": 6, "sunday": 6, "sundays": 6,
}  # fmt: skip
_DAY_GROUPS = {
    "daily": range(7), "everyday": range(7), "every day": range(7), "7 days": range(7),
    "weekdays": range(5), "weekday": range(5), "weekends": range(5, 7), "weekend": range(5, 7),
}  # fmt: skip
_ALWAYS_OPEN = re.compile(r"^(24/7|24 ?x ?7|24 hours?(,? ?7 days( a week)?)?|always open|open 24 hours)$")
_TIME = r"(?:\d{1,2}(?:[:.]\d{2})?\s*(?:am|pm)?|noon|midday|midnight)"
_TIME_RANGE = re.compile(rf"({_TIME})\s*(?:-|–|—|to|until)\s*({_TIME})")


@dataclass(frozen=True, order=True)
class OpeningSlot:
    """One open period within a single day: minutes since midnight, `start` inclusive, `end` exclusive."""

    weekday: int  # 0 = Monday
    start: int
    end: int

    def __str__(self) -> str:
        return f"{DAY_NAMES[self.weekday]} {_clock(self.start)}-{_clock(self.end)}"


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _minutes(text: str) -> int | None:
    """'9', '09:30', '9.30pm', 'noon' -> minutes since midnight (24:00 allowed), None if invalid."""
    text = text.strip()
    if text in ("noon", "midday"):
        return 12 * 60
    if text == "midnight":
        return 0
    match = re.fullmatch(r"(\d{1,2})(?:[:.](\d{2}))?\s*(am|pm)?", text)
    if not match:
        return None
    hour, minute, meridiem = int(match[1]), int(match[2] or 0), match[3]
    if meridiem:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if meridiem == "pm" else 0)
    if minute > 59 or hour > 24 or (hour == 24 and minute):
        return None
    return hour * 60 + minute


def _time_range(start_text: str, end_text: str) -> tuple[int, int] | None:
    """Start and end minutes, reading bare hours the way people write them ('10-4' is 10:00-16:00)."""
    start, end = _minutes(start_text), _minutes(end_text)
    if start is None or end is None or start >= MINUTES_PER_DAY:
        return None
    half_day = 12 * 60
    if not _has_meridiem(start_text) and end_text.rstrip().endswith("pm") and start + half_day < end:
        start += half_day  # '5-9pm'
    if not _has_meridiem(end_text) and 0 < end <= start and end < half_day < end + half_day > start:
        end += half_day  # '10-4', but '22:00-02:00' stays overnight
    return start, end


def _has_meridiem(text: str) -> bool:
    return text.rstrip().endswith(("am", "pm"))


def _days(spec: str) -> list[int] | None:
    """'Mon-Fri', 'Tue,Thu', 'Weekdays', 'Sat & Sun' -> weekday numbers, None if not understood."""
    spec = spec.strip().rstrip(":").strip()
    if spec in _DAY_GROUPS:
        return list(_DAY_GROUPS[spec])
    days: list[int] = []
    for part in re.split(r"\s*(?:,|&|\band\b|/)\s*", spec):
        if not part:
            continue
        if part in _DAY_GROUPS:
            days.extend(_DAY_GROUPS[part])
            continue
        bounds = re.split(r"\s*(?:-|–|—|to)\s*", part)
        if not all(bound in _DAY_ALIASES for bound in bounds) or len(bounds) > 2:
            return None
        first, last = _DAY_ALIASES[bounds[0]], _DAY_ALIASES[bounds[-1]]
        days.extend((first + offset) % 7 for offset in range((last - first) % 7 + 1))
    return days or None


def _segment_slots(segment: str) -> list[OpeningSlot]:
    """Slots for one 'days times' segment, e.g. 'Mon-Fri 09:00-12:00, 13:00-17:00'."""
    first_range = _TIME_RANGE.search(segment)
    if first_range is None:
        return []
    days = _days(segment[: first_range.start()])
    ranges = _TIME_RANGE.findall(segment, first_range.start())
    if days is None or not ranges:
        return []
    slots: list[OpeningSlot] = []
    for start_text, end_text in ranges:
        times = _time_range(start_text, end_text)
        if times is None:
            continue
        start, end = times
        for day in days:
            if end > start:
                slots.append(OpeningSlot(day, start, end))
            else:  # past midnight: the rest of today and the start of tomorrow
                slots.append(OpeningSlot(day, start, MINUTES_PER_DAY))
                if end:
                    slots.append(OpeningSlot((day + 1) % 7, 0, end))
    return slots


@lru_cache(maxsize=4096)
def parse_opening_hours(hours_text: str) -> tuple[OpeningSlot, ...]:
    """Weekly open slots described by `hours_text`, sorted; empty when unknown or unparseable."""
    text = " ".join((hours_text or "").lower().split())
    if not text:
        return ()
    if _ALWAYS_OPEN.match(text):
        return tuple(OpeningSlot(day, 0, MINUTES_PER_DAY) for day in range(7))
    slots: set[OpeningSlot] = set()
    for segment in re.split(r"[;\n|]", text):
        slots.update(_segment_slots(segment))
    return tuple(sorted(slots))


def is_open_in(slots: tuple[OpeningSlot, ...], local_dt: datetime) -> bool:
    """Whether any slot covers the local wall-clock time `local_dt`."""
    weekday, minute = local_dt.weekday(), local_dt.hour * 60 + local_dt.minute
    return any(slot.weekday == weekday and slot.start <= minute < slot.end for slot in slots)


def is_open(hours_text: str, local_dt: datetime) -> bool:
    """Whether a service with these opening hours is open at local (Europe/London) time `local_dt`, counting
    monthly groups ("2nd Mon 14:00-16:00") on the days they fall."""
    minute = local_dt.hour * 60 + local_dt.minute
    return is_open_in(parse_opening_hours(hours_text), local_dt) or any(
        slot.weekday == local_dt.weekday() and slot.start <= minute < slot.end and slot.falls_on(local_dt.date())
        for slot in parse_monthly(hours_text)
    )


# ---- monthly groups: "2nd Mon 14:00-16:00", "1st,3rd Wed 10:00-12:00", "last Fri 10:00-12:00" -------------------

ORDINAL_WORDS = {1: "1st", 2: "2nd", 3: "3rd", 4: "4th", 5: "5th", -1: "last"}
_ORDINALS = {
    **{word: number for number, word in ORDINAL_WORDS.items()},
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5,
}  # fmt: skip
_ORDINAL = "|".join(sorted(_ORDINALS, key=len, reverse=True))
_MONTHLY = re.compile(rf"^((?:{_ORDINAL})(?:\s*(?:,|&|and)\s*(?:{_ORDINAL}))*)\s+([a-z]+)\s+(.+)$")
_RRULE_DAYS = (rrule.MO, rrule.TU, rrule.WE, rrule.TH, rrule.FR, rrule.SA, rrule.SU)


@dataclass(frozen=True, order=True)
class MonthlySlot:
    """An open period on one weekday of the month: the 2nd Monday (ordinal 2) or the last Friday (ordinal -1)."""

    ordinal: int
    weekday: int  # 0 = Monday
    start: int
    end: int

    def __str__(self) -> str:
        return f"{ORDINAL_WORDS[self.ordinal]} {DAY_NAMES[self.weekday]} {_clock(self.start)}-{_clock(self.end)}"

    def falls_on(self, day: date) -> bool:
        """Whether `day` is this slot's weekday of its month (dateutil's RFC 5545 rules: `2MO`, `-1FR`)."""
        first = datetime(day.year, day.month, 1)
        last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
        rule = rrule.rrule(rrule.MONTHLY, dtstart=first, until=last,
                           byweekday=_RRULE_DAYS[self.weekday](self.ordinal))
        return any(when.date() == day for when in rule)


def _monthly_segment(segment: str) -> list[MonthlySlot]:
    match = _MONTHLY.match(segment.strip())
    if match is None or match[2] not in _DAY_ALIASES:
        return []
    ordinals = [_ORDINALS[word] for word in re.split(r"\s*(?:,|&|and)\s*", match[1])]
    slots = []
    for start_text, end_text in _TIME_RANGE.findall(match[3]):
        times = _time_range(start_text, end_text)
        if times is None or times[1] <= times[0]:
            return []
        slots += [MonthlySlot(ordinal, _DAY_ALIASES[match[2]], *times) for ordinal in ordinals]
    return slots


@lru_cache(maxsize=4096)
def parse_monthly(hours_text: str) -> tuple[MonthlySlot, ...]:
    """The monthly groups in `hours_text` ("2nd Mon 14:00-16:00"), sorted; weekly groups are left to
    `parse_opening_hours`."""
    text = " ".join((hours_text or "").lower().split())
    slots: set[MonthlySlot] = set()
    for segment in re.split(r"[;\n|]", text):
        slots.update(_monthly_segment(segment))
    return tuple(sorted(slots))


def is_monthly_part(part: str) -> bool:
    """Whether one `;`-separated part is a monthly group this module understands."""
    return bool(_monthly_segment(" ".join(part.lower().split())))

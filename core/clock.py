"""One source of 'now', so tests can control time.

All timestamps are timezone-aware UTC (SQLModel stores them as UTC on both backends);
conversion to local time happens at the edges.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, tzinfo

_now_source: Callable[[], datetime] | None = None


def utcnow() -> datetime:
    """Current time, timezone-aware UTC (the storage convention)."""
    if _now_source is not None:
        return _now_source()
    return datetime.now(UTC)


def as_utc(moment: datetime) -> datetime:
    """`moment` as aware UTC; a naive value is taken to be UTC already (the storage convention)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def local_time(moment: datetime, tz: tzinfo) -> datetime:
    """A (stored, UTC) timestamp as wall-clock time in `tz`."""
    return as_utc(moment).astimezone(tz)


def local_now(tz: tzinfo) -> datetime:
    """Now, as wall-clock time in `tz` (the deployment's time zone: `settings.tz`)."""
    return local_time(utcnow(), tz)


def local_today(tz: tzinfo) -> date:
    """Today's date where the service runs."""
    return local_now(tz).date()


class FrozenClock:
    """A controllable clock for tests: `with FrozenClock(start) as clock: clock.advance(days=7)`."""

    def __init__(self, start: datetime) -> None:
        self.now = as_utc(start)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        """Move time forward by a `timedelta(**delta)`."""
        self.now += timedelta(**delta)
        return self.now

    def __enter__(self) -> FrozenClock:
        global _now_source
        _now_source = self
        return self

    def __exit__(self, *exc: object) -> None:
        global _now_source
        _now_source = None

"""One source of 'now', so tests can control time.

All timestamps are timezone-aware UTC (SQLModel stores them as UTC on both backends);
conversion to local time happens at the edges.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

_now_source: Callable[[], datetime] | None = None


def utcnow() -> datetime:
    """Current time, timezone-aware UTC (the storage convention)."""
    if _now_source is not None:
        return _now_source()
    return datetime.now(UTC)


class FrozenClock:
    """A controllable clock for tests: `with FrozenClock(start) as clock: clock.advance(days=7)`."""

    def __init__(self, start: datetime) -> None:
        self.now = start.replace(tzinfo=UTC) if start.tzinfo is None else start.astimezone(UTC)

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

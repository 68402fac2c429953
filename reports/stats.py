"""Small statistics helpers for report figures."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence

from reports.data import Count, Durations


def percentile(values: Sequence[float], fraction: float) -> float | None:
    """The `fraction` (0-1) percentile by linear interpolation between ranks; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * fraction
    lower = int(position)
    upper = min(lower + 1, len(ordered) - 1)
    return ordered[lower] + (ordered[upper] - ordered[lower]) * (position - lower)


def durations(hours: Sequence[float]) -> Durations:
    """Median and 90th percentile of elapsed hours, with n."""
    return Durations(n=len(hours), median_hours=percentile(hours, 0.5), p90_hours=percentile(hours, 0.9))


def ranked_counts(labels: Iterable[str]) -> list[Count]:
    """How often each label occurs, most frequent first (ties alphabetical)."""
    return ranked(Counter(labels))


def ranked(counts: Counter[str]) -> list[Count]:
    """Counts already made (by the database, say), most frequent first (ties alphabetical)."""
    return [Count(label, n) for label, n in sorted(counts.items(), key=lambda item: (-item[1], item[0]))]


def elapsed_hours(microseconds: int) -> float:
    """Hours in a wait of whole `microseconds` (never negative), to the last bit as `(end - start).total_seconds()
    / 3600` gives them: that divides the microseconds by 10**6 first."""
    return max(0.0, microseconds / 1_000_000 / 3600)

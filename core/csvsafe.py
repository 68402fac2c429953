"""CSV export safety: neutralise cells a spreadsheet would run as a formula (CSV/formula injection)."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from typing import IO, Any

_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def safe_cell(value: Any) -> str:
    """Text for one CSV cell; anything a spreadsheet could treat as a formula is prefixed with a quote.

    Plain negative numbers (e.g. "-3.5") are left alone so figures stay numeric.
    """
    if value is None:
        return ""
    text = str(value)
    if text.startswith(_FORMULA_PREFIXES) and not _is_plain_number(text):
        return "'" + text
    return text


def _is_plain_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return text.strip() == text


def write_safe_csv(handle: IO[str], header: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """Write `rows` under `header`, every cell passed through `safe_cell`."""
    writer = csv.writer(handle)
    writer.writerow([safe_cell(h) for h in header])
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in row])

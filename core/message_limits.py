"""Telegram's size limits, enforced where every message is built: text 4,096, captions 1,024, button data 64 bytes.

Telegram counts text in UTF-16 code units (an emoji is two). Long text is split at paragraph, then line, then word
boundaries, so an imported 6,000-character description arrives whole in two messages rather than not at all.
Callback data is ours to choose, so data over 64 bytes is a bug: `check_callback_data` raises instead of sending.
"""

from __future__ import annotations

from collections.abc import Iterable

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_BYTES = 64
_BOUNDARIES = ("\n\n", "\n", " ")


class CallbackDataTooLong(ValueError):
    """A button's data would be refused by Telegram (more than 64 bytes, or empty)."""


def telegram_length(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def split_message(text: str, limit: int = MAX_TEXT) -> list[str]:
    """`text` in parts of at most `limit` (UTF-16 units), cut at the last paragraph, line or word break that fits."""
    parts: list[str] = []
    rest = text
    while telegram_length(rest) > limit:
        head = _prefix_within(rest, limit)
        # the coarsest break in the second half of what fits, else any break, else (one unbroken run) the limit
        cut = next((at for mark in _BOUNDARIES if (at := head.rfind(mark)) > len(head) // 2), -1)
        if cut <= 0:
            cut = max(head.rfind(mark) for mark in _BOUNDARIES)
        if cut <= 0:
            cut = len(head)
        parts.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip("\n ")
    if rest or not parts:
        parts.append(rest)
    return [part for part in parts if part] or [""]


def _prefix_within(text: str, limit: int) -> str:
    """The longest prefix of `text` within `limit` UTF-16 units (never splitting a character)."""
    used = 0
    for index, character in enumerate(text):
        used += 2 if ord(character) > 0xFFFF else 1
        if used > limit:
            return text[:index]
    return text


def check_callback_data(rows: Iterable[Iterable[tuple[str, str]]]) -> None:
    """Raise `CallbackDataTooLong` for any button whose data Telegram would refuse."""
    for row in rows:
        for _label, data in row:
            if not 1 <= len(data.encode("utf-8")) <= MAX_CALLBACK_BYTES:
                raise CallbackDataTooLong(f"callback data of {len(data.encode('utf-8'))} bytes (limit 64)")

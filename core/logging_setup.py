"""Process logging: one line per record, with patient identifiers and the bot token redacted.

Redaction is a safety net, not permission: code must still log only references and ids (docs/architecture.md).
"""

from __future__ import annotations

import logging
import re
import sys
import time
from typing import TextIO

from core.identifiers import is_nhs_number

_NHS_GROUPED = re.compile(r"(?<![\d-])\d{3}[ -]\d{3}[ -]\d{4}(?![\d-])")
_TEN_DIGITS = re.compile(r"(?<![\d-])\d{10}(?![\d-])")
_UK_PHONE = re.compile(r"(?<![\w+])(?:\+44[ -]?(?:\(0\)[ -]?)?|0)\d(?:[ -]?\d){8,9}(?!\d)")
_POSTCODE = re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?[ ]*\d[A-Z]{2}\b", re.IGNORECASE)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_BOT_TOKEN = re.compile(r"bot\d+:[\w-]+")
_RAW_TOKEN = re.compile(r"\b\d{6,}:[\w-]{30,}")

_HANDLER_MARK = "_signpost_handler"
QUIET_LOGGERS = {
    "httpx": logging.WARNING,
    "httpcore": logging.WARNING,
    "apscheduler": logging.WARNING,
    "alembic.runtime.plugins": logging.WARNING,
}
# PTB logs whole updates (message text) at DEBUG; never go below INFO there.
CAPPED_LOGGERS = ("telegram",)


def redact(text: str) -> str:
    """`text` with bot tokens, e-mail addresses, UK phone numbers, postcodes and NHS numbers masked.

    Grouped 3-3-4 numbers are always masked; an ungrouped run of ten digits only when its NHS check digit is
    valid, so the ten-digit Telegram ids the logs rely on stay readable.
    """
    text = _BOT_TOKEN.sub("bot[TOKEN]", text)
    text = _RAW_TOKEN.sub("[TOKEN]", text)
    text = _EMAIL.sub("[EMAIL]", text)
    text = _NHS_GROUPED.sub("[NHS-NUMBER]", text)
    text = _TEN_DIGITS.sub(lambda m: "[NHS-NUMBER]" if is_nhs_number(m.group()) else m.group(), text)
    text = _UK_PHONE.sub("[PHONE]", text)
    return _POSTCODE.sub("[POSTCODE]", text)


class RedactingFilter(logging.Filter):
    """Rewrites each record's message, arguments and traceback text through `redact` (never drops a record)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed call: let the handler report it as logging would
            return True
        record.msg, record.args = redact(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


class SingleLineFormatter(logging.Formatter):
    """`2025-01-31T09:00:00Z INFO logger: message` with tracebacks folded onto the same line."""

    converter = time.gmtime

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s", datefmt="%Y-%m-%dT%H:%M:%SZ")

    def format(self, record: logging.LogRecord) -> str:
        return super().format(record).replace("\r", "").replace("\n", " \\n ")


def configure_logging(level: int | str = logging.INFO, stream: TextIO | None = None) -> logging.Handler:
    """Send all logging to `stream` (stderr) as redacted single lines; safe to call again (replaces ours)."""
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, _HANDLER_MARK, False)]:
        root.removeHandler(old)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.addFilter(RedactingFilter())
    handler.setFormatter(SingleLineFormatter())
    setattr(handler, _HANDLER_MARK, True)
    root.addHandler(handler)
    root.setLevel(level)
    for name, quiet_level in QUIET_LOGGERS.items():
        logging.getLogger(name).setLevel(quiet_level)
    for name in CAPPED_LOGGERS:
        logging.getLogger(name).setLevel(max(root.level, logging.INFO))
    return handler

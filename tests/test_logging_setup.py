"""Logs carry no patient identifiers or bot token, one line per record."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest

from core.logging_setup import CAPPED_LOGGERS, QUIET_LOGGERS, configure_logging, is_nhs_number, redact

VALID_NHS = "9434765919"  # a published test NHS number (valid check digit)


@pytest.fixture
def log_output() -> Iterator[io.StringIO]:
    """Our logging configured into a buffer; the previous configuration restored afterwards."""
    root = logging.getLogger()
    touched = [logging.getLogger(name) for name in (*QUIET_LOGGERS, *CAPPED_LOGGERS)]
    saved = (root.handlers[:], root.level, [logger.level for logger in touched])
    stream = io.StringIO()
    configure_logging(logging.INFO, stream)
    yield stream
    root.handlers[:], root.level = saved[0], saved[1]
    for logger, level in zip(touched, saved[2], strict=True):
        logger.setLevel(level)


@pytest.mark.parametrize(
    ("raw", "hidden"),
    [
        ("NHS number 943 476 5919 on ward 5", "943 476 5919"),
        ("NHS 943-476-5919", "943-476-5919"),
        (f"nhs={VALID_NHS}", VALID_NHS),
        ("call 07700 900123 after 2pm", "07700 900123"),
        ("tel +44 7700 900123", "7700 900123"),
        ("landline 01632960123", "01632960123"),
        ("lives at NR1 3AB", "NR1 3AB"),
        ("postcode sw1a1aa", "sw1a1aa"),
        ("email jo.bloggs+sp@nhs.net", "jo.bloggs+sp@nhs.net"),
        ("POST https://api.telegram.org/bot123456:ABC-def_ghi/sendMessage", "123456:ABC-def_ghi"),
    ],
)
def test_identifiers_and_tokens_are_masked(raw: str, hidden: str) -> None:
    assert hidden not in redact(raw)


@pytest.mark.parametrize(
    "kept",
    ["user 5123456780 opened case SP-2025-0042", "update 100001 handled in chat -1001234567890", "NR3 district"],
)
def test_ids_and_references_stay_readable(kept: str) -> None:
    assert redact(kept) == kept


def test_nhs_check_digit() -> None:
    assert is_nhs_number(VALID_NHS)
    assert not is_nhs_number("9434765918")


def test_records_are_redacted_in_message_arguments_and_tracebacks(log_output: io.StringIO) -> None:
    log = logging.getLogger("signpost.test")
    log.info("referral for %s at %s", "943 476 5919", "NR1 3AB")
    try:
        raise ValueError("bad phone 07700 900123\nsecond line")
    except ValueError:
        log.exception("could not save")

    lines = log_output.getvalue().splitlines()
    assert len(lines) == 2  # the traceback is folded onto its record's line
    assert "943 476 5919" not in lines[0] and "NR1 3AB" not in lines[0]
    assert "07700 900123" not in lines[1] and "ValueError" in lines[1]


def test_http_client_urls_with_the_token_are_not_logged(log_output: io.StringIO) -> None:
    logging.getLogger("httpx").info('HTTP Request: POST https://api.telegram.org/bot123456:SECRET/getMe "200 OK"')

    assert log_output.getvalue() == ""


def test_debug_level_never_dumps_telegram_updates(log_output: io.StringIO) -> None:
    configure_logging(logging.DEBUG, log_output)
    logging.getLogger("telegram.ext.Application").debug("Processing update {'text': 'I feel awful'}")
    logging.getLogger("signpost.test").debug("our own debug line")

    assert "I feel awful" not in log_output.getvalue()
    assert "our own debug line" in log_output.getvalue()
    assert sum(getattr(h, "_signpost_handler", False) for h in logging.getLogger().handlers) == 1

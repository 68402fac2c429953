"""The `report` subcommand: export report figures to a file (see docs/reports.md)."""

from __future__ import annotations

import argparse
import io
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine

from core.crypto import FieldCipher
from core.db import make_engine, session_scope
from core.settings import PROJECT_ROOT, Settings, get_settings, sqlite_path
from reports.chart import render_chart
from reports.export import write_csv, write_xlsx
from reports.figures import build_report
from reports.gp_message import (
    GP_MESSAGE_EVENT,
    ICB_EXTRACT_EVENT,
    NotAnAdmin,
    gp_messages,
    icb_extract,
    record_identifier_export,
    write_gp_csv,
    write_icb_csv,
)
from reports.period import Period, PeriodError
from reports.snomed import coded_events, write_snomed_csv
from reports.tables import report_tables
from reports.text import summary_text

IDENTIFIER_FORMATS = ("gp", "icb")  # carry NHS numbers: an admin's --requested-by is checked and audited
FORMATS = ("csv", "xlsx", "png", "text", "snomed", *IDENTIFIER_FORMATS)
SHAREABLE_FORMATS = ("csv", "xlsx")
EXTENSIONS = {"csv": ".csv", "xlsx": ".xlsx", "png": ".png", "text": ".txt", "snomed": ".snomed.csv", "gp": ".gp.csv",
              "icb": ".icb.csv"}
STDOUT = "-"


def add_report_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register the `report` subcommand."""
    parser = subparsers.add_parser(
        "report",
        help="export pseudonymised report figures",
        description="Export report figures for commissioners and leads. See docs/reports.md.",
    )
    parser.add_argument("--from", dest="date_from", type=_iso_date, required=True, metavar="YYYY-MM-DD",
                        help="first day (local time), included")
    parser.add_argument("--to", dest="date_to", type=_iso_date, required=True, metavar="YYYY-MM-DD",
                        help="last day (local time), included")
    parser.add_argument("--format", dest="format", type=_formats, default=("csv",), metavar="FORMAT[,FORMAT…]",
                        help="csv/xlsx: all tables; png: chart; text: chat summary; snomed: coded CSV for GP import; "
                             "gp: message back to GP per episode; icb: NHS number + first intervention date (admins, "
                             "on its own). Several, comma-separated (e.g. csv,xlsx,png), come from one computation")
    parser.add_argument("--out", type=Path, required=True,
                        help=f"file to write ('{STDOUT}' for standard output); with several formats, each is written "
                             "beside it with its own extension (march -> march.csv, march.xlsx ...)")
    parser.add_argument("--shareable", action="store_true",
                        help="suppress small numbers and leave out case references (csv and xlsx only)")
    parser.add_argument("--requested-by", dest="requested_by", type=int, metavar="TELEGRAM_ID",
                        help="the admin taking out identifiers (gp and icb formats; recorded in the staff audit)")


def run_report(args: argparse.Namespace) -> int:
    """Write the requested report(s); 0 on success, 2 for a request that cannot be met."""
    formats: tuple[str, ...] = args.format
    if args.shareable and set(formats) - set(SHAREABLE_FORMATS):
        print(f"--shareable is available for {' and '.join(SHAREABLE_FORMATS)} only.", file=sys.stderr)
        return 2
    if len(formats) > 1 and str(args.out) == STDOUT:
        print("Several formats need a file name for --out, not standard output.", file=sys.stderr)
        return 2
    try:
        period = Period(args.date_from, args.date_to)
    except PeriodError as error:
        print(error, file=sys.stderr)
        return 2
    if set(formats) & set(IDENTIFIER_FORMATS) and len(formats) > 1:
        print("The gp and icb exports hold NHS numbers: ask for each on its own.", file=sys.stderr)
        return 2
    if formats[0] in IDENTIFIER_FORMATS and args.requested_by is None:
        print("The gp and icb exports hold NHS numbers: give --requested-by with your admin Telegram id.",
              file=sys.stderr)
        return 2
    settings = get_settings()
    engine = make_engine(settings.database_url)
    try:
        if formats[0] in IDENTIFIER_FORMATS:
            contents = {formats[0]: render_identifier_export(engine, period, formats[0], settings, args.requested_by)}
        else:
            contents = render_reports(engine, period, formats, args.shareable, settings.tz)
    except (NotAnAdmin, MissingKey) as refusal:
        print(refusal, file=sys.stderr)
        return 2
    finally:
        engine.dispose()
    if str(args.out) == STDOUT:
        sys.stdout.buffer.write(contents[formats[0]])
        return 0
    for fmt, content in contents.items():
        out = args.out if len(formats) == 1 else args.out.with_suffix(EXTENSIONS[fmt])
        out.write_bytes(content)
        print(f"Wrote {fmt} report for {period.label} to {out}", file=sys.stderr)
    return 0


def render_report(engine: Engine, period: Period, fmt: str, shareable: bool, tz: ZoneInfo) -> bytes:
    """The report for `period` in format `fmt` (one of FORMATS), as file content."""
    return render_reports(engine, period, (fmt,), shareable, tz)[fmt]


def render_reports(
    engine: Engine, period: Period, formats: Sequence[str], shareable: bool, tz: ZoneInfo
) -> dict[str, bytes]:
    """The report for `period` in each of `formats`, as file contents; the figures are computed once."""
    data = build_report(engine, period, tz) if set(formats) - {"snomed"} else None
    tables = report_tables(data, shareable) if data is not None and {"csv", "xlsx"} & set(formats) else []
    contents: dict[str, bytes] = {}
    for fmt in formats:
        if fmt == "snomed":
            with session_scope(engine) as session:
                events = coded_events(session, period, tz)
            text = io.StringIO()
            write_snomed_csv(events, text)
            contents[fmt] = text.getvalue().encode("utf-8")
            continue
        assert data is not None
        if fmt == "png":
            contents[fmt] = render_chart(data)
        elif fmt == "text":
            contents[fmt] = (summary_text(data) + "\n").encode("utf-8")
        elif fmt == "xlsx":
            binary = io.BytesIO()
            write_xlsx(tables, binary)
            contents[fmt] = binary.getvalue()
        else:
            text = io.StringIO()
            write_csv(tables, text)
            contents[fmt] = text.getvalue().encode("utf-8-sig")  # the byte-order mark makes Excel read UTF-8
    return contents


def _formats(text: str) -> tuple[str, ...]:
    formats = tuple(dict.fromkeys(part.strip() for part in text.split(",") if part.strip()))
    unknown = [fmt for fmt in formats if fmt not in FORMATS]
    if unknown or not formats:
        raise argparse.ArgumentTypeError(f"choose from {', '.join(FORMATS)} (comma-separated for several)")
    return formats


class MissingKey(Exception):
    """The field encryption key is not available, so NHS numbers cannot be read."""


def render_identifier_export(engine: Engine, period: Period, fmt: str, settings: Settings, requested_by: int) -> bytes:
    """The message back to GP (`gp`) or the ICB extract (`icb`), for an admin; the export is audited in the same
    transaction that reads it, so there is no export without its audit line."""
    cipher = FieldCipher(_existing_key(settings))
    text = io.StringIO()
    with session_scope(engine) as session:
        if fmt == "gp":
            messages = gp_messages(session, period, settings.tz, cipher)
            write_gp_csv(messages, text)
            kind, rows = GP_MESSAGE_EVENT, len(messages)
        else:
            extract = icb_extract(session, period, settings.tz, cipher)
            write_icb_csv(extract, text)
            kind, rows = ICB_EXTRACT_EVENT, len(extract)
        try:
            record_identifier_export(session, kind, requested_by, settings.admin_user_ids, period, rows)
        except NotAnAdmin:
            raise NotAnAdmin(f"{requested_by} is not an admin: only admins may export NHS numbers.") from None
    return text.getvalue().encode("utf-8-sig")


def _existing_key(settings: Settings) -> str:
    """The configured key, else the bot's key file beside the SQLite database (never a new one: a new key would
    read nothing)."""
    if settings.notes_encryption_key:
        return settings.notes_encryption_key
    database_file = sqlite_path(settings.database_url)
    key_file = (database_file.parent if database_file else PROJECT_ROOT) / "signpost.key"
    if not key_file.exists():
        raise MissingKey("No encryption key: set NOTES_ENCRYPTION_KEY to the bot's key.")
    return key_file.read_text().strip()


def _iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a date like 2025-03-31") from None

"""The `report` subcommand: export report figures to a file (see docs/reports.md)."""

from __future__ import annotations

import argparse
import io
import sys
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine

from core.crypto import FieldCipher
from core.db import make_engine, session_scope, sqlite_path
from core.settings import PROJECT_ROOT, Settings, get_settings
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
    parser.add_argument("--format", dest="format", choices=FORMATS, default="csv",
                        help="csv/xlsx: all tables; png: chart; text: chat summary; snomed: coded CSV for GP import; "
                        "gp: message back to GP per episode; icb: NHS number + first intervention date (admins)")
    parser.add_argument("--out", type=Path, required=True, help=f"file to write ('{STDOUT}' for standard output)")
    parser.add_argument("--shareable", action="store_true",
                        help="suppress small numbers and leave out case references (csv and xlsx only)")
    parser.add_argument("--requested-by", dest="requested_by", type=int, metavar="TELEGRAM_ID",
                        help="the admin taking out identifiers (gp and icb formats; recorded in the staff audit)")


def run_report(args: argparse.Namespace) -> int:
    """Write the requested report; 0 on success, 2 for a request that cannot be met."""
    if args.shareable and args.format not in SHAREABLE_FORMATS:
        print(f"--shareable is available for {' and '.join(SHAREABLE_FORMATS)} only.", file=sys.stderr)
        return 2
    try:
        period = Period(args.date_from, args.date_to)
    except PeriodError as error:
        print(error, file=sys.stderr)
        return 2
    if args.format in IDENTIFIER_FORMATS and args.requested_by is None:
        print("The gp and icb exports hold NHS numbers: give --requested-by with your admin Telegram id.",
              file=sys.stderr)
        return 2
    settings = get_settings()
    engine = make_engine(settings.database_url)
    try:
        if args.format in IDENTIFIER_FORMATS:
            content = render_identifier_export(engine, period, args.format, settings, args.requested_by)
        else:
            content = render_report(engine, period, args.format, args.shareable, settings.tz)
    except (NotAnAdmin, MissingKey) as refusal:
        print(refusal, file=sys.stderr)
        return 2
    finally:
        engine.dispose()
    if str(args.out) == STDOUT:
        sys.stdout.buffer.write(content)
    else:
        args.out.write_bytes(content)
        print(f"Wrote {args.format} report for {period.label} to {args.out}", file=sys.stderr)
    return 0


def render_report(engine: Engine, period: Period, fmt: str, shareable: bool, tz: ZoneInfo) -> bytes:
    """The report for `period` in format `fmt` (one of FORMATS), as file content."""
    if fmt == "snomed":
        with session_scope(engine) as session:
            events = coded_events(session, period, tz)
        text = io.StringIO()
        write_snomed_csv(events, text)
        return text.getvalue().encode("utf-8")
    data = build_report(engine, period, tz)
    if fmt == "png":
        return render_chart(data)
    if fmt == "text":
        return (summary_text(data) + "\n").encode("utf-8")
    tables = report_tables(data, shareable)
    if fmt == "xlsx":
        binary = io.BytesIO()
        write_xlsx(tables, binary)
        return binary.getvalue()
    text = io.StringIO()
    write_csv(tables, text)
    return text.getvalue().encode("utf-8-sig")  # the byte-order mark makes Excel read UTF-8 correctly


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

"""The `report` subcommand: export report figures to a file (see docs/reports.md)."""

from __future__ import annotations

import argparse
import io
import sys
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine

from core.db import make_engine, session_scope
from core.settings import get_settings
from reports.chart import render_chart
from reports.export import write_csv, write_xlsx
from reports.figures import build_report
from reports.period import Period, PeriodError
from reports.snomed import coded_events, write_snomed_csv
from reports.tables import report_tables
from reports.text import summary_text

FORMATS = ("csv", "xlsx", "png", "text", "snomed")
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
                        help="csv/xlsx: all tables; png: chart; text: chat summary; snomed: coded CSV for GP import")
    parser.add_argument("--out", type=Path, required=True, help=f"file to write ('{STDOUT}' for standard output)")
    parser.add_argument("--shareable", action="store_true",
                        help="suppress small numbers and leave out case references (csv and xlsx only)")


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
    settings = get_settings()
    engine = make_engine(settings.database_url)
    try:
        content = render_report(engine, period, args.format, args.shareable, settings.tz)
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


def _iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a date like 2025-03-31") from None

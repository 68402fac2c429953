"""The `python -m directory` commands that need the heavy libraries: Open Referral UK import, export and validation
(jsonschema with its format checkers, httpx) and the ORUK API server (Starlette, uvicorn).

`directory.__main__` loads this module only when one of these commands runs: importing jsonschema's format checkers
alone compiles dozens of grammars (seconds on a busy machine), which a command-line search must not pay for.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sqlalchemy.engine import Engine

from core.db import session_scope
from directory.api import serve
from directory.cli_report import EXIT_OK, EXIT_ROW_ERRORS, EXIT_USAGE, print_report
from directory.oruk import import_oruk
from directory.oruk.csv_tables import export_oruk_csv
from directory.oruk.feed import FeedError, fetch_feed, is_feed_url
from directory.oruk.json_file import export_oruk_json, load_service_objects
from directory.oruk.validate import SchemaSet, validate_source


def run(args: argparse.Namespace, engine: Engine) -> int:
    """Run `import-oruk`, `export-oruk` or `serve` against a migrated, seeded database."""
    try:
        if args.command == "serve":
            serve(engine, args.host, args.port)
            return EXIT_OK
        return {"import-oruk": _import_oruk, "export-oruk": _export_oruk}[args.command](args, engine)
    except FeedError as problem:
        print(f"Sorry, {problem}.", file=sys.stderr)
        return EXIT_USAGE


def _import_oruk(args: argparse.Namespace, engine: Engine) -> int:
    if is_feed_url(args.source):
        services = fetch_feed(args.source)  # before the transaction: no database work waits on the network
        with session_scope(engine) as session:
            report = load_service_objects(session, enumerate(services, start=1))
    else:
        with session_scope(engine) as session:
            report = import_oruk(session, Path(args.source))
    return print_report(report, args.source)


def _export_oruk(args: argparse.Namespace, engine: Engine) -> int:
    with session_scope(engine) as session:
        if args.folder is not None:
            written = export_oruk_csv(session, args.folder)
            print(f"Wrote {written} services as Open Referral UK CSV files in {args.folder}.")
        if args.json is not None:
            written = export_oruk_json(session, args.json)
            print(f"Wrote {written} services as Open Referral UK JSON to {args.json}.")
    return EXIT_OK


def validate(args: argparse.Namespace) -> int:
    """Run `validate-oruk` (needs no database)."""
    try:
        schemas = SchemaSet.official(args.schemas) if args.schemas else SchemaSet.signpost()
        report = validate_source(args.source, schemas)
    except FileNotFoundError as missing:
        print(f"Sorry, I can't find {missing.filename or missing}.", file=sys.stderr)
        return EXIT_USAGE
    except (FeedError, OSError, ValueError) as problem:
        print(f"Sorry, that can't be checked: {problem}", file=sys.stderr)
        return EXIT_USAGE
    against = f"the schemas in {args.schemas}" if args.schemas else "Signpost's ORUK 3.0 schema"
    print(f"Checked {args.source} against {against} (format checks on):")
    for line in report.lines():
        print(f"  {line}")
    print(f"{report.errors} error(s).")
    return EXIT_OK if report.errors == 0 else EXIT_ROW_ERRORS

"""The directory commands that work on the database: each runs against a migrated, seeded database (see
`directory.__main__` for the command line; the ORUK and API commands are `directory.oruk_cli`)."""

from __future__ import annotations

import argparse
import csv
import importlib
import json
import sys
from collections import Counter
from collections.abc import Callable

from sqlalchemy import func, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import select

from core.db import make_engine, migrate, session_scope
from core.settings import Settings
from directory.cli_report import EXIT_OK, EXIT_USAGE, print_report
from directory.live import LiveDirectory
from directory.models import Service, ServiceTaxonomy
from directory.saved_index import SCHEMA_QUERY, at_newest_migration, default_index_path
from directory.search_cli import run_search
from directory.seed import ensure_seeded, export_directory_csv, load_directory_csv
from directory.taxonomy import CATEGORIES

HEAVY_COMMANDS = frozenset({"import-oruk", "export-oruk", "serve"})  # run by directory.oruk_cli


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Run one command against the configured database (migrated and seeded first)."""
    engine = make_engine(settings.database_url)
    try:
        if args.command != "search" or not _schema_is_current(engine):  # a search starts faster (issue 13)
            migrate(engine)
        seeded = ensure_seeded(engine, settings.seed_csv)
        if args.command == "seed":
            return _report_seed(engine, seeded)
        if args.command == "search":
            index_path = default_index_path(settings.database_url, settings.search_index_path)
            return run_search(args, engine, LiveDirectory(engine, index_path))
        if args.command in HEAVY_COMMANDS:
            return importlib.import_module("directory.oruk_cli").run(args, engine)  # seconds of imports: only here
        return COMMANDS[args.command](args, engine)
    except FileNotFoundError as missing:
        print(f"Sorry, I can't find {missing.filename or missing}.", file=sys.stderr)
        return EXIT_USAGE
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, csv.Error) as problem:
        print(f"Sorry, that file can't be read: {problem}", file=sys.stderr)
        return EXIT_USAGE
    finally:
        engine.dispose()


def _schema_is_current(engine: Engine) -> bool:
    """Whether the database is at the newest migration (`saved_index.at_newest_migration`), without Alembic."""
    try:
        with engine.connect() as connection:
            versions = connection.execute(text(SCHEMA_QUERY)).scalars().all()
    except SQLAlchemyError:
        return False
    return at_newest_migration(versions)


def _report_seed(engine: Engine, seeded: int) -> int:
    if seeded:
        print(f"Loaded {seeded} services from the seed file.")
    else:
        print(f"The directory already has {_service_count(engine)} services; the seed file was not needed.")
    return EXIT_OK


def _service_count(engine: Engine) -> int:
    with session_scope(engine) as session:
        return session.exec(select(func.count()).select_from(Service)).one()


def _import_csv(args: argparse.Namespace, engine: Engine) -> int:
    with session_scope(engine) as session:
        report = load_directory_csv(session, args.file)
    return print_report(report, args.file)


def _export_csv(args: argparse.Namespace, engine: Engine) -> int:
    with session_scope(engine) as session:
        written = export_directory_csv(session, args.file)
    print(f"Wrote {written} services to {args.file}.")
    return EXIT_OK


def _categories(args: argparse.Namespace, engine: Engine) -> int:
    with session_scope(engine) as session:
        counts = Counter(session.exec(select(ServiceTaxonomy.taxonomy_id)).all())
    width = max(len(category_id) for category_id in CATEGORIES)
    for category in CATEGORIES.values():
        print(f"{category.id:<{width}}  {category.label} ({counts[category.id]} services)")
    return EXIT_OK


COMMANDS: dict[str, Callable[[argparse.Namespace, Engine], int]] = {
    "import-csv": _import_csv,
    "export-csv": _export_csv,
    "categories": _categories,
}

"""`python -m directory`: seed, import, export, list categories and search the service directory, serve it as an
Open Referral UK API and check ORUK data against the ORUK schemas.

Exit codes: 0 ok, 1 an import skipped rows with errors (good rows were still loaded) or a validation found errors,
2 usage error.
"""

from __future__ import annotations

import argparse
import csv
import importlib
import json
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

from sqlalchemy import func, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import select

from core.db import MIGRATIONS_DIR, make_engine, migrate, session_scope
from core.settings import get_settings
from directory.cli_report import EXIT_OK, EXIT_USAGE, print_report
from directory.live import LiveDirectory, default_index_path
from directory.models import Service, ServiceTaxonomy
from directory.search_cli import add_search_parser, run_search
from directory.seed import ensure_seeded, export_directory_csv, load_directory_csv
from directory.taxonomy import CATEGORIES

HEAVY_COMMANDS = frozenset({"import-oruk", "export-oruk", "serve"})  # run by directory.oruk_cli


def _heavy_commands() -> ModuleType:
    """directory.oruk_cli, imported only when one of its commands runs: its libraries (jsonschema's format
    checkers, httpx, Starlette) take seconds to import, and a command-line search must start in well under one."""
    return importlib.import_module("directory.oruk_cli")


def build_parser() -> argparse.ArgumentParser:
    """The command-line interface: one subcommand per job."""
    parser = argparse.ArgumentParser(prog="python -m directory", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    commands.add_parser("seed", help="load directory_seed.csv if the directory is empty")
    command = commands.add_parser("import-csv", help="add or update services from a directory CSV")
    command.add_argument("file", type=Path)
    command = commands.add_parser("export-csv", help="write the directory as a CSV in the seed format")
    command.add_argument("file", type=Path)
    command = commands.add_parser("import-oruk", help="add or update services from Open Referral UK data")
    command.add_argument("source", help="a folder of ORUK CSV files, an ORUK JSON file or an ORUK API URL")
    command = commands.add_parser("export-oruk", help="write the directory as Open Referral UK 3.0 CSV and/or JSON")
    command.add_argument("folder", type=Path, nargs="?", help="folder for the ORUK CSV data package")
    command.add_argument("--json", type=Path, metavar="FILE", help="also (or only) write an ORUK JSON page here")
    command = commands.add_parser("serve", help="serve the directory as a read-only Open Referral UK 3.0 API")
    command.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    command.add_argument("--port", type=int, default=8000, help="port to listen on (default 8000)")
    command = commands.add_parser("validate-oruk", help="check ORUK data against the ORUK 3.0 schemas")
    command.add_argument("source", help="an ORUK JSON file, a folder of ORUK CSV files or an ORUK API URL")
    command.add_argument("--schemas", type=Path, metavar="DIR",
                         help="a checkout of OpenReferralUK/uk-profile (default: Signpost's own schema)")
    commands.add_parser("categories", help="list the need categories and how many services each has")
    add_search_parser(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one command against the configured database (migrated and seeded first)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "export-oruk" and args.folder is None and args.json is None:
        parser.error("export-oruk needs a FOLDER, --json FILE, or both")
    if args.command == "validate-oruk":
        return _heavy_commands().validate(args)
    settings = get_settings()
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
            return _heavy_commands().run(args, engine)
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
    """Whether the database is at the newest migration, read without starting Alembic (which costs a third of a
    second): revisions are numbered files, `migrations/versions/NNNN_what.py`, the newest being the head."""
    newest = max((path.name[:4] for path in MIGRATIONS_DIR.joinpath("versions").glob("[0-9][0-9][0-9][0-9]_*.py")),
                 default=None)  # fmt: skip
    try:
        with engine.connect() as connection:
            current = connection.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    except SQLAlchemyError:
        return False
    return newest is not None and current == [newest]


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

if __name__ == "__main__":
    sys.exit(main())

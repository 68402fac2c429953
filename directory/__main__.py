"""`python -m directory`: seed, import, export, list categories and search the service directory, serve it as an
Open Referral UK API and check ORUK data against the ORUK schemas.

Exit codes: 0 ok, 1 an import skipped rows with errors (good rows were still loaded) or a validation found errors,
2 usage error.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from pathlib import Path
from typing import Any

from core.settings import get_settings
from directory.search_cli import add_search_parser, search_saved_index


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
    """Run one command: a search from the saved index when it is current, anything else against the configured
    database (migrated and seeded first)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "export-oruk" and args.folder is None and args.json is None:
        parser.error("export-oruk needs a FOLDER, --json FILE, or both")
    if args.command == "validate-oruk":
        return _commands("directory.oruk_cli").validate(args)
    settings = get_settings()
    if args.command == "search" and (answered := search_saved_index(args, settings)) is not None:
        return answered
    return _commands("directory.commands").run(args, settings)


def _commands(module: str) -> Any:
    """A command module, imported only when one of its commands runs. A command-line search must start in well
    under a second: the database layer (SQLAlchemy, SQLModel: about half a second) is `directory.commands`, and the
    ORUK libraries (jsonschema's format checkers, httpx, Starlette: seconds) are `directory.oruk_cli`."""
    return importlib.import_module(module)


if __name__ == "__main__":
    sys.exit(main())

"""`python -m bot [run|migrate|demo|report]`: run Signpost, or search the directory offline without a bot token."""

from __future__ import annotations

import argparse
import shlex
import sys
from collections.abc import Iterable, Iterator, Sequence

from pydantic import ValidationError

from bot.app import ConfigurationError, build_application, make_runtime, prepare_database, run, startup_lock
from core.db import make_engine, migrate
from core.logging_setup import configure_logging
from core.settings import Settings, get_settings
from directory.live import LiveDirectory
from directory.saved_index import default_index_path
from directory.search_cli import add_search_parser, run_search
from reports.cli import add_report_parser, run_report

QUIT_WORDS = frozenset({"quit", "exit", "q"})
OFFLINE_NOTE = (
    "TELEGRAM_BOT_TOKEN is not set, so the Telegram bot is not running.\n"
    "Meanwhile you can search the service directory here. Set TELEGRAM_BOT_TOKEN (environment or .env) to run the bot."
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description="Signpost social-prescribing assistant.")
    parser.add_argument("--log-level", default="INFO", help="DEBUG, INFO, WARNING ... (default INFO)")
    commands = parser.add_subparsers(dest="command", metavar="{run,migrate,demo,report}")
    commands.add_parser("run", help="run the Telegram bot (the default; offline search when no token is set)")
    commands.add_parser("migrate", help="bring the database schema up to date")
    commands.add_parser("demo", help="search the service directory from this terminal")
    add_report_parser(commands)  # `report` is owned by reports/cli.py
    return parser


def _typed_lines() -> Iterator[str]:
    while True:
        try:
            yield input("search> ")
        except EOFError:
            print()
            return


def offline_search(settings: Settings, lines: Iterable[str]) -> None:
    """Answer each line as a directory search (filters as in `python -m directory search --help`) until quit/EOF."""
    engine = prepare_database(settings)
    directory = LiveDirectory(engine, default_index_path(settings.database_url, settings.search_index_path))
    parser = argparse.ArgumentParser(prog="", add_help=False)
    add_search_parser(parser.add_subparsers(dest="command"))
    print('Type what someone needs, e.g. "can\'t pay my rent" or "lonely --area NR3 --free". "quit" to stop.')
    try:
        for line in lines:
            query = line.strip()
            if query.lower() in QUIT_WORDS:
                break
            if not query:
                continue
            try:
                words = shlex.split(query)
            except ValueError:  # an apostrophe, as in "can't"
                words = query.split()
            try:
                args = parser.parse_args(["search", *words])
            except SystemExit:  # argparse has printed what was wrong
                continue
            run_search(args, engine, directory)  # one index for the whole session, refreshed if the directory changes
            print()
    finally:
        engine.dispose()


def run_bot(settings: Settings) -> None:
    runtime = make_runtime(settings)
    try:
        run(build_application(runtime), settings)
    except ConfigurationError as error:
        raise SystemExit(f"Cannot start: {error}") from error
    finally:
        runtime.engine.dispose()


def migrate_database(settings: Settings) -> None:
    engine = make_engine(settings.database_url)
    try:
        with startup_lock(engine, settings):
            migrate(engine)
    finally:
        engine.dispose()
    print("The database schema is up to date.")


def load_settings() -> Settings:
    """The deployment's settings, or exit with one line per setting that is wrong (never the value given: it may be
    a secret)."""
    try:
        return get_settings()
    except ValidationError as error:
        problems = [f"{'.'.join(map(str, problem['loc'])).upper()}: {problem['msg'].removeprefix('Value error, ')}"
                    for problem in error.errors()]
        raise SystemExit("Cannot start: " + "; ".join(problems)) from None


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    configure_logging(args.log_level.upper())
    if args.command == "report":
        return run_report(args)
    settings = load_settings()
    if args.command == "migrate":
        migrate_database(settings)
    elif args.command == "demo":
        offline_search(settings, _typed_lines())
    elif settings.telegram_bot_token:
        run_bot(settings)
    else:
        print(OFFLINE_NOTE)
        offline_search(settings, _typed_lines())
    return 0


if __name__ == "__main__":
    sys.exit(main())

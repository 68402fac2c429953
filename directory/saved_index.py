"""The search index saved beside the database: where it lives, which directory revision it shows, and opening it for
one answer without the database layer.

A command-line search must start in well under a second (issue 13), and importing SQLAlchemy and SQLModel takes
about half of one. So `open_if_current` checks with the standard library's `sqlite3`, read-only, that the schema is
at the newest migration and that the saved index shows the directory's current revision, and then memory-maps the
index. Anything else (another backend, no saved index, an older one, a migration pending, a database it cannot
read) gives None, and the caller takes the full path, which migrates, seeds and rebuilds as needed. Nothing here
writes to the database.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from core.settings import MIGRATIONS_DIR, Settings, sqlite_path
from directory.index_file import IndexFileError
from directory.search import SearchIndex

INDEX_SUFFIX = ".search-index"
# The same row `directory.revision.current_revision` reads through the ORM (table `directory_revision`).
REVISION_QUERY = "SELECT revision, stamp FROM directory_revision WHERE id = 1"
SCHEMA_QUERY = "SELECT version_num FROM alembic_version"


@dataclass(frozen=True)
class Revision:
    """Which state of the directory an index was built from (0 and "" before anything was ever changed)."""

    number: int
    stamp: str


def default_index_path(database_url: str, configured: Path | None = None) -> Path | None:
    """Where a database's search index is saved: `configured`, else beside a SQLite file; None (kept in memory
    only) for other databases unless configured."""
    if configured is not None:
        return configured
    database_file = sqlite_path(database_url)
    return database_file.with_name(database_file.name + INDEX_SUFFIX) if database_file else None


def revision_shown(index: SearchIndex) -> Revision:
    """The directory revision a saved index was built from (-1 when it does not say)."""
    meta = index.meta
    return Revision(int(meta.get("revision", -1)), str(meta.get("stamp", "")))  # type: ignore[call-overload]


def at_newest_migration(versions: Sequence[str]) -> bool:
    """Whether a database's `alembic_version` rows (`SCHEMA_QUERY`) are the head alone. Migrations are numbered
    files, `migrations/versions/NNNN_what.py`, the newest the head: read from the file names, without starting
    Alembic, which costs a third of a second."""
    numbers = (path.name[:4] for path in MIGRATIONS_DIR.joinpath("versions").glob("[0-9][0-9][0-9][0-9]_*.py"))
    newest = max(numbers, default=None)
    return newest is not None and list(versions) == [newest]


def open_if_current(settings: Settings) -> SearchIndex | None:
    """The saved index of a SQLite database, memory-mapped, if it shows the directory as it is now and the schema
    needs no migration; otherwise None."""
    database_file = sqlite_path(settings.database_url)
    index_path = default_index_path(settings.database_url, settings.search_index_path)
    if database_file is None or index_path is None or not index_path.exists() or not database_file.exists():
        return None
    read_only = f"{database_file.resolve().as_uri()}?mode=ro"
    try:
        with closing(sqlite3.connect(read_only, uri=True, timeout=5)) as connection:
            schema = [row[0] for row in connection.execute(SCHEMA_QUERY)]
            row = connection.execute(REVISION_QUERY).fetchone()
    except sqlite3.Error:  # not a Signpost database yet, locked for longer than the timeout, unreadable
        return None
    if not at_newest_migration(schema):
        return None
    try:
        index = SearchIndex.open(index_path)
    except IndexFileError:
        return None
    current = Revision(int(row[0]), str(row[1])) if row else Revision(0, "")
    return index if revision_shown(index) == current else None

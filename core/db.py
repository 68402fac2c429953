"""Database engine, sessions and schema migrations (SQLite by default, PostgreSQL for scale-out)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session, create_engine

from core.settings import PROJECT_ROOT

MIGRATIONS_DIR = PROJECT_ROOT / "migrations"
READ_ONLY = "signpost_read_only"  # execution option: a transaction that only reads (see `reading`)


def make_engine(database_url: str) -> Engine:
    """Create an engine; SQLite gets WAL, foreign keys and a busy timeout so two processes can share it."""
    if database_url.startswith("postgresql://"):
        database_url = "postgresql+psycopg://" + database_url.removeprefix("postgresql://")
    if database_url.startswith("sqlite"):
        engine = create_engine(database_url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
            # Let SQLAlchemy, not the driver, start transactions, so SAVEPOINTs nest properly (SQLAlchemy recipe).
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(connection) -> None:  # type: ignore[no-untyped-def]
            # Writers take the write lock up front. A deferred transaction that reads and then writes fails at once
            # with "database is locked" when another connection wrote in between (the busy timeout cannot help a
            # lock upgrade); BEGIN IMMEDIATE waits its turn for up to the busy timeout instead.
            read_only = connection.get_execution_options().get(READ_ONLY, False)
            connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")

        return engine
    return create_engine(database_url, pool_pre_ping=True)


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A transaction: committed on success, rolled back on any error."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def reading(engine: Engine) -> Engine:
    """The same database for transactions that only read (e.g. a report, loading the search index): on SQLite they
    don't take the write lock, so a long read never holds up the bot's writes."""
    return engine.execution_options(**{READ_ONLY: True})


def alembic_config(engine: Engine):  # type: ignore[no-untyped-def]
    """An Alembic config pointing at our migrations and the given engine."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["engine"] = engine
    return config


def migrate(engine: Engine, revision: str = "head") -> None:
    """Bring the schema up to `revision` (creating it from empty if needed)."""
    from alembic import command

    command.upgrade(alembic_config(engine), revision)


def sqlite_path(database_url: str) -> Path | None:
    """The file behind a SQLite URL, or None for other backends and in-memory databases."""
    prefix = "sqlite:///"
    if not database_url.startswith(prefix) or database_url == prefix + ":memory:":
        return None
    return Path(database_url.removeprefix(prefix))

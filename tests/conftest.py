"""Shared fixtures: a migrated database on each backend (SQLite file and a real PostgreSQL cluster)."""

from __future__ import annotations

import itertools
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from core.db import make_engine, migrate
from core.settings import Settings
from scripts.compile_catalogues import compile_all
from tests.pgcluster import ThrowawayCluster

BACKENDS = ["sqlite", "postgresql"]
_db_counter = itertools.count()


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[ThrowawayCluster]:
    cluster = ThrowawayCluster()
    cluster.start()
    template = make_engine(cluster.url())
    with template.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("CREATE DATABASE signpost_template"))
    template.dispose()
    migrated = make_engine(cluster.url("signpost_template"))
    migrate(migrated)
    migrated.dispose()
    yield cluster
    cluster.stop()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sqlite-template") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    migrate(engine)
    engine.dispose()
    return path


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, migrated, empty database on each backend; tests using it run once per backend."""
    if request.param == "sqlite":
        target = tmp_path / "signpost.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), target)
        return f"sqlite:///{target}"
    cluster: ThrowawayCluster = request.getfixturevalue("pg_cluster")
    name = f"signpost_test_{next(_db_counter)}"
    admin = make_engine(cluster.url())
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f"CREATE DATABASE {name} TEMPLATE signpost_template"))
    admin.dispose()
    return cluster.url(name)


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    eng = make_engine(database_url)
    yield eng
    eng.dispose()


@pytest.fixture
def sqlite_engine(tmp_path: Path, sqlite_template: Path) -> Iterator[Engine]:
    """SQLite only, for tests that are about logic rather than the backend."""
    target = tmp_path / "signpost.db"
    shutil.copy(sqlite_template, target)
    eng = make_engine(f"sqlite:///{target}")
    yield eng
    eng.dispose()


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=database_url,
        telegram_bot_token="123456:TEST-TOKEN",
        notes_encryption_key="q2pC0mFhV3mI8Yt0uX6VJm3gQeQb7mXk0L2p1jZ6s9E=",
        admin_user_ids=[1000],
        link_worker_chat_id=-500,
    )


pytest_plugins = ["tests.e2e"]


def pytest_sessionstart(session: pytest.Session) -> None:
    """The translations compiled (as `make test` does first), so a plain `pytest` run speaks every language too."""
    compile_all()

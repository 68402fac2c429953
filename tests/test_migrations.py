"""Migrations build the schema from empty and upgrade an existing database without losing data, on both backends."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import MetaData, Table, inspect, text
from sqlalchemy.engine import Engine
from sqlmodel import select

from bot.schema import metadata
from casework.models import Referral
from core.clock import utcnow
from core.db import alembic_config, make_engine, migrate, session_scope
from tests.pgcluster import ThrowawayCluster

_names = itertools.count()


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A database with no tables at all."""
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    else:
        cluster: ThrowawayCluster = request.getfixturevalue("pg_cluster")
        name = f"signpost_empty_{next(_names)}"
        admin = make_engine(cluster.url())
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text(f"CREATE DATABASE {name}"))
        admin.dispose()
        engine = make_engine(cluster.url(name))
    yield engine
    engine.dispose()


def test_from_empty_the_schema_matches_the_models_exactly(empty_engine: Engine) -> None:
    migrate(empty_engine)
    assert set(metadata.tables) <= set(inspect(empty_engine).get_table_names())
    with empty_engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), metadata)
    assert differences == [], "models changed without a migration (run scripts/new_migration.py)"


def _referral_as_at_0001(engine: Engine) -> str:
    """A referral written through the schema as it was at revision 0001 (today's models have more columns)."""
    table = Table("referral", MetaData(), autoload_with=engine)
    with engine.begin() as connection:
        connection.execute(table.insert().values(
            reference="SP-OLD234", created_at=utcnow(), referrer_user_id=2001, referrer_chat_id=2001,
            source_ward="Ward 7", source_role="ward_staff", consent_share=True, consent_gp=False,
            client_initials="JS", hospital_ref_enc="", nhs_number_enc="", reasons=["money"], urgency="ROUTINE",
            risks_enc="", contact_route="PHONE", status="NEW", contact_attempts=0, anonymised=False,
        ))  # fmt: skip
    return "SP-OLD234"


def test_upgrading_an_existing_database_keeps_its_data(empty_engine: Engine) -> None:
    migrate(empty_engine, "0001")
    assert "retention_run" not in inspect(empty_engine).get_table_names()
    reference = _referral_as_at_0001(empty_engine)

    migrate(empty_engine)
    assert "retention_run" in inspect(empty_engine).get_table_names()
    with session_scope(empty_engine) as session:
        assert session.exec(select(Referral.reference)).all() == [reference]

    command.downgrade(alembic_config(empty_engine), "0001")
    migrate(empty_engine)
    with session_scope(empty_engine) as session:
        assert session.exec(select(Referral.reference)).all() == [reference]

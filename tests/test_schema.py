"""The migrations build the full schema on both backends."""

from sqlalchemy import inspect

from bot.schema import metadata


def test_migrations_create_every_table(engine) -> None:
    tables = set(inspect(engine).get_table_names())
    assert set(metadata.tables) <= tables

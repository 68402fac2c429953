"""Alembic environment: runs against the engine handed in by `core.db.migrate`, or DATABASE_URL."""

from alembic import context

from bot.schema import metadata


def _engine():  # type: ignore[no-untyped-def]
    engine = context.config.attributes.get("engine")
    if engine is None:
        from core.db import make_engine
        from core.settings import get_settings

        engine = make_engine(get_settings().database_url)
    return engine


def run_migrations_online() -> None:
    engine = _engine()
    with engine.begin() as connection:
        context.configure(
            connection=connection,
            target_metadata=metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        context.run_migrations()


run_migrations_online()

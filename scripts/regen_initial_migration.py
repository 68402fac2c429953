"""Developer tool (pre-release only): rebuild migrations/versions/0001 from the current models."""

import tempfile
from pathlib import Path

from alembic import command

from bot.db import MIGRATIONS_DIR, alembic_config, make_engine

target = MIGRATIONS_DIR / "versions" / "0001_initial_schema.py"
target.unlink(missing_ok=True)
with tempfile.TemporaryDirectory() as tmp:
    engine = make_engine(f"sqlite:///{Path(tmp) / 'gen.db'}")
    command.revision(alembic_config(engine), message="initial schema", autogenerate=True, rev_id="0001")
print(f"rewrote {target}")

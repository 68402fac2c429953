"""directory revision and unmet-need reason

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24 10:00:00
"""

import uuid
from datetime import UTC, datetime
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    revisions = op.create_table('directory_revision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('stamp', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('changed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    # One row from the start; a random stamp tells this database's directory apart from any other's.
    op.bulk_insert(revisions, [{'id': 1, 'revision': 0, 'stamp': uuid.uuid4().hex, 'changed_at': datetime.now(UTC)}])
    with op.batch_alter_table('unmet_search', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False,
                                      server_default='none_found'))


def downgrade() -> None:
    with op.batch_alter_table('unmet_search', schema=None) as batch_op:
        batch_op.drop_column('reason')
    op.drop_table('directory_revision')

"""self-referrals and person preferences

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-02 02:06:17.573469
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0017'
down_revision: str | None = '0016'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('person_preference',
    sa.Column('telegram_user_id', sa.BigInteger(), nullable=False),
    sa.Column('language', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('for_someone_else', sa.Boolean(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('telegram_user_id')
    )
    with op.batch_alter_table('referral', schema=None) as batch_op:
        batch_op.add_column(sa.Column('source', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False,
                                      server_default='ward'))  # every earlier referral came from a ward
        batch_op.add_column(sa.Column('contact_phone_enc', sqlmodel.sql.sqltypes.AutoString(), nullable=False,
                                      server_default=''))
        batch_op.add_column(sa.Column('best_time', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False,
                                      server_default=''))
        batch_op.add_column(sa.Column('for_someone_else', sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table('referral', schema=None) as batch_op:
        batch_op.drop_column('for_someone_else')
        batch_op.drop_column('best_time')
        batch_op.drop_column('contact_phone_enc')
        batch_op.drop_column('source')

    op.drop_table('person_preference')

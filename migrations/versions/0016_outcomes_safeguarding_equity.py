"""outcomes and the data commissioners and GPs need (issue 16): safeguarding RAG, the fuller referral, equity,
wellbeing answers (outcome_answer), sessions of support (support_contact), two follow-up kinds

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02 02:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0016'
down_revision: str | None = '0015'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


NEW_KINDS = ('OUTCOME_REMINDER', 'OUTCOME_CHECK')  # scheduler.models.FollowUpKind


def _postgresql() -> bool:
    return op.get_bind().dialect.name == 'postgresql'


def upgrade() -> None:
    if _postgresql():  # SQLite stores enum values as plain strings; PostgreSQL has a native enum type
        for kind in NEW_KINDS:
            op.execute(f"ALTER TYPE followupkind ADD VALUE IF NOT EXISTS '{kind}'")
    with op.batch_alter_table('referral', schema=None) as batch_op:
        batch_op.add_column(sa.Column('safeguarding', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False,
                                      server_default=''))
        batch_op.add_column(sa.Column('age_band', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False,
                                      server_default=''))
        batch_op.add_column(sa.Column('gp_practice', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False,
                                      server_default=''))
        batch_op.add_column(sa.Column('admission_date', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('third_party', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False,
                                      server_default=''))
        batch_op.add_column(sa.Column('services_involved', sa.JSON(), nullable=False, server_default='[]'))
        batch_op.add_column(sa.Column('gender', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False,
                                      server_default=''))
        batch_op.add_column(sa.Column('ethnicity', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False,
                                      server_default=''))
        batch_op.add_column(sa.Column('postcode_district', sqlmodel.sql.sqltypes.AutoString(length=10),
                                      nullable=False, server_default=''))
    op.create_table(
        'support_plan',
        sa.Column('referral_id', sa.Integer(), nullable=False),
        sa.Column('what_matters_enc', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('goals_enc', sa.JSON(), nullable=False),
        sa.Column('review_date', sa.Date(), nullable=True),
        sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('updated_by', sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(['referral_id'], ['referral.id']),
        sa.PrimaryKeyConstraint('referral_id'),
    )
    op.create_table(
        'support_contact',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('referral_id', sa.Integer(), nullable=False),
        sa.Column('at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('minutes', sa.Integer(), nullable=False),
        sa.Column('mode', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column('recorded_by', sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(['referral_id'], ['referral.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('support_contact', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_support_contact_referral_id'), ['referral_id'], unique=False)
    op.create_table(
        'outcome_answer',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('referral_id', sa.Integer(), nullable=False),
        sa.Column('measure', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column('timepoint', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column('item', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column('score', sa.Integer(), nullable=True),
        sa.Column('source', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column('recorded_by', sa.BigInteger(), nullable=True),
        sa.Column('recorded_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['referral_id'], ['referral.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('referral_id', 'measure', 'timepoint', 'item'),
    )
    with op.batch_alter_table('outcome_answer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outcome_answer_referral_id'), ['referral_id'], unique=False)


def downgrade() -> None:
    # the enum value stays (PostgreSQL cannot drop one; 0007's downgrade recreates the type without it)
    new_kinds = ', '.join(f"'{kind}'" for kind in NEW_KINDS)
    op.execute(f"DELETE FROM follow_up WHERE about_id IN (SELECT id FROM follow_up WHERE kind IN ({new_kinds}))")
    op.execute(f"DELETE FROM follow_up WHERE kind IN ({new_kinds})")
    with op.batch_alter_table('support_contact', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_support_contact_referral_id'))
    op.drop_table('support_contact')
    op.drop_table('support_plan')
    with op.batch_alter_table('outcome_answer', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outcome_answer_referral_id'))
    op.drop_table('outcome_answer')
    with op.batch_alter_table('referral', schema=None) as batch_op:
        for column in ('postcode_district', 'ethnicity', 'gender', 'services_involved', 'third_party',
                       'admission_date', 'gp_practice', 'age_band'):
            batch_op.drop_column(column)
        batch_op.drop_column('safeguarding')

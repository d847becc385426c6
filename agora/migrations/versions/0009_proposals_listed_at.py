"""proposals: listed_at, the indexed sort key of the list's "most recent" order

Revision ID: 0009_proposals_listed_at
Revises: 0008_reports
Create Date: 2026-11-22 11:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import agora.db

revision = '0009_proposals_listed_at'
down_revision = '0008_reports'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('proposals', schema=None) as batch_op:
        batch_op.add_column(sa.Column('listed_at', agora.db.UTCDateTime(), nullable=True))
    # the list used to sort on coalesce(published_at, created_at): the same value, now stored
    op.execute("UPDATE proposals SET listed_at = coalesce(published_at, created_at)")
    with op.batch_alter_table('proposals', schema=None) as batch_op:
        batch_op.alter_column('listed_at', existing_type=agora.db.UTCDateTime(), nullable=False)
        batch_op.create_index('ix_proposals_listed', ['moderation', 'listed_at', 'id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('proposals', schema=None) as batch_op:
        batch_op.drop_index('ix_proposals_listed')
        batch_op.drop_column('listed_at')

"""meetings: assemblies, agenda items, local meetings, registrations, positions

Revision ID: 0005_files
Revises: 0004_digest
Create Date: 2026-11-22 10:30:00
"""

from __future__ import annotations

revision = '0005_files'
down_revision = '0004_digest'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass

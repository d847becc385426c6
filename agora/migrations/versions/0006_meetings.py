"""meetings: assemblies, agenda items, local meetings, registrations, positions

Revision ID: 0006_meetings
Revises: 0005_files
Create Date: 2026-11-22 10:30:00
"""

from __future__ import annotations

revision = '0006_meetings'
down_revision = '0005_files'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass

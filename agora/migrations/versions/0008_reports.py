"""reports to the board: versions, board answers

Revision ID: 0008_reports
Revises: 0007_ethics_committee
Create Date: 2026-11-22 10:30:00
"""

from __future__ import annotations

revision = '0008_reports'
down_revision = '0007_ethics_committee'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass

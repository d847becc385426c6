"""reports to the board: versions, board answers

Revision ID: 0007_reports
Revises: 0006_ethics_committee
Create Date: 2026-11-22 10:30:00
"""

from __future__ import annotations

revision = '0007_reports'
down_revision = '0006_ethics_committee'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass

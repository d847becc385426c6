"""ethics committee: members, referrals, opinions, register

Revision ID: 0007_ethics_committee
Revises: 0006_meetings
Create Date: 2026-11-22 10:30:00
"""

from __future__ import annotations

revision = '0007_ethics_committee'
down_revision = '0006_meetings'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass

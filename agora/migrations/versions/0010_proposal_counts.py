"""proposal_counts: how many proposals per moderation state and status, kept by triggers

Revision ID: 0010_proposal_counts
Revises: 0009_proposals_listed_at
Create Date: 2026-12-08 03:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0010_proposal_counts'
down_revision = '0009_proposals_listed_at'
branch_labels = None
depends_on = None

# The same three triggers on both databases: a proposal counted in its (moderation, status) when it is
# inserted, moved when either changes, taken off when it is deleted. `UPDATE OF` alone would also fire
# for an update that writes the same values, hence the comparison.
SQLITE_TRIGGERS = (
    """CREATE TRIGGER proposal_counts_insert AFTER INSERT ON proposals BEGIN
         INSERT INTO proposal_counts (moderation, status, proposals) VALUES (NEW.moderation, NEW.status, 1)
         ON CONFLICT (moderation, status) DO UPDATE SET proposals = proposals + 1;
       END""",
    """CREATE TRIGGER proposal_counts_update AFTER UPDATE OF moderation, status ON proposals
       WHEN OLD.moderation IS NOT NEW.moderation OR OLD.status IS NOT NEW.status BEGIN
         UPDATE proposal_counts SET proposals = proposals - 1
          WHERE moderation = OLD.moderation AND status = OLD.status;
         INSERT INTO proposal_counts (moderation, status, proposals) VALUES (NEW.moderation, NEW.status, 1)
         ON CONFLICT (moderation, status) DO UPDATE SET proposals = proposals + 1;
       END""",
    """CREATE TRIGGER proposal_counts_delete AFTER DELETE ON proposals BEGIN
         UPDATE proposal_counts SET proposals = proposals - 1
          WHERE moderation = OLD.moderation AND status = OLD.status;
       END""",
)

POSTGRESQL_FUNCTION = """
CREATE FUNCTION proposal_counts_follow() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND OLD.moderation = NEW.moderation AND OLD.status = NEW.status THEN
    RETURN NULL;
  END IF;
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    UPDATE proposal_counts SET proposals = proposals - 1
     WHERE moderation = OLD.moderation AND status = OLD.status;
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    INSERT INTO proposal_counts (moderation, status, proposals) VALUES (NEW.moderation, NEW.status, 1)
    ON CONFLICT (moderation, status) DO UPDATE SET proposals = proposal_counts.proposals + 1;
  END IF;
  RETURN NULL;
END
$$"""

POSTGRESQL_TRIGGER = """
CREATE TRIGGER proposal_counts_follow AFTER INSERT OR DELETE OR UPDATE OF moderation, status ON proposals
FOR EACH ROW EXECUTE FUNCTION proposal_counts_follow()"""


def upgrade() -> None:
    op.create_table('proposal_counts',
    sa.Column('moderation', sa.Enum('visible', 'hidden', 'held', name='moderationstate', native_enum=False, length=32), nullable=False),
    sa.Column('status', sa.Enum('draft', 'published', 'threshold_reached', 'on_agenda', 'sent_to_board', 'answered', 'withdrawn', name='proposalstatus', native_enum=False, length=32), nullable=False),
    sa.Column('proposals', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('moderation', 'status', name=op.f('pk_proposal_counts'))
    )
    op.execute("INSERT INTO proposal_counts (moderation, status, proposals) "
               "SELECT moderation, status, count(*) FROM proposals GROUP BY moderation, status")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(POSTGRESQL_FUNCTION)
        op.execute(POSTGRESQL_TRIGGER)
    else:
        for trigger in SQLITE_TRIGGERS:
            op.execute(trigger)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER proposal_counts_follow ON proposals")
        op.execute("DROP FUNCTION proposal_counts_follow()")
    else:
        for name in ("insert", "update", "delete"):
            op.execute(f"DROP TRIGGER proposal_counts_{name}")
    op.drop_table('proposal_counts')

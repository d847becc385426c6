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

# On PostgreSQL a change of state moves one from a row to another; the two rows are always locked in
# the same order (by key), so two changes in opposite directions at once cannot deadlock. TRUNCATE
# fires no row trigger: a statement trigger empties the counts with it.
POSTGRESQL_FUNCTIONS = (
    """CREATE FUNCTION proposal_counts_add(counted_moderation text, counted_status text, change integer)
       RETURNS void LANGUAGE sql AS $$
         INSERT INTO proposal_counts (moderation, status, proposals)
         VALUES (counted_moderation, counted_status, change)
         ON CONFLICT (moderation, status) DO UPDATE SET proposals = proposal_counts.proposals + change
       $$""",
    """CREATE FUNCTION proposal_counts_follow() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         IF TG_OP = 'INSERT' THEN
           PERFORM proposal_counts_add(NEW.moderation, NEW.status, 1);
         ELSIF TG_OP = 'DELETE' THEN
           PERFORM proposal_counts_add(OLD.moderation, OLD.status, -1);
         ELSIF (OLD.moderation, OLD.status) < (NEW.moderation, NEW.status) THEN
           PERFORM proposal_counts_add(OLD.moderation, OLD.status, -1);
           PERFORM proposal_counts_add(NEW.moderation, NEW.status, 1);
         ELSIF (OLD.moderation, OLD.status) > (NEW.moderation, NEW.status) THEN
           PERFORM proposal_counts_add(NEW.moderation, NEW.status, 1);
           PERFORM proposal_counts_add(OLD.moderation, OLD.status, -1);
         END IF;
         RETURN NULL;
       END
       $$""",
    """CREATE FUNCTION proposal_counts_empty() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         DELETE FROM proposal_counts;
         RETURN NULL;
       END
       $$""",
)

POSTGRESQL_TRIGGERS = (
    """CREATE TRIGGER proposal_counts_follow AFTER INSERT OR DELETE OR UPDATE OF moderation, status
       ON proposals FOR EACH ROW EXECUTE FUNCTION proposal_counts_follow()""",
    """CREATE TRIGGER proposal_counts_empty AFTER TRUNCATE ON proposals
       FOR EACH STATEMENT EXECUTE FUNCTION proposal_counts_empty()""",
)


def upgrade() -> None:
    op.create_table('proposal_counts',
    sa.Column('moderation', sa.Enum('visible', 'hidden', 'held', name='moderationstate', native_enum=False, length=32), nullable=False),
    sa.Column('status', sa.Enum('draft', 'published', 'threshold_reached', 'on_agenda', 'sent_to_board', 'answered', 'withdrawn', name='proposalstatus', native_enum=False, length=32), nullable=False),
    sa.Column('proposals', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('moderation', 'status', name=op.f('pk_proposal_counts'))
    )
    postgresql = op.get_bind().dialect.name == "postgresql"
    if postgresql:  # no proposal written by a running server between the count and the triggers
        op.execute("LOCK TABLE proposals IN SHARE ROW EXCLUSIVE MODE")
    op.execute("INSERT INTO proposal_counts (moderation, status, proposals) "
               "SELECT moderation, status, count(*) FROM proposals GROUP BY moderation, status")
    if postgresql:
        for statement in (*POSTGRESQL_FUNCTIONS, *POSTGRESQL_TRIGGERS):
            op.execute(statement)
    else:
        for trigger in SQLITE_TRIGGERS:
            op.execute(trigger)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER proposal_counts_empty ON proposals")
        op.execute("DROP TRIGGER proposal_counts_follow ON proposals")
        op.execute("DROP FUNCTION proposal_counts_empty()")
        op.execute("DROP FUNCTION proposal_counts_follow()")
        op.execute("DROP FUNCTION proposal_counts_add(text, text, integer)")
    else:
        for name in ("insert", "update", "delete"):
            op.execute(f"DROP TRIGGER proposal_counts_{name}")
    op.drop_table('proposal_counts')

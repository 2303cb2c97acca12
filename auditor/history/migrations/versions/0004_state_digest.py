"""A digest of each finding's state, so that a run rewrites only the findings whose state changed.

``finding_state.last_change`` goes: what a run did to each finding is in ``run_findings.change``, and
keeping it in the state rewrote every row whose change went from "new" to "persisting".  The digest of
the rows already stored is left empty: the next run writes them once, with their digest.

Revision ID: 0004
Revises: 0003
"""
import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("finding_state") as batch:
        batch.add_column(sa.Column("digest", sa.BigInteger))
        batch.drop_column("last_change")


def downgrade() -> None:
    with op.batch_alter_table("finding_state") as batch:
        batch.add_column(sa.Column("last_change", sa.String(20)))
        batch.drop_column("digest")
    # what the latest run of the scope that found a finding did to it; one no longer found was resolved
    op.execute(
        "UPDATE finding_state SET last_change = CASE WHEN \"open\" THEN (SELECT f.change FROM run_findings f "
        "JOIN runs r ON r.id = f.run_id WHERE r.scope = finding_state.scope "
        "AND f.finding_id = finding_state.finding_id ORDER BY r.as_of DESC, r.id DESC LIMIT 1) END")
    op.execute("UPDATE finding_state SET last_change = 'resolved' WHERE last_change IS NULL")
    with op.batch_alter_table("finding_state") as batch:
        batch.alter_column("last_change", existing_type=sa.String(20), nullable=False)

"""A month recorded once, and a run that can be taken back.

``runs.superseded_by`` (the run that replaced it: the same scope and audit date recorded again) and
``runs.removed_at`` (taken back by ``auditor history remove``): such runs stay listed, and nothing else
reads them.  ``runs.undoable``: the run kept what it changed (runs recorded before this revision did not,
and cannot be taken back).  ``finding_state.added_by`` is the run that first stored a finding's state, and
``state_undo`` holds, per run, each state row as it was before that run rewrote it: together they give
the carried state back as it was before the run.  ``run_findings`` keeps each finding's notes and
accepted-until of that run, for the export.

Revision ID: 0007
Revises: 0006
"""
import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("runs") as batch:
        batch.add_column(sa.Column("superseded_by", sa.Integer))
        batch.add_column(sa.Column("removed_at", sa.DateTime))
        batch.add_column(sa.Column("undoable", sa.Boolean))
    with op.batch_alter_table("run_findings") as batch:
        batch.add_column(sa.Column("notes", sa.Text))
        batch.add_column(sa.Column("accepted_until", sa.Date))
    with op.batch_alter_table("finding_state") as batch:
        batch.add_column(sa.Column("added_by", sa.Integer))
    op.create_table(
        "state_undo",
        sa.Column("run_id", sa.Integer, nullable=False),
        sa.Column("scope", sa.String(500), nullable=False),
        sa.Column("finding_id", sa.String(64), nullable=False),
        sa.Column("rule_id", sa.String(200), nullable=False),
        sa.Column("severity", sa.String(20), nullable=False),
        sa.Column("court_id", sa.Text),
        sa.Column("firm_key", sa.Text, nullable=False),
        sa.Column("firm_name", sa.Text),
        sa.Column("person_name", sa.Text),
        sa.Column("cmecf_login", sa.Text),
        sa.Column("pacer_username", sa.Text),
        sa.Column("first_seen", sa.Date, nullable=False),
        sa.Column("last_seen", sa.Date, nullable=False),
        sa.Column("due_date", sa.Date),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("notes", sa.Text),
        sa.Column("accepted_until", sa.Date),
        sa.Column("open", sa.Boolean, nullable=False),
        sa.Column("resolved_on", sa.Date),
        sa.Column("digest", sa.BigInteger),
        sa.Column("added_by", sa.Integer),
        sa.PrimaryKeyConstraint("run_id", "finding_id"),
    )


def downgrade() -> None:
    op.drop_table("state_undo")
    with op.batch_alter_table("finding_state") as batch:
        batch.drop_column("added_by")
    with op.batch_alter_table("run_findings") as batch:
        batch.drop_column("accepted_until")
        batch.drop_column("notes")
    with op.batch_alter_table("runs") as batch:
        batch.drop_column("undoable")
        batch.drop_column("removed_at")
        batch.drop_column("superseded_by")

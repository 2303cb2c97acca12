"""Runs, their inputs and findings, and the state of each finding per scope.

Revision ID: 0001
Revises:
"""
import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "runs",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("scope", sa.String(500), nullable=False),
        sa.Column("scope_label", sa.Text, nullable=False),
        sa.Column("as_of", sa.Date, nullable=False),
        sa.Column("recorded_at", sa.DateTime, nullable=False),
        sa.Column("auditor_version", sa.String(40), nullable=False),
        sa.Column("rules_version", sa.String(64), nullable=False),
        sa.Column("findings", sa.Integer, nullable=False),
        sa.Column("open_findings", sa.Integer, nullable=False),
        sa.Column("new", sa.Integer, nullable=False),
        sa.Column("resolved", sa.Integer, nullable=False),
        sa.Column("reopened", sa.Integer, nullable=False),
        sa.Column("persisting", sa.Integer, nullable=False),
        sa.Column("active_filers", sa.Integer),
        sa.Column("ready_filers", sa.Integer),
        sa.Column("backfill", sa.Boolean, nullable=False),
    )
    op.create_index("ix_runs_scope_as_of", "runs", ["scope", "as_of"])
    op.create_table(
        "run_inputs",
        sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("position", sa.Integer, primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("sheet", sa.Text, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("rows_read", sa.Integer, nullable=False),
        sa.Column("rows_audited", sa.Integer, nullable=False),
        sa.Column("rows_rejected", sa.Integer, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
    )
    op.create_table(
        "run_findings",
        sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("finding_id", sa.String(64), primary_key=True),
        sa.Column("rule_id", sa.String(200), nullable=False),
        sa.Column("severity", sa.String(20), nullable=False),
        sa.Column("firm_key", sa.Text, nullable=False),
        sa.Column("change", sa.String(20), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("due_date", sa.Date),
    )
    op.create_table(
        "finding_state",
        sa.Column("scope", sa.String(500), primary_key=True),
        sa.Column("finding_id", sa.String(64), primary_key=True),
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
        sa.Column("last_change", sa.String(20), nullable=False),
    )


def downgrade() -> None:
    for table in ("finding_state", "run_findings", "run_inputs", "runs"):
        op.drop_table(table)

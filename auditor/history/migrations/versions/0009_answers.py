"""Firms' answers to their findings, given on the portal: one row per answer, never rewritten (a later
answer to the same finding stands in front of an earlier one), with the firm, the invite it came
through, when, what kind of answer, the date it names, the note, and the batch when several findings
of one kind were answered together.

Revision ID: 0009
Revises: 0008
"""
import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "answers",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("scope", sa.String(500), nullable=False),
        sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id", ondelete="CASCADE"), nullable=False),
        sa.Column("invite_id", sa.Integer, sa.ForeignKey("invites.id", ondelete="CASCADE"), nullable=False),
        sa.Column("firm_key", sa.Text, nullable=False),
        sa.Column("finding_id", sa.String(64), nullable=False),
        sa.Column("rule_id", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("on_date", sa.Date),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("batch_id", sa.String(32)),
        sa.Column("answered_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_answers_scope_finding", "answers", ["scope", "finding_id"])
    op.create_index("ix_answers_run_firm", "answers", ["run_id", "firm_key"])


def downgrade() -> None:
    op.drop_index("ix_answers_run_firm", table_name="answers")
    op.drop_index("ix_answers_scope_finding", table_name="answers")
    op.drop_table("answers")

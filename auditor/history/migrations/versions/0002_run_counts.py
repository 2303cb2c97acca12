"""Per-run counts by rule, severity and firm, so that trends never scan every finding.

Runs recorded before this revision get their counts computed from their findings.

Revision ID: 0002
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "run_counts",
        sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id", ondelete="CASCADE"), nullable=False),
        sa.Column("rule_id", sa.String(200), nullable=False),
        sa.Column("severity", sa.String(20), nullable=False),
        sa.Column("firm_key", sa.Text, nullable=False),
        sa.Column("findings", sa.Integer, nullable=False),
        sa.Column("open_findings", sa.Integer, nullable=False),
    )
    op.create_index("ix_run_counts_run", "run_counts", ["run_id", "firm_key"])
    op.execute(
        "INSERT INTO run_counts (run_id, rule_id, severity, firm_key, findings, open_findings) "
        "SELECT run_id, rule_id, severity, firm_key, COUNT(*), "
        "SUM(CASE WHEN status IN ('Resolved', 'Accepted') THEN 0 ELSE 1 END) "
        "FROM run_findings GROUP BY run_id, rule_id, severity, firm_key"
    )


def downgrade() -> None:
    op.drop_index("ix_run_counts_run", "run_counts")
    op.drop_table("run_counts")

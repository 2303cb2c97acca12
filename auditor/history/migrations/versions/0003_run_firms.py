"""Per run, each firm's active e-filers and how many are ready, for the trend in each firm's own workbook.

Runs recorded before this revision keep their counts; their firms' readiness was never stored and cannot
be worked out from the findings, so a firm's trend shows it as not recorded for those runs.

Revision ID: 0003
Revises: 0002
"""
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "run_firms",
        sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("firm_key", sa.Text, primary_key=True),
        sa.Column("active_filers", sa.Integer, nullable=False),
        sa.Column("ready_filers", sa.Integer, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("run_firms")

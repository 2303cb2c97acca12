"""Each firm's notice message per month of a scope (the run it was made from beside it): to whom, queued,
sent, failed for now or refused, with the mail server's answer, so that ``auditor notify --send`` run again sends nothing twice.

Revision ID: 0005
Revises: 0004
"""
import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "deliveries",
        sa.Column("scope", sa.String(500), primary_key=True),
        sa.Column("as_of", sa.Date, primary_key=True),
        sa.Column("firm_key", sa.Text, primary_key=True),
        sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id", ondelete="SET NULL")),
        sa.Column("firm_name", sa.Text, nullable=False),
        sa.Column("recipients", sa.Text, nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("answer", sa.Text),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("attached", sa.Boolean, nullable=False),
        sa.Column("message_id", sa.String(200), nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("deliveries")

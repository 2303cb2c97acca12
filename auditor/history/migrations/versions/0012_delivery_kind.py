"""Deliveries by kind: the firm's notice and, beside it, each reminder (reminder-1 to reminder-3), so that
``auditor notify --reminders`` sends at most three a month per firm, across runs of the command.  The key
becomes scope, month, firm and kind; the rows already recorded are notices.

Revision ID: 0012
Revises: 0011
"""
import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

_COLUMNS = ("scope, as_of, firm_key, run_id, firm_name, recipients, state, answer, attempts, attached, message_id, "
            "updated_at")


def _table(name: str, with_kind: bool) -> None:
    op.create_table(
        name,
        sa.Column("scope", sa.String(500), nullable=False),
        sa.Column("as_of", sa.Date, nullable=False),
        sa.Column("firm_key", sa.Text, nullable=False),
        *([sa.Column("kind", sa.String(20), nullable=False)] if with_kind else []),
        sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id", ondelete="SET NULL")),
        sa.Column("firm_name", sa.Text, nullable=False),
        sa.Column("recipients", sa.Text, nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("answer", sa.Text),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("attached", sa.Boolean, nullable=False),
        sa.Column("message_id", sa.String(200), nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.PrimaryKeyConstraint("scope", "as_of", "firm_key", *(["kind"] if with_kind else []),
                                name=f"pk_{name}"),
    )


def upgrade() -> None:
    _table("deliveries_by_kind", True)
    op.execute(f"INSERT INTO deliveries_by_kind ({_COLUMNS}, kind) SELECT {_COLUMNS}, 'notice' FROM deliveries")
    op.drop_table("deliveries")
    op.rename_table("deliveries_by_kind", "deliveries")


def downgrade() -> None:
    _table("deliveries_notices", False)
    op.execute(f"INSERT INTO deliveries_notices ({_COLUMNS}) SELECT {_COLUMNS} FROM deliveries WHERE kind = 'notice'")
    op.drop_table("deliveries")
    op.rename_table("deliveries_notices", "deliveries")

"""More than one kind of message per firm and month in ``deliveries``: ``kind`` is ``notice`` (the monthly
notice ``auditor notify`` sends, as every row before this revision) or ``new-link`` (a new portal link a
firm asked for on the portal), and is part of the key, so that a new link sent to a firm never takes the
place of the record of its notice.

It follows 0011 (the inputs' paths), which was made first: the numbers were taken as the work began.

Revision ID: 0010
Revises: 0011
"""
import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0011"
branch_labels = None
depends_on = None

KEY = ["scope", "as_of", "firm_key"]


def _table() -> sa.Table:
    """The table as 0005 made it, without its key: the batch makes the table again with the key it is given."""
    meta = sa.MetaData()
    sa.Table("runs", meta, sa.Column("id", sa.Integer, primary_key=True))
    return sa.Table(
        "deliveries", meta,
        sa.Column("scope", sa.String(500), nullable=False),
        sa.Column("as_of", sa.Date, nullable=False),
        sa.Column("firm_key", sa.Text, nullable=False),
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


def upgrade() -> None:
    # made again with the new key (SQLite cannot change a primary key in place); every row is kept
    with op.batch_alter_table("deliveries", recreate="always", copy_from=_table()) as batch:
        batch.add_column(sa.Column("kind", sa.String(20), nullable=False, server_default="notice"))
        batch.create_primary_key("pk_deliveries", KEY + ["kind"])


def downgrade() -> None:
    op.execute(sa.text("DELETE FROM deliveries WHERE kind <> 'notice'"))
    table = _table()
    table.append_column(sa.Column("kind", sa.String(20), nullable=False, server_default="notice"))
    with op.batch_alter_table("deliveries", recreate="always", copy_from=table) as batch:
        batch.drop_column("kind")
        batch.create_primary_key("pk_deliveries", KEY)

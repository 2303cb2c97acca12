"""Where each input of a run was read from, and the columns it was read with, so that a firm's roster
uploaded on the portal can be audited against the court's export and PACER list of the run its link
belongs to.  The file's SHA-256 is already recorded (``run_inputs.sha256``): a file moved, deleted or
changed since is found out, and not used.

Runs recorded before this revision have no path: a roster is then audited alone.

Revision ID: 0011
Revises: 0009
"""
import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("run_inputs", sa.Column("path", sa.Text, nullable=True))
    op.add_column("run_inputs", sa.Column("headers", sa.Text, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("run_inputs") as batch:
        batch.drop_column("headers")
        batch.drop_column("path")

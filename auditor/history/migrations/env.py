"""Alembic environment: always given an open connection by ``auditor.history.store`` (never a URL, never
logging set-up: the library prints nothing)."""

from alembic import context

from auditor.history.schema import metadata

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()

"""Alembic migrations of the history store, shipped inside the package and run by ``store.open_store``."""

"""Monthly run history: every audit recorded in a database, compared with the previous run of its scope.

- :mod:`store`      open any SQLAlchemy URL or an SQLite file; Alembic migrations; errors in one line
- :mod:`sqlite_file` an SQLite file's own checks, and listing its runs without SQLAlchemy
- :mod:`schema`     the tables
- :mod:`lifecycle`  new / persisting / reopened / resolved, first and last seen, fixed due dates, statuses
- :mod:`previous`   statuses typed into last month's workbook, read by value
- :mod:`record`     recording a run in one transaction, committed after the report is written
- :mod:`firms`      each firm's readiness per run, for the trend in its own workbook
- :mod:`query`      listing runs, one run, findings over time (CSV or Parquet)
- :mod:`answers`    firms' answers to their findings from the portal, recorded and read back
"""

from auditor.history.sqlite_file import DEFAULT_NAME, HistoryError, default_path

_RECORD = ("HistoryView", "recording", "run_scope")


def __getattr__(name: str):
    """The recording names and ``open_store``, imported on first use (they need pandas or SQLAlchemy;
    listing the runs of an SQLite store needs neither)."""
    if name in _RECORD:
        from auditor.history import record

        return getattr(record, name)
    if name == "trend":
        from auditor.history.run_counts import trend

        return trend
    if name == "open_store":
        from auditor.history.store import open_store

        return open_store
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["recording", "run_scope", "trend", "HistoryView", "HistoryError", "open_store", "default_path",
           "DEFAULT_NAME"]

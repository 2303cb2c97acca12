"""A run dated after today is recorded only when the user says so (checked before any input is read,
without the database's libraries)."""

from __future__ import annotations

import datetime as dt

from auditor.errors import UsageError

FUTURE_OPTION = "--record-future-date"


def check_date(as_of: dt.date | None, allow_future: bool, today: dt.date | None = None) -> None:
    """Refuse (one line) to record a run dated after today unless ``allow_future``."""
    today = today or dt.date.today()
    if as_of is not None and as_of > today and not allow_future:
        raise UsageError(f"--as-of {as_of.isoformat()} is after today ({today.isoformat()}): a run dated later "
                         f"is recorded in the history only with {FUTURE_OPTION} (or give --no-history); "
                         "check the year")

"""What the history sheets of the report draw on (the sheets themselves: ``report.book.changes``,
``report.book.trend``, ``report.book.status_import``): Changes, Trend and (when a previous report was
given) Status import.

- **Changes**: every finding new, reopened, resolved or persisting since the previous run of the same
  scope, with first and last seen, days open, the fixed due date and whether it is overdue.  Written
  column-wise like the Findings sheet (``report.rows``), so a 100,000-row month costs well under a second.
- **Trend**: the last 12 runs of the scope: open findings by severity, and the readiness share, with
  charts (``report.trend``).
- **Status import**: rows of the previous report whose status could not be carried forward, and why.

A firm's own workbook (:class:`FirmHistory`) shows its firm's changes and its firm's trend only.
"""

from __future__ import annotations

import pandas as pd

from auditor.columns import STRING
from auditor.history.lifecycle import CHANGE_COLUMNS
from auditor.normalize import firm_key
from auditor.report.rows import Pending
from auditor.report.format import CHANGES_LAYOUT, column_widths
from auditor.report.sheets import write_table_sheets
from auditor.report.trend import FirmTrends

NO_CHANGES = "No findings in this run or the previous one."

# the sheet leaves out pacer_username and last_seen: the Findings sheet has them, and a sheet as long as
# the Findings sheet is cheaper to write and to print with fewer columns
assert {c.id for c in CHANGES_LAYOUT} <= set(CHANGE_COLUMNS)


# texts that are blank on most rows: a blank one is no value, so that its cell is left out of the sheet (as
# a missing one is; it reads back the same, and a 100,000-row month's sheet is 20% smaller to write)
_MOSTLY_BLANK = ("note", "firm_answer", "firm_note", "status_from")


def changes_of(history) -> pd.DataFrame:
    """The Changes sheet's rows: every finding of the run or the previous one, with what changed."""
    changes = history.changes.reset_index(drop=True)
    blank = {}
    for c in _MOSTLY_BLANK:
        if c in changes:    # as Arrow text once (the sheet's widths and cells read it as that)
            text = changes[c].astype(STRING)
            blank[c] = text.where(text.ne("").fillna(True))
    return changes.assign(overdue=changes["overdue"].map({True: "yes"}), **blank)


def write_changes_sheets(wb, changes: pd.DataFrame, as_of, max_rows: int,
                         widths: list[float] | None = None) -> list[Pending]:
    """The Changes sheet (more when the rows exceed ``max_rows``); return the rows ``rows.finish`` puts in place."""
    return write_table_sheets(wb, "Changes", changes, CHANGES_LAYOUT, max_rows=max_rows, as_of=as_of, widths=widths,
                              empty_text=NO_CHANGES)


class FirmHistory:
    """The changes and trends of every firm of a run, for the Changes and Trend sheets of its firms'
    workbooks (``report.book.changes``, ``report.book.trend``)."""

    def __init__(self, history, as_of):
        self.as_of = as_of
        self.changes = changes_of(history)
        self.widths = column_widths(self.changes, CHANGES_LAYOUT)
        keys = firm_key(self.changes["firm_name"]).to_numpy(dtype=object)
        self.rows = pd.DataFrame({"k": keys}).groupby("k", sort=False, dropna=True).indices   # firm -> positions
        self.trends = FirmTrends(history)

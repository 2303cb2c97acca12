"""The history sheets of the report: Changes, Trend and (when a previous report was given) Status import.

- **Changes**: every finding new, reopened, resolved or persisting since the previous run of the same
  scope, with first and last seen, days open, the fixed due date and whether it is overdue.  Written
  column-wise like the Findings sheet (``report.rows``), so a 100,000-row month costs well under a second.
- **Trend**: the last 12 runs of the scope: open findings by severity, and the readiness share, with
  charts (``report.trend``).
- **Status import**: rows of the previous report whose status could not be carried forward, and why.

A firm's own workbook (:class:`FirmHistory`) shows its firm's changes and its firm's trend only.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from auditor.history.lifecycle import CHANGE_COLUMNS
from auditor.normalize import firm_key
from auditor.report.rows import Pending, indices
from auditor.report.format import CHANGES_LAYOUT, EXCEL_MAX_DATA_ROWS, clean_value, column_widths
from auditor.report.sheets import (
    _setup_sheet, column_values, header_row, print_setup, specs_of, text_cell, write_table_sheets,
)
from auditor.report.trend import FirmTrends, scope_lines, scope_trend, trend_rows, write_trend_layout

NO_CHANGES = "No findings in this run or the previous one."

# the sheet leaves out pacer_username and last_seen: the Findings sheet has them, and a sheet as long as
# the Findings sheet is cheaper to write and to print with fewer columns
assert {c.id for c in CHANGES_LAYOUT} <= set(CHANGE_COLUMNS)


def changes_of(history) -> pd.DataFrame:
    """The Changes sheet's rows: every finding of the run or the previous one, with what changed."""
    changes = history.changes.reset_index(drop=True)
    return changes.assign(overdue=changes["overdue"].map({True: "yes", False: ""}).fillna(""))


def write_changes_sheets(wb, changes: pd.DataFrame, as_of, max_rows: int,
                         widths: list[float] | None = None) -> list[Pending]:
    """The Changes sheet (more when the rows exceed ``max_rows``); return the rows ``rows.finish`` puts in place."""
    return write_table_sheets(wb, "Changes", changes, CHANGES_LAYOUT, max_rows=max_rows, as_of=as_of, widths=widths,
                              empty_text=NO_CHANGES)


def write_history_sheets(wb, history, max_rows: int, as_of) -> list:
    """Add the Changes, Trend and Status import sheets; return the rows ``rows.finish`` puts in place."""
    pending: list = write_changes_sheets(wb, changes_of(history), as_of, max_rows)
    rows = scope_trend(history)
    letters = write_trend_layout(wb, as_of, len(rows), charts=len(rows) >= 2)
    pending.append(trend_rows(rows, scope_lines(history, len(rows)), letters))
    if history.import_problems is not None and len(history.import_problems):
        _write_import_problems(wb, history.import_problems, as_of)
    return pending


class FirmHistory:
    """The Changes and Trend sheets of every firm's workbook of a run, laid out once (``lay_out``, into
    the firm template) and filled with each firm's own rows (``pending``)."""

    def __init__(self, history, as_of):
        self.as_of = as_of
        self.changes = changes_of(history)
        self.widths = column_widths(self.changes, CHANGES_LAYOUT)
        keys = firm_key(self.changes["firm_name"]).to_numpy(dtype=object)
        self.rows = pd.Series(np.arange(len(self.changes))).groupby(keys, sort=False).apply(np.asarray).to_dict()
        self.trends = FirmTrends(history)
        self.values = None

    def lay_out(self, wb, *, charts: bool) -> dict[str, int]:
        """Add the two sheets to the template ``wb`` (the Trend sheet with its charts or without); return
        their placeholder rows."""
        self.layout, = write_changes_sheets(wb, self.changes.iloc[:0], self.as_of, EXCEL_MAX_DATA_ROWS,
                                            widths=self.widths)
        if self.values is None:   # the sheet values of every row, computed once; each firm takes its rows
            self.values = column_values(self.changes, specs_of(self.layout, CHANGES_LAYOUT))
        self.letters = write_trend_layout(wb, self.as_of, self.trends.runs, charts=charts)
        return {"Changes": 2, "Trend": 2}

    def pending(self, key: str, firm: str) -> tuple[list, bool]:
        """The firm's Changes and Trend rows, and whether its Trend sheet has the charts."""
        take = indices(self.rows.get(key, np.array([], dtype=np.intp)))
        changes = replace(self.layout, rows=len(take), columns=[
            replace(c, values=self.values[spec.id].take(take)) for c, spec in zip(self.layout.columns, CHANGES_LAYOUT)])
        rows, lines, charts = self.trends.of(key, firm)
        return [changes, trend_rows(rows, lines, self.letters)], charts


def _write_import_problems(wb, problems: pd.DataFrame, as_of) -> None:
    ws = wb.create_sheet("Status import")
    _setup_sheet(ws, [14, 8, 24, 70])
    print_setup(ws, as_of)
    ws.append(header_row(ws, ["sheet", "row", "finding_id", "problem"], [14, 8, 24, 70]))
    for sheet, row, fid, problem in problems.itertuples(index=False):  # rows of the clerk's workbook not used
        ws.append([text_cell(ws, clean_value(sheet)), None if pd.isna(row) else int(row),
                   text_cell(ws, clean_value(fid)), text_cell(ws, clean_value(problem), wrap=True)])

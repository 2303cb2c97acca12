"""The Changes sheet (``report.changes``), with a run history: every finding new, reopened, resolved or
persisting since the previous run; a firm's workbook shows its own."""

from __future__ import annotations

from auditor.report.book.base import CourtBook, FirmLayout, FirmRows
from auditor.report.firm_rows import banked
from auditor.report.changes import changes_of, write_changes_sheets
from auditor.report.format import CHANGES_LAYOUT, EXCEL_MAX_DATA_ROWS
from auditor.report.sheets import column_values, specs_of

name = "Changes"
court = True
firm = True


def write(wb, book: CourtBook) -> list:
    history = book.result.history
    if history is None:
        return []
    return write_changes_sheets(wb, changes_of(history), book.result.as_of, book.max_rows)


def lay_out(wb, layout: FirmLayout, charts: bool) -> int | None:
    history = layout.writer.history
    if history is None:
        return None
    sheet, = write_changes_sheets(wb, history.changes.iloc[:0], history.as_of, EXCEL_MAX_DATA_ROWS,
                                  widths=history.widths)
    if name not in layout.state:   # the sheet values of every row, computed once; each firm takes its rows
        layout.state[name] = (sheet, column_values(history.changes, specs_of(sheet, CHANGES_LAYOUT)))
    return 2


def fill(layout: FirmLayout, f: FirmRows) -> list:
    history = layout.writer.history
    if history is None:
        return []
    sheet, _ = layout.state[name]
    if f.key not in history.rows:   # laid out with no rows: the sheet says there are none
        return [sheet]
    return [banked(layout.state, name, history.rows[f.key])]   # the rows' XML built once for the run

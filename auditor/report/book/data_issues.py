"""The Data issues sheet (``report.sheets``): input rows that could not be checked, and why."""

from __future__ import annotations

from auditor.report.book.base import CourtBook, FirmLayout, FirmRows
from auditor.report.firm_rows import banked
from auditor.report.format import DATA_ISSUE_LAYOUT, EXCEL_MAX_DATA_ROWS, column_widths
from auditor.report.sheets import column_values, specs_of, write_data_issue_sheets

name = "Data issues"
court = True
firm = True


def write(wb, book: CourtBook) -> list:
    return write_data_issue_sheets(wb, book.prep.issues, max_rows=book.max_rows, as_of=book.result.as_of)


def lay_out(wb, layout: FirmLayout, charts: bool) -> int | None:
    prep, as_of = layout.writer.prep, layout.writer.result.as_of
    widths = layout.state.get(name + " widths")
    if widths is None:   # from the whole run: every firm's the same
        widths = layout.state[name + " widths"] = column_widths(prep.issues, DATA_ISSUE_LAYOUT)
    sheet, = write_data_issue_sheets(wb, prep.issues.iloc[:0], max_rows=EXCEL_MAX_DATA_ROWS, as_of=as_of,
                                     widths=widths)
    if name not in layout.state:
        layout.state[name] = (sheet, column_values(prep.issues, specs_of(sheet, DATA_ISSUE_LAYOUT)))
    return 2


def fill(layout: FirmLayout, f: FirmRows) -> list:
    sheet, _ = layout.state[name]
    if not len(f.irows):   # laid out with no rows: the sheet says there are none
        return [sheet]
    return [banked(layout.state, name, f.irows)]   # the rows' XML built once for the run (report.firm_rows)

"""The Summary sheet (``report.summary``): first in every workbook."""

from __future__ import annotations

from auditor.report.book.base import CourtBook, FirmLayout, FirmRows
from auditor.report.summary import owners_of, summary_data, summary_rows, summary_sheet_rows, write_summary_sheet

name = "Summary"
court = True
firm = True


def write(wb, book: CourtBook) -> list:
    result, prep = book.result, book.prep
    data = summary_data(result, prep.findings, prep.issues, list(result.inputs), None,
                        firms_sheet=book.firms_sheet is not None)
    letters = write_summary_sheet(wb, owners_of(result), result.as_of, rows=len(summary_rows(data)[0]))
    return [summary_sheet_rows(data, letters)]


def lay_out(wb, layout: FirmLayout, charts: bool) -> int | None:
    result = layout.writer.result
    layout.state[name] = write_summary_sheet(wb, owners_of(result), result.as_of)
    return 1


def fill(layout: FirmLayout, f: FirmRows) -> list:
    w = layout.writer
    data = summary_data(w.result, f.findings, f.issues, f.inputs, f.label, readiness=f.readiness,
                        groups=w.groups.get(f.key, []), courts=w.courts.get(f.key, []))
    return [summary_sheet_rows(data, layout.state[name])]

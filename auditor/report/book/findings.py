"""The Findings sheet (``report.sheets``): one row a finding; more sheets when they exceed the row limit."""

from __future__ import annotations

from dataclasses import replace

from auditor.report.book.base import CourtBook, FirmLayout, FirmRows
from auditor.report.firm_rows import banked
from auditor.report.format import EXCEL_MAX_DATA_ROWS, FINDING_LAYOUT, column_widths
from auditor.report.rows import indices, text_values
from auditor.report.sheets import column_values, specs_of, write_findings_sheets

name = "Findings"
court = True
firm = True


def write(wb, book: CourtBook) -> list:
    return write_findings_sheets(wb, book.prep.findings, max_rows=book.max_rows, as_of=book.result.as_of)


def lay_out(wb, layout: FirmLayout, charts: bool) -> int | None:
    prep, as_of = layout.writer.prep, layout.writer.result.as_of
    widths = layout.state.get(name + " widths")
    if widths is None:   # from the whole run: every firm's the same
        widths = layout.state[name + " widths"] = column_widths(prep.findings, FINDING_LAYOUT)
    sheet, = write_findings_sheets(wb, prep.findings.iloc[:0], max_rows=EXCEL_MAX_DATA_ROWS, as_of=as_of,
                                   widths=widths)
    if name not in layout.state:   # the sheet values of every row, computed once; each firm takes its rows
        shown = prep.findings.assign(related=prep.firm_related.to_numpy())
        layout.state[name] = (sheet, column_values(shown, specs_of(sheet, FINDING_LAYOUT)))
    return 2


def fill(layout: FirmLayout, f: FirmRows) -> list:
    sheet, every = layout.state[name]
    if not len(f.frows):   # laid out with no rows: the sheet says there are none
        return [sheet]
    if not f.redacted:   # the rows' XML built once for the run, this firm's taken (report.firm_rows)
        return [banked(layout.state, name, f.frows)]
    take = indices(f.frows)
    values = {k: v.take(take) for k, v in every.items()}
    if f.redacted:
        values["evidence"] = text_values(f.findings["evidence"])
    return [replace(sheet, rows=len(f.frows), columns=[
        replace(c, values=values[col.id]) for c, col in zip(sheet.columns, FINDING_LAYOUT)])]

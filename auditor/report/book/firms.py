"""The Firms sheet: each firm's findings by severity and readiness (and workbook file), in the court's
report when there are many firms or one workbook per firm (its rows from ``report.firms``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from auditor.model import SEVERITIES
from auditor.report.answers import answered_words
from auditor.report.book.base import CourtBook, FirmLayout, FirmRows
from auditor.report.firms_xml import FirmCells
from auditor.report.format import PERCENT_FORMAT
from auditor.report.rows import CellRows
from auditor.report.sheets import header_row, placeholder_styles, print_setup, text_cell

if TYPE_CHECKING:
    from auditor.report.firms import FirmRow

name = "Firms"
court = True
firm = False

FIRMS_PRINTED = 10                 # the Firms sheet's columns on paper: the firm and its counts


def write(wb, book: CourtBook) -> list:
    if book.firms_sheet is None:
        return []
    progress = getattr(book.result.history, "firm_answers", None)
    return [write_firms_sheet(wb, book.result.as_of, book.firms_sheet, answered_words(progress) if progress else None)]


def lay_out(wb, layout: FirmLayout, charts: bool) -> int | None:
    return None


def fill(layout: FirmLayout, f: FirmRows) -> list:
    return []


def write_firms_sheet(wb, as_of, rows: list[FirmRow], answers: dict[str, str] | None = None) -> CellRows:
    """The "Firms" sheet: each firm's findings by severity and readiness (and workbook file); with
    ``answers`` (firm key -> words, ``report.answers``) what each firm answered on the portal."""
    ws = wb.create_sheet("Firms")
    with_files = any(r.split for r in rows)
    headers = ["Firm", *SEVERITIES, "Findings", "Data issues", "Active filers", "Ready filers", "Share ready"]
    headers += ["Workbook", "Status"] if with_files else []
    widths = [36, 8, 9, 8, 8, 10, 11, 11, 11, 11, 40, 24][:len(headers)]
    if answers is not None:
        headers, widths = headers + ["Portal answers"], widths + [30]
    for i, w in enumerate(widths, 1):
        ws.column_dimensions[chr(64 + i)].width = w
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{chr(64 + len(headers))}{max(len(rows), 1) + 1}"
    print_setup(ws, as_of, columns=FIRMS_PRINTED)   # the workbook's file name and status: on screen
    ws.append(header_row(ws, headers, widths))
    count = rx_cell(ws, 0, "#,##0")
    letters = placeholder_styles(ws, {"text": text_cell(ws, "x"), "count": count,
                                 "percent": rx_cell(ws, 0.5, PERCENT_FORMAT)})
    cells = FirmCells(rows, with_files, answers, letters)   # laid out column by column (report.firms_xml)
    return CellRows("Firms", [], letters, first_row=2, print_rows=max(len(rows), 1) + 1, xml=cells.xml)


def rx_cell(ws, value, fmt):
    from openpyxl.cell import WriteOnlyCell

    c = WriteOnlyCell(ws, value=value)
    c.number_format = fmt
    return c

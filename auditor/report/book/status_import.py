"""The Status import sheet, when a previous report was given: its rows whose status could not be carried
forward, and why.  The court's report only."""

from __future__ import annotations

import pandas as pd

from auditor.report.book.base import CourtBook, FirmLayout, FirmRows
from auditor.report.format import clean_value
from auditor.report.sheets import _setup_sheet, header_row, print_setup, text_cell

name = "Status import"
court = True
firm = False

WIDTHS: list[float] = [14, 8, 24, 70]


def _problems(history) -> pd.DataFrame | None:
    return None if history is None else history.import_problems


def write(wb, book: CourtBook) -> list:
    problems = _problems(book.result.history)
    if problems is None or not len(problems):
        return []
    ws = wb.create_sheet(name)
    _setup_sheet(ws, WIDTHS)
    print_setup(ws, book.result.as_of)
    ws.append(header_row(ws, ["sheet", "row", "finding_id", "problem"], WIDTHS))
    for sheet, row, fid, problem in problems.itertuples(index=False):  # rows of the clerk's workbook not used
        ws.append([text_cell(ws, clean_value(sheet)), None if pd.isna(row) else int(row),
                   text_cell(ws, clean_value(fid)), text_cell(ws, clean_value(problem), wrap=True)])
    return []


def lay_out(wb, layout: FirmLayout, charts: bool) -> int | None:
    return None


def fill(layout: FirmLayout, f: FirmRows) -> list:
    return []

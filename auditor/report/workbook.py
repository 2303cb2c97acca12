"""The Excel remediation report.

``write_report`` writes one workbook with the sheets listed in ``report.book``
(Summary, Findings, Data issues and Rules; Firms, when there are many firms or
one workbook per firm; Changes and Trend, with a run history; Status import,
with a previous report); given a firm, it holds that firm's rows alone
(``report.firm_writer``, which writes any number of firm workbooks from one
layout; ``report.prepare`` makes the rows ready and works out what a firm's
copy must not show).
"""

from __future__ import annotations

import io
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pandas as pd
from openpyxl import Workbook

from auditor.collector import older_left_out
from auditor.errors import UsageError
from auditor.model import AuditResult
from auditor.normalize import firm_key
from auditor.outputs.staging import OutputError, atomic_file, describe
from auditor.report.book import COURT_SHEETS, CourtBook
from auditor.report.firm_writer import FirmWriter
from auditor.report.firms import FIRM_COUNTS_ON_SHEET, by_firm_rows
from auditor.report.format import EXCEL_MAX_DATA_ROWS
from auditor.report.prepare import Prepared, prepare
from auditor.report.rows import finish
from auditor.report.shared_strings import SharedStrings


def _save(wb: Workbook, pending: list, path: Path) -> Path:
    # the shared strings are worked out by Arrow's kernels (from the rows' Arrow arrays alone) while
    # openpyxl, in Python, lays the workbook out
    with ThreadPoolExecutor(1) as pool:
        made = pool.submit(SharedStrings, pending)
        try:  # openpyxl spills sheets to temporary files: a full disk can strike anywhere here
            layout = io.BytesIO()
            wb.save(layout)
        except OSError as exc:
            raise OutputError(f"cannot write {path.name}: {describe(exc)}") from None
        strings = made.result()
    with atomic_file(path) as fh:
        finish(layout.getvalue(), pending, fh, strings)
    return path


def write_report(result: AuditResult, path, *, firm: str | None = None,
                 max_rows: int = EXCEL_MAX_DATA_ROWS, firms_sheet=None, prep: Prepared | None = None) -> Path:
    """Write the workbook to ``path`` (replaced whole: never left half written) and return it.

    ``firm`` restricts it to that firm's rows.  Sheets hold at most ``max_rows``
    data rows; longer findings or data issues continue on "Findings (2)" and so on.
    ``firms_sheet`` (rows of the "Firms" sheet, from ``report.firms``) adds that sheet.
    """
    # the full passes of the garbage collector leave out the objects alive before the report (the run's
    # frames and arrays): one cost about 0.1 s of CPU, every thread stopped, in the 1M audit's report
    with older_left_out():
        return _write(result, path, firm, max_rows, firms_sheet, prep)


def _write(result: AuditResult, path, firm: str | None, max_rows: int, firms_sheet, prep: Prepared | None) -> Path:
    prep = prep or prepare(result)
    if firm is not None:
        key = firm_key(pd.Series([firm], dtype=object)).iloc[0]
        if pd.isna(key):
            raise UsageError(f"firm name {firm!r} is empty: give the firm's name")
        return FirmWriter(result, prep).write(key, firm, Path(path))
    return _write_master(result, prep, Path(path), max_rows, firms_sheet)


def _write_master(result: AuditResult, prep: Prepared, path: Path, max_rows: int, firms_sheet) -> Path:
    findings = prep.findings
    counts = findings["rule_id"].value_counts().to_dict() if len(findings) else {}
    answered = getattr(result.history, "firm_answers", None)    # firms were sent portal links: who answered
    if firms_sheet is None and (findings["firm_name"].nunique() > FIRM_COUNTS_ON_SHEET or answered):
        firms_sheet = by_firm_rows(result, prep)
    wb = Workbook(write_only=True)
    book = CourtBook(result, prep, max_rows, firms_sheet, counts)
    pending: list = []
    for sheet in COURT_SHEETS:
        pending += sheet.write(wb, book)
    return _save(wb, pending, path)

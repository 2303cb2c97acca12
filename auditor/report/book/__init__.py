"""The report's sheets, in the order the workbooks show them.

Each sheet is a module of this package offering :class:`base.Sheet`: its ``name``; ``court`` and
``firm``, whether the court's report and each firm's own workbook have it; ``write`` (the court's
report), ``lay_out`` and ``fill`` (firm workbooks, laid out once and filled for each firm).
``report.workbook`` and ``report.firm_writer`` write the sheets of :data:`SHEETS` in turn: a new
sheet is a new module here and one line below.
"""

from __future__ import annotations

from auditor.report.book import changes, data_issues, findings, firms, rules, status_import, summary, trend
from auditor.report.book.base import CourtBook, FirmLayout, FirmRows, Sheet

SHEETS: list[Sheet] = [
    summary,
    findings,
    data_issues,
    rules,
    firms,
    changes,
    trend,
    status_import,
]

COURT_SHEETS = [s for s in SHEETS if s.court]
FIRM_SHEETS = [s for s in SHEETS if s.firm]

__all__ = ["COURT_SHEETS", "FIRM_SHEETS", "SHEETS", "CourtBook", "FirmLayout", "FirmRows", "Sheet"]

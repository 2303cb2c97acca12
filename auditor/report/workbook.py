"""The Excel remediation report.

``write_report`` writes one workbook with the sheets Summary, Findings, Data
issues and Rules (and Firms, when there are many firms or one workbook per
firm; Changes and Trend, with a run history); given a firm, it holds that
firm's rows alone (``report.firm_writer``, which writes any number of firm
workbooks from one layout; ``report.prepare`` makes the rows ready and
works out what a firm's copy must not show).
"""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
from openpyxl import Workbook

from auditor.errors import UsageError
from auditor.model import AuditResult
from auditor.normalize import firm_key
from auditor.outputs.staging import OutputError, atomic_file, describe
from auditor.report.changes import write_history_sheets
from auditor.report.firm_writer import FirmWriter
from auditor.report.firms import FIRM_COUNTS_ON_SHEET, by_firm_rows, write_firms_sheet
from auditor.report.format import EXCEL_MAX_DATA_ROWS
from auditor.report.prepare import Prepared, prepare
from auditor.report.rows import finish
from auditor.report.sheets import write_data_issue_sheets, write_findings_sheets, write_rules_sheet
from auditor.report.summary import owners_of, summary_data, summary_rows, summary_sheet_rows, write_summary_sheet


def _save(wb: Workbook, pending: list, path: Path) -> Path:
    try:  # openpyxl spills sheets to temporary files: a full disk can strike anywhere here
        layout = io.BytesIO()
        wb.save(layout)
    except OSError as exc:
        raise OutputError(f"cannot write {path.name}: {describe(exc)}") from None
    with atomic_file(path) as fh:
        finish(layout.getvalue(), pending, fh)
    return path


def write_report(result: AuditResult, path, *, firm: str | None = None,
                 max_rows: int = EXCEL_MAX_DATA_ROWS, firms_sheet=None, prep: Prepared | None = None) -> Path:
    """Write the workbook to ``path`` (replaced whole: never left half written) and return it.

    ``firm`` restricts it to that firm's rows.  Sheets hold at most ``max_rows``
    data rows; longer findings or data issues continue on "Findings (2)" and so on.
    ``firms_sheet`` (rows of the "Firms" sheet, from ``report.firms``) adds that sheet.
    """
    prep = prep or prepare(result)
    if firm is not None:
        key = firm_key(pd.Series([firm], dtype=object)).iloc[0]
        if pd.isna(key):
            raise UsageError(f"firm name {firm!r} is empty: give the firm's name")
        return FirmWriter(result, prep).write(key, firm, Path(path))
    return _write_master(result, prep, Path(path), max_rows, firms_sheet)


def _write_master(result: AuditResult, prep: Prepared, path: Path, max_rows: int, firms_sheet) -> Path:
    findings, issues, as_of = prep.findings, prep.issues, result.as_of
    counts = findings["rule_id"].value_counts().to_dict() if len(findings) else {}
    if firms_sheet is None and findings["firm_name"].nunique() > FIRM_COUNTS_ON_SHEET:
        firms_sheet = by_firm_rows(result, prep)
    wb = Workbook(write_only=True)
    data = summary_data(result, findings, issues, list(result.inputs), None, firms_sheet=firms_sheet is not None)
    letters = write_summary_sheet(wb, owners_of(result), as_of, rows=len(summary_rows(data)[0]))
    pending: list = [summary_sheet_rows(data, letters)]
    pending += write_findings_sheets(wb, findings, max_rows=max_rows, as_of=as_of)
    pending += write_data_issue_sheets(wb, issues, max_rows=max_rows, as_of=as_of)
    pending.append(write_rules_sheet(wb, result.rules, as_of).rows(counts))
    if firms_sheet is not None:
        pending.append(write_firms_sheet(wb, as_of, firms_sheet))
    if result.history is not None:
        pending += write_history_sheets(wb, result.history, max_rows, as_of)
    return _save(wb, pending, path)



"""The Findings, Data issues and Rules sheets (openpyxl, streaming mode).

One function per sheet, each taking the rows to write.  Every text value is
written as text: a value such as ``=HYPERLINK(...)`` or ``#N/A`` from an input
becomes a string cell, never a formula or an error value.  The rows of the
big sheets are put in place by ``report_xml`` (column-wise, much faster than
openpyxl cell by cell); openpyxl lays out those sheets and writes the rest.
"""

from __future__ import annotations

import datetime as dt
import warnings
from pathlib import PurePath

import pandas as pd
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.filters import AutoFilter
from openpyxl.worksheet.table import Table, TableColumn, TableStyleInfo

from auditor.report import rows as rx
from auditor.model import RuleRun
from auditor.report.format import (
    DATA_ISSUE_LAYOUT, DATE_FORMAT, FINDING_LAYOUT, FORMULA_STARTS, HEADER_FILL, HEADER_FONT, RULES_LAYOUT,
    SEVERITY_FILLS, STATUS_LIST, TABLE_STYLE, Column, clean_value, column_widths,
    part_names,
)

EXCEL_LAST_ROW = 1_048_576
_WRAP = Alignment(wrap_text=True, vertical="top")
_TOP = Alignment(vertical="top")


def text_cell(ws, value, *, bold=False, wrap=False, fill=None, color=None) -> WriteOnlyCell:
    """A cell holding ``value`` as plain text whatever it looks like."""
    cell = WriteOnlyCell(ws, value=value)
    if cell.data_type in ("f", "e"):
        cell.data_type = "s"
    if isinstance(value, str) and value[:1] in FORMULA_STARTS:
        cell.quotePrefix = True  # Excel keeps it text even when someone edits the cell
    if bold or color:
        cell.font = Font(bold=bold, color=color)
    if wrap:
        cell.alignment = _WRAP
    if fill:
        cell.fill = PatternFill("solid", start_color=fill, end_color=fill)
    return cell


def header_row(ws, headers) -> list[WriteOnlyCell]:
    """Bold white header cells on a dark fill."""
    return [text_cell(ws, h, bold=True, fill=HEADER_FILL, color=HEADER_FONT) for h in headers]


def _sample_row(ws, sheet: str, part: pd.DataFrame, layout: list[Column]) -> rx.Pending:
    """Write one row of sample cells (each column's style; then one cell per severity colour) and
    return the sheet's real rows, which ``report_xml.finish`` puts in place of that row."""
    cells, extra, columns = [], [], []
    for j, col in enumerate(layout, 1):
        s = part[col.id]
        letter = get_column_letter(j)
        if col.kind == "date":
            cells.append(rx.sample_date())
            columns.append(rx.Column(letter, "date", rx.date_values(s)))
            continue
        if col.kind == "int":
            cells.append(0)
            columns.append(rx.Column(letter, "int", rx.int_values(s)))
            continue
        styles = {}
        if col.kind == "severity":  # unknown severities stay plain text
            for sev, (fill, font) in SEVERITY_FILLS.items():
                extra.append(text_cell(ws, sev, bold=True, fill=fill, color=font))
                styles[sev] = get_column_letter(len(layout) + len(extra))
        else:  # the same style with Excel's quote prefix, for text that looks like a formula
            extra.append(text_cell(ws, "=x", wrap=col.wrap))
            styles["quoted"] = get_column_letter(len(layout) + len(extra))
        cells.append(text_cell(ws, "x", wrap=col.wrap))
        columns.append(rx.Column(letter, "severity" if col.kind == "severity" and styles else "text",
                                 rx.text_values(s), styles))
    ws.append(cells + extra)
    return rx.Pending(sheet, len(part), columns)


def _setup_sheet(ws, widths: list[float]) -> None:
    for i, w in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(i)].width = w
    ws.freeze_panes = "A2"


def write_findings_sheets(wb, findings: pd.DataFrame, *, max_rows: int) -> list[rx.Pending]:
    """One "Findings" sheet (more when the rows exceed ``max_rows``): an Excel table with filters,
    a frozen header, severity colours, real dates and a status drop-down.  Returns the rows still to
    be put in place by ``report_xml.finish``."""
    layout = FINDING_LAYOUT
    widths = column_widths(findings, layout)
    ncol = len(layout)
    last_col = get_column_letter(ncol)
    status_col = get_column_letter([c.kind for c in layout].index("status") + 1)
    pending = []
    for n, (name, start, stop) in enumerate(part_names("Findings", len(findings), max_rows), 1):
        ws = wb.create_sheet(name)
        _setup_sheet(ws, widths)
        part = findings.iloc[start:stop]
        rows = len(part)
        last_row = max(rows, 1) + 1  # an Excel table needs one data row, even an empty one
        table = Table(displayName="Findings" if n == 1 else f"Findings_{n}", ref=f"A1:{last_col}{last_row}")
        # columns named here: the streaming sheet cannot be read back to name them
        table.tableColumns = [TableColumn(id=i, name=c.id) for i, c in enumerate(layout, 1)]
        table.autoFilter = AutoFilter(ref=table.ref)
        table.tableStyleInfo = TableStyleInfo(name=TABLE_STYLE, showRowStripes=True)
        with warnings.catch_warnings():  # openpyxl warns in streaming mode even when columns are given
            warnings.filterwarnings("ignore", message="In write-only mode you must add table columns")
            ws.add_table(table)
        dv = DataValidation(type="list", formula1=STATUS_LIST, allow_blank=True,
                            errorTitle="Status", error="Choose Open, In progress, Resolved or Accepted.",
                            promptTitle="Status", prompt="Open, In progress, Resolved or Accepted")
        dv.add(f"{status_col}2:{status_col}{EXCEL_LAST_ROW}")
        ws.data_validations.append(dv)
        ws.append(header_row(ws, [c.id for c in layout]))
        pending.append(_sample_row(ws, name, part, layout))
    return pending


def write_data_issue_sheets(wb, issues: pd.DataFrame, *, max_rows: int) -> list[rx.Pending]:
    """Every input row or cell that could not be audited, with file, sheet, row, column, value, reason.
    Returns the rows still to be put in place by ``report_xml.finish``."""
    layout = DATA_ISSUE_LAYOUT
    widths = column_widths(issues, layout)
    last_col = get_column_letter(len(layout))
    pending = []
    for name, start, stop in part_names("Data issues", len(issues), max_rows):
        ws = wb.create_sheet(name)
        _setup_sheet(ws, widths)
        part = issues.iloc[start:stop]
        ws.auto_filter.ref = f"A1:{last_col}{len(part) + 1}"
        ws.append(header_row(ws, [c.id for c in layout]))
        if len(part):
            pending.append(_sample_row(ws, name, part, layout))
        else:
            ws.append([text_cell(ws, "No data issues: every input row could be audited.")])
    return pending


def write_rules_sheet(wb, rules: list[RuleRun], counts: dict[str, int]) -> None:
    """The rules as they ran; ``counts`` gives the findings per rule id shown in this workbook."""
    ws = wb.create_sheet("Rules")
    _setup_sheet(ws, [w for _, w, _ in RULES_LAYOUT])
    ws.auto_filter.ref = f"A1:{get_column_letter(len(RULES_LAYOUT))}{len(rules) + 1}"
    ws.append(header_row(ws, [h for h, _, _ in RULES_LAYOUT]))
    wraps = [w for _, _, w in RULES_LAYOUT]
    for r in rules:
        origin = PurePath(r.origin).name if r.origin else ""
        values = [
            r.id, r.title, r.severity, "yes" if r.enabled else "no", "yes" if r.ran else "no",
            int(counts.get(r.id, 0)), r.reason, r.owner, "; ".join(map(str, r.applies_to or [])),
            r.source, origin,
        ]
        row = []
        for v, wrap in zip(values, wraps):
            if isinstance(v, int):
                row.append(v)
            else:
                row.append(text_cell(ws, clean_value(v), wrap=wrap))
        ws.append(row)


def date_cell(ws, value: dt.date | dt.datetime, fmt: str = DATE_FORMAT) -> WriteOnlyCell:
    cell = WriteOnlyCell(ws, value=value)
    cell.number_format = fmt
    cell.alignment = Alignment(horizontal="left")
    return cell

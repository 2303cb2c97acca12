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
import weakref
from collections.abc import Sequence
from copy import copy
from dataclasses import dataclass
from pathlib import PurePath

import pandas as pd
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import Cell
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.styles.cell_style import StyleArray
from openpyxl.worksheet.page import PageMargins
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.filters import AutoFilter
from openpyxl.worksheet.table import Table, TableColumn, TableStyleInfo

from auditor.report.heights import LINE_POINTS, MAX_ROW_POINTS, chars_per_line
from auditor.report.rows import CellColumn, CellRows, Pending, date_values, int_values, placeholder_date, text_values
from auditor.model import RuleRun
from auditor.report.format import (
    DATA_ISSUE_LAYOUT, DATE_FORMAT, FINDING_LAYOUT, FORMULA_STARTS, HEADER_FILL, HEADER_FONT, RULES_LAYOUT,
    RULES_PRINTED, SEVERITY_FILLS, STATUS_LIST, TABLE_STYLE, ReportColumn, clean_value, column_widths,
    part_names, printed_columns,
)

EXCEL_LAST_ROW = 1_048_576
_WRAP = Alignment(wrap_text=True, vertical="top")
_TOP = Alignment(vertical="top")
# a date follows a number in some tables: set in from the left, the two never touch on paper
_DATE = Alignment(horizontal="left", vertical="top", indent=1)
FONT_NAME = "Calibri"      # named, so that no program falls back to another family (a serif) for bold
HEADER_CHARS_PER_WIDTH = 1.05   # characters of a bold header a column holds per unit of width


# workbook -> the style of each look of text_cell, made once: openpyxl compares a new Font or fill with
# every one the workbook has (hashing each) when it is set on a cell
_TEXT_STYLES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def text_cell(ws, value, *, bold=False, wrap=False, fill=None, color=None) -> Cell:
    """A cell holding ``value`` as plain text whatever it looks like."""
    cell = WriteOnlyCell(ws, value=value)
    if cell.data_type in ("f", "e"):
        cell.data_type = "s"
    styles = _TEXT_STYLES.setdefault(ws.parent, {})
    look = (bold, wrap, fill, color)
    if look in styles:
        cell._style = StyleArray(styles[look])  # type: ignore[attr-defined]  # the style, not in the stubs
    else:
        cell.font = Font(name=FONT_NAME, bold=bold, color=color)
        cell.alignment = _WRAP if wrap else _TOP
        if fill:
            cell.fill = PatternFill("solid", start_color=fill, end_color=fill)
        styles[look] = StyleArray(cell._style)  # type: ignore[attr-defined]
    if isinstance(value, str) and value[:1] in FORMULA_STARTS:
        cell.quotePrefix = True  # Excel keeps it text even when someone edits the cell
    return cell


def header_row(ws, headers, widths: Sequence[float] | None = None) -> list[Cell]:
    """Bold white header cells on a dark fill, wrapped; with ``widths`` the row is made as tall as the
    longest wrapped header needs (call before the row is appended)."""
    if widths is not None:
        lines = max((_header_lines(str(h), w) for h, w in zip(headers, widths)), default=1)
        if lines > 1:
            ws.row_dimensions[1].height = min(lines * LINE_POINTS + 1.5, MAX_ROW_POINTS)
    return [text_cell(ws, h, bold=True, fill=HEADER_FILL, color=HEADER_FONT, wrap=True) for h in headers]


def _header_lines(text: str, width: float) -> int:
    """Lines a bold header takes in a column this wide, its words packed as a spreadsheet wraps them."""
    room = max(1.0, (width - 1.0) * HEADER_CHARS_PER_WIDTH)
    lines, used = 1, 0.0
    for word in text.split():
        need = len(word) if used == 0 else used + 1 + len(word)
        if used and need > room:
            lines, used = lines + 1, len(word)
        else:
            used = need
    return lines


def print_setup(ws, as_of: dt.date, *, landscape: bool = True, title_rows: str | None = "1:1",
                fit_height: int = 0, columns: int | None = None) -> None:
    """How the sheet prints: one page wide (``fit_height`` pages tall, 0 = as many as needed), the
    header row on every page, and a footer naming the sheet, the page and the audit date.  ``columns``:
    only that many leading columns print (the others are for the screen); the print area ends at the
    sheet's last row once its rows are put in place (``rows.finish``)."""
    if columns:
        ws.print_area = f"A1:{get_column_letter(columns)}{EXCEL_LAST_ROW}"
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.paperSize = "1"  # Letter
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = fit_height
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.page_margins = PageMargins(left=0.4, right=0.4, top=0.5, bottom=0.6, header=0.3, footer=0.3)
    if title_rows:
        ws.print_title_rows = title_rows
    ws.oddFooter.left.text = "&A"
    ws.oddFooter.center.text = "Page &P of &N"
    ws.oddFooter.right.text = f"Audit date {as_of:%Y-%m-%d}"
    for part in (ws.oddFooter.left, ws.oddFooter.center, ws.oddFooter.right):
        part.size = 11   # scaled with the page like the body text: never the smallest text on it
        part.font = FONT_NAME


@dataclass
class ColumnSpec:
    """Where one column's cells go and which placeholder cells hold their styles."""

    id: str
    letter: str
    kind: str                      # text | severity | date | int
    styles: dict
    width: float | None            # when the text wraps


def _placeholder_row(ws, layout: list[ReportColumn], widths: list[float]) -> list[ColumnSpec]:
    """Write one row of placeholder cells (each column's style; then one cell per severity colour, and
    each text style with Excel's quote prefix) and return how to fill the real rows from them."""
    cells, extra, specs = [], [], []
    for j, col in enumerate(layout, 1):
        letter = get_column_letter(j)
        if col.kind == "date":
            cells.append(date_cell(ws, placeholder_date()))
            specs.append(ColumnSpec(col.id, letter, "date", {}, None))
            continue
        if col.kind == "int":
            cells.append(_top(WriteOnlyCell(ws, value=0)))
            specs.append(ColumnSpec(col.id, letter, "int", {}, None))
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
        specs.append(ColumnSpec(col.id, letter, "severity" if col.kind == "severity" and styles else "text",
                                styles, widths[j - 1] if col.wrap else None))
    ws.append(cells + extra)
    return specs


def specs_of(pending: Pending, layout: list[ReportColumn]) -> list[ColumnSpec]:
    """How the columns of a sheet laid out by ``_placeholder_row`` are filled (from its pending rows)."""
    return [ColumnSpec(c.id, col.letter, col.kind, col.styles, col.width) for c, col in zip(layout, pending.columns)]


def column_values(frame: pd.DataFrame, specs: list[ColumnSpec]) -> dict:
    """Each column of ``frame`` as the Arrow values its cells are built from (computed once, then
    sliced for each workbook)."""
    out = {}
    for s in specs:
        col = frame[s.id]
        out[s.id] = (date_values(col) if s.kind == "date" else int_values(col) if s.kind == "int"
                     else text_values(col))
    return out


def pending_rows(sheet: str, specs: list[ColumnSpec], values: dict, rows: int, **kw) -> Pending:
    """The rows of a sheet laid out by ``_placeholder_row``, from ``column_values`` (or a slice of them)."""
    return Pending(sheet, rows, [CellColumn(s.letter, s.kind, values[s.id], s.styles, s.width) for s in specs],
                      **kw)


def _setup_sheet(ws, widths: list[float]) -> None:
    for i, w in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(i)].width = w
    ws.freeze_panes = "A2"


NO_ISSUES = "No data issues: every input row could be audited."
OVERDUE_FILL = "F4B6B6"
OVERDUE_FONT = "7B0000"


def write_findings_sheets(wb, findings: pd.DataFrame, *, max_rows: int, as_of: dt.date,
                          widths: list[float] | None = None) -> list[Pending]:
    """One "Findings" sheet (more when the rows exceed ``max_rows``): an Excel table with filters,
    a frozen header, severity colours, real dates, a status drop-down and overdue due dates in red.
    Returns the rows still to be put in place by ``rows.finish``."""
    layout = FINDING_LAYOUT
    widths = widths or column_widths(findings, layout)
    last_col = get_column_letter(len(layout))
    ids = [c.id for c in layout]
    status_col = get_column_letter(ids.index("status") + 1)
    due_col = get_column_letter(ids.index("due_date") + 1)
    pending = []
    for n, (name, start, stop) in enumerate(part_names("Findings", len(findings), max_rows), 1):
        ws = wb.create_sheet(name)
        _setup_sheet(ws, widths)
        print_setup(ws, as_of, columns=printed_columns(layout))
        part = findings.iloc[start:stop]
        table_name = "Findings" if n == 1 else f"Findings_{n}"
        table = Table(displayName=table_name, ref=f"A1:{last_col}{max(len(part), 1) + 1}")
        # columns named here: the streaming sheet cannot be read back to name them
        table.tableColumns = [TableColumn(id=i, name=c.header) for i, c in enumerate(layout, 1)]
        table.autoFilter = AutoFilter(ref=table.ref)
        table.tableStyleInfo = TableStyleInfo(name=TABLE_STYLE, showRowStripes=True)
        with warnings.catch_warnings():  # openpyxl warns in streaming mode even when columns are given
            warnings.filterwarnings("ignore", message="In write-only mode you must add table columns")
            ws.add_table(table)
        dv = DataValidation(type="list", formula1=STATUS_LIST, allow_blank=True, showErrorMessage=True,
                            showInputMessage=True, errorStyle="stop",
                            errorTitle="Status", error="Choose Open, In progress, Resolved or Accepted.",
                            promptTitle="Status", prompt="Open, In progress, Resolved or Accepted")
        dv.add(f"{status_col}2:{status_col}{EXCEL_LAST_ROW}")
        ws.data_validations.append(dv)
        # a due date already past, on a finding not yet resolved or accepted, stands out (as of today)
        overdue = (f'AND(ISNUMBER(${due_col}2),${due_col}2<TODAY(),'
                   f'${status_col}2<>"Resolved",${status_col}2<>"Accepted")')
        ws.conditional_formatting.add(
            f"{due_col}2:{due_col}{EXCEL_LAST_ROW}",
            FormulaRule(formula=[overdue], stopIfTrue=False, font=Font(name=FONT_NAME, bold=True, color=OVERDUE_FONT),
                        fill=PatternFill("solid", start_color=OVERDUE_FILL, end_color=OVERDUE_FILL)))
        ws.append(header_row(ws, [c.header for c in layout], widths))
        specs = _placeholder_row(ws, layout, widths)
        # no findings: the table keeps one empty row (the Summary says there are none), so that a
        # script reading the table finds no row that is not a finding
        pending.append(pending_rows(name, specs, column_values(part, specs), len(part), table=table_name))
    return pending


def write_data_issue_sheets(wb, issues: pd.DataFrame, *, max_rows: int, as_of: dt.date,
                            widths: list[float] | None = None) -> list[Pending]:
    """Every input row or cell that could not be audited, with file, sheet, row, column, value, reason.
    Returns the rows still to be put in place by ``rows.finish``."""
    return write_table_sheets(wb, "Data issues", issues, DATA_ISSUE_LAYOUT, max_rows=max_rows, as_of=as_of,
                              widths=widths, empty_text=NO_ISSUES)


def write_table_sheets(wb, title: str, frame: pd.DataFrame, layout: list[ReportColumn], *, max_rows: int,
                       as_of: dt.date, widths: list[float] | None = None, empty_text: str = "") -> list[Pending]:
    """A filtered sheet of ``frame``'s rows laid out by ``layout`` (continued on "<title> (2)"... past
    ``max_rows``), with ``empty_text`` in its first row when there are none.  Returns the rows still to
    be put in place by ``rows.finish``."""
    widths = widths or column_widths(frame, layout)
    last_col = get_column_letter(len(layout))
    pending = []
    for name, start, stop in part_names(title, len(frame), max_rows):
        ws = wb.create_sheet(name)
        _setup_sheet(ws, widths)
        print_setup(ws, as_of, columns=printed_columns(layout))
        part = frame.iloc[start:stop]
        ws.auto_filter.ref = f"A1:{last_col}{max(len(part), 1) + 1}"
        ws.append(header_row(ws, [c.header for c in layout], widths))
        specs = _placeholder_row(ws, layout, widths)
        pending.append(pending_rows(name, specs, column_values(part, specs), len(part), empty_text=empty_text))
    return pending


def placeholder_styles(ws, cells: dict[str, Cell]) -> dict[str, str]:
    """Append one row holding a cell per named style (text styles also with Excel's quote prefix,
    as "<name>~q"); return style name -> column letter, for a ``rows.CellRows``."""
    row, letters = [], {}
    for name, cell in cells.items():
        row.append(cell)
        letters[name] = get_column_letter(len(row))
        if cell.data_type == "s":
            twin = WriteOnlyCell(ws, value="=x")
            twin.data_type = "s"
            twin._style = copy(cell._style)  # type: ignore[attr-defined]  # the style as it is, as openpyxl copies it
            twin.quotePrefix = True
            row.append(twin)
            letters[f"{name}~q"] = get_column_letter(len(row))
    ws.append(row)
    return letters


def row_height(values, widths) -> float | None:
    """Points a row needs for its wrapped texts (None: one line is enough)."""
    lines = 1
    for v, w in zip(values, widths):
        if w and isinstance(v, str):
            lines = max(lines, sum(-(-max(len(part), 1) // int(chars_per_line(w))) for part in v.split("\n")))
    return None if lines == 1 else min(lines * LINE_POINTS + 1.5, MAX_ROW_POINTS)


def write_rules_sheet(wb, rules: list[RuleRun], as_of: dt.date) -> RulesSheet:
    """The rules as they ran, with the findings per rule in the workbook (see ``RulesSheet.rows``)."""
    ws = wb.create_sheet("Rules")
    _setup_sheet(ws, [w for _, w, _ in RULES_LAYOUT])
    print_setup(ws, as_of, columns=RULES_PRINTED)
    ws.auto_filter.ref = f"A1:{get_column_letter(len(RULES_LAYOUT))}{len(rules) + 1}"
    ws.append(header_row(ws, [h for h, _, _ in RULES_LAYOUT], [w for _, w, _ in RULES_LAYOUT]))
    styles = placeholder_styles(ws, {"text": text_cell(ws, "x"), "wrap": text_cell(ws, "x", wrap=True),
                                "count": _top(WriteOnlyCell(ws, value=0))})
    return RulesSheet(rules, styles)


_COUNT = object()   # where a rule's findings count goes


class RulesSheet:
    def __init__(self, rules: list[RuleRun], styles: dict[str, str]):
        self.styles = styles
        self.values = []
        for r in rules:
            origin = PurePath(r.origin).name if r.origin else ""
            # a rule that did not run has no count: "not checked" (or "disabled"), never 0
            count = _COUNT if r.ran else ("not checked" if r.enabled else "disabled")
            self.values.append([v if v is _COUNT else clean_value(v) for v in (
                r.id, r.title, r.severity, r.owner, "yes" if r.ran else "no", count, r.reason,
                "yes" if r.enabled else "no", "; ".join(map(str, r.applies_to or [])), r.source, origin)])
        widths = [w if wrap else None for _, w, wrap in RULES_LAYOUT]
        self.heights = {i: h for i, v in enumerate(self.values) if (h := row_height(v, widths))}

    def rows(self, counts: dict) -> CellRows:
        """The sheet's rows, with ``counts`` (findings per rule id in this workbook)."""
        out: list = []
        for v in self.values:
            row: list = []
            for x, (_, _, wrap) in zip(v, RULES_LAYOUT):
                row.append((int(counts.get(v[0], 0)), "count") if x is _COUNT else (x, "wrap" if wrap else "text"))
            out.append(row)
        key = tuple(int(counts.get(v[0], 0)) for v in self.values)
        return CellRows("Rules", out, self.styles, first_row=2, heights=self.heights, cache_key=key)


def date_cell(ws, value: dt.date | dt.datetime, fmt: str = DATE_FORMAT) -> Cell:
    cell = WriteOnlyCell(ws, value=value)  # type: ignore[arg-type]  # a date too; the stubs say datetime only
    cell.number_format = fmt
    cell.alignment = _DATE
    return cell


def _top(cell: Cell) -> Cell:
    cell.alignment = _TOP
    return cell

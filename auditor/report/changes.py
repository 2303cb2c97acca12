"""The history sheets of the report: Changes, Trend and (when a previous report was given) Status import.

- **Changes**: every finding new, reopened, resolved or persisting since the previous run of the same
  scope, with first and last seen, days open, the fixed due date and whether it is overdue.  Written
  column-wise like the Findings sheet (``report.rows``), so a 100,000-row month costs well under a second.
- **Trend**: the last 12 runs of the scope: open findings by severity, and the readiness share, with charts.
- **Status import**: rows of the previous report whose status could not be carried forward, and why.

A firm's own workbook shows its firm's rows and counts only.
"""

from __future__ import annotations

import pandas as pd
from openpyxl.cell import WriteOnlyCell
from openpyxl.chart import LineChart, Reference
from openpyxl.utils import get_column_letter

from auditor.history.lifecycle import CHANGE_COLUMNS
from auditor.model import SEVERITIES
from auditor.normalize import firm_key
from auditor.report.format import CHANGES_LAYOUT, DATE_FORMAT, PERCENT_FORMAT, clean_value
from auditor.report.rows import Pending
from auditor.report.sheets import _setup_sheet, date_cell, header_row, print_setup, text_cell, write_table_sheets

NO_CHANGES = "No findings in this run or the previous one."

# the sheet leaves out pacer_username and last_seen: the Findings sheet has them, and a sheet as long as
# the Findings sheet is cheaper to write and to print with fewer columns
assert set(c.id for c in CHANGES_LAYOUT) <= set(CHANGE_COLUMNS)


def _firm_only(frame: pd.DataFrame, column: str, firm: str | None, keys: pd.Series | None = None) -> pd.DataFrame:
    if firm is None or frame.empty:
        return frame
    key = firm_key(pd.Series([firm], dtype=object)).iloc[0]
    keys = firm_key(frame[column]) if keys is None else keys
    return frame[(keys == key).fillna(False).to_numpy()]


def changes_of(history, firm: str | None) -> pd.DataFrame:
    """The Changes sheet's rows: every finding of the run or the previous one, with what changed."""
    changes = _firm_only(history.changes, "firm_name", firm).reset_index(drop=True)
    return changes.assign(overdue=changes["overdue"].map({True: "yes", False: ""}).fillna(""))


def write_changes_sheets(wb, changes: pd.DataFrame, as_of, max_rows: int,
                         widths: list[float] | None = None) -> list[Pending]:
    """The Changes sheet (more when the rows exceed ``max_rows``); return the rows ``rows.finish`` puts in place."""
    return write_table_sheets(wb, "Changes", changes, CHANGES_LAYOUT, max_rows=max_rows, as_of=as_of, widths=widths,
                              empty_text=NO_CHANGES)


def write_history_sheets(wb, history, firm: str | None, max_rows: int, as_of) -> list[Pending]:
    """Add the Changes, Trend and Status import sheets; return the rows ``rows.finish`` puts in place."""
    pending = write_changes_sheets(wb, changes_of(history, firm), as_of, max_rows)
    write_trend_sheet(wb, history, firm, as_of)
    if firm is None and history.import_problems is not None and len(history.import_problems):
        _write_import_problems(wb, history.import_problems, as_of)
    return pending


def trend_table(history, firm: str | None) -> pd.DataFrame:
    """One row per run (oldest first): as_of, open findings per severity, and the readiness share."""
    runs, counts = history.trend_runs, history.trend_counts
    if firm is not None:
        counts = _firm_only(counts, "firm_key", firm, keys=counts["firm_key"])
    wide = (counts.pivot_table(index="run_id", columns="severity", values="open_findings", aggfunc="sum")
            .reindex(index=runs["run_id"], columns=list(SEVERITIES)).fillna(0).astype(int))
    table = pd.DataFrame({"as_of": pd.to_datetime(runs["as_of"]).to_numpy()})
    for s in SEVERITIES:
        table[s] = wide[s].to_numpy()
    table["open"] = table[list(SEVERITIES)].sum(axis=1)
    if firm is None:
        active = pd.to_numeric(runs["active_filers"], errors="coerce")
        table["share"] = (pd.to_numeric(runs["ready_filers"], errors="coerce") / active.where(active > 0)).to_numpy()
    return table


def write_trend_sheet(wb, history, firm: str | None, as_of) -> None:
    """The last 12 runs of the scope (of ``firm``'s rows alone for a firm's copy), with two charts."""
    ws = wb.create_sheet("Trend")
    print_setup(ws, as_of, fit_height=1)
    table = trend_table(history, firm)
    headers = ["Run date", *[f"Open {s}" for s in SEVERITIES], "Open findings"]
    if "share" in table:
        headers.append("Share ready")
    for i, w in enumerate([12] + [12] * (len(headers) - 1), 1):
        ws.column_dimensions[get_column_letter(i)].width = w
    ws.freeze_panes = "A2"
    ws.append(header_row(ws, headers))
    for row in table.itertuples(index=False):  # at most 12 rows
        cells = [date_cell(ws, row.as_of.date(), DATE_FORMAT)]
        for v in row[1:len(SEVERITIES) + 2]:
            cells.append(int(v))
        if "share" in table:
            share = row.share
            cell = WriteOnlyCell(ws, value=None if pd.isna(share) else float(share))
            cell.number_format = PERCENT_FORMAT
            cells.append(cell)
        ws.append(cells)
    last = len(table) + 1
    note = clean_value(f"Last {len(table)} run(s) of {history.scope_label}"
                       + (f", rows of {firm} only" if firm else "") + ", from the run history")
    ws.append([])
    ws.append([text_cell(ws, note)])
    if len(table) == 0:
        return
    chart = LineChart()
    chart.title = "Open findings by severity"
    chart.y_axis.title = "Open findings"
    chart.add_data(Reference(ws, min_col=2, max_col=1 + len(SEVERITIES), min_row=1, max_row=last),
                   titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=1, min_row=2, max_row=last))
    chart.x_axis.number_format = DATE_FORMAT
    chart.x_axis.delete = False
    chart.y_axis.delete = False
    chart.width, chart.height = 18, 8
    ws.add_chart(chart, f"A{last + 4}")
    if "share" in table:
        share = LineChart()
        share.title = "Share of active filers ready"
        share.add_data(Reference(ws, min_col=len(headers), min_row=1, max_row=last), titles_from_data=True)
        share.set_categories(Reference(ws, min_col=1, min_row=2, max_row=last))
        share.y_axis.number_format = "0%"
        share.y_axis.scaling.min = 0
        share.y_axis.scaling.max = 1
        share.x_axis.delete = False
        share.y_axis.delete = False
        share.width, share.height = 18, 8
        ws.add_chart(share, f"A{last + 21}")


def _write_import_problems(wb, problems: pd.DataFrame, as_of) -> None:
    ws = wb.create_sheet("Status import")
    _setup_sheet(ws, [14, 8, 24, 70])
    print_setup(ws, as_of)
    ws.append(header_row(ws, ["sheet", "row", "finding_id", "problem"]))
    for sheet, row, fid, problem in problems.itertuples(index=False):  # rows of the clerk's workbook not used
        ws.append([text_cell(ws, clean_value(sheet)), None if pd.isna(row) else int(row),
                   text_cell(ws, clean_value(fid)), text_cell(ws, clean_value(problem), wrap=True)])

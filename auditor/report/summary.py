"""The Summary sheet: what was audited, whether every row is accounted for, and the counts.

``summary_data`` computes the figures (plain data, from the rows the workbook
holds); ``write_summary_sheet`` lays them out for a clerk, with a chart of
findings by severity.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd
from openpyxl.cell import WriteOnlyCell
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from auditor.columns import KIND_LABELS
from auditor.model import SEVERITIES, AuditResult, InputTable
from auditor.normalize import firm_key
from auditor.report.format import (
    COUNT_FORMAT, INPUTS_LAYOUT, PERCENT_FORMAT, READY_MEANING, SEVERITY_FILLS, SEVERITY_RANK,
    SUMMARY_TITLE, clean_value,
)
from auditor.report.sheets import date_cell, header_row, text_cell

NO_VALUE = "(none)"
# The "Compared with the previous report" block: (label, key in AuditResult.previous)
PREVIOUS_COUNTS = (("New findings", "new"), ("Resolved", "resolved"), ("Reopened", "reopened"),
                   ("Still open", "still_open"), ("Overdue", "overdue"),
                   ("Marked Resolved but still found", "resolved_still_found"),
                   ("Acceptances expired", "acceptances_expired"))


@dataclass
class SummaryData:
    """Everything the Summary sheet shows."""

    as_of: dt.date
    generated_at: dt.datetime
    engine: str
    courts: list[str]
    firm: str | None
    inputs: list[list]              # one row per file, in INPUTS_LAYOUT order
    totals: list[int]               # read, audited, rejected, blank
    balanced: bool                  # rows read = audited + rejected, every file and in total
    unbalanced_files: list[str]
    by_severity: list[tuple[str, int]]
    by_rule: list[tuple[str, str, str, int]]
    by_firm: list[tuple[str, int]]
    by_court: list[tuple[str, int]]
    total_findings: int
    data_issue_count: int
    readiness: dict | None          # None: not shown (a firm's own workbook)
    previous: dict | None = None
    notes: list[str] = field(default_factory=list)


def _input_row(t: InputTable) -> list:
    extra = t.reason or ""
    if t.unknown_columns:
        unknown = "unknown columns (kept, not audited): " + ", ".join(map(str, t.unknown_columns))
        extra = f"{extra}; {unknown}" if extra else unknown
    read, audited, rejected = int(t.rows_read), int(t.rows_audited), int(t.rows_rejected)
    return [
        t.name, KIND_LABELS.get(t.kind, t.kind), t.sheet or "", read, audited, rejected,
        int(t.rows_blank), "yes" if read == audited + rejected else "NO", t.status, extra, t.sha256,
    ]


def _counts(s: pd.Series) -> list[tuple[str, int]]:
    c = s.astype("string[pyarrow]").fillna(NO_VALUE).value_counts()
    return sorted(((str(k), int(v)) for k, v in c.items()), key=lambda kv: (-kv[1], kv[0]))


def _by_firm(findings: pd.DataFrame) -> list[tuple[str, int]]:
    """Counts per firm, spellings of one firm ("Smith & Jones, LLP", "smith and jones llp") together."""
    if findings.empty:
        return []
    key = firm_key(findings["firm_name"]).fillna("")
    names = findings["firm_name"].astype("string[pyarrow]").fillna(NO_VALUE)
    g = pd.DataFrame({"key": key, "name": names}).groupby("key", sort=False)["name"]
    out = [(str(n), int(c)) for n, c in zip(g.first(), g.size())]
    return sorted(out, key=lambda kv: (-kv[1], kv[0]))


def summary_data(result: AuditResult, findings: pd.DataFrame, issues: pd.DataFrame,
                 inputs: list[InputTable], rules_counts: dict[str, int], firm: str | None) -> SummaryData:
    """The Summary figures for the rows this workbook holds."""
    rows = [_input_row(t) for t in inputs]
    totals = [sum(r[i] for r in rows) for i in (3, 4, 5, 6)]
    unbalanced = [r[0] for r in rows if r[7] != "yes"]
    balanced = not unbalanced and totals[0] == totals[1] + totals[2]
    sev = findings["severity"].astype("string[pyarrow]").value_counts()
    by_severity = [(s, int(sev.get(s, 0))) for s in SEVERITIES]
    by_severity += [(str(s), int(n)) for s, n in sev.items() if s not in SEVERITY_RANK]

    by_rule: dict[tuple[str, str], list] = {}
    if len(findings):
        g = findings.groupby(["rule_id", "severity"], dropna=False, sort=False)
        for (rid, s), title, n in zip(g.groups.keys(), g["title"].first(), g.size()):
            by_rule[(str(rid), str(s))] = [str(rid), "" if pd.isna(title) else str(title), str(s), int(n)]
    for r in result.rules:
        if r.enabled and not any(k[0] == r.id for k in by_rule):
            by_rule[(r.id, r.severity)] = [r.id, r.title, r.severity, 0]
    rule_rows = sorted(by_rule.values(), key=lambda x: (SEVERITY_RANK.get(x[2], 9), -x[3], x[0]))

    return SummaryData(
        as_of=result.as_of, generated_at=result.generated_at, engine=result.engine,
        courts=list(result.courts or []), firm=firm, inputs=rows, totals=totals, balanced=balanced,
        unbalanced_files=unbalanced, by_severity=by_severity, by_rule=[tuple(r) for r in rule_rows],
        by_firm=_by_firm(findings), by_court=_counts(findings["court_id"]) if len(findings) else [],
        total_findings=len(findings), data_issue_count=len(issues),
        readiness=None if firm is not None else dict(result.readiness or {}),
        previous=None if firm is not None else result.previous,
    )


class _Sheet:
    """Appends rows to a streaming sheet and remembers the row number."""

    def __init__(self, ws):
        self.ws = ws
        self.row = 0

    def add(self, values=()) -> int:
        self.ws.append(list(values))
        self.row += 1
        return self.row

    def text(self, v, **kw):
        return text_cell(self.ws, clean_value(v), **kw)

    def number(self, v, fmt=COUNT_FORMAT):
        c = WriteOnlyCell(self.ws, value=v)
        c.number_format = fmt
        return c

    def heading(self, title: str) -> None:
        self.add()
        c = WriteOnlyCell(self.ws, value=title)
        c.font = Font(bold=True, size=13, color="1F4E78")
        self.add([c])

    def pair(self, label: str, value) -> None:
        self.add([text_cell(self.ws, label, bold=True), value])


def write_summary_sheet(wb, data: SummaryData) -> None:
    """Lay the Summary out: facts, input files with the row balance, counts, readiness, chart."""
    ws = wb.create_sheet("Summary")
    ws.sheet_view.showGridLines = False
    for i, (_, w) in enumerate(INPUTS_LAYOUT, 1):
        ws.column_dimensions[get_column_letter(i)].width = w
    sh = _Sheet(ws)
    title = WriteOnlyCell(ws, value=SUMMARY_TITLE)
    title.font = Font(bold=True, size=16, color="1F4E78")
    sh.add([title])
    if data.firm is not None:
        sh.pair("Firm", sh.text(data.firm))
    sh.pair("Audit date", date_cell(ws, data.as_of))
    sh.pair("Generated at", date_cell(ws, data.generated_at, "yyyy-mm-dd hh:mm:ss"))
    sh.pair("Engine", sh.text(data.engine))
    sh.pair("Courts audited", sh.text(", ".join(map(str, data.courts)) or "(none given)"))
    sh.pair("Findings", sh.number(data.total_findings))
    sh.pair("Data issues", sh.number(data.data_issue_count))

    sh.heading("Input files")
    sh.add(header_row(ws, [h for h, _ in INPUTS_LAYOUT]))
    for r in data.inputs:
        sh.add([v if isinstance(v, int) else sh.text(v) for v in r])
    bold = Font(bold=True)
    total = [text_cell(ws, "Total", bold=True), None, None] + [sh.number(v) for v in data.totals]
    for c in total[3:]:
        c.font = bold
    total.append(text_cell(ws, "yes" if data.balanced else "NO", bold=True))
    sh.add(total)
    if data.balanced:
        msg = ("Every row is accounted for: rows read = rows audited + rows rejected, "
               "for every file and in total.")
    else:
        msg = ("WARNING: rows read differ from rows audited + rows rejected for: "
               + (", ".join(data.unbalanced_files) or "the total") + ".")
    sh.add([sh.text(msg, bold=not data.balanced, color=None if data.balanced else "9C0006")])
    sh.add([sh.text("Blank rows between data are counted apart; they hold no record.")])

    if data.readiness is not None:
        sh.heading("Readiness")
        r = data.readiness
        sh.pair("Active filers", sh.number(int(r.get("active_filers") or 0)))
        sh.pair("Ready filers", sh.number(int(r.get("ready_filers") or 0)))
        share = r.get("share")
        sh.pair("Share ready", sh.number(float(share), PERCENT_FORMAT) if share is not None
                else sh.text("no active filers"))
        sh.add([sh.text(READY_MEANING)])

    if data.previous is not None:
        sh.heading("Compared with the previous report")
        for label, key in PREVIOUS_COUNTS:
            sh.pair(label, sh.number(int(data.previous.get(key) or 0)))

    sh.heading("Findings by severity")
    head = sh.add(header_row(ws, ["Severity", "Findings"]))
    for sev, n in data.by_severity:
        fill, font = SEVERITY_FILLS.get(sev, (None, None))
        sh.add([sh.text(sev, bold=True, fill=fill, color=font), sh.number(n)])
    last = sh.row
    sh.add([text_cell(ws, "Total", bold=True), sh.number(data.total_findings)])

    chart = BarChart()
    chart.type = "col"
    chart.title = "Findings by severity"
    chart.y_axis.title = "Findings"
    chart.legend = None
    chart.add_data(Reference(ws, min_col=2, min_row=head, max_row=last), titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=1, min_row=head + 1, max_row=last))
    chart.x_axis.delete = False
    chart.y_axis.delete = False
    chart.width, chart.height = 16, 8
    ws.add_chart(chart, f"E{head}")  # beside the severity counts, clear of every table

    sh.heading("Findings by rule and severity")
    sh.add(header_row(ws, ["Rule id", "Title", "Severity", "Findings"]))
    for rid, t, sev, n in data.by_rule:
        sh.add([sh.text(rid), sh.text(t), sh.text(sev), sh.number(n)])
    if not data.by_rule:
        sh.add([sh.text("No rules ran.")])

    for title, rows, label in (("Findings by firm", data.by_firm, "Firm"),
                               ("Findings by court", data.by_court, "Court")):
        sh.heading(title)
        sh.add(header_row(ws, [label, "Findings"]))
        for name, n in rows:
            sh.add([sh.text(name), sh.number(n)])
        if not rows:
            sh.add([sh.text("No findings.")])

"""The Summary sheet: the headline figures, what to do first, and whether every row is accounted for.

``summary_data`` computes the figures (plain data, from the rows the workbook
holds); ``summary_rows`` lays them out as rows of (value, style) for a clerk;
``write_summary_sheet`` sets the sheet up (widths, print layout, the chart of
findings by owner and severity) with one placeholder cell per style, which
``rows.finish`` replaces by the rows.  The headline block has the same number
of rows in every workbook of a run, so the chart's cells are fixed and one
laid-out Summary serves every firm's workbook.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from auditor.columns import KIND_LABELS, mapping_text
from auditor.coverage import Coverage
from auditor.report.answers import ANSWER_COUNTS, OPTIONAL_COUNTS
from auditor.report.checks import (
    NOT_CHECKED, all_clear, coverage_row, firm_coverage, none_found, readiness_rows, rule_gap,
)
from auditor.model import SEVERITIES, AuditResult, InputTable
from auditor.normalize import arrow, factorize, firm_key, first_positions
from auditor.report.rows import CellRows, placeholder_date
from auditor.report.format import (
    COUNT_FORMAT, HEADER_FILL, HEADER_FONT, INPUTS_LAYOUT, PERCENT_FORMAT, READY_MEANING,
    SEVERITY_FILLS, SEVERITY_RANK, SUMMARY_TITLE, clean_value,
)
from auditor.report.sheets import FONT_NAME, print_setup, row_height, placeholder_styles, text_cell
from auditor.report.summary_chart import owner_chart

NO_FIRM = "(no firm given)"
NO_COURT = "(no court: roster or PACER list)"
NO_FIRM_NOTE = f"{NO_FIRM}: findings on court accounts whose export names no firm."
NO_COURT_NOTE = f"{NO_COURT}: findings from a firm roster or the PACER list, which belong to no one court."
OWNER_ORDER = ("court", "firm admin", "filer")
OWNER_LABELS = {"court": "Court (clerk's office)", "firm admin": "Firm administrator", "filer": "Filer"}
TOP_ACTIONS = 5           # actions listed per who-acts under "What to do first"
HEAD_ROWS = 10            # title + what was checked + 7 figures + a blank row: the same in every workbook
# The Summary's columns.  The cover (what prints, on one portrait page) is columns A-F: the figures, the
# owner table and "What to do first" (Who acts, Severity, Findings, Due by, Problem, Rule).  The chart sits
# to its right (on screen only: it shows the owner table again); below the cover, on screen only, come
# the counts by rule, firm and court and the input files with their SHA-256.
SUMMARY_WIDTHS = [24, 12, 10, 12, 44, 20, 12, 14, 10, 36, 30, 24]
COVER_COLUMNS = 6
CHART_COLUMN = "H"
A_WIDTH, E_WIDTH, F_WIDTH = SUMMARY_WIDTHS[0], SUMMARY_WIDTHS[4], SUMMARY_WIDTHS[5]
# the Input files table, left to right (positions in ``_input_row``): the counts in the narrow columns
_FIRST = ("File", "Rows read", "Rows audited", "Rows rejected")
INPUT_ORDER = [[h for h, _ in INPUTS_LAYOUT].index(h) for h in _FIRST] + [
    i for i, (h, _) in enumerate(INPUTS_LAYOUT) if h not in _FIRST]
# The "Compared with the previous report" block: (label, key in AuditResult.previous)
PREVIOUS_COUNTS = (("New findings", "new"), ("Resolved", "resolved"), ("Reopened", "reopened"),
                   ("Still open", "still_open"), ("Overdue", "overdue"),
                   ("Marked Resolved but still found", "resolved_still_found"),
                   ("Acceptances expired", "acceptances_expired"),
                   ("Notices refused by the mail server (auditor notify)", "notices_refused"), *ANSWER_COUNTS)


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
    by_owner: list[tuple[str, list[int]]]   # owner, findings per severity (SEVERITIES order)
    actions: list[tuple[str, str, str, int, object, str]]  # owner, severity, title, findings, due, rule id
    by_rule: list[tuple]            # rule id, title, severity, findings (None: not checked), why not everywhere
    by_firm: list[tuple[str, int]]
    by_court: list[tuple[str, int]]
    total_findings: int
    data_issue_count: int
    readiness: dict | None
    previous: dict | None = None
    firms_sheet: bool = False       # the firm counts are on the "Firms" sheet
    notes: list[str] = field(default_factory=list)
    coverage: Coverage | None = None   # which checks ran (reasons naming no file outside a firm's own)


def _input_row(t: InputTable) -> list:
    extra = t.reason or ""
    if t.unknown_columns:
        unknown = "unknown columns (kept, not audited): " + ", ".join(map(str, t.unknown_columns))
        extra = f"{extra}; {unknown}" if extra else unknown
    read, audited, rejected = int(t.rows_read), int(t.rows_audited), int(t.rows_rejected)
    return [
        t.name, KIND_LABELS.get(t.kind, t.kind), t.sheet or "", read, audited, rejected,
        int(t.rows_blank), "yes" if read == audited + rejected else "NO", t.status, mapping_text(t.column_map),
        extra, t.sha256,
    ]


def _counts(s: pd.Series, none: str) -> list[tuple[str, int]]:
    c = s.astype("string[pyarrow]").fillna(none).value_counts()
    return sorted(((str(k), int(v)) for k, v in c.items()), key=lambda kv: (-kv[1], kv[0]))


def _by_firm(findings: pd.DataFrame) -> list[tuple[str, int]]:
    """Counts per firm, spellings of one firm ("Smith & Jones, LLP", "smith and jones llp") together."""
    if findings.empty:
        return []
    # each firm's name as its first row gives it, counted on codes (a pandas group per firm: thousands)
    code, keys = factorize(arrow(firm_key(findings["firm_name"]).fillna("")))
    first = findings["firm_name"].iloc[first_positions(code, len(keys))].astype("string[pyarrow]").fillna(NO_FIRM)
    out = zip(first.tolist(), np.bincount(code, minlength=len(keys)).tolist())
    return sorted(out, key=lambda kv: (-kv[1], kv[0]))


def owners_of(result: AuditResult) -> list[str]:
    """Every owner a rule of this run names, the court first: the rows of the owner table."""
    found = {r.owner for r in result.rules if r.owner} | set(OWNER_ORDER)
    return sorted(found, key=lambda o: (OWNER_ORDER.index(o) if o in OWNER_ORDER else len(OWNER_ORDER), o))


GROUP_KEYS = ["owner", "rule_id", "severity"]


def problem_groups(findings: pd.DataFrame, by: list | None = None) -> pd.DataFrame:
    """Findings counted by owner, rule and severity (first title, earliest due date), optionally
    also by the columns ``by`` (a firm key, to count every firm at once)."""
    keys = (by or []) + GROUP_KEYS
    frame = findings.assign(**{k: findings[k].astype(object).fillna("") for k in GROUP_KEYS})
    if frame.empty:
        return pd.DataFrame(columns=[*keys, "title", "n", "due"])
    g = frame.groupby(keys, sort=False, dropna=False)
    return pd.DataFrame({"title": g["title"].first(), "n": g.size(), "due": g["due_date"].min()}).reset_index()


def group_tuples(groups: pd.DataFrame) -> list[tuple]:
    """``problem_groups`` rows as (owner, rule id, severity, title, findings, due date)."""
    due = pd.to_datetime(groups["due"], errors="coerce")
    dues = [None if pd.isna(d) else d.date() for d in due]
    return [(str(o), str(r), str(s), "" if pd.isna(t) else str(t), int(n), d) for o, r, s, t, n, d in
            zip(groups["owner"], groups["rule_id"], groups["severity"], groups["title"], groups["n"], dues)]


def _rank(sev: str) -> int:
    return SEVERITY_RANK.get(sev, len(SEVERITY_RANK))


def summary_data(result: AuditResult, findings: pd.DataFrame, issues: pd.DataFrame,
                 inputs: list[InputTable], firm: str | None, *, readiness: dict | None = None,
                 firms_sheet: bool = False, groups: list[tuple] | None = None,
                 courts: list[tuple[str, int]] | None = None) -> SummaryData:
    """The Summary figures for the rows this workbook holds (``readiness``: the firm's own).
    ``groups`` (``group_tuples``) and ``courts`` may be given when counted already."""
    rows = [_input_row(t) for t in inputs]
    totals = [sum(r[i] for r in rows) for i in (3, 4, 5, 6)]
    unbalanced = [r[0] for r in rows if r[7] != "yes"]
    balanced = not unbalanced and totals[0] == totals[1] + totals[2]
    if groups is None:
        groups = group_tuples(problem_groups(findings))
    if courts is None:
        courts = _counts(findings["court_id"], NO_COURT) if len(findings) else []
    sev: dict[str, int] = {}
    owner: dict[str, list[int]] = {o: [0] * len(SEVERITIES) for o in owners_of(result)}
    rules: dict[tuple[str, str], list] = {}
    for o, rid, s, title, n, _ in groups:
        sev[s] = sev.get(s, 0) + n
        if s in SEVERITY_RANK:
            owner.setdefault(o, [0] * len(SEVERITIES))[SEVERITY_RANK[s]] += n
        rules.setdefault((rid, s), [rid, title, s, 0])[3] += n
    by_severity = [(s, sev.get(s, 0)) for s in SEVERITIES] + [(s, n) for s, n in sev.items() if s not in SEVERITY_RANK]
    for r in result.rules:
        if r.enabled and not any(k[0] == r.id for k in rules):
            rules[(r.id, r.severity)] = [r.id, r.title, r.severity, 0]
    cov = firm_coverage(result, inputs, firm)
    for row in rules.values():   # a check that did not run has no count, never 0
        row[3:] = rule_gap(cov, row[0], row[3])
    rule_rows = sorted(rules.values(), key=lambda x: (x[3] is None, _rank(x[2]), -(x[3] or 0), x[0]))
    actions = []
    for o in owner:
        mine = sorted((g for g in groups if g[0] == o), key=lambda g: (_rank(g[2]), -g[4], g[1]))
        actions += [(o, s, t, n, due, rid) for _, rid, s, t, n, due in mine[:TOP_ACTIONS]]
    if readiness is None and firm is None:
        readiness = dict(result.readiness or {})
    if cov is not None and (readiness or {}).get("unknown"):   # in the words of this workbook
        readiness = {**(readiness or {}), "unknown": cov.readiness, "active_unknown": cov.active_filers}

    return SummaryData(
        as_of=result.as_of, generated_at=result.generated_at, engine=result.engine,
        courts=list(result.courts or []), firm=firm, inputs=rows, totals=totals, balanced=balanced,
        unbalanced_files=unbalanced, by_severity=by_severity, by_owner=list(owner.items()), actions=actions,
        by_rule=[tuple(r) for r in rule_rows], by_firm=_by_firm(findings) if firm is None else [],
        by_court=courts, total_findings=len(findings), data_issue_count=len(issues), readiness=readiness,
        previous=None if firm is not None else result.previous, firms_sheet=firms_sheet, coverage=cov,
    )


def summary_rows(d: SummaryData) -> tuple[list, dict, int]:
    """The Summary as rows of (value, style), the row heights that differ from one line, and how many
    rows the printed cover takes."""
    rows: list = []
    heights: dict = {}

    def add(*cells):
        rows.append(list(cells))

    def heading(title):
        add()
        add((title, "heading"))

    def header(*labels):
        add(*[(h, "header") for h in labels])

    def wrap_height(e, f, a=None):  # the next row: columns E and F (and A) wrap
        if (h := row_height([a, None, None, None, e, f], [A_WIDTH, None, None, None, E_WIDTH, F_WIDTH])):
            heights[len(rows)] = h

    add((SUMMARY_TITLE + (" — firm copy" if d.firm is not None else ""), "title"))
    heights[0] = 24   # the 16-point title
    add(*coverage_row(d.coverage))   # what was checked, before any figure
    if d.firm is not None:
        add(("Firm", "label"), (d.firm, "text"))
    else:
        add(("Courts audited", "label"), (", ".join(map(str, d.courts)) or "(none given)", "text"))
    add(("Audit date", "label"), (d.as_of, "date"))
    add(("Findings", "label"), (d.total_findings, "count"),
        ("; ".join(f"{n:,} {s}" for s, n in d.by_severity if n) or none_found(d.coverage), "note"))
    add(("Data issues", "label"), (d.data_issue_count, "count"),
        ("input rows or cells not audited: see the Data issues sheet" if d.data_issue_count
         else "every input row could be audited", "note"))
    for row in readiness_rows(d.readiness):
        add(*row)
    add()
    assert len(rows) == HEAD_ROWS

    add(("Findings by who acts and severity", "heading"))
    header("Who acts", *SEVERITIES, "Total")
    for owner, counts in d.by_owner:
        wrap_height(None, None, OWNER_LABELS.get(owner, owner))
        add((OWNER_LABELS.get(owner, owner), "wrap"), *[(n, "count_mid") for n in counts],
            (sum(counts), "bold_count_mid"))
    sums = [sum(c[i] for _, c in d.by_owner) for i in range(len(SEVERITIES))]
    add(("Total", "label"), *[(n, "bold_count_mid") for n in sums], (sum(sums), "bold_count_mid"))

    heading("What to do first")
    if d.total_findings == 0:
        add(all_clear(d.coverage, "Nothing to do: no findings." if d.firm is None else
                      "All clear: no findings for this firm on the audit date."))
    else:
        header("Who acts", "Severity", "Findings", "Due by", "Problem", "Rule")
        # the most severe first, whoever acts: a filer's high item before an administrator's info item
        order = sorted(d.actions, key=lambda a: (_rank(a[1]), -a[3], OWNER_ORDER.index(a[0])
                                                  if a[0] in OWNER_ORDER else len(OWNER_ORDER), a[5]))
        court = [a for a in order if a[0] == "court"]
        others = [a for a in order if a[0] != "court"]
        for label, group in (("The court's own items", court), ("For firms and filers", others)):
            if not group:
                continue
            add((label, "label"))
            for owner, sev, title, n, due, rid in group:
                wrap_height(title, rid, OWNER_LABELS.get(owner, owner))
                add((OWNER_LABELS.get(owner, owner), "wrap"),
                    (sev, f"sev:{sev}" if sev in SEVERITY_FILLS else "text"), (n, "count"), (due, "date"),
                    (title, "wrap"), (rid, "wrap"))
        add((f"The {TOP_ACTIONS} most pressing problems for each who-acts, most severe first; "
             "every finding is on the Findings sheet.", "note"))

    if d.previous is not None:
        heading("Compared with the previous report")
        for label, key in PREVIOUS_COUNTS:
            if key not in OPTIONAL_COUNTS or OPTIONAL_COUNTS[key] in d.previous:   # notices, answers: once any
                wrap_height(None, None, label)
                add((label, "label_wrap"), (int(d.previous.get(key) or 0), "count"))
    add()
    add(("On screen below this page (not printed): findings by rule, firm and court, and the input files.",
         "note"))
    cover = len(rows)

    add()
    heading("About this run")
    add(("Generated at", "label"), (d.generated_at, "datetime"))
    add(("Rule engine", "label"), (d.engine, "text"))

    heading("Findings by rule and severity")
    header("Rule", "Severity", "Findings", None, "Title")
    for rid, t, sev, n, gap in d.by_rule:   # why a check did not run (everywhere) after its title
        wrap_height(t, None)
        add((rid, "text"), (sev, "text"), (NOT_CHECKED, "flag") if n is None else (n, "count"), None, (t, "wrap"),
            *([(gap, "note")] if gap else []))
    if d.by_rule:
        add(("Total", "label"), None, (sum(r[3] or 0 for r in d.by_rule), "bold_count"))
    else:
        add(("No rules ran.", "text"))

    heading("Input files")
    header(*[INPUTS_LAYOUT[i][0] for i in INPUT_ORDER])
    widths = [w if INPUTS_LAYOUT[i][0] in WRAPPED_INPUT_COLUMNS else None for i, w in zip(INPUT_ORDER, SUMMARY_WIDTHS)]
    for r in d.inputs:
        cells = [(v, "count") if isinstance(v, int) else (clean_value(v), "wrap") for v in (r[i] for i in INPUT_ORDER)]
        if (h := row_height([c[0] for c in cells], widths)):
            heights[len(rows)] = h
        add(*cells)
    add(("Total", "label"), *[(v, "bold_count") for v in d.totals[:3]], None, None, (d.totals[3], "bold_count"),
        ("yes" if d.balanced else "NO", "label"))
    if d.balanced:
        add(("Every row is accounted for: rows read = rows audited + rows rejected, "
             "for every file and in total.", "note"))
    else:
        add(("WARNING: rows read differ from rows audited + rows rejected for: "
             + (", ".join(map(str, d.unbalanced_files)) or "the total") + ".", "warn"))
    add(("Blank rows between data are counted apart; they hold no record.", "note"))
    if d.readiness is not None:
        add((READY_MEANING, "note"))

    for title, table, label, none, note in (
            ("Findings by firm", d.by_firm, "Firm", NO_FIRM, NO_FIRM_NOTE),
            ("Findings by court", d.by_court, "Court", NO_COURT, NO_COURT_NOTE)):
        if d.firm is not None and label == "Firm":
            continue
        heading(title)
        if label == "Firm" and d.firms_sheet:
            add((f"{len(table):,} firms: see the Firms sheet.", "note"))
            continue
        header(label, "Findings")
        for name, n in table:
            add((clean_value(name), "text"), (n, "count"))
        if table:
            add(("Total", "label"), (sum(n for _, n in table), "bold_count"))
            if any(name == none for name, _ in table):
                add((note, "note"))
        else:
            add(("No findings.", "text"))
    return rows, heights, cover


WRAPPED_INPUT_COLUMNS = {"Kind", "Columns read as", "Reason / unknown columns", "SHA-256", "File", "Sheet"}


def _cell(ws, value, *, bold=False, size=None, color=None, fill=None, fmt=None, wrap=False, italic=False,
          indent=0, centre=False):
    c = WriteOnlyCell(ws, value=value)
    c.font = Font(name=FONT_NAME, bold=bold, size=size, color=color, italic=italic)
    if fill:
        c.fill = PatternFill("solid", start_color=fill, end_color=fill)
    if fmt:
        c.number_format = fmt
    c.alignment = Alignment(wrap_text=wrap, vertical="top", indent=indent,
                            horizontal="center" if centre else "left" if (fmt and "y" in fmt) or indent else None)
    return c


def write_summary_sheet(wb, owners: list[str], as_of: dt.date, *, rows: int = 0) -> dict[str, str]:
    """Lay the Summary out (widths, print setup, chart); return its style name -> placeholder column letter.
    (``rows`` is not needed: the cover's print area is set when the rows are put in place.)"""
    ws = wb.create_sheet("Summary")
    ws.sheet_view.showGridLines = False
    for i, w in enumerate(SUMMARY_WIDTHS, 1):
        ws.column_dimensions[get_column_letter(i)].width = w
    # the cover on one portrait page; its last row is set with the rows (``CellRows.print_rows``)
    print_setup(ws, as_of, landscape=False, title_rows=None, fit_height=1, columns=COVER_COLUMNS)
    styles = {
        "title": _cell(ws, "x", bold=True, size=16, color="1F4E78"),
        "heading": _cell(ws, "x", bold=True, size=13, color="1F4E78"),
        "header": _cell(ws, "x", bold=True, color=HEADER_FONT, fill=HEADER_FILL, wrap=True, indent=1),
        "label": _cell(ws, "x", bold=True),
        "label_wrap": _cell(ws, "x", bold=True, wrap=True),
        "text": _cell(ws, "x", indent=1),
        "wrap": _cell(ws, "x", wrap=True, indent=1),
        "note": _cell(ws, "x", italic=True, color="404040", indent=1),
        "warn": _cell(ws, "x", bold=True, color="9C0006"),
        "flag": _cell(ws, "x", color="9C0006"),
        "good": _cell(ws, "x", bold=True, color="006100"),
        "count": _cell(ws, 0, fmt=COUNT_FORMAT),
        "count_mid": _cell(ws, 0, fmt=COUNT_FORMAT, centre=True),
        "bold_count": _cell(ws, 0, fmt=COUNT_FORMAT, bold=True),
        "bold_count_mid": _cell(ws, 0, fmt=COUNT_FORMAT, bold=True, centre=True),
        "percent": _cell(ws, 0.5, fmt=PERCENT_FORMAT, bold=True),
        "date": _cell(ws, placeholder_date(), fmt="yyyy-mm-dd", indent=1),
        "datetime": _cell(ws, dt.datetime(2000, 1, 1), fmt="yyyy-mm-dd hh:mm:ss", indent=1),
    }
    for sev, (fill, font) in SEVERITY_FILLS.items():
        styles[f"sev:{sev}"] = text_cell(ws, "x", bold=True, fill=fill, color=font)
    letters = placeholder_styles(ws, styles)

    owner_chart(ws, HEAD_ROWS + 2, len(owners), f"{CHART_COLUMN}1")   # beside the cover, outside what prints
    return letters


def summary_sheet_rows(data: SummaryData, letters: dict[str, str]) -> CellRows:
    rows, heights, cover = summary_rows(data)
    return CellRows("Summary", rows, letters, first_row=1, heights=heights, print_rows=cover)

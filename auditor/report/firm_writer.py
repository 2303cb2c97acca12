"""Firm workbooks from one layout: openpyxl lays the sheets out once (column widths from the whole
run), and each firm's workbook fills that layout with its own rows (``report.firms`` writes the
per-firm folder and its index).  The sheets are those of ``report.book`` a firm's workbook has."""

from __future__ import annotations

import io
import re
from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl import Workbook

from auditor.model import AuditResult, InputTable
from auditor.normalize import firm_key
from auditor.outputs.staging import atomic_file
from auditor.report.book import FIRM_SHEETS, FirmLayout, FirmRows
from auditor.report.checks import firm_readiness
from auditor.report.firm_rows import BANKED, bank_of
from auditor.report.firm_zip import FirmTemplate
from auditor.report.prepare import Prepared, holders_by_firm, outsiders_by_firm, prepare, redact_outsiders
from auditor.report.rows import Template
from auditor.report.summary import NO_COURT, group_tuples, problem_groups


def _source_pattern(name: str) -> str:
    return r"(?:^|[\s;,(\[])" + re.escape(name) + r"(?:$|[\s;,:!)\]])"


class _ByFirm:
    """A frame's rows sorted by firm, each firm's rows (in their order, with their index) one slice."""

    def __init__(self, frame: pd.DataFrame, rows: dict):
        keys = list(rows)
        order = np.concatenate([rows[k] for k in keys]) if keys else np.array([], dtype=np.intp)
        self.frame = frame.iloc[order]
        ends = np.cumsum([len(rows[k]) for k in keys]).tolist()
        self.spans = dict(zip(keys, zip([0, *ends[:-1]], ends)))
        self.empty = frame.iloc[:0]

    def of(self, key: str) -> pd.DataFrame:
        span = self.spans.get(key)
        return self.empty if span is None else self.frame.iloc[span[0]:span[1]]


class FirmWriter:
    """Firm workbooks from one layout: openpyxl lays the sheets out once (column widths from the
    whole run), and each firm's workbook fills that layout with its own rows."""

    def __init__(self, result: AuditResult, prep: Prepared | None = None):
        self.result = result
        self.prep = prep = prep or prepare(result)
        self.history = None
        if result.history is not None:  # each firm's own changes since its previous run, and its own trend
            from auditor.report.changes import FirmHistory

            self.history = FirmHistory(result.history, result.as_of)
        # with a trend of two runs or more, a firm with earlier figures gets the Trend sheet's charts; one
        # with none gets the sheet without them: two layouts
        charted = self.history is not None and self.history.trends.runs >= 2
        self.layout = FirmLayout(self)
        self.templates = {charts: FirmTemplate(self._template(charts))
                          for charts in ({False, True} if charted else {False})}
        for template in self.templates.values():   # each sheet's rows built once here, not in each worker
            for m in template.template.members:
                if m.sheet in BANKED and m.sheet in self.layout.state and m.styles is not None:
                    bank_of(self.layout.state, m.sheet).build(m.styles)
        self.sources = self._input_firms()
        # the Summary's counts of every firm, counted once
        keyed = prep.findings.assign(_firm=prep.finding_keys.to_numpy())
        # (the rows of every firm made in one pass, then dealt out by firm: a pandas group per firm cost
        # more than all the rest of the set-up on a run of thousands of firms)
        groups = problem_groups(keyed, ["_firm"])
        self.groups: dict[str, list[tuple]] = {}
        for k, row in zip(groups["_firm"], group_tuples(groups)):
            if not pd.isna(k):
                self.groups.setdefault(k, []).append(row)
        courts = keyed.assign(_court=keyed["court_id"].astype(object).fillna(NO_COURT)).groupby(
            ["_firm", "_court"], sort=False).size().reset_index(name="n")
        self.courts: dict[str, list[tuple[str, int]]] = {}
        for k, court, n in zip(courts["_firm"], courts["_court"].astype(str), courts["n"].astype(int)):
            if not pd.isna(k):
                self.courts.setdefault(k, []).append((court, int(n)))
        for counts in self.courts.values():
            counts.sort(key=lambda kv: (-kv[1], kv[0]))
        self.outsiders = outsiders_by_firm(prep.shared)
        for k, names in holders_by_firm(result, prep).items():
            self.outsiders[k] = self.outsiders.get(k, set()) | names
        every = sorted(set().union(*self.outsiders.values()))   # each outsider's firm, worked out once
        self.outsider_keys = dict(zip(every, firm_key(pd.Series(every, dtype=object)))) if every else {}
        # what a firm's sheets read of its own findings and data issues beyond the values computed for
        # the whole run (taking every column, firm by firm, cost more than the rest of its Summary)
        # (each firm's rows one slice of a copy sorted by firm: taking a firm's rows by position cost a
        # quarter of a millisecond, every firm, even one with none)
        self.slim_findings = _ByFirm(prep.findings[["firm_name", "person_name", "evidence"]], prep.finding_rows)
        self.slim_issues = _ByFirm(prep.issues[["firm_name"]], prep.issue_rows)

    def _template(self, charts: bool) -> Template:
        """openpyxl lays the sheets out (the Trend sheet with its charts or without) with placeholder rows."""
        wb = Workbook(write_only=True)
        placeholders = {}
        for sheet in FIRM_SHEETS:
            row = sheet.lay_out(wb, self.layout, charts)
            if row is not None:
                placeholders[sheet.name] = row
        layout = io.BytesIO()
        wb.save(layout)
        return Template(layout.getvalue(), placeholders, store_fixed=True)

    def _input_firms(self) -> list[tuple[InputTable, set]]:
        """Each input file with the keys of the firms whose findings or data issues it holds."""
        prep = self.prep
        sources = prep.findings["source"].astype("string[pyarrow]").fillna("")
        ikeys = firm_key(prep.issues["firm_name"])
        out = []
        for t in self.result.inputs:
            # the pattern (the name as a whole word) only where the name is written at all: Python's
            # regular expressions run row by row, and most files are named in few rows
            hit = sources.str.contains(t.name, regex=False).fillna(False).to_numpy(bool)
            near = np.flatnonzero(hit)
            if len(near):
                hit[near] = sources.iloc[near].str.contains(_source_pattern(t.name), regex=True).fillna(False) \
                    .to_numpy(bool)
            keys = set(prep.finding_keys[hit].dropna()) | set(ikeys[(prep.issues["file"] == t.name).fillna(False)
                                                                   .to_numpy(bool)].dropna())
            out.append((t, keys))
        return out

    def rows_of(self, key: str) -> tuple[np.ndarray, np.ndarray]:
        none = np.array([], dtype=np.intp)
        return self.prep.finding_rows.get(key, none), self.prep.issue_rows.get(key, none)

    def write(self, key: str, name: str, path: Path, *, atomic: bool = True) -> Path:
        """The workbook of the firm with normalised name ``key`` (``name`` as shown when it has no rows).
        ``atomic=False`` writes straight to ``path`` (for a folder that is itself moved into place whole)."""
        result = self.result
        frows, irows = self.rows_of(key)
        ours = self.slim_findings.of(key)
        issues = self.slim_issues.of(key)
        label = ours["firm_name"].iloc[0] if len(ours) and pd.notna(ours["firm_name"].iloc[0]) else (
            issues["firm_name"].iloc[0] if len(issues) and pd.notna(issues["firm_name"].iloc[0]) else name)
        redacted = redact_outsiders(ours, self.outsiders.get(key, set()), key, self.outsider_keys)
        counts: dict[str, int] = {}
        for _, rid, _, _, n, _ in self.groups.get(key, []):
            counts[rid] = counts.get(rid, 0) + n
        firm = FirmRows(key, label, frows, irows, redacted, redacted is not ours, issues,
                        [t for t, keys in self.sources if key in keys], firm_readiness(result.readiness, key), counts)
        pending: list = []
        for sheet in FIRM_SHEETS:
            pending += sheet.fill(self.layout, firm)
        template = self.templates[firm.charts]
        if not atomic:
            template.render(pending, path)
            return path
        with atomic_file(path) as fh:
            template.render(pending, fh)
        return path

"""Firm workbooks from one layout: openpyxl lays the sheets out once (column widths from the whole
run), and each firm's workbook fills that layout with its own rows (``report.firms`` writes the
per-firm folder and its index)."""

from __future__ import annotations

import io
import re
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl import Workbook

from auditor.model import AuditResult, InputTable, RuleRun
from auditor.normalize import firm_key
from auditor.outputs.staging import atomic_file
from auditor.report.checks import firm_readiness
from auditor.report.format import DATA_ISSUE_LAYOUT, EXCEL_MAX_DATA_ROWS, FINDING_LAYOUT, column_widths
from auditor.report.prepare import Prepared, holders_by_firm, outsiders_by_firm, prepare, redact_outsiders
from auditor.report.rows import Template, indices, text_values
from auditor.report.sheets import (
    column_values, specs_of, write_data_issue_sheets, write_findings_sheets, write_rules_sheet,
)
from auditor.report.summary import (
    NO_COURT, group_tuples, owners_of, problem_groups, summary_data, summary_sheet_rows, write_summary_sheet,
)

OTHER_FILE = "(another input file)"


def _firm_rules(result: AuditResult, inputs: list[InputTable]) -> list[RuleRun]:
    """The rule runs, their notes naming no input file outside the firm's own."""
    kept = {t.name for t in inputs}
    others = sorted({t.name for t in result.inputs} - kept, key=len, reverse=True)
    if not others:
        return list(result.rules)
    pattern = re.compile("|".join(map(re.escape, others)))
    return [replace(r, reason=pattern.sub(OTHER_FILE, r.reason)) if r.reason else r for r in result.rules]


def _source_pattern(name: str) -> str:
    return r"(?:^|[\s;,(\[])" + re.escape(name) + r"(?:$|[\s;,:!)\]])"


class FirmWriter:
    """Firm workbooks from one layout: openpyxl lays the sheets out once (column widths from the
    whole run), and each firm's workbook fills that layout with its own rows."""

    def __init__(self, result: AuditResult, prep: Prepared | None = None):
        self.result = result
        self.prep = prep = prep or prepare(result)
        self.finding_widths = column_widths(prep.findings, FINDING_LAYOUT)
        self.issue_widths = column_widths(prep.issues, DATA_ISSUE_LAYOUT)
        self.history = None
        if result.history is not None:  # each firm's own changes since its previous run, and its own trend
            from auditor.report.changes import FirmHistory

            self.history = FirmHistory(result.history, result.as_of)
        # with a trend of two runs or more, a firm with earlier figures gets the Trend sheet's charts; one
        # with none gets the sheet without them: two layouts
        charted = self.history is not None and self.history.trends.runs >= 2
        self.templates = {charts: self._template(charts) for charts in ({False, True} if charted else {False})}
        # the sheet values of every row, computed once; each firm takes its rows
        shown = prep.findings.assign(related=prep.firm_related.to_numpy())
        self.finding_values = column_values(shown, specs_of(self.findings_layout, FINDING_LAYOUT))
        self.issue_values = column_values(prep.issues, specs_of(self.issues_layout, DATA_ISSUE_LAYOUT))
        self.sources = self._input_firms()
        # the Summary's counts of every firm, counted once
        keyed = prep.findings.assign(_firm=prep.finding_keys.to_numpy())
        groups = problem_groups(keyed, ["_firm"])
        self.groups = {k: group_tuples(g) for k, g in groups.groupby("_firm", sort=False)}
        courts = keyed.assign(_court=keyed["court_id"].astype(object).fillna(NO_COURT)).groupby(
            ["_firm", "_court"], sort=False).size().reset_index(name="n")
        self.courts = {k: sorted(zip(g["_court"].astype(str), g["n"].astype(int)), key=lambda kv: (-kv[1], kv[0]))
                       for k, g in courts.groupby("_firm", sort=False)}
        self.outsiders = outsiders_by_firm(prep.shared)
        for k, names in holders_by_firm(result, prep).items():
            self.outsiders[k] = self.outsiders.get(k, set()) | names

    def _template(self, charts: bool) -> Template:
        """openpyxl lays the sheets out (the Trend sheet with its charts or without) with placeholder rows."""
        result, prep, huge = self.result, self.prep, EXCEL_MAX_DATA_ROWS
        wb = Workbook(write_only=True)
        self.summary_letters = write_summary_sheet(wb, owners_of(result), result.as_of)
        self.findings_layout, = write_findings_sheets(wb, prep.findings.iloc[:0], max_rows=huge,
                                                      as_of=result.as_of, widths=self.finding_widths)
        self.issues_layout, = write_data_issue_sheets(wb, prep.issues.iloc[:0], max_rows=huge,
                                                      as_of=result.as_of, widths=self.issue_widths)
        # the Rules sheet's notes name no input file: one sheet serves every firm
        self.rules = write_rules_sheet(wb, _firm_rules(result, []), result.as_of)
        placeholders = {"Summary": 1, "Findings": 2, "Data issues": 2, "Rules": 2}
        if self.history is not None:
            placeholders.update(self.history.lay_out(wb, charts=charts))
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
            hit = sources.str.contains(_source_pattern(t.name), regex=True).fillna(False).to_numpy(bool)
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
        prep, result = self.prep, self.result
        frows, irows = self.rows_of(key)
        ours = prep.findings.iloc[frows]
        issues = prep.issues.iloc[irows]
        label = ours["firm_name"].iloc[0] if len(ours) and pd.notna(ours["firm_name"].iloc[0]) else (
            issues["firm_name"].iloc[0] if len(issues) and pd.notna(issues["firm_name"].iloc[0]) else name)
        take = indices(frows)
        values = {k: v.take(take) for k, v in self.finding_values.items()}
        redacted = redact_outsiders(ours, self.outsiders.get(key, set()), key)
        if redacted is not ours:
            values["evidence"] = text_values(redacted["evidence"])
        inputs = [t for t, keys in self.sources if key in keys]
        readiness = firm_readiness(result.readiness, key)
        counts: dict[str, int] = {}
        for _, rid, _, _, n, _ in self.groups.get(key, []):
            counts[rid] = counts.get(rid, 0) + n
        pending = [
            summary_sheet_rows(summary_data(result, redacted, issues, inputs, label, readiness=readiness,
                                            groups=self.groups.get(key, []), courts=self.courts.get(key, [])),
                               self.summary_letters),
            replace(self.findings_layout, rows=len(ours), columns=[
                replace(c, values=values[col.id]) for c, col in zip(self.findings_layout.columns, FINDING_LAYOUT)]),
            replace(self.issues_layout, rows=len(issues), columns=[
                replace(c, values=self.issue_values[col.id].take(indices(irows)))
                for c, col in zip(self.issues_layout.columns, DATA_ISSUE_LAYOUT)]),
            self.rules.rows(counts),
        ]
        charts = False
        if self.history is not None:
            sheets, charts = self.history.pending(key, label)
            pending += sheets
        template = self.templates[charts]
        if not atomic:
            template.render(pending, path)
            return path
        with atomic_file(path) as fh:
            template.render(pending, fh)
        return path

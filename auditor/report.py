"""The Excel remediation report.

``write_report`` writes one workbook with the sheets Summary, Findings, Data
issues and Rules; given a firm, it holds that firm's rows alone.
``write_firm_reports`` writes one such workbook per firm beside the main one.

A firm's workbook never shows another firm's people, names or file names:
findings and data issues are kept when their firm matches (compared
normalised, "Smith & Jones, LLP" = "smith and jones llp"), and the Summary
lists only the input files those rows came from.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pandas as pd
from openpyxl import Workbook

from .errors import UsageError
from .model import DATA_ISSUE_COLUMNS, FINDING_COLUMNS, AuditResult, InputTable
from .normalize import firm_key, username_key
from .report_format import EXCEL_MAX_DATA_ROWS, SEVERITY_RANK, firm_slug
from .report_sheets import write_data_issue_sheets, write_findings_sheets, write_rules_sheet
from .report_summary import summary_data, write_summary_sheet

__all__ = ["write_report", "write_firm_reports", "sort_findings"]

SORT_COLUMNS = ["rule_id", "court_id", "person_name", "finding_id"]


def sort_findings(findings: pd.DataFrame) -> pd.DataFrame:
    """High severity first, then rule, court and person."""
    if findings.empty:
        return findings.reset_index(drop=True)
    rank = findings["severity"].map(SEVERITY_RANK).astype("Float64").fillna(len(SEVERITY_RANK))
    keyed = findings.assign(_rank=rank.to_numpy())
    keyed = keyed.sort_values(["_rank", *SORT_COLUMNS], na_position="last", kind="stable")
    return keyed.drop(columns="_rank").reset_index(drop=True)


def _firm_mask(firm_names: pd.Series, key: str) -> pd.Series:
    return (firm_key(firm_names) == key).fillna(False).astype(bool)


def _contributing_inputs(inputs: list[InputTable], findings: pd.DataFrame,
                         issues: pd.DataFrame) -> list[InputTable]:
    """The input files named in these findings' sources or these data issues."""
    sources = findings["source"].astype("string[pyarrow]").fillna("")
    files = set(issues["file"].dropna().astype(str))
    kept = []
    for t in inputs:
        if t.name in files:
            kept.append(t)
            continue
        pattern = r"(?:^|[\s;,(\[])" + re.escape(t.name) + r"(?:$|[\s;,:!)\]])"
        if len(sources) and sources.str.contains(pattern, regex=True).any():
            kept.append(t)
    return kept


def _select(result: AuditResult, firm: str | None):
    findings = result.findings.reindex(columns=FINDING_COLUMNS)
    issues = result.data_issues.reindex(columns=DATA_ISSUE_COLUMNS)
    inputs = list(result.inputs)
    if firm is None:
        return findings, issues, inputs
    key = firm_key(pd.Series([firm], dtype=object)).iloc[0]
    if pd.isna(key):
        raise UsageError(f"firm name {firm!r} is empty: give the firm's name")
    mask = _firm_mask(findings["firm_name"], key)
    ours = _redact_outsiders(findings[mask], findings[~mask])
    issues = issues[_firm_mask(issues["firm_name"], key)]
    return ours, issues, _contributing_inputs(inputs, ours, issues)


OUTSIDER = "(a person outside this firm)"


def _redact_outsiders(ours: pd.DataFrame, others: pd.DataFrame) -> pd.DataFrame:
    """Take out of the evidence the names of people outside the firm who share a PACER username
    with the firm's people (the evidence of a shared account lists everyone using it)."""
    if ours.empty or others.empty:
        return ours
    our_users = set(username_key(ours["pacer_username"]).dropna())
    near = others[username_key(others["pacer_username"]).isin(our_users).fillna(False).astype(bool)]
    names = set(near["person_name"].dropna().astype(str)) - set(ours["person_name"].dropna().astype(str))
    if not names:
        return ours
    evidence = ours["evidence"].astype("string[pyarrow]")
    for name in sorted(names, key=len, reverse=True):  # one pass per outsider, over the whole column
        evidence = evidence.str.replace(name, OUTSIDER, regex=False)
    return ours.assign(evidence=evidence)


def write_report(result: AuditResult, path, *, firm: str | None = None,
                 max_rows: int = EXCEL_MAX_DATA_ROWS) -> Path:
    """Write the workbook to ``path`` (replaced whole: never left half written) and return it.

    ``firm`` restricts it to that firm's rows.  Sheets hold at most ``max_rows``
    data rows; longer findings or data issues continue on "Findings (2)" and so on.
    """
    path = Path(path)
    findings, issues, inputs = _select(result, firm)
    findings = sort_findings(findings)
    issues = issues.reset_index(drop=True)
    counts = findings["rule_id"].value_counts().to_dict() if len(findings) else {}
    firm_label = None
    if firm is not None:
        firm_label = findings["firm_name"].mode().iloc[0] if findings["firm_name"].notna().any() else firm

    wb = Workbook(write_only=True)
    write_summary_sheet(wb, summary_data(result, findings, issues, inputs, counts, firm_label))
    write_findings_sheets(wb, findings, max_rows=max_rows)
    write_data_issue_sheets(wb, issues, max_rows=max_rows)
    write_rules_sheet(wb, result.rules, counts)

    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.stem}.partial.xlsx")
    try:
        wb.save(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def firm_groups(findings: pd.DataFrame) -> list[tuple[str, str]]:
    """(firm key, name as most often written) for each firm in the findings, by key."""
    names = findings["firm_name"]
    keys = firm_key(names)
    present = keys.notna()
    if not present.any():
        return []
    frame = pd.DataFrame({"key": keys[present].astype(str), "name": names[present].astype(str)})
    best = frame.groupby("key")["name"].agg(lambda s: s.value_counts().index[0])
    return sorted(best.items())


def write_firm_reports(result: AuditResult, path, *, max_rows: int = EXCEL_MAX_DATA_ROWS) -> list[Path]:
    """One workbook per firm in the findings, beside ``path``: ``<stem>-firm-<slug>.xlsx``.

    Findings without a firm go in no firm's workbook.
    """
    path = Path(path)
    out, used = [], set()
    for key, name in firm_groups(result.findings):
        base = slug = firm_slug(key)
        n = 1
        while slug in used:  # two firms whose names differ only in punctuation-free ways
            n += 1
            slug = f"{base}-{n}"
        used.add(slug)
        target = path.with_name(f"{path.stem}-firm-{slug}.xlsx")
        out.append(write_report(result, target, firm=name, max_rows=max_rows))
    return out

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

import io
import re
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl import Workbook

from auditor.errors import UsageError
from auditor.model import DATA_ISSUE_COLUMNS, FINDING_COLUMNS, AuditResult, InputTable, RuleRun
from auditor.normalize import firm_key, username_key
from auditor.outputs import OutputError, atomic_file, describe
from auditor.report.format import EXCEL_MAX_DATA_ROWS, SEVERITY_RANK, firm_slug
from auditor.report.sheets import write_data_issue_sheets, write_findings_sheets, write_rules_sheet
from auditor.report.summary import summary_data, write_summary_sheet
from auditor.report.rows import finish

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


@dataclass
class _FirmIndex:
    """Keys computed once for a run, so that many firm workbooks cost one pass over the rows."""

    findings: pd.DataFrame
    issues: pd.DataFrame
    finding_rows: dict      # firm key -> row positions in findings
    issue_rows: dict        # firm key -> row positions in issues
    shared: pd.DataFrame    # findings whose PACER username is used at more than one firm: key, user, name


def _positions(keys: pd.Series) -> dict:
    frame = pd.DataFrame({"k": keys.astype(object).where(keys.notna(), None).to_numpy()})
    return frame.groupby("k", sort=False, dropna=True).indices


_NAME_COLUMNS = {"court_accounts": "filer_name", "roster": "person_name"}


def _people(result: AuditResult, findings: pd.DataFrame) -> pd.DataFrame:
    """(firm key, username key, name) of every person with a firm and a PACER username: from the
    findings and from the inputs, so that someone with no finding of their own is known too."""
    parts = [(findings["firm_name"], findings["pacer_username"], findings["person_name"])]
    for t in result.inputs:
        r, col = t.records, _NAME_COLUMNS.get(t.kind)
        if t.status == "audited" and col and {"firm_name", "pacer_username", col} <= set(r.columns):
            parts.append((r["firm_name"], r["pacer_username"], r[col]))
    frames = [pd.DataFrame({"firm": firm_key(f.reset_index(drop=True)).fillna("").astype(str).to_numpy(),
                            "user": username_key(u.reset_index(drop=True)).to_numpy(),
                            "name": n.astype(object).to_numpy()}) for f, u, n in parts]
    people = pd.concat(frames, ignore_index=True).dropna(subset=["user", "name"])
    return people[people["firm"] != ""].drop_duplicates()


def _firm_index(result: AuditResult) -> _FirmIndex:
    findings = result.findings.reindex(columns=FINDING_COLUMNS).reset_index(drop=True)
    issues = result.data_issues.reindex(columns=DATA_ISSUE_COLUMNS).reset_index(drop=True)
    fkeys = firm_key(findings["firm_name"])
    people = _people(result, findings)
    firms_per_user = people.groupby("user")["firm"].nunique()
    shared = people[people["user"].isin(firms_per_user.index[firms_per_user > 1])]
    return _FirmIndex(findings, issues, _positions(fkeys), _positions(firm_key(issues["firm_name"])), shared)


OUTSIDER = "(a person outside this firm)"
OTHER_FILE = "(another input file)"


def _redact_outsiders(ours: pd.DataFrame, key: str, shared: pd.DataFrame) -> pd.DataFrame:
    """Take out of the evidence the names of people outside the firm who share a PACER username
    with the firm's people (the evidence of a shared account lists everyone using it)."""
    if ours.empty or shared.empty:
        return ours
    mine = shared["firm"] == key
    near = shared[~mine & shared["user"].isin(set(shared.loc[mine, "user"]))]
    names = set(near["name"].dropna().astype(str)) - set(ours["person_name"].dropna().astype(str))
    names -= set(shared.loc[mine, "name"].dropna().astype(str))
    if not names:
        return ours
    evidence = ours["evidence"].astype(object)
    texts = {e for e in evidence.dropna() if isinstance(e, str)}
    joined = "\n".join(texts)
    names = [n for n in names if n in joined]   # a plain substring test first: few names are in the evidence
    if not names:
        return ours
    # whole names only (an outsider "John Smith" must not garble the firm's own "John Smithson"),
    # longest first, all in one pass over each distinct evidence text
    pattern = re.compile(r"(?<!\w)(?:" + "|".join(map(re.escape, sorted(names, key=len, reverse=True)))
                         + r")(?!\w)")
    distinct = {e: pattern.sub(OUTSIDER, e) for e in texts}
    return ours.assign(evidence=evidence.map(distinct).astype("string[pyarrow]"))


def _firm_rules(result: AuditResult, inputs: list[InputTable]) -> list[RuleRun]:
    """The rule runs, their notes naming no input file outside the firm's own."""
    kept = {t.name for t in inputs}
    others = sorted({t.name for t in result.inputs} - kept, key=len, reverse=True)
    if not others:
        return list(result.rules)
    pattern = re.compile("|".join(map(re.escape, others)))
    return [replace(r, reason=pattern.sub(OTHER_FILE, r.reason)) if r.reason else r for r in result.rules]


def _firm_rows(result: AuditResult, index: _FirmIndex, firm: str):
    """The findings, data issues and contributing input files of one firm."""
    key = firm_key(pd.Series([firm], dtype=object)).iloc[0]
    if pd.isna(key):
        raise UsageError(f"firm name {firm!r} is empty: give the firm's name")
    none = np.array([], dtype=np.intp)
    ours = index.findings.iloc[index.finding_rows.get(key, none)]
    ours = _redact_outsiders(ours, key, index.shared)
    issues = index.issues.iloc[index.issue_rows.get(key, none)]
    label = ours["firm_name"].mode().iloc[0] if ours["firm_name"].notna().any() else firm
    return ours, issues, _contributing_inputs(list(result.inputs), ours, issues), label


def write_report(result: AuditResult, path, *, firm: str | None = None,
                 max_rows: int = EXCEL_MAX_DATA_ROWS) -> Path:
    """Write the workbook to ``path`` (replaced whole: never left half written) and return it.

    ``firm`` restricts it to that firm's rows.  Sheets hold at most ``max_rows``
    data rows; longer findings or data issues continue on "Findings (2)" and so on.
    """
    if firm is not None:
        return _write(result, Path(path), *_firm_rows(result, _firm_index(result), firm), max_rows)
    findings = result.findings.reindex(columns=FINDING_COLUMNS)
    issues = result.data_issues.reindex(columns=DATA_ISSUE_COLUMNS)
    return _write(result, Path(path), findings, issues, list(result.inputs), None, max_rows)


def _write(result: AuditResult, path: Path, findings: pd.DataFrame, issues: pd.DataFrame,
           inputs: list[InputTable], firm_label: str | None, max_rows: int) -> Path:
    findings = sort_findings(findings)
    issues = issues.reset_index(drop=True)
    counts = findings["rule_id"].value_counts().to_dict() if len(findings) else {}

    try:  # openpyxl spills sheets to temporary files: a full disk can strike anywhere here
        wb = Workbook(write_only=True)
        write_summary_sheet(wb, summary_data(result, findings, issues, inputs, counts, firm_label))
        pending = write_findings_sheets(wb, findings, max_rows=max_rows)
        pending += write_data_issue_sheets(wb, issues, max_rows=max_rows)
        write_rules_sheet(wb, result.rules if firm_label is None else _firm_rules(result, inputs), counts)
        if result.history is not None:
            from auditor.report.changes import write_history_sheets
            pending += write_history_sheets(wb, result.history, firm_label, max_rows)
        layout = io.BytesIO()
        wb.save(layout)
    except OSError as exc:
        raise OutputError(f"cannot write {path.name}: {describe(exc)}") from None
    with atomic_file(path) as fh:
        finish(layout.getvalue(), pending, fh)
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
    index = _firm_index(result)
    for key, name in firm_groups(index.findings):
        base = slug = firm_slug(key)
        n = 1
        while slug in used:  # two firms whose names differ only in punctuation-free ways
            n += 1
            slug = f"{base}-{n}"
        used.add(slug)
        target = path.with_name(f"{path.stem}-firm-{slug}.xlsx")
        out.append(_write(result, target, *_firm_rows(result, index, name), max_rows))
    return out

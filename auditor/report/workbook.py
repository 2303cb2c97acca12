"""The Excel remediation report.

``write_report`` writes one workbook with the sheets Summary, Findings, Data
issues and Rules (and Firms, when there are many firms or one workbook per
firm); given a firm, it holds that firm's rows alone.  ``FirmWriter`` writes
any number of firm workbooks from one layout (see ``report.firms`` for the
per-firm folder and its index).

A firm's workbook never shows another firm's people, names or file names:
findings and data issues are kept when their firm matches (compared
normalised, "Smith & Jones, LLP" = "smith and jones llp"), and the Summary
lists only the input files those rows came from.  Every spelling of one firm
is shown as the one most often written, in every sheet.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from openpyxl import Workbook

from auditor.errors import UsageError
from auditor.model import DATA_ISSUE_COLUMNS, FINDING_COLUMNS, AuditResult, InputTable, RuleRun
from auditor.normalize import firm_key, username_key
from auditor.outputs import OutputError, atomic_file, describe
from auditor.report import rows as rx
from auditor.report.checks import firm_readiness
from auditor.report.format import (
    DATA_ISSUE_LAYOUT, EXCEL_MAX_DATA_ROWS, FINDING_LAYOUT, SEVERITY_RANK, column_widths,
)
from auditor.report.sheets import (
    column_values, specs_of, write_data_issue_sheets, write_findings_sheets, write_rules_sheet,
)
from auditor.report.summary import (
    NO_COURT, group_tuples, owners_of, problem_groups, summary_data, summary_rows, summary_sheet_rows, write_summary_sheet,
)

__all__ = ["write_report", "FirmWriter", "sort_findings", "prepare"]

SORT_COLUMNS = ["rule_id", "court_id", "person_name", "finding_id"]
MAX_RELATED = 5
OUTSIDER = "(a person outside this firm)"


def sort_findings(findings: pd.DataFrame) -> pd.DataFrame:
    """High severity first, then rule, court and person."""
    if findings.empty:
        return findings.reset_index(drop=True)
    rank = findings["severity"].map(SEVERITY_RANK).astype("Float64").fillna(len(SEVERITY_RANK))
    keyed = findings.assign(_rank=rank.to_numpy())
    keyed = keyed.sort_values(["_rank", *SORT_COLUMNS], na_position="last", kind="stable")
    return keyed.drop(columns="_rank").reset_index(drop=True)


def best_spelling(keys: pd.Series, names: pd.Series) -> pd.Series:
    """Firm key -> the name its rows most often give (ties: the first in sort order)."""
    frame = pd.DataFrame({"key": keys.astype("string[pyarrow]"), "name": names.astype("string[pyarrow]")}).dropna()
    counts = frame.value_counts(["key", "name"]).reset_index()
    counts = counts.sort_values(["key", "count", "name"], ascending=[True, False, True], kind="stable")
    best = counts.drop_duplicates("key")
    return pd.Series(best["name"].astype(str).to_numpy(), index=best["key"].astype(str).to_numpy())


def one_spelling(names: pd.Series, keys: pd.Series) -> pd.Series:
    """Each firm name as its firm is most often written ("Ashby & Fairbanks, PLLC" and "Ashby and
    Fairbanks PLLC" become one), so that a filter lists one value per firm."""
    present = keys.notna()
    if not present.any():
        return names
    best = best_spelling(keys[present], names[present])
    out = names.astype("string[pyarrow]").copy()
    out[present] = keys[present].astype(str).map(best).to_numpy()
    return out


def related_ids(findings: pd.DataFrame, group: pd.Series | None = None) -> pd.Series:
    """The ids of the other findings on the same PACER account (within ``group``, e.g. one firm)."""
    n = len(findings)
    out = pd.Series(pd.NA, index=range(n), dtype="string[pyarrow]")
    key = username_key(findings["pacer_username"]).reset_index(drop=True)
    if group is not None:
        key = group.reset_index(drop=True).fillna("").astype(str) + "\x1f" + key
    frame = pd.DataFrame({"k": key, "id": findings["finding_id"].astype(str).to_numpy(), "pos": np.arange(n)})
    frame = frame.dropna(subset=["k"])
    frame = frame[frame["k"].duplicated(keep=False)]
    if frame.empty:
        return out
    size = frame.groupby("k")["id"].transform("size")
    pairs = frame.merge(frame.groupby("k").head(MAX_RELATED + 1), on="k", suffixes=("", "_other"))
    pairs = pairs[pairs["pos"] != pairs["pos_other"]].groupby("pos").head(MAX_RELATED)
    joined = _joined(pairs["pos"].to_numpy(), pairs["id_other"])
    more = (size - 1).set_axis(frame["pos"].to_numpy()) - pairs.groupby("pos").size().reindex(frame["pos"]).to_numpy()
    text = joined.reindex(frame["pos"].to_numpy()).astype("string[pyarrow]")
    text = text.where(more.to_numpy() <= 0, text + ", and " + more.astype(str) + " more")
    out.iloc[frame["pos"].to_numpy()] = text.to_numpy()
    return out


def _joined(pos: np.ndarray, ids: pd.Series) -> pd.Series:
    """The ``ids`` of each position joined with ", ", in the order given, indexed by position (Arrow
    joins every group's list at once)."""
    order = np.argsort(pos, kind="stable")
    pos = pos[order]
    starts = np.flatnonzero(np.r_[True, pos[1:] != pos[:-1]])
    lists = pa.ListArray.from_arrays(pa.array(np.r_[starts, len(pos)], pa.int32()),
                                     pa.array(ids.to_numpy(dtype=object)[order], pa.string()))
    return pd.Series(pc.binary_join(lists, ", ").to_numpy(zero_copy_only=False), index=pos[starts], dtype=object)


@dataclass
class Prepared:
    """The rows of a run ready to show: sorted, one spelling per firm, keys computed once.  What only
    the firm workbooks need is worked out on first use."""

    findings: pd.DataFrame
    issues: pd.DataFrame
    finding_keys: pd.Series
    finding_rows: dict      # firm key -> row positions in findings
    issue_rows: dict        # firm key -> row positions in issues
    result: AuditResult = field(repr=False)

    @cached_property
    def shared(self) -> pd.DataFrame:
        """Findings whose PACER username is used at more than one firm: firm, user, name."""
        people = _people(self.result, self.findings)
        firms_per_user = people.groupby("user")["firm"].nunique()
        return people[people["user"].isin(firms_per_user.index[firms_per_user > 1])]

    @cached_property
    def firm_related(self) -> pd.Series:
        """Related findings within the firm."""
        return related_ids(self.findings, self.finding_keys)


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


def _positions(keys: pd.Series) -> dict:
    frame = pd.DataFrame({"k": keys.astype(object).where(keys.notna(), None).to_numpy()})
    return frame.groupby("k", sort=False, dropna=True).indices


def prepare(result: AuditResult) -> Prepared:
    findings = sort_findings(result.findings.reindex(columns=FINDING_COLUMNS))
    issues = result.data_issues.reindex(columns=DATA_ISSUE_COLUMNS).reset_index(drop=True)
    fkeys, ikeys = firm_key(findings["firm_name"]), firm_key(issues["firm_name"])
    findings["firm_name"] = one_spelling(findings["firm_name"], fkeys)
    issues["firm_name"] = one_spelling(issues["firm_name"], ikeys)
    findings["related"] = related_ids(findings)
    return Prepared(findings, issues, fkeys, _positions(fkeys), _positions(ikeys), result)


def outsiders_by_firm(shared: pd.DataFrame) -> dict[str, set]:
    """Firm key -> names of people at other firms who share a PACER username with the firm's people."""
    if shared.empty:
        return {}
    # per username its people, per firm its usernames: no pairing of every person with every other
    # (one username shared by thousands of people would make that quadratic)
    named = shared.dropna(subset=["name"])
    people = {u: set(g.astype(str)) for u, g in named.groupby("user")["name"]}
    own = {k: set(g.astype(str)) for k, g in named.groupby("firm")["name"]}
    out = {}
    for firm, users in shared.groupby("firm")["user"]:
        names = set().union(*(people.get(u, set()) for u in users.unique())) - own.get(firm, set())
        if names:
            out[firm] = names
    return out


def holders_by_firm(result: AuditResult, prep: Prepared) -> dict[str, set]:
    """Firm key -> holders (in the PACER account list) of the PACER usernames in the firm's findings: the
    court's report may name them in evidence; a firm's copy names only the firm's own people."""
    from auditor.columns import PACER_ACCOUNTS

    lists = [t.records[["pacer_username", "account_holder"]] for t in result.inputs
             if t.kind == PACER_ACCOUNTS and {"pacer_username", "account_holder"} <= set(t.records.columns)]
    if not lists or prep.findings.empty:
        return {}
    pacer = pd.concat(lists, ignore_index=True)
    holders = pd.DataFrame({"user": username_key(pacer["pacer_username"]),
                            "holder": pacer["account_holder"].astype("string[pyarrow]")}).dropna().drop_duplicates()
    ours = pd.DataFrame({"firm": prep.finding_keys, "user": username_key(prep.findings["pacer_username"])}).dropna()
    pairs = ours.drop_duplicates().merge(holders, on="user")
    return {k: set(g.astype(str)) for k, g in pairs.groupby("firm")["holder"]}


def _redact_outsiders(ours: pd.DataFrame, names: set, firm: str | None = None) -> pd.DataFrame:
    """Take out of the evidence the names of people outside the firm who share a PACER username with the
    firm's people (a shared account's evidence lists everyone using it), never the firm's own name (key ``firm``)."""
    if ours.empty or not names:
        return ours
    # only the names the evidence holds (a shared account's evidence lists a few of its people)
    text = "\n".join(ours["evidence"].dropna().astype(str))
    names = {n for n in names if n in text and (firm is None or firm_key(pd.Series([n], dtype=object)).iloc[0] != firm)
             } - set(ours["person_name"].dropna().astype(str))
    if not names:
        return ours
    # whole names only, longest first: an outsider "John Smith" must not garble the firm's own "John Smithson"
    pattern = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
    evidence = ours["evidence"].astype("string[pyarrow]").str.replace(
        rf"(?<!\w)(?:{pattern})(?!\w)", OUTSIDER, regex=True)
    return ours.assign(evidence=evidence)


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


def _save(wb: Workbook, pending: list, path: Path) -> Path:
    try:  # openpyxl spills sheets to temporary files: a full disk can strike anywhere here
        layout = io.BytesIO()
        wb.save(layout)
    except OSError as exc:
        raise OutputError(f"cannot write {path.name}: {describe(exc)}") from None
    with atomic_file(path) as fh:
        rx.finish(layout.getvalue(), pending, fh)
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
    from auditor.report.firms import FIRM_COUNTS_ON_SHEET, by_firm_rows, write_firms_sheet

    findings, issues, as_of = prep.findings, prep.issues, result.as_of
    counts = findings["rule_id"].value_counts().to_dict() if len(findings) else {}
    if firms_sheet is None and findings["firm_name"].nunique() > FIRM_COUNTS_ON_SHEET:
        firms_sheet = by_firm_rows(result, prep)
    wb = Workbook(write_only=True)
    data = summary_data(result, findings, issues, list(result.inputs), None, firms_sheet=firms_sheet is not None)
    letters = write_summary_sheet(wb, owners_of(result), as_of, rows=len(summary_rows(data)[0]))
    pending = [summary_sheet_rows(data, letters)]
    pending += write_findings_sheets(wb, findings, max_rows=max_rows, as_of=as_of)
    pending += write_data_issue_sheets(wb, issues, max_rows=max_rows, as_of=as_of)
    pending.append(write_rules_sheet(wb, result.rules, as_of).rows(counts))
    if firms_sheet is not None:
        pending.append(write_firms_sheet(wb, as_of, firms_sheet))
    if result.history is not None:
        from auditor.report.changes import write_history_sheets

        pending += write_history_sheets(wb, result.history, max_rows, as_of)
    return _save(wb, pending, path)


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

    def _template(self, charts: bool) -> rx.Template:
        """openpyxl lays the sheets out (the Trend sheet with its charts or without) with sample rows."""
        result, prep, huge = self.result, self.prep, EXCEL_MAX_DATA_ROWS
        wb = Workbook(write_only=True)
        self.summary_letters = write_summary_sheet(wb, owners_of(result), result.as_of)
        self.findings_layout, = write_findings_sheets(wb, prep.findings.iloc[:0], max_rows=huge,
                                                      as_of=result.as_of, widths=self.finding_widths)
        self.issues_layout, = write_data_issue_sheets(wb, prep.issues.iloc[:0], max_rows=huge,
                                                      as_of=result.as_of, widths=self.issue_widths)
        # the Rules sheet's notes name no input file: one sheet serves every firm
        self.rules = write_rules_sheet(wb, _firm_rules(result, []), result.as_of)
        samples = {"Summary": 1, "Findings": 2, "Data issues": 2, "Rules": 2}
        if self.history is not None:
            samples.update(self.history.lay_out(wb, charts=charts))
        layout = io.BytesIO()
        wb.save(layout)
        return rx.Template(layout.getvalue(), samples, store_fixed=True)

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
        take = rx.indices(frows)
        values = {k: v.take(take) for k, v in self.finding_values.items()}
        redacted = _redact_outsiders(ours, self.outsiders.get(key, ()), key)
        if redacted is not ours:
            values["evidence"] = rx.text_values(redacted["evidence"])
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
                replace(c, values=values[l.id]) for c, l in zip(self.findings_layout.columns, FINDING_LAYOUT)]),
            replace(self.issues_layout, rows=len(issues), columns=[
                replace(c, values=self.issue_values[l.id].take(rx.indices(irows)))
                for c, l in zip(self.issues_layout.columns, DATA_ISSUE_LAYOUT)]),
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


"""A run's rows made ready to show: sorted, one spelling per firm, related findings linked, and what a
firm's own workbook must not show (people outside the firm) worked out for the redaction.

A firm's workbook never shows another firm's people, names or file names: findings and data issues
are kept when their firm matches (compared normalised, "Smith & Jones, LLP" = "smith and jones llp"),
and the evidence of a shared account names outsiders as "(a person outside this firm)".  Every
spelling of one firm is shown as the one most often written, in every sheet.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from auditor.columns import PACER_ACCOUNTS
from auditor.model import DATA_ISSUE_COLUMNS, FINDING_COLUMNS, AuditResult
from auditor.normalize import arrow, factorize, firm_key, series, username_arrow, username_key
from auditor.report.format import ANSWER_COLUMNS, SEVERITY_RANK

SORT_COLUMNS = ["rule_id", "court_id", "person_name", "finding_id"]
MAX_RELATED = 5
OUTSIDER = "(a person outside this firm)"


def sort_findings(findings: pd.DataFrame) -> pd.DataFrame:
    """High severity first, then rule, court and person."""
    if findings.empty:
        return findings.reset_index(drop=True)
    # a severity's rank is its place in SEVERITY_RANK (an unknown one after them all), looked up in Arrow
    rank = pc.fill_null(pc.index_in(arrow(findings["severity"]), value_set=pa.array(list(SEVERITY_RANK))),
                        len(SEVERITY_RANK))
    # Arrow sorts the text keys as they are (UTF-8 bytes: the order of code points, as pandas sorts
    # them), stable, missing last; pandas would factorize every key column first
    keys = pa.table({"_rank": rank, **{c: arrow(findings[c]) for c in SORT_COLUMNS}})
    order = pc.sort_indices(keys, sort_keys=[(c, "ascending") for c in keys.column_names])   # missing last
    return findings.take(order.to_numpy()).reset_index(drop=True)


def _best(keys: pd.Series, names: pd.Series) -> pa.Table:
    """Per firm key, the name its rows most often give (ties: the first in code-point order): a table
    of ``key`` and ``name``, one row per key."""
    pairs = pa.table({"key": arrow(keys), "name": arrow(names)}).drop_null()
    counts = pairs.group_by(["key", "name"]).aggregate([([], "count_all")]).sort_by(
        [("key", "ascending"), ("count_all", "descending"), ("name", "ascending")])
    key = counts["key"].combine_chunks()
    first = np.ones(len(key), dtype=bool)                 # the first row of each key (sorted)
    if len(key) > 1:
        first[1:] = pc.not_equal(key[1:], key[:-1]).to_numpy(zero_copy_only=False)
    return counts.filter(pa.array(first)).select(["key", "name"])


def best_spelling(keys: pd.Series, names: pd.Series) -> pd.Series:
    """Firm key -> the name its rows most often give (ties: the first in sort order)."""
    best = _best(keys, names)
    return pd.Series(best["name"].to_pylist(), index=best["key"].to_pylist(), dtype=object)


def one_spelling(names: pd.Series, keys: pd.Series) -> pd.Series:
    """Each firm name as its firm is most often written ("Ashby & Fairbanks, PLLC" and "Ashby and
    Fairbanks PLLC" become one), so that a filter lists one value per firm."""
    present = keys.notna()
    if not present.any():
        return names
    best = _best(keys, names)
    key = arrow(keys)
    spelt = best["name"].combine_chunks().take(pc.index_in(key, value_set=best["key"].combine_chunks()))
    return pd.Series(pc.if_else(pc.is_valid(key), spelt, arrow(names)), index=names.index, dtype="string[pyarrow]")


def related_ids(findings: pd.DataFrame, group: pd.Series | None = None) -> pd.Series:
    """The ids of the other findings on the same PACER account (within ``group``, e.g. one firm): the
    first ``MAX_RELATED`` of them in row order, then ", and N more"."""
    n = len(findings)
    out = pd.Series(pd.NA, index=range(n), dtype="string[pyarrow]")
    code, _ = factorize(username_arrow(arrow(findings["pacer_username"])))
    if group is not None:    # one code per (group, account): a missing group is a group of its own
        firm, _ = factorize(arrow(group.fillna("")))
        code = np.where(code >= 0, firm * (int(code.max(initial=0)) + 1) + code, -1)
    rows = np.flatnonzero(code >= 0)
    _, account, size = np.unique(code[rows], return_inverse=True, return_counts=True)
    shared = size[account] > 1
    rows, account = rows[shared], account[shared]
    if not len(rows):
        return out
    order = np.lexsort((rows, account))                   # each account's rows together, in row order
    rows, account = rows[order], account[order]
    size = size[account]
    first = np.searchsorted(account, account)             # where each row's account starts
    # each row's candidates: its account's first MAX_RELATED + 1 rows, itself left out, at most MAX_RELATED
    step = np.arange(MAX_RELATED + 1)
    at = np.minimum(first[:, None] + step, len(rows) - 1)
    shown = (step < size[:, None]) & (rows[at] != rows[:, None])
    shown &= np.cumsum(shown, axis=1) <= MAX_RELATED
    count = shown.sum(axis=1)
    ids = arrow(findings["finding_id"]).cast(pa.large_string())
    lists = pa.ListArray.from_arrays(pa.array(np.r_[0, np.cumsum(count)], pa.int32()),
                                     ids.take(pa.array(rows[at][shown])))
    comma, and_, more_, none = (pa.scalar(w, pa.large_string()) for w in (", ", ", and ", " more", ""))
    text = pc.binary_join(lists, comma)
    more = size - 1 - count
    text = pc.if_else(pa.array(more > 0), pc.binary_join_element_wise(
        text, and_, pc.cast(pa.array(more), pa.large_string()), more_, none), text)
    where = np.full(n, -1, dtype=np.int64)   # each row's text among the shared accounts' rows (none: -1)
    where[rows] = np.arange(len(rows))
    return series(text.take(pa.array(where, mask=where < 0)), out.index)


@dataclass
class Prepared:
    """The rows of a run ready to show: sorted, one spelling per firm, keys computed once.  What only
    the firm workbooks need is worked out on first use."""

    findings: pd.DataFrame
    issues: pd.DataFrame
    finding_keys: pd.Series
    issue_keys: pd.Series
    result: AuditResult = field(repr=False)

    @cached_property
    def finding_rows(self) -> dict:
        """Firm key -> row positions in findings (the firm workbooks': the court's report needs none)."""
        return _positions(self.finding_keys)

    @cached_property
    def issue_rows(self) -> dict:
        """Firm key -> row positions in issues."""
        return _positions(self.issue_keys)

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
    findings = sort_findings(result.findings.reindex(columns=[*FINDING_COLUMNS, *ANSWER_COLUMNS]))
    issues = result.data_issues.reindex(columns=DATA_ISSUE_COLUMNS).reset_index(drop=True)
    fkeys, ikeys = firm_key(findings["firm_name"]), firm_key(issues["firm_name"])
    findings["firm_name"] = one_spelling(findings["firm_name"], fkeys)
    issues["firm_name"] = one_spelling(issues["firm_name"], ikeys)
    findings["related"] = related_ids(findings)
    return Prepared(findings, issues, fkeys, ikeys, result)


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
            out[str(firm)] = names
    return out


def holders_by_firm(result: AuditResult, prep: Prepared) -> dict[str, set]:
    """Firm key -> holders (in the PACER account list) of the PACER usernames in the firm's findings: the
    court's report may name them in evidence; a firm's copy names only the firm's own people."""
    lists = [t.records[["pacer_username", "account_holder"]] for t in result.inputs
             if t.kind == PACER_ACCOUNTS and {"pacer_username", "account_holder"} <= set(t.records.columns)]
    if not lists or prep.findings.empty:
        return {}
    pacer = pd.concat(lists, ignore_index=True)
    holders = pd.DataFrame({"user": username_key(pacer["pacer_username"]),
                            "holder": pacer["account_holder"].astype("string[pyarrow]")}).dropna().drop_duplicates()
    ours = pd.DataFrame({"firm": prep.finding_keys, "user": username_key(prep.findings["pacer_username"])}).dropna()
    pairs = ours.drop_duplicates().merge(holders, on="user")
    return {str(k): set(g.astype(str)) for k, g in pairs.groupby("firm")["holder"]}


def redact_outsiders(ours: pd.DataFrame, names: set, firm: str | None = None,
                     name_keys: Mapping[str, Any] | None = None) -> pd.DataFrame:
    """Take out of the evidence the names of people outside the firm who share a PACER username
    with the firm's people (the evidence of a shared account lists everyone using it).  A name that is
    the firm's own (a PAA's holder is the firm; ``firm``: its key) is never taken out.  ``name_keys``:
    each name's ``firm_key``, worked out once for a run's many firms (else here)."""
    if ours.empty or not names:
        return ours
    # only the names the evidence holds (a shared account's evidence lists a few of its people)
    text = "\n".join(ours["evidence"].dropna().astype(str))
    names = {n for n in names if n in text} - set(ours["person_name"].dropna().astype(str))
    if names and firm is not None:
        listed = sorted(names)
        keys = ([name_keys[n] for n in listed] if name_keys is not None
                else firm_key(pd.Series(listed, dtype=object)))
        names = {n for n, k in zip(listed, keys) if k != firm}
    if not names:
        return ours
    # whole names only, longest first: an outsider "John Smith" must not garble the firm's own "John Smithson"
    pattern = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
    evidence = ours["evidence"].astype("string[pyarrow]").str.replace(
        rf"(?<!\w)(?:{pattern})(?!\w)", OUTSIDER, regex=True)
    return ours.assign(evidence=evidence)

"""Evaluate rules over derived records and turn the matches into findings.

The default engine compiles each rule's condition to vectorised pandas
operations (``auditor.engines.pandas_engine``).  Another engine may supply the
matches instead (``matcher``); the findings are built the same way, so both
engines' output can be compared finding by finding.
"""

from __future__ import annotations

import datetime as dt
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from collections.abc import Callable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from auditor import normalize as nz
from auditor.rulebook import language as rl
from auditor.columns import COLUMNS, COURT_ACCOUNTS, KIND_LABELS, KIND_OPTIONS, PERSON_COLUMN, ROSTER, STRING
from auditor.derive.registry import DERIVED_BY_NAME
from auditor.model import FILE_COL, FINDING_COLUMNS, FINDING_DATE_COLUMNS, ROW_COL, SHEET_COL, RuleRun
from auditor.engines.pandas_engine import pandas_matcher
from auditor.rulebook.catalogue import CHOICE, PLACEHOLDER, Rule, template_fields

# Matcher: (rules, kind, records of that kind) -> {rule id: boolean numpy array over the records}.
# Called once per input kind with every rule that checks that kind.
Matcher = Callable[[list[Rule], str, pd.DataFrame], dict[str, np.ndarray]]

# Input columns that always hold a value (a default fills blanks), so a file without them loses nothing.
DEFAULTED = {"account_status", "pacer_use"}


def _columns_needed(rule: Rule, kind: str) -> set[str]:
    """Input columns of ``kind`` that the rule reads, directly or through derived fields."""
    input_cols = {c.name for c in COLUMNS[kind]}
    needed: set[str] = set()
    for name in rl.field_names(rule.conditions[kind]):
        if name in input_cols:
            needed.add(name)
        elif name in DERIVED_BY_NAME:
            needed.update(DERIVED_BY_NAME[name].columns)
    for need in rule.needs:
        k, _, col = need.partition(".")
        if k == kind and col:
            needed.add(col)
    return (needed & input_cols) - DEFAULTED


def finding_ids(rule_id: str | pd.Series, kind: str, keys: pd.Series, rows: pd.Series) -> pd.Series:
    """Stable ids: the same rule and the same account give the same id in every run.

    The account is court + CM/ECF login for court accounts, firm + person (bar id, else name) for
    rosters, and the username for PACER accounts.  A second record of one account in one run (a
    duplicated row) gets "-2", "-3" in file order.
    """
    prefix = (rule_id + "|" + kind + "|") if isinstance(rule_id, str) else (rule_id.to_numpy(dtype=object) + ("|" + kind + "|"))
    text = (prefix + keys.fillna("").to_numpy(dtype=object)).astype(object)
    # SipHash with pandas' fixed key over plain Python strings: the same text gives the same number
    # on every machine and run (a test pins a known id).
    # (categorize=True gives the same numbers, after a hash pass of its own: the texts are nearly all distinct)
    hashed = pd.util.hash_array(text, categorize=False).astype(">u8")
    hexes = np.frombuffer(hashed.tobytes().hex().upper().encode(), dtype="S16").astype("U16")
    ids = pd.Series(np.char.add("F-", hexes), index=keys.index, dtype=STRING)
    if not ids.duplicated().any():   # no account twice: no suffix to work out
        return ids
    order = pd.DataFrame({"id": ids, "row": rows}).sort_values("row", kind="stable")
    dup = order.groupby("id").cumcount()
    suffix = pd.Series(np.where(dup > 0, "-" + (dup + 1).astype(str), ""), index=order.index).reindex(ids.index)
    return (ids + suffix).astype(STRING)


def account_keys(kind: str, frame: pd.DataFrame) -> pd.Series:
    if kind == COURT_ACCOUNTS:
        return frame["court_id"].fillna("") + "|" + frame["cmecf_login"].str.strip().str.lower().fillna("")
    if kind == ROSTER:
        name = nz.name_keys([frame[PERSON_COLUMN[ROSTER]]])[0]   # the key derive compares (keys family)
        person = ("b:" + frame["_bar"]).fillna("n:" + name).fillna("r:" + frame[ROW_COL].astype(str))
        return nz.firm_key(frame["firm_name"]).fillna("") + "|" + person
    return frame["_user"].fillna("r:" + frame[ROW_COL].astype(str))


def _text(series: pd.Series) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(series):
        return series.dt.strftime("%Y-%m-%d").astype(STRING).fillna("(unknown)")
    if pd.api.types.is_bool_dtype(series):
        return series.map({True: "yes", False: "no"}).astype(STRING).fillna("(unknown)")
    return series.astype(STRING).fillna("(blank)")


class _Evidence:
    """Evidence texts of the records some rule matched (``frame``).  Each field's text, and each
    choice's condition, is worked out once over all of them; a rule's evidence is then joined in Arrow
    from the rows it matched (a few array calls per placeholder, not per row nor per pandas op)."""

    def __init__(self, frame: pd.DataFrame) -> None:
        self.frame = frame
        self._texts: dict[str, pa.Array] = {}
        self._chosen: dict[str, np.ndarray] = {}

    def _text(self, field: str) -> pa.Array:
        if field not in self._texts:
            self._texts[field] = nz.arrow(_text(self.frame[field]))
        return self._texts[field]

    def _hit(self, m: re.Match) -> np.ndarray:
        """Where the choice's condition holds (a field absent from this kind of record never holds)."""
        if m.group(0) not in self._chosen:
            fields, value = m.group(1).split(","), m.group(2)
            hit = np.zeros(len(self.frame), dtype=bool)
            for f in fields:
                if f not in self.frame:
                    continue
                if value is None:
                    hit |= self.frame[f].notna().to_numpy(dtype=bool)
                else:   # the field's text as the evidence shows it, worked out once for both uses
                    hit |= pc.fill_null(pc.equal(self._text(f), value.strip()), False).to_numpy(zero_copy_only=False)
            self._chosen[m.group(0)] = hit
        return self._chosen[m.group(0)]

    def _plain(self, template: str, at: pa.Array) -> list:
        parts: list = []
        pos = 0
        for m in PLACEHOLDER.finditer(template):
            parts += [template[pos:m.start()], pc.take(self._text(m.group(1)), at)]
            pos = m.end()
        return [*parts, template[pos:]]

    def render(self, template: str, rows: np.ndarray) -> pa.Array:
        """The evidence of the records at ``rows`` (positions in ``frame``), one text each."""
        at = pa.array(rows, pa.int64())
        parts: list = []
        pos = 0
        for m in CHOICE.finditer(template):
            picked = pc.if_else(pa.array(self._hit(m)[rows]), _joined(self._plain(m.group(3), at), len(rows)),
                                _joined(self._plain(m.group(4), at), len(rows)))
            parts += [*self._plain(template[pos:m.start()], at), picked]
            pos = m.end()
        return _joined([*parts, *self._plain(template[pos:], at)], len(rows))


def _joined(parts: list, size: int) -> pa.Array:
    """Texts and text arrays joined element-wise into one array of ``size`` texts."""
    arrays = [p for p in parts if not isinstance(p, str)]
    if not arrays:   # no field: the same text for every record
        return pa.array(["".join(parts)] * size, pa.large_string())
    merged: list = []   # neighbouring texts merged, each array as large text
    for p in parts:
        if isinstance(p, str):
            if merged and isinstance(merged[-1], str):
                merged[-1] += p
            elif p:
                merged.append(p)
        else:
            merged.append(p.cast(pa.large_string()))
    return pc.binary_join_element_wise(*[pa.scalar(p, pa.large_string()) if isinstance(p, str) else p
                                         for p in merged], pa.scalar("", pa.large_string()))


def render(template: str, frame: pd.DataFrame) -> pd.Series:
    """Fill ``{field}`` placeholders and ``{?field:then|else}`` choices column-wise (one pass per
    placeholder or choice, not per row)."""
    texts = _Evidence(frame).render(template, np.arange(len(frame)))
    return pd.Series(pd.arrays.ArrowStringArray(texts), index=frame.index)


def _source(frame: pd.DataFrame) -> pd.Series:
    sheet = frame[SHEET_COL].astype(STRING).fillna("")
    where = frame[FILE_COL].astype(STRING) + sheet.where(sheet == "", ", sheet " + sheet)
    return (where + ", row " + _row_text(frame[ROW_COL])).astype(STRING)


def _one_full_stop(evidence: pd.Series) -> pd.Series:
    """"... the other Sr.." : a reason ending in an abbreviation ends the sentence once.  Python's regex
    (its word boundary) runs only on the few texts where Arrow finds "Jr.." or "Sr.." at all."""
    maybe = pc.fill_null(pc.match_substring_regex(nz.arrow(evidence), r"[JS]r\.\."), False)
    if not pc.any(maybe).as_py():
        return evidence
    at = maybe.to_numpy(zero_copy_only=False)
    out = evidence.copy()
    out[at] = evidence[at].str.replace(r"\b(Jr|Sr)\.\.", r"\1.", regex=True)
    return out


def _row_text(rows: pd.Series) -> pd.Series:
    """Row numbers as text (Arrow's cast writes an integer as Python's str does)."""
    return pd.Series(pd.arrays.ArrowStringArray(pc.cast(pa.array(rows.to_numpy(dtype=np.int64)), pa.large_string())),
                     index=rows.index)


def _per_finding(values: list, rule_no: np.ndarray) -> pd.Series:
    """One text per rule, repeated down that rule's findings."""
    taken = pc.take(pa.array(values, pa.large_string()), pa.array(rule_no))
    return pd.Series(pd.arrays.ArrowStringArray(taken))


def build_findings(hits: list[tuple[Rule, np.ndarray]], kind: str, frame: pd.DataFrame, as_of: dt.date) -> pd.DataFrame:
    """The findings of every rule of one kind that matched (``hits``: each rule with the positions of
    the records it matched), in rule order and file order within a rule.

    What depends only on the record (its account key, where it was read, the columns copied into a
    finding) is worked out once for each record that any rule matched, however many rules matched it;
    only the evidence, which each rule words its own way, is rendered rule by rule."""
    positions = np.concatenate([at for _, at in hits])
    sizes = [len(at) for _, at in hits]
    rule_no = np.repeat(np.arange(len(hits)), sizes)
    matched, back = np.unique(positions, return_inverse=True)
    # every column any finding is built from, taken from the whole records once (a take from a million
    # records costs the same for a few rows as for many): each rule then takes from these rows only
    wanted = dict.fromkeys(_FINDING_SOURCES)
    for rule, _ in hits:
        wanted.update(dict.fromkeys(template_fields(rule.evidence)))
    base = frame[[c for c in wanted if c in frame.columns]].iloc[matched]   # the columns first: far fewer to take
    base.index = pd.RangeIndex(len(base))
    starts = np.cumsum([0, *sizes])
    index = pd.RangeIndex(len(positions))   # one row per finding

    def per_record(values: pd.Series) -> pd.Series:
        return values.take(back).reset_index(drop=True)

    def col(name: str) -> pd.Series:
        if name not in base:
            return pd.Series(pd.NA, index=index, dtype=STRING)
        return per_record(base[name].astype(STRING))

    rules = [rule for rule, _ in hits]
    texts = _Evidence(base)
    evidence = pd.Series(pd.arrays.ArrowStringArray(pa.chunked_array(
        [texts.render(rule.evidence, back[starts[i]:starts[i + 1]]) for i, (rule, _) in enumerate(hits)],
        pa.large_string())))
    due = np.array([np.datetime64("NaT") if r.due_days is None else
                    np.datetime64(as_of + dt.timedelta(days=r.due_days)) for r in rules], dtype="datetime64[ns]")
    rule_ids = _per_finding([r.id for r in rules], rule_no)
    out = pd.DataFrame({
        "finding_id": finding_ids(rule_ids, kind, per_record(account_keys(kind, base)), per_record(base[ROW_COL])),
        "rule_id": rule_ids,
        "severity": _per_finding([r.severity for r in rules], rule_no),
        "title": _per_finding([r.title for r in rules], rule_no),
        "court_id": col("court_id") if kind == COURT_ACCOUNTS else pd.Series(pd.NA, index=index, dtype=STRING),
        "firm_name": col("firm_name"),
        "person_name": col(PERSON_COLUMN[kind]),
        "email": col("email"),
        "bar_id": col("bar_id"),
        "cmecf_login": col("cmecf_login"),
        "pacer_username": col("pacer_username"),
        # "... the other Sr.." : a reason ending in an abbreviation ends the sentence once
        "evidence": _one_full_stop(evidence),
        "remediation": _per_finding([r.remediation for r in rules], rule_no),
        "owner": _per_finding([r.owner for r in rules], rule_no),
        "due_date": pd.Series(due[rule_no], dtype="datetime64[ns]"),
        "status": pd.Series("Open", index=index, dtype=STRING),
        "notes": pd.Series(pd.NA, index=index, dtype=STRING),
        "accepted_until": pd.Series(pd.NaT, index=index, dtype="datetime64[ns]"),
        "first_seen": pd.Series(pd.Timestamp(as_of), index=index, dtype="datetime64[ns]"),
        "last_seen": pd.Series(pd.Timestamp(as_of), index=index, dtype="datetime64[ns]"),
        "source": per_record(_source(base)),
    })
    return out[FINDING_COLUMNS]


@dataclass
class Evaluation:
    findings: pd.DataFrame            # in rule order; the report and the export sort them for reading
    runs: list[RuleRun]               # one per rule, enabled or not
    not_ready: dict[str, np.ndarray]  # kind -> records with a finding of a rule that blocks readiness


def evaluate(rules: list[Rule], records: dict[str, pd.DataFrame], present: dict[str, dict[str, set[str]]],
             as_of: dt.date, matcher: Matcher = pandas_matcher) -> Evaluation:
    """Run every enabled rule over the derived records.

    ``records``: derived records per input kind (kinds absent from the run are missing).
    ``present``: per kind, file display name -> canonical columns that file had.
    """
    runs: dict[str, RuleRun] = {}
    plan: dict[str, list[tuple[Rule, list[str]]]] = {}   # kind -> [(rule, files whose rows are skipped)]
    notes: dict[str, list[str]] = {}
    for rule in rules:
        run = RuleRun(id=rule.id, title=rule.title, severity=rule.severity, enabled=rule.enabled, ran=False,
                      reason="", findings=0, source="; ".join(rule.source), owner=rule.owner,
                      applies_to=list(rule.applies_to), origin=rule.origin + (
                          f" (changed by {rule.changed_by})" if rule.changed_by else ""),
                      blocks_readiness=rule.blocks_readiness)
        runs[rule.id] = run
        notes[rule.id] = []
        if not rule.enabled:
            run.reason = f"disabled in {rule.changed_by or rule.origin}"
            continue
        blocked, gap = _blocked(rule, records, present)
        if blocked:
            run.reason = "not run: " + blocked
            run.gaps.append(gap)
            continue
        for kind in rule.applies_to:
            if kind not in records:
                if len(rule.applies_to) > 1:
                    notes[rule.id].append(f"no {KIND_LABELS[kind]} in this run")
                continue
            needed = _columns_needed(rule, kind)
            lacking = {f: sorted(needed - cols) for f, cols in present[kind].items() if needed - cols}
            for f, cols in lacking.items():
                notes[rule.id].append(f"rows of {f} not checked: no column {', '.join(cols)}")
                run.gaps += [(kind, f, c) for c in cols]
            if len(lacking) < len(present[kind]):
                run.ran = True
                plan.setdefault(kind, []).append((rule, list(lacking)))
        if not run.ran:
            run.reason = "not run: " + ("; ".join(notes[rule.id]) or "no records it applies to")
            if not run.gaps:   # every kind it checks is absent
                run.gaps += [(kind, "", "") for kind in rule.applies_to]
    not_ready = {kind: np.zeros(len(frame), dtype=bool) for kind, frame in records.items()}
    todo = [(kind, items) for kind, items in plan.items() if not records[kind].empty]

    def one(kind: str, items: list[tuple[Rule, list[str]]]) -> tuple[pd.DataFrame | None, dict[str, int]]:
        """The findings of one kind, and each rule's count; the kind's readiness marked in ``not_ready``."""
        frame = records[kind]
        masks = matcher([rule for rule, _ in items], kind, frame)
        hits: list[tuple[Rule, np.ndarray]] = []
        for rule, skip_files in items:
            mask = np.asarray(masks[rule.id], dtype=bool)
            if skip_files:
                mask = mask & ~frame[FILE_COL].isin(skip_files).to_numpy(dtype=bool)
            if rule.blocks_readiness:
                not_ready[kind] |= mask
            if mask.any():
                hits.append((rule, np.flatnonzero(mask)))
        counts = {rule.id: len(at) for rule, at in hits}
        return (build_findings(hits, kind, frame, as_of) if hits else None), counts

    done = _each_kind(one, todo, records, matcher)
    for kind, _ in todo:
        for rule_id, n in done[kind][1].items():
            runs[rule_id].findings += n
    parts = [done[kind][0] for kind, _ in todo if done[kind][0] is not None]
    for rule_id, run in runs.items():
        if run.ran:
            run.reason = "; ".join(notes[rule_id])
    findings = pd.concat(parts, ignore_index=True) if parts else empty_findings()
    return Evaluation(findings, list(runs.values()), not_ready)


def _each_kind(one: Callable, todo: list, records: dict[str, pd.DataFrame], matcher: Matcher) -> dict[str, tuple]:
    """``one(kind, items)`` for each kind of ``todo``.  With the pandas engine, the kinds other than the
    largest are evaluated on a second thread beside it: each kind's records are a frame of their own
    (no pandas object is touched by both threads) and what comes back is put together here, in
    ``todo``'s order.  Another engine (durable_rules is not safe on two threads) runs them in turn."""
    if matcher is not pandas_matcher or len(todo) < 2:
        return {kind: one(kind, items) for kind, items in todo}
    largest = max(todo, key=lambda item: len(records[item[0]]))
    rest = [item for item in todo if item is not largest]
    with ThreadPoolExecutor(1, thread_name_prefix="evaluate") as pool:
        beside = pool.submit(lambda: {kind: one(kind, items) for kind, items in rest})
        done = {largest[0]: one(*largest)}
        done.update(beside.result())
    return done


# Columns a finding is built from (besides the rule's evidence placeholders).
_FINDING_SOURCES = ("court_id", "firm_name", "email", "bar_id", "cmecf_login", "pacer_username", "_bar", "_user",
                    FILE_COL, SHEET_COL, ROW_COL, *PERSON_COLUMN.values())


def _blocked(rule: Rule, records, present) -> tuple[str, tuple[str, str, str]]:
    """Why the rule cannot run at all in this run ("" when it can), and that gap (kind, file, column)."""
    for need in rule.needs:
        kind, _, col = need.partition(".")
        if kind not in records:
            return f"needs {KIND_LABELS[kind]} ({KIND_OPTIONS[kind]})", (kind, "", "")
        if col and not any(col in cols for cols in present.get(kind, {}).values()):
            return f"needs column {col} in the {KIND_LABELS[kind]}", (kind, "", col)
    if not any(kind in records for kind in rule.applies_to):
        return ("no " + " or ".join(KIND_LABELS[k] for k in rule.applies_to) + " in this run",
                (rule.applies_to[0], "", ""))
    return "", ("", "", "")


def empty_findings() -> pd.DataFrame:
    out = pd.DataFrame({c: pd.Series(dtype=STRING) for c in FINDING_COLUMNS})
    for c in FINDING_DATE_COLUMNS:
        out[c] = pd.Series(dtype="datetime64[ns]")
    return out

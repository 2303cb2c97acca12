"""``auditor rules --cross-check``: run both rule engines over the same inputs and compare findings.

The inputs are read and validated once; the default (vectorised pandas) engine and durable_rules
then evaluate the same rules over the same derived records.  Every finding one engine produced and
the other did not is listed; rules durable_rules cannot express are named, with the reason, and
left out of the comparison (they are checked by the default engine only).
"""

from __future__ import annotations

import datetime as dt
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from collections.abc import Iterable

import pandas as pd

from auditor.api.audit import audit_tables, load_inputs
from auditor.court_calendar import Calendar
from auditor.columns import COURT_ACCOUNTS, KIND_LABELS, PACER_ACCOUNTS, ROSTER
from auditor.engines.durable.engine import durable_matcher
from auditor.engines.pandas_engine import pandas_matcher
from auditor.rulebook.catalogue import load_rules

SAMPLE_ROWS, SAMPLE_SEED = 300, 7    # the same sample data as `auditor sample --rows 300 --seed 7`
SHOWN = ("finding_id", "rule_id", "court_id", "firm_name", "person_name", "cmecf_login", "pacer_username", "source")


def sample_inputs(folder: Path) -> tuple[dict[str, list[Path]], dt.date | None]:
    """Write the sample data (``auditor sample``) into ``folder``; return its files and as-of date."""
    from auditor.sample.files import generate

    manifest = generate(SAMPLE_ROWS, folder, seed=SAMPLE_SEED)
    files = {kind: [folder / name for name in manifest["files"].get(kind, [])]
             for kind in (COURT_ACCOUNTS, ROSTER, PACER_ACCOUNTS)}
    as_of = dt.date.fromisoformat(manifest["as_of"]) if manifest.get("as_of") else None
    return files, as_of


def compare_findings(first: pd.DataFrame, second: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(findings only in ``first``, findings only in ``second``), matched by finding id."""
    a = set(first["finding_id"].astype(str))
    b = set(second["finding_id"].astype(str))
    only_first = first[~first["finding_id"].astype(str).isin(b)]
    only_second = second[~second["finding_id"].astype(str).isin(a)]
    return only_first.reset_index(drop=True), only_second.reset_index(drop=True)


def describe(row: pd.Series) -> str:
    """One finding on one line: id, rule, who and where."""
    parts = [f"{c}={row[c]}" for c in SHOWN if c in row and not pd.isna(row[c]) and str(row[c]) != ""]
    return "  ".join(parts)


def report_differences(only_pandas: pd.DataFrame, only_durable: pd.DataFrame) -> list[str]:
    """The differing findings, one line each after a heading; no lines when there are none."""
    if only_pandas.empty and only_durable.empty:
        return []
    lines = [f"ENGINES DISAGREE: {len(only_pandas)} finding(s) only from pandas, "
             f"{len(only_durable)} only from durable_rules"]
    for label, table in (("only pandas", only_pandas), ("only durable_rules", only_durable)):
        lines += [f"  {label}: {describe(row)}" for _, row in table.iterrows()]
    return lines


@dataclass
class CrossCheck:
    lines: list[str]     # what ``auditor rules --cross-check`` prints
    agree: bool          # both engines gave the same findings (rules durable_rules cannot express aside)


def run_cross_check(*, court_accounts: Iterable = (), roster: Iterable = (), pacer_accounts: Iterable = (),
                    as_of: dt.date | None = None, rules_files: Iterable = (), courts_files: Iterable = (),
                    timeout: float | None = None, rule_limits=None) -> CrossCheck:
    """Run both engines over the same inputs and compare their findings."""
    files = {COURT_ACCOUNTS: list(court_accounts), ROSTER: list(roster), PACER_ACCOUNTS: list(pacer_accounts)}
    source = "the given inputs"
    rules = load_rules(list(rules_files), rule_limits)
    calendar = Calendar.load(list(courts_files))
    if any(files.values()):
        tables = load_inputs(files, calendar=calendar)
    else:
        with tempfile.TemporaryDirectory(prefix="auditor-sample-") as folder:
            files, sample_as_of = sample_inputs(Path(folder))
            tables = load_inputs(files, calendar=calendar)
        as_of = as_of or sample_as_of
        source = f"the sample data ({SAMPLE_ROWS} rows, seed {SAMPLE_SEED})"
    as_of = as_of or dt.date.today()

    pandas_s = [0.0]

    def timed_pandas(rules_, kind, frame):
        start = time.perf_counter()
        out = pandas_matcher(rules_, kind, frame)
        pandas_s[0] += time.perf_counter() - start
        return out

    t0 = time.perf_counter()
    base = audit_tables(tables, as_of=as_of, rules=rules, calendar=calendar, matcher=timed_pandas)
    t1 = time.perf_counter()
    matcher = durable_matcher(rules, timeout=timeout)
    other = audit_tables(tables, as_of=as_of, rules=rules, calendar=calendar, matcher=matcher, engine="durable")
    t2 = time.perf_counter()

    counts = {t.kind: 0 for t in tables}
    for t in tables:
        counts[t.kind] += len(t.records)
    records = ", ".join(f"{n:,} {KIND_LABELS[k]}" for k, n in counts.items())
    lines = [f"cross-check of {matcher.rule_set} on {source} ({records}), as of {as_of.isoformat()}",
             f"pandas: {len(base.findings):,} findings in {t1 - t0:.2f} s; "
             f"durable_rules: {len(other.findings):,} findings in {t2 - t1:.2f} s"]
    engine_s = sum(st["engine_s"] for st in matcher.stats.values())
    encode_s = sum(st["encode_s"] for st in matcher.stats.values())
    lines.append(f"rule evaluation alone: pandas {pandas_s[0]:.2f} s; durable_rules {engine_s:.2f} s "
                 f"(child process, {sum(st['records'] for st in matcher.stats.values()):,} facts) "
                 f"+ {encode_s:.2f} s turning records into facts; durable_rules child peak memory "
                 f"{max((st['child_peak_mb'] for st in matcher.stats.values()), default=0):.0f} MB")
    refused = matcher.not_expressible
    for rule_id, reason in sorted(refused.items()):
        lines.append(f"not expressible in durable_rules (checked by pandas only): {rule_id}: {reason}")
    keep_a = ~base.findings["rule_id"].isin(list(refused))
    keep_b = ~other.findings["rule_id"].isin(list(refused))
    only_pandas, only_durable = compare_findings(base.findings[keep_a], other.findings[keep_b])
    differences = report_differences(only_pandas, only_durable)
    lines += differences
    if not differences:
        compared = int(keep_a.sum())
        checked = sum(r.enabled for r in rules) - len(refused)
        lines.append(f"engines agree: {compared:,} findings of {checked} rules, same finding ids")
    return CrossCheck(lines, agree=not differences)

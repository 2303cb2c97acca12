"""durable_rules as the second engine: compiler, semantics, bookkeeping, crash guard, cross-check."""

from __future__ import annotations

import datetime as dt
import itertools
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from auditor.rulebook import language as rl

from auditor.engines.pandas_engine import evaluate_condition
from auditor.api.cross_check import compare_findings, report_differences
from auditor.engines.durable.child import CRASH_HOOK, run
from auditor.engines.durable.compile import NotExpressible, check_definition, compile_condition
from auditor.engines.durable.engine import TIMEOUT_ENV, DurableMatcher, encode
from auditor.errors import EngineError
from auditor.rulebook.catalogue import fields_for, load_catalogue

from conftest import ROOT, run_cli

RULES = load_catalogue()
DTYPES = {rl.TEXT: "string[pyarrow]", rl.CATEGORY: "string[pyarrow]", rl.DATE: "datetime64[ns]",
          rl.BOOL: "boolean", rl.INT: "Int64"}


def has_pattern(node) -> bool:
    if isinstance(node, (rl.And, rl.Or)):
        return any(has_pattern(i) for i in node.items)
    if isinstance(node, rl.Not):
        return has_pattern(node.item)
    return isinstance(node, rl.Matches)


REGEX_RULES = {r.id for r in RULES for node in r.conditions.values() if has_pattern(node)}


# The compiler ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_every_shipped_rule_compiles_or_is_refused_with_its_id(rule):
    for kind, node in rule.conditions.items():
        if rule.id in REGEX_RULES:
            with pytest.raises(NotExpressible, match=f"rule {rule.id}: .*regular expressions"):
                compile_condition(rule.id, node, kind)
            continue
        definition = compile_condition(rule.id, node, kind)
        (pattern,) = definition["all"]
        assert list(pattern) == ["m"] and pattern["m"]["$and"][0] == {"_k": kind}


@pytest.mark.parametrize("definition, reason", [
    ({"all": [{"m": {"v_a": 1}}, {"n": {"v_b": 1}}]}, "joins are not allowed"),
    ({"all": [{"m": {"$gt": {"v_a": {"n": "v_b"}}}}]}, "joins are not allowed"),
    ({"all": [{"m": {"$and": []}}]}, "empty \\$and"),
    ({"all": [{"m": {"$nex": {"v_a": 1}}}]}, "session-state record"),
    ({"all": [{"m": {"$or": [{"_k": "roster"}, {"$nex": {"v_a": 1}}]}}]}, "session-state record"),
    ({"all": [{"m": {"$ex": {"id": 1}}}]}, "field 'id'"),
    ({"all": [{"m": {"sid": "0"}}]}, "field 'sid'"),
    ({"all": [{"m": {"$and": [{"_k": "roster"}, {"$mt": {"v_a": "\\d+"}}]}}]}, "backslash"),
    ({"all": [{"m": {"$and": [{"_k": "roster"}, {"$foo": {"v_a": 1}}]}}]}, "operator \\$foo"),
])
def test_check_definition_refuses_what_durable_gets_wrong(definition, reason):
    with pytest.raises(NotExpressible, match=f"rule my-rule: .*{reason}"):
        check_definition("my-rule", definition)


def test_a_condition_true_on_an_empty_record_is_tied_to_its_kind():
    # not x holds where x is blank: without the kind marker durable's state record would satisfy it
    definition = compile_condition("r", rl.parse("not has_left_firm"), "roster")
    check_definition("r", definition)
    with pytest.raises(NotExpressible, match="session-state record"):
        check_definition("r", {"all": [{"m": definition["all"][0]["m"]["$and"][1]}]})


def test_regex_rule_refused_naming_the_rule():
    with pytest.raises(NotExpressible) as info:
        compile_condition("user-digits", rl.parse(r'cmecf_login matches "\\d+"'), "court_accounts")
    assert str(info.value).startswith("rule user-digits: 'cmecf_login matches \"\\d+\"' needs Python regular")


# Semantics: the same masks as the default engine ------------------------------------------------------
FIELDS = {"t": rl.TEXT, "n": rl.INT, "b": rl.BOOL, "d": rl.DATE}
VALUES = {"t": ["a", "b", ""], "n": [0, 5, -3], "b": [True, False], "d": [dt.date(2025, 12, 31), dt.date(1969, 7, 20)]}


def frame_of(rows: list[dict]) -> pd.DataFrame:
    data = {}
    for name, dtype in FIELDS.items():
        values = [r.get(name) for r in rows]
        if dtype == rl.DATE:
            values = [pd.Timestamp(v) if v is not None else pd.NaT for v in values]
        data[name] = pd.Series([pd.NA if v is None else v for v in values] if dtype != rl.DATE else values,
                               dtype=DTYPES[dtype])
    return pd.DataFrame(data)


def durable_masks(nodes: list, frame: pd.DataFrame) -> list[np.ndarray]:
    """Evaluate in this process (the guarded child is tested separately)."""
    definitions = {f"r{i}": compile_condition(f"c{i}", node, "x") for i, node in enumerate(nodes)}
    fields = sorted(set().union(*(rl.field_names(n) for n in nodes)))
    result = run(definitions, "x", encode(frame, fields), batch_size=7)
    assert result["seen"] == result["asserted"] == len(frame)
    out = []
    for i in range(len(nodes)):
        mask = np.zeros(len(frame), dtype=bool)
        mask[result["matches"][f"r{i}"]] = True
        out.append(mask)
    return out


def all_combinations() -> pd.DataFrame:
    rows = []
    for t, n, b in itertools.product([None, *VALUES["t"]], [None, *VALUES["n"]], [None, *VALUES["b"]]):
        for d in (None, *VALUES["d"]):
            rows.append({"t": t, "n": n, "b": b, "d": d})
    return frame_of(rows)


NOT_CONDITIONS = [
    'not (t == "a")', 't != "a"', 'not (t != "a")', "not (n < 5)", "not (n >= 0) and t is not null",
    "not b", "b", "b == false", "not (b == false)", 'not (t in ["a", ""])', 'not (t not in ["a"])',
    't not in ["a", "b"]', "not (t is null)", "not (n is not null)", "d > 2025-12-30", "not (d <= 1969-07-20)",
    'not (t == "a" and (n > 0 or not b))', 'not (not (t == "a") or d == 2025-12-31)', "n == 5.0", "n > -3.5",
]


def test_not_and_missing_values_match_the_default_engine():
    frame = all_combinations()
    nodes = [rl.parse(c) for c in NOT_CONDITIONS]
    for text, node, mask in zip(NOT_CONDITIONS, nodes, durable_masks(nodes, frame)):
        expected = evaluate_condition(node, frame)
        assert (mask == expected).all(), (text, frame[mask != expected])
        assert 0 < expected.sum() < len(frame), text   # each condition separates the rows


def predicates():
    def leaf(field):
        vals = st.sampled_from(VALUES[field])
        ops = ["==", "!=", "<", "<=", ">", ">="] if field in ("n", "d") else ["==", "!="]
        out = [st.builds(rl.Compare, st.just(field), st.sampled_from(ops), vals),
               st.builds(rl.IsNull, st.just(field), st.booleans()),
               st.builds(rl.In, st.just(field), st.lists(vals, min_size=1, max_size=3).map(tuple), st.booleans())]
        if field == "b":
            out.append(st.just(rl.IsTrue("b")))
        return st.one_of(out)
    return st.one_of([leaf(f) for f in FIELDS])


conditions = st.recursive(predicates(), lambda inner: st.one_of(
    st.builds(rl.Not, inner),
    st.lists(inner, min_size=2, max_size=3).map(lambda xs: rl.And(tuple(xs))),
    st.lists(inner, min_size=2, max_size=3).map(lambda xs: rl.Or(tuple(xs)))), max_leaves=6)
row = st.fixed_dictionaries({f: st.none() | st.sampled_from(v) for f, v in VALUES.items()})


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(conditions, min_size=1, max_size=8), st.lists(row, min_size=1, max_size=30))
def test_random_conditions_give_the_same_masks_as_the_default_engine(nodes, rows):
    frame = frame_of(rows)
    for node, mask in zip(nodes, durable_masks(nodes, frame)):
        assert (mask == evaluate_condition(node, frame)).all(), node


def example_frame(kind: str, records: list[dict]) -> pd.DataFrame:
    data = {}
    for name, f in fields_for(kind).items():
        values = [r.get(name, pd.NA) for r in records]
        if f.dtype == rl.DATE:
            values = [pd.NaT if v is pd.NA else pd.Timestamp(v) for v in values]
        data[name] = pd.Series(values, dtype=DTYPES[f.dtype])
    return pd.DataFrame(data)


def test_every_rules_examples_through_the_guarded_child_process():
    """All rules' fires/passes examples (their edge cases) plus a blank record, per kind, one child each."""
    for kind in ("court_accounts", "roster", "pacer_accounts"):
        rules = [r for r in RULES if kind in r.conditions]
        records = [ex["record"] for r in RULES for g in ("fires", "passes") for ex in r.examples[g]
                   if ex.get("kind", r.applies_to[0]) == kind] + [{}]
        frame = example_frame(kind, records)
        matcher = DurableMatcher(rules)
        masks = matcher(rules, kind, frame)
        for rule in rules:
            assert (masks[rule.id] == evaluate_condition(rule.conditions[kind], frame)).all(), (kind, rule.id)
        assert set(matcher.not_expressible) == {r.id for r in rules} & REGEX_RULES
        assert matcher.stats[kind]["records"] == len(frame)


# Bookkeeping ---------------------------------------------------------------------------------------
def test_every_record_is_accounted_for_across_batches_and_or_matches_count_once():
    frame = frame_of([{"t": "a", "n": i % 7, "b": i % 2 == 0} for i in range(2500)])
    node = rl.parse('t == "a" or b')          # both branches hold on even rows: durable fires twice there
    definitions = {"r0": compile_condition("either", node, "x")}
    result = run(definitions, "x", encode(frame, ["b", "t"]), batch_size=1000)
    assert result["asserted"] == result["seen"] == 2500
    assert result["matches"]["r0"] == list(range(2500))
    assert result["duplicates"] == 1250


# The crash guard -----------------------------------------------------------------------------------
@pytest.mark.parametrize("hook, message", [
    ("abort", "durable_rules engine crashed (signal SIGABRT) while evaluating the shipped rule set over the "
              "PACER accounts; no report written"),
    ("raise", "durable_rules engine failed while evaluating the shipped rule set over the PACER accounts: "
              "RuntimeError"),
    ("hang", "durable_rules engine took longer than 3 s while evaluating the shipped rule set"),
])
def test_child_failures_become_one_line_engine_errors(monkeypatch, hook, message):
    monkeypatch.setenv(CRASH_HOOK, hook)
    monkeypatch.setenv(TIMEOUT_ENV, "3")
    rules = [r for r in RULES if "pacer_accounts" in r.conditions]
    frame = example_frame("pacer_accounts", [{}, {}])
    with pytest.raises(EngineError) as info:
        DurableMatcher(rules)(rules, "pacer_accounts", frame)
    assert message in str(info.value) and "\n" not in str(info.value)
    assert info.value.exit_code == 2


def run_with_env(env: dict, *args) -> subprocess.CompletedProcess:
    exe = Path(sys.executable).with_name("auditor")
    return subprocess.run([str(exe), *map(str, args)], capture_output=True, text=True, cwd=ROOT, timeout=300,
                          env={**os.environ, **env})


SAMPLE = ROOT / "sample_data"


def sample_args() -> list[str]:
    import json

    manifest = json.loads((SAMPLE / "manifest.json").read_text())
    args = []
    for kind, names in manifest["files"].items():
        for name in names:
            args += [f"--{kind.replace('_', '-')}", str(SAMPLE / name)]
    return args + ["--as-of", manifest["as_of"]]


def test_cli_crash_in_durable_exits_2_with_one_line_and_no_report(tmp_path):
    out = tmp_path / "report.xlsx"
    res = run_with_env({CRASH_HOOK: "abort"}, "audit", *sample_args(), "--engine", "durable", "--out", out)
    assert res.returncode == 2
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and "durable_rules engine crashed (signal SIGABRT)" in lines[0], res.stderr
    assert not out.exists()


def finding_ids(path: Path) -> list[str]:
    wb = openpyxl.load_workbook(path, read_only=True)
    rows = list(wb["Findings"].iter_rows(values_only=True))
    wb.close()
    col = [str(c) for c in rows[0]].index(next(c for c in map(str, rows[0]) if c.lower().startswith("finding")))
    return sorted(str(r[col]) for r in rows[1:] if r[col])


def test_cli_audit_with_durable_engine_writes_the_same_findings(tmp_path):
    a, b = tmp_path / "pandas.xlsx", tmp_path / "durable.xlsx"
    assert run_cli("audit", *sample_args(), "--out", a).returncode == 0
    res = run_cli("audit", *sample_args(), "--engine", "durable", "--out", b)
    assert res.returncode == 0, res.stderr
    ids = finding_ids(a)
    assert ids and ids == finding_ids(b)


# The cross-check -----------------------------------------------------------------------------------
def test_cross_check_on_the_sample_data_agrees_and_names_what_durable_cannot_express():
    res = run_cli("rules", "--cross-check")
    assert res.returncode == 0, res.stdout + res.stderr
    assert "engines agree" in res.stdout
    for rule_id in REGEX_RULES:
        assert f"not expressible in durable_rules (checked by pandas only): {rule_id}:" in res.stdout


def cross_check_generated(folder: Path, rows: int) -> str:
    gen = run_cli("sample", "--rows", rows, "--out", folder, "--seed", 3)
    assert gen.returncode == 0, gen.stderr
    args = []
    for path in sorted(folder.glob("*.csv")):
        kind = "court-accounts" if path.name.startswith("court") else (
            "pacer-accounts" if path.name.startswith("pacer") else "roster")
        args += [f"--{kind}", path]
    res = run_cli("rules", "--cross-check", *args, "--as-of", "2026-11-30")
    assert res.returncode == 0, res.stdout + res.stderr
    assert "engines agree" in res.stdout
    audited = int(res.stdout.split(" court filer accounts")[0].rsplit("(", 1)[1].replace(",", ""))
    assert 0.95 * rows <= audited <= rows     # every row but the few the generator makes invalid on purpose
    return res.stdout


def test_cross_check_on_2000_generated_rows(tmp_path):
    out = cross_check_generated(tmp_path, 2000)
    agreed = int(out.split("engines agree: ")[1].split(" findings")[0].replace(",", ""))
    assert agreed > 50


def test_cross_check_on_100000_generated_rows(tmp_path):
    out = cross_check_generated(tmp_path, 100_000)
    print(out)
    agreed = int(out.split("engines agree: ")[1].split(" findings")[0].replace(",", ""))
    assert agreed > 5000


def test_a_difference_between_engines_is_listed():
    frame = pd.DataFrame({"finding_id": ["F-1", "F-2", "F-3"], "rule_id": ["a", "b", "c"],
                          "person_name": ["Ann Lee", "Bo Park", "Cy Dunn"], "source": ["x.csv, row 2"] * 3})
    only_a, only_b = compare_findings(frame, frame.iloc[[0, 2]])
    lines = report_differences(only_a, only_b)
    assert lines[0].startswith("ENGINES DISAGREE: 1 finding(s) only from pandas, 0 only from durable_rules")
    assert "only pandas: finding_id=F-2  rule_id=b  person_name=Bo Park" in lines[1]
    assert len(lines) == 2
    assert report_differences(*compare_findings(frame, frame)) == []

"""The sample-data generator: sizes, determinism, formats, and a manifest that points at real rows."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pandas as pd
import pytest

from auditor.columns import COLUMNS, alias_map, column_key
from auditor.sample.files import generate

RULES = {
    "shared-filing-account", "shared-research-account", "filer-account-shared-with-staff", "legacy-username",
    "unlinked-filing-account", "paa-used-as-login", "paa-not-upgraded", "departed-still-linked",
    "attorney-without-pacer-account", "duplicate-filing-accounts", "holder-name-mismatch",
    "login-has-special-characters", "mfa-not-enrolled", "duplicate-pacer-accounts", "search-status-inactive",
}


def _read(path: Path) -> pd.DataFrame:
    if path.suffix == ".xlsx":
        return pd.read_excel(path, dtype=str, engine="calamine").fillna("")
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def _canonical(df: pd.DataFrame, kind: str) -> pd.DataFrame:
    amap = alias_map(kind)
    return df.rename(columns={c: amap[column_key(c)] for c in df.columns})


def _digest(d: Path) -> dict:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(d.iterdir())}


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    d = tmp_path_factory.mktemp("small")
    return d, generate(200, d, seed=3, roster_formats=("csv", "xlsx"))


def test_same_seed_same_bytes(tmp_path):
    for fmt in ("csv", "xlsx"):
        a, b, c = tmp_path / f"a{fmt}", tmp_path / f"b{fmt}", tmp_path / f"c{fmt}"
        generate(150, a, seed=11, fmt=fmt)
        generate(150, b, seed=11, fmt=fmt)
        generate(150, c, seed=12, fmt=fmt)
        assert _digest(a) == _digest(b)
        assert _digest(a) != _digest(c)


def test_files_and_sizes(small):
    d, m = small
    files = m["files"]
    assert files["court_accounts"] == ["court_accounts.csv"]
    assert files["pacer_accounts"] == ["pacer_accounts.csv"]
    assert len(files["roster"]) >= 2
    assert {Path(f).suffix for f in files["roster"]} == {".csv", ".xlsx"}
    assert json.loads((d / "manifest.json").read_text(encoding="utf-8")) == m
    court = _read(d / "court_accounts.csv")
    assert len(court) == 200
    pacer = _read(d / "pacer_accounts.csv")
    assert 0.45 * 200 <= len(pacer) <= 0.8 * 200
    roster_rows = sum(len(_read(d / f)) for f in files["roster"])
    assert 0.2 * 200 <= roster_rows <= 0.5 * 200
    for f, n in m["row_counts"].items():
        assert len(_read(d / f)) == n


def test_headers_are_known_aliases_not_snake_case(small):
    d, m = small
    kinds = {f: k for k, fs in m["files"].items() for f in fs}
    for f, kind in kinds.items():
        df = _read(d / f)
        amap = alias_map(kind)
        assert all(column_key(c) in amap for c in df.columns), f
        assert not any("_" in c for c in df.columns), f
        required = {c.name for c in COLUMNS[kind] if c.required}
        assert required <= set(_canonical(df, kind).columns)


def test_every_rule_planted_at_200_rows(small):
    _, m = small
    assert RULES <= {p["rule_id"] for p in m["planted"]}
    assert m["must_not_fire"]
    share = m["court_rows_with_planted_problem"] / m["rows"]
    assert 0.05 <= share <= 0.2


def test_manifest_rows_hold_the_planted_data(small):
    d, m = small
    kinds = {f: k for k, fs in m["files"].items() for f in fs}
    frames = {f: _canonical(_read(d / f), kinds[f]) for f in kinds}
    for entry in m["planted"] + m["must_not_fire"]:
        df = frames[entry["file"]]
        row = df.iloc[entry["row"] - 2]
        for col, value in entry["key"].items():
            assert row[col] == value, (entry, col, row[col])


def test_planted_data_looks_like_the_problem(small):
    d, m = small
    kinds = {f: k for k, fs in m["files"].items() for f in fs}
    frames = {f: _canonical(_read(d / f), kinds[f]) for f in kinds}

    def rows(rule):
        return [(frames[e["file"]].iloc[e["row"] - 2], e) for e in m["planted"] if e["rule_id"] == rule]

    for row, _ in rows("legacy-username"):
        assert len(row["pacer_username"]) < 8 and row["account_status"] == "Active"
    for row, _ in rows("unlinked-filing-account"):
        assert row["pacer_username"] == "" and row["account_status"] == "Active"
    for row, _ in rows("login-has-special-characters"):
        assert any(ch in row["cmecf_login"] for ch in "&@")
    for row, _ in rows("mfa-not-enrolled"):
        assert row["mfa_enrolled"] == "No"
    for row, _ in rows("paa-not-upgraded"):
        assert row["account_type"] == "PAA" and row["upgraded"] == "No"
    for row, _ in rows("departed-still-linked"):
        assert row["left_firm_on"] and row["paa_id"]
    for row, _ in rows("attorney-without-pacer-account"):
        assert row["pacer_username"] == "" and row["left_firm_on"] == ""
    court = frames["court_accounts.csv"]
    shared = [r for r, e in rows("shared-filing-account") if e["kind"] == "court_accounts"]
    users = pd.Series([r["pacer_username"] for r in shared])
    for u in users.unique():
        people = court.loc[court["pacer_username"] == u, "bar_id"].unique()
        assert len(people) >= 2 or any(e["key"]["pacer_username"] == u for e in m["planted"]
                                       if e["kind"] == "roster")
    for row in [frames[e["file"]].iloc[e["row"] - 2] for e in m["must_not_fire"]
                   if e["rule_id"] == "unlinked-filing-account"]:
        assert row["pacer_username"] == "" and row["account_status"] == "Inactive"


def test_leading_zeros_survive_in_csv_and_xlsx(tmp_path):
    for fmt in ("csv", "xlsx"):
        d = tmp_path / fmt
        generate(300, d, seed=5, fmt=fmt)
        pacer = _canonical(_read(d / f"pacer_accounts.{fmt}"), "pacer_accounts")
        assert pacer["account_number"].str.fullmatch(r"\d{7}").all()
        assert pacer["account_number"].str.startswith("0").any()
        court = _canonical(_read(d / f"court_accounts.{fmt}"), "court_accounts")
        assert court["bar_id"].str.startswith("00").any()
        assert court["pacer_username"].str.fullmatch(r"00\d{6}").any()


def test_xlsx_dates_are_real_dates(tmp_path):
    import openpyxl
    import datetime as dt

    generate(120, tmp_path, seed=2, fmt="xlsx")
    ws = openpyxl.load_workbook(tmp_path / "court_accounts.xlsx", read_only=True).active
    header = [c.value for c in next(ws.iter_rows(max_row=1))]
    col = header.index("Last Filed")
    values = [r[col] for r in ws.iter_rows(min_row=2, values_only=True) if r[col] is not None]
    assert values and all(isinstance(v, dt.datetime) for v in values)


def test_csv_date_formats_differ_between_files(small):
    d, _ = small
    court = _canonical(_read(d / "court_accounts.csv"), "court_accounts")
    pacer = _canonical(_read(d / "pacer_accounts.csv"), "pacer_accounts")
    assert court["linked_on"].replace("", pd.NA).dropna().str.fullmatch(r"\d\d/\d\d/\d{4}").all()
    assert pacer["created_on"].replace("", pd.NA).dropna().str.fullmatch(r"\d{4}-\d\d-\d\d").all()


def test_20000_rows_counts_only_when_large(tmp_path):
    m = generate(20_000, tmp_path, seed=1)
    assert len(_read(tmp_path / "court_accounts.csv")) == 20_000
    assert len(m["files"]["roster"]) <= 50
    assert RULES <= set(m["planted_counts"])
    assert sum(m["planted_counts"].values()) == len(m["planted"])


def test_too_few_rows_is_refused(tmp_path):
    with pytest.raises(ValueError, match="at least"):
        generate(5, tmp_path)


@pytest.mark.parametrize("rows", [101, 997, 8000])
def test_any_row_count_makes_exactly_that_many_rows(tmp_path, rows):
    """The last person's accounts are trimmed to make the count; 8,000 once placed a planted problem
    past the end of the table.  Each person's accounts are consecutive rows under one name."""
    m = generate(rows, tmp_path, seed=0)
    court = _canonical(_read(tmp_path / "court_accounts.csv"), "court_accounts")
    assert len(court) == rows == m["row_counts"]["court_accounts.csv"]
    assert not court["filer_name"].eq("").any()

"""Broken and hostile input files through the real command line (SPEC section 7).

Every file in tests/hostile/expected.csv (small ones kept in git, large ones
built by tests/hostile/make_large.py) goes through ``auditor audit``.  An
audited file must exit 0, write a report whose Summary shows rows read =
audited + rejected for that file, and list each rejected row on the Data
issues sheet; a refused file must exit 2 with one line on standard error
naming the file and the problem, no traceback, and no report.
"""

from __future__ import annotations

import csv
import shlex
import sys
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from conftest import ROOT, run_cli, sheet_rows

HOSTILE = ROOT / "tests" / "hostile"
sys.path.insert(0, str(HOSTILE))
import make_large  # noqa: E402

AS_OF = "2026-11-30"
OPTION = {"court_accounts": "--court-accounts", "roster": "--roster", "pacer_accounts": "--pacer-accounts"}
CASES = list(csv.DictReader((HOSTILE / "expected.csv").open(newline="", encoding="utf-8")))
SPEC_CASES = ["empty file", "header only", "wrong delimiter", "BOM", "Latin-1", "merged header cells",
              "blank rows between data", "duplicate columns", "a column of Excel date serials",
              "numbers where text belongs", "password-protected", "corrupt XLSX", ".xlsm", "huge file",
              "zip bomb", "formulas in cells", "trailing spaces", "non-ASCII names"]


@pytest.fixture(scope="session")
def large_dir(tmp_path_factory):
    d = tmp_path_factory.mktemp("large")
    make_large.make_all(d)
    return d


def _path(case, large_dir) -> Path:
    f = case["file"]
    return large_dir / f.split("/", 1)[1] if f.startswith("large/") else HOSTILE / f


def audit_in_process(capfd, *args) -> tuple[int, str, str]:
    """``auditor audit`` as the installed command runs it, in this process: (exit code, stdout, stderr)."""
    done = run_cli("audit", *args)
    return done.returncode, done.stdout, done.stderr


def summary_row(report: Path, name: str) -> list:
    wb = openpyxl.load_workbook(report, read_only=True)
    try:
        rows = [list(r) for r in wb["Summary"].iter_rows(values_only=True) if r and r[0] == name]
    finally:
        wb.close()
    assert rows, f"{name} is not listed on the Summary"
    return rows[0]


def has_run(values: list, run: list) -> bool:
    return any(values[i:i + len(run)] == run for i in range(len(values) - len(run) + 1))


def test_every_spec_case_has_a_file():
    described = " | ".join(c["case"] for c in CASES)
    missing = [c for c in SPEC_CASES if c.lower() not in described.lower()]
    assert not missing, f"no hostile file for: {missing}"
    for c in CASES:
        if not c["file"].startswith("large/"):
            p = HOSTILE / c["file"]
            assert p.exists() and p.stat().st_size <= 16 * 1024, p


@pytest.mark.parametrize("case", CASES, ids=[f"{c['file']}-{c['kind']}-{c['options'] or 'default'}" for c in CASES])
def test_hostile_file(case, large_dir, tmp_path, capfd):
    path = _path(case, large_dir)
    out = tmp_path / "report.xlsx"
    code, stdout, err = audit_in_process(capfd, OPTION[case["kind"]], path, *shlex.split(case["options"]),
                                         "--as-of", AS_OF, "--out", out)
    assert "Traceback" not in err + stdout
    if case["outcome"] == "refused":
        assert code == 2, (stdout, err)
        lines = err.strip().splitlines()
        assert len(lines) == 1, err
        assert path.name in lines[0] and case["message"] in lines[0], lines[0]
        assert "internal error" not in lines[0]
        assert not out.exists(), "a refused file must not leave a report"
        return
    assert code == 0, err
    assert out.exists()
    read, audited, rejected = (int(case[k]) for k in ("rows_read", "rows_audited", "rows_rejected"))
    assert read == audited + rejected
    row = summary_row(out, path.name)
    assert has_run(row, [read, audited, rejected]), row
    issues = [r for r in sheet_rows(out, "Data issues") if r["file"] == path.name]
    assert len({r["row"] for r in issues if r["severity"] == "rejected"}) == rejected
    assert f"{read} rows read, {rejected} rejected" in stdout


@pytest.mark.parametrize("name", ["pass_protected.xlsx", "unterminated_quote.csv"])
def test_refusals_through_the_installed_command(name, tmp_path):
    out = tmp_path / "r.xlsx"
    proc = run_cli("audit", "--court-accounts", HOSTILE / name, "--as-of", AS_OF, "--out", out)
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and proc.stderr.startswith(f"auditor: {name}")
    assert "Traceback" not in proc.stderr and not out.exists()


def test_zip_bomb_through_the_installed_command(large_dir, tmp_path):
    out = tmp_path / "r.xlsx"
    proc = run_cli("audit", "--court-accounts", large_dir / "zip_bomb.xlsx", "--as-of", AS_OF, "--out", out)
    assert proc.returncode == 2 and "zip bomb" in proc.stderr and proc.stderr.count("\n") == 1
    assert not out.exists()


def test_bad_file_among_good_stops_the_run(tmp_path, capfd):
    out = tmp_path / "r.xlsx"
    code, _, err = audit_in_process(capfd, "--court-accounts", HOSTILE / "semicolon.csv",
                                    "--court-accounts", HOSTILE / "pass_protected.xlsx",
                                    "--pacer-accounts", HOSTILE / "utf16.csv", "--as-of", AS_OF, "--out", out)
    assert code == 2 and not out.exists()
    assert err.strip().count("\n") == 0 and "pass_protected.xlsx" in err and "password" in err


def test_skip_bad_files_lists_them_on_the_summary(tmp_path, capfd, large_dir):
    out = tmp_path / "r.xlsx"
    code, stdout, err = audit_in_process(
        capfd, "--court-accounts", HOSTILE / "semicolon.csv", "--court-accounts", HOSTILE / "pass_protected.xlsx",
        "--roster", HOSTILE / "missing_required.csv", "--court-accounts", large_dir / "zip_bomb.xlsx",
        "--skip-bad-files", "--as-of", AS_OF, "--out", out)
    assert code == 0, err
    assert "Traceback" not in err
    assert "skipped: pass_protected.xlsx, missing_required.csv, zip_bomb.xlsx" in stdout or all(
        n in stdout for n in ("pass_protected.xlsx", "missing_required.csv", "zip_bomb.xlsx"))
    good = summary_row(out, "semicolon.csv")
    assert has_run(good, [3, 3, 0])
    for name, reason in [("pass_protected.xlsx", "password-protected"), ("missing_required.csv", "no column for"),
                         ("zip_bomb.xlsx", "zip bomb")]:
        row = [str(v) for v in summary_row(out, name) if v is not None]
        assert "skipped" in row, row
        assert any(reason in v for v in row), row


def test_all_files_bad_with_skip_is_refused(tmp_path, capfd):
    out = tmp_path / "r.xlsx"
    code, _, err = audit_in_process(capfd, "--court-accounts", HOSTILE / "empty.csv", "--skip-bad-files",
                                    "--as-of", AS_OF, "--out", out)
    assert code == 2 and err.strip().count("\n") == 0 and not out.exists()


def test_what_the_loader_keeps_from_hostile_files():
    """Spot checks on values, not just counts: text kept as written, dates understood."""
    from auditor.api import load_input

    latin = load_input(HOSTILE / "latin1.csv", "court_accounts").records
    assert list(latin["filer_name"]) == ["Müller, Jürgen", "García, François"]
    mixed = load_input(HOSTILE / "mixed_encoding.csv", "court_accounts").records
    assert list(mixed["filer_name"]) == ["Müller, Jürgen", "García, François"]
    ascii_ = load_input(HOSTILE / "non_ascii.csv", "court_accounts").records
    assert list(ascii_["filer_name"]) == ["张伟", "Øyvind Åström", "José Nũñez"]   # NFC
    bom = load_input(HOSTILE / "bom_utf8.csv", "court_accounts")
    assert "court_id" in bom.present_columns and list(bom.records["court_id"]) == ["ncmb", "ncmb", "ncwb"]
    spaces = load_input(HOSTILE / "trailing_spaces.xlsx", "court_accounts").records
    assert list(spaces["cmecf_login"]) == ["jsmith", "jroe", "kwhite"]
    nums = load_input(HOSTILE / "numbers_as_numbers.xlsx", "court_accounts").records
    assert list(nums["bar_id"]) == ["12345", "12345"] and list(nums["pacer_username"]) == ["123456", "12345678901"]
    dates = load_input(HOSTILE / "excel_date_serials.xlsx", "court_accounts")
    assert str(dates.records["linked_on"][0].date()) == "2020-05-01"
    assert str(dates.records["linked_on"][1].date()) == "1900-01-01"
    assert sorted(dates.issues["value"]) == ["2958465", "60", "9999999"]   # 2958465 is 9999-12-31
    far = dates.issues.set_index("value").loc["2958465", "reason"]
    assert "after the year 2262" in far and pd.isna(dates.records["last_filed_on"][1])
    dup = load_input(HOSTILE / "duplicate_columns.csv", "court_accounts")
    assert list(dup.records["cmecf_login"]) == ["jsmith", "jroe", "kwhite"]
    assert "duplicate column" in dup.issues["reason"].iloc[0]
    formula = load_input(HOSTILE / "formula_text.csv", "court_accounts").records
    assert list(formula["cmecf_login"]) == ["=1+1", "@SUM(A1)", "plain"]
    assert formula["filer_name"].iloc[0] == '=HYPERLINK("http://evil.example","click")'

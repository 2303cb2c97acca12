"""The Python API does what the command line does; `auditor validate` checks inputs only."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from auditor.api import audit, write
from auditor.errors import InputError, RulesError, UsageError
from auditor.engines.evaluate import finding_ids
from conftest import run_cli, sheet_rows, write_csv

COURT = ["Court ID", "Login", "Filer", "Filer Type", "Bar No", "PACER User Name", "Account Status"]
ROWS = [["", "jsmith", "Smith, John", "attorney", "NC1", "js1234", "active"],
        ["", "", "No Login", "attorney", "NC2", "nologin1", "active"],
        ["", "alee", "Lee, Ann", "Wizard", "NC3", "", "active"]]


def test_api_audit_and_write(tmp_path):
    court = write_csv(tmp_path / "court.csv", COURT, ROWS)
    result = audit(court_accounts=[court], court="NCMBK", as_of=dt.date(2026, 11, 30))
    t = result.inputs[0]
    assert (t.rows_read, t.rows_audited, t.rows_rejected) == (3, 2, 1)   # the unknown role is audited as other
    assert result.courts == ["ncmb"]
    assert sorted(result.findings["rule_id"]) == ["legacy-username", "unlinked-filing-account"]
    assert set(result.data_issues["row"]) == {3, 4}
    paths = write(result, tmp_path / "out" / "r.xlsx")
    assert sorted(f["cmecf_login"] for f in sheet_rows(paths[0], "Findings")) == ["alee", "jsmith"]


def test_api_errors_are_typed(tmp_path):
    with pytest.raises(UsageError):
        audit()
    with pytest.raises(InputError):
        audit(roster=[tmp_path / "missing.csv"])
    bad = tmp_path / "r.yaml"
    bad.write_text("rules: {}\n")
    with pytest.raises(RulesError):
        audit(roster=[tmp_path / "missing.csv"], rules_files=[bad])  # rules are checked before data is read


def test_finding_id_is_pinned():
    """Monthly runs rely on ids never changing: the same rule and account give this id forever."""
    keys = pd.Series(["ncmb|jsmith"], dtype="string[pyarrow]")
    assert finding_ids("legacy-username", "court_accounts", keys, pd.Series([2])).tolist() == ["F-465EB7AC9CB25148"]


def test_validate_command_lists_counts_and_issues(tmp_path):
    court = write_csv(tmp_path / "court.csv", COURT, ROWS)
    proc = run_cli("validate", court, "--kind", "court_accounts", "--court", "ncmb")
    assert proc.returncode == 0, proc.stderr
    assert "3 rows read, 2 audited, 1 rejected" in proc.stdout
    assert "row 3" in proc.stdout and "row 4" in proc.stdout and "filer_role" in proc.stdout


def test_validate_guesses_the_kind(tmp_path):
    roster = write_csv(tmp_path / "roster.csv", ["Firm", "Name", "Role", "PACER Login"],
                       [["S&J", "Ann Lee", "Attorney", "annlee2020"]])
    proc = run_cli("validate", roster)
    assert proc.returncode == 0, proc.stderr
    assert "firm roster" in proc.stdout


def test_validate_refused_file_exits_2(tmp_path):
    junk = tmp_path / "junk.xlsx"
    junk.write_text("not a workbook")
    proc = run_cli("validate", junk)
    assert proc.returncode == 2
    assert "junk.xlsx" in proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr

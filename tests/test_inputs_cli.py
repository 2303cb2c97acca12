"""Inputs as courts and firms really have them, through the real command line: what a user sees."""

from __future__ import annotations

import pytest

from auditor.model import DATA_ISSUE_CODES
from conftest import all_text, run_cli, sheet_rows, write_csv

COURT = ["Court", "CM/ECF Login", "Filer Name", "Role", "Bar Number", "PACER Login", "Status"]
AS_OF = ("--as-of", "2026-11-30")


def audit(tmp_path, *args):
    out = tmp_path / "out.xlsx"
    proc = run_cli("audit", *args, *AS_OF, "--out", out, "-q")
    return proc, out


@pytest.mark.parametrize("court", ["x", "M.D.N.C. Bankruptcy"])
def test_unknown_court_option_is_refused_naming_it(tmp_path, court):
    f = write_csv(tmp_path / "accounts.csv", COURT[1:], [["jdoe", "Doe, John", "Attorney", "NC1", "", "Active"]])
    proc, out = audit(tmp_path, "--court-accounts", f, "--court", court)
    assert proc.returncode == 2 and not out.exists()
    assert f"--court {court!r} is not a court id in the court calendar" in proc.stderr
    assert "auditor courts" in proc.stderr and "ArrowInvalid" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
    proc = run_cli("validate", f, "--court", court)
    assert proc.returncode == 2 and f"--court {court!r} is not a court id" in proc.stderr


def test_court_option_accepts_pacer_spelling(tmp_path):
    f = write_csv(tmp_path / "accounts.csv", COURT[1:], [["jdoe", "Doe, John", "Attorney", "NC1", "", "Active"]])
    proc, out = audit(tmp_path, "--court-accounts", f, "--court", "NCMBK")
    assert proc.returncode == 0, proc.stderr
    assert {r["court_id"] for r in sheet_rows(out, "Findings")} == {"ncmb"}


@pytest.mark.parametrize("codes", [["MDNC", "MDNC"], ["zzzz", "zzzz"], ["MDNC", "ncmb"]])
def test_unknown_court_in_the_column_is_a_data_issue(tmp_path, codes):
    rows = [[c, f"user{i}", f"Doe, John{i}", "Attorney", f"NC{i}", "", "Active"] for i, c in enumerate(codes)]
    f = write_csv(tmp_path / "accounts.csv", COURT, rows)
    proc, out = audit(tmp_path, "--court-accounts", f)
    assert proc.returncode == 0, proc.stderr
    unknown = [i for i in sheet_rows(out, "Data issues") if i["code"] == "unknown-court"]
    bad = [c for c in codes if c != "ncmb"]
    assert [i["value"] for i in unknown] == bad and all(i["severity"] == "warning" for i in unknown)
    assert f"unknown court id '{bad[0].lower()}'" in unknown[0]["reason"]
    # the rows are still audited: each unlinked active attorney is a finding
    assert len(sheet_rows(out, "Findings")) == len(codes)
    proc = run_cli("validate", f)
    assert proc.returncode == 0 and f"unknown court id '{bad[0].lower()}'" in proc.stdout
    assert "[warning, unknown-court]" in proc.stdout


def test_courts_command_finds_ids(tmp_path):
    proc = run_cli("courts", "carolina", "middle")
    assert proc.returncode == 0
    assert [line.split()[0] for line in proc.stdout.splitlines()] == ["ncmb", "ncmd"]
    assert "North Carolina Middle Bankruptcy Court" in proc.stdout and "2020-04-13" in proc.stdout


@pytest.mark.parametrize("as_of, words", [("2010-06-01", "is before the first NextGen go-live in the court calendar (2014-10-20)"),
                                          ("2099-01-01", "is in the future")])
def test_odd_audit_date_warns(tmp_path, as_of, words):
    f = write_csv(tmp_path / "accounts.csv", COURT, [["ncmb", "jdoe", "Doe, John", "Attorney", "NC1", "", "Active"]])
    out = tmp_path / "out.xlsx"
    proc = run_cli("audit", "--court-accounts", f, "--as-of", as_of, "--out", out, "-q")
    assert proc.returncode == 0 and out.exists()
    assert f"auditor: warning: --as-of {as_of} {words}" in proc.stderr
    proc = run_cli("audit", "--court-accounts", f, "--as-of", "2026-11-30", "--out", out, "-q")
    assert "warning" not in proc.stderr


@pytest.mark.parametrize("yes, no", [("Y", "N"), ("Yes", "No"), ("TRUE", "FALSE"), ("1", "0"), ("y", "n")])
def test_active_column_of_yes_no_spellings(tmp_path, yes, no):
    header = COURT[:-1] + ["Active"]
    rows = [["ncmb", "on1", "Onn, Ann", "Attorney", "NC1", "", yes],
            ["ncmb", "off1", "Off, Bob", "Attorney", "NC2", "", no]]
    f = write_csv(tmp_path / "accounts.csv", header, rows)
    proc, out = audit(tmp_path, "--court-accounts", f)
    assert proc.returncode == 0, proc.stderr
    # only the active account is unlinked; the inactive one gets no finding at all
    assert [r["cmecf_login"] for r in sheet_rows(out, "Findings")] == ["on1"]
    assert "No data issues" in all_text(out, "Data issues")


@pytest.mark.parametrize("role", ["Debtor", "Special Counsel", "Creditor Attorney"])
def test_unknown_role_is_audited_as_other_with_a_warning(tmp_path, role):
    f = write_csv(tmp_path / "accounts.csv", COURT, [["ncmb", "jdoe", "Doe, John", role, "NC1", "", "Active"]])
    proc, out = audit(tmp_path, "--court-accounts", f)
    assert proc.returncode == 0, proc.stderr
    assert "1 rows read, 0 rejected" in proc.stdout
    assert [r["rule_id"] for r in sheet_rows(out, "Findings")] == ["unlinked-filing-account"]
    issue, = sheet_rows(out, "Data issues")
    assert issue["code"] == "unknown-role" and issue["severity"] == "warning" and issue["value"] == role
    assert "audited with the role other" in issue["reason"]


def test_ragged_row_is_named_and_set_aside(tmp_path):
    f = tmp_path / "accounts.csv"
    f.write_text(",".join(COURT) + "\n"
                 "ncmb,jdoe,\"Doe, John\",Attorney,NC1,jdoe2020x,Active\n"
                 "ncmb,asmith,Smith, Ann,Attorney,NC2,asmith2020,Active\n", encoding="utf-8")
    proc, out = audit(tmp_path, "--court-accounts", f)
    assert proc.returncode == 0, proc.stderr
    assert "2 rows read, 1 rejected" in proc.stdout
    issues = sheet_rows(out, "Data issues")
    assert [(i["row"], i["code"], i["severity"]) for i in issues] == [(3, "ragged-row", "rejected")]
    assert "the row has 8 fields but the header has 7" in issues[0]["reason"]
    assert "double quotes" in issues[0]["reason"] and "filer_role" not in issues[0]["reason"]
    assert issues[0]["value"] == "ncmb,asmith,Smith,Ann,Attorney,NC2,asmith2020,Active"
    proc = run_cli("validate", f)
    assert "row 3: the row has 8 fields but the header has 7" in proc.stdout


def test_every_issue_code_is_known(tmp_path):
    f = tmp_path / "accounts.csv"
    f.write_text(",".join(COURT) + ",Linked On\n"
                 "ncmb,,\"Doe, John\",Attorney,NC1,jdoe2020x,Active,yesterday\n"
                 "ncmb,asmith,Smith, Ann,Attorney,NC2,asmith2020,Active,\n", encoding="utf-8")
    proc, out = audit(tmp_path, "--court-accounts", f)
    codes = [i["code"] for i in sheet_rows(out, "Data issues")]
    assert codes == ["bad-date", "blank-required", "ragged-row"] and set(codes) <= set(DATA_ISSUE_CODES)

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
    # without a history: a run dated after today is recorded in one only when confirmed
    proc = run_cli("audit", "--court-accounts", f, "--as-of", as_of, "--out", out, "-q", "--no-history")
    assert proc.returncode == 0 and out.exists()
    assert f"auditor: warning: --as-of {as_of} {words}" in proc.stderr
    proc = run_cli("audit", "--court-accounts", f, "--as-of", "2026-11-30", "--out", out, "-q", "--no-history")
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
                 "ncmb,asmith,Smith, Ann,Attorney,,asmith2020,Active\n", encoding="utf-8")
    proc, out = audit(tmp_path, "--court-accounts", f)
    assert proc.returncode == 0, proc.stderr
    assert "2 rows read, 1 rejected" in proc.stdout
    issues = sheet_rows(out, "Data issues")
    assert [(i["row"], i["code"], i["severity"]) for i in issues] == [(3, "ragged-row", "rejected")]
    assert "the row has 8 fields but the header has 7" in issues[0]["reason"]
    assert "double quotes" in issues[0]["reason"] and "filer_role" not in issues[0]["reason"]
    assert issues[0]["value"] == "ncmb,asmith,Smith,Ann,Attorney,,asmith2020,Active"   # a blank field shown blank
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


ROSTER = ["Firm", "Name", "Role", "Bar ID", "PACER Login", "Use"]


def rosters(tmp_path):
    folder = tmp_path / "big"
    folder.mkdir()
    for i in range(3):
        write_csv(folder / f"roster_{i}.csv", ROSTER, [[f"Firm {i}", f"Person {i}", "Attorney", f"NC{i}", f"p{i}", "efiling"]])
    (folder / "notes.md").write_text("not an input")
    (folder / "~$roster_0.xlsx").write_bytes(b"lock file")
    return folder


def test_many_files_after_one_option_or_a_folder(tmp_path):
    folder = rosters(tmp_path)
    files = sorted(folder.glob("roster_*.csv"))
    for args in (["--roster", *files],                            # what the shell makes of roster_*.csv
                 ["--roster", folder],                            # a folder: every CSV and spreadsheet in it
                 ["--roster", folder / "roster_*.csv"],           # a pattern the shell left alone
                 ["--roster", files[0], "--roster", files[1], files[2]]):   # the repeatable spelling still works
        proc, out = audit(tmp_path, *args)
        assert proc.returncode == 0, (args, proc.stderr)
        assert "3 rows read" in proc.stdout
        found = sheet_rows(out, "Findings")   # each person's short (legacy) username is found
        assert sorted(f["firm_name"] for f in found) == ["Firm 0", "Firm 1", "Firm 2"]
    proc = run_cli("validate", folder)
    assert proc.returncode == 0 and proc.stdout.count("firm roster, kind guessed from its columns") == 3


def test_empty_folder_and_unmatched_pattern_are_refused(tmp_path):
    (tmp_path / "empty").mkdir()
    proc, out = audit(tmp_path, "--roster", tmp_path / "empty")
    assert proc.returncode == 2 and "is a folder without a CSV or spreadsheet file in it" in proc.stderr
    proc, out = audit(tmp_path, "--roster", tmp_path / "nothing_*.csv")
    assert proc.returncode == 2 and "no file matches this pattern" in proc.stderr and not out.exists()


COURT_EXPORT = ["Court", "CM/ECF Login", "Filer Name", "Role", "Bar Number", "E-mail", "Firm", "PACER Login", "Status",
                "Linked On", "Last Filed"]


def test_court_export_given_as_roster_is_named_the_wrong_kind(tmp_path):
    rows = [["ncmb", f"u{i}", f"Doe, J{i}", "Attorney", f"NC{i}", "", "" if i % 3 else "S&J", f"u{i}x2020",
             "Active", "", ""] for i in range(9)]
    f = write_csv(tmp_path / "ncmb.csv", COURT_EXPORT, rows)
    proc, out = audit(tmp_path, "--roster", f)
    assert proc.returncode == 0
    assert ("auditor: warning: ncmb.csv: the file is probably the wrong kind: given as a firm roster (--roster), "
            "its columns look like court filer accounts; give it with --court-accounts") in proc.stderr
    issue = [i for i in sheet_rows(out, "Data issues") if i["code"] == "wrong-kind"]
    assert len(issue) == 1 and issue[0]["row"] == 1 and issue[0]["severity"] == "warning"
    proc = run_cli("validate", "--kind", "roster", f)
    assert "probably the wrong kind" in proc.stdout and "[warning, wrong-kind]" in proc.stdout
    # given where a required column is missing, the refusal leads with the kind
    roster = write_csv(tmp_path / "roster.csv", ROSTER, [["S&J", "Ann Lee", "Attorney", "NC1", "annlee2020", "efile"]])
    proc, _ = audit(tmp_path, "--court-accounts", roster)
    assert proc.returncode == 2
    assert proc.stderr.startswith("auditor: roster.csv: this file is probably the wrong kind: given as court filer "
                                  "accounts (--court-accounts), its columns look like a firm roster; give it with "
                                  "--roster (no column for court_id")


def test_validate_guesses_a_court_export_without_court_column(tmp_path):
    """Without its Court column a court export also fits a roster (firm, name, role): the guess goes by
    the columns and says what is missing instead of auditing it as a roster."""
    f = write_csv(tmp_path / "export.csv", COURT_EXPORT[1:], [["u1", "Doe, J", "Attorney", "NC1", "", "S&J", "u1x2020",
                                                               "Active", "", ""]])
    proc = run_cli("validate", f)
    assert proc.returncode == 2
    assert "refused: export.csv: read as court filer accounts, kind guessed from its columns: no column for court_id" \
        in proc.stdout and "give --court" in proc.stdout
    proc = run_cli("validate", f, "--court", "ncmb")
    assert proc.returncode == 0 and "export.csv: court filer accounts, kind guessed from its columns;" in proc.stdout


PAA_ROSTER = ["Firm", "Name", "Role", "Bar ID", "PACER Login", "Use", "PAA Account"]


def test_firm_paa_used_as_login_found_from_the_roster_alone(tmp_path):
    rows = [["W&P", "Jessica Robinson", "Attorney", "GA1", "whitfieldppaa", "efiling", "WhitfieldPPAA"],
            ["W&P", "Ann Lee", "Attorney", "GA2", "annlee2020", "efiling", "whitfieldppaa"]]
    f = write_csv(tmp_path / "roster.csv", PAA_ROSTER, rows)
    proc, out = audit(tmp_path, "--roster", f)
    assert proc.returncode == 0, proc.stderr
    assert [(r["rule_id"], r["person_name"]) for r in sheet_rows(out, "Findings")] == [
        ("paa-used-as-login", "Jessica Robinson")]


def test_paa_option_for_rosters_whose_paa_column_holds_a_number(tmp_path):
    rows = [["W&P", "Jessica Robinson", "Attorney", "GA1", "whitfieldppaa", "efiling", "1052711"],
            ["W&P", "Ann Lee", "Attorney", "GA2", "annlee2020", "efiling", "1052711"]]
    f = write_csv(tmp_path / "roster.csv", PAA_ROSTER, rows)
    proc, out = audit(tmp_path, "--roster", f)
    assert proc.returncode == 0 and sheet_rows(out, "Findings") == []
    proc, out = audit(tmp_path, "--roster", f, "--paa", "WhitfieldPPAA ")
    assert proc.returncode == 0, proc.stderr
    assert [(r["rule_id"], r["person_name"]) for r in sheet_rows(out, "Findings")] == [
        ("paa-used-as-login", "Jessica Robinson")]


def test_docs_columns_md_is_current():
    from conftest import ROOT

    proc = run_cli("columns")
    assert proc.returncode == 0
    assert proc.stdout == (ROOT / "docs" / "columns.md").read_text(), "docs/columns.md is stale: run `make docs`"
    for code in DATA_ISSUE_CODES:
        assert f"| `{code}` |" in proc.stdout
    assert "`active y n`" in proc.stdout and "`pacer login`" in proc.stdout


def test_unknown_roster_role_is_audited_as_other(tmp_path):
    f = write_csv(tmp_path / "roster.csv", ROSTER, [["S&J", "Ann Lee", "Rainmaker", "NC1", "al1", "efiling"]])
    proc, out = audit(tmp_path, "--roster", f)
    assert proc.returncode == 0 and "1 rows read, 0 rejected" in proc.stdout
    assert [r["rule_id"] for r in sheet_rows(out, "Findings")] == ["legacy-username"]
    issue, = sheet_rows(out, "Data issues")
    assert (issue["code"], issue["column"], issue["value"]) == ("unknown-role", "Role", "Rainmaker")

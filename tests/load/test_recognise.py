"""Columns recognised by their words and, where the header alone cannot say, by their values."""

from __future__ import annotations

import pytest

from auditor.columns import COURT_ACCOUNTS, PACER_ACCOUNTS, ROSTER
from auditor.load.table import read_table
from conftest import run_cli, write_csv, write_xlsx

COURT_ROWS = [["ncmb", "jdoe", "Doe, John", "Attorney", "NC123", "jdoe@doelaw.com", "Doe LLP", "jdoe01", "A"],
              ["ncmb", "asmith", "Smith, Ann", "Attorney", "NC124", "asmith@doelaw.com", "Doe LLP", "asmith01", "I"]]


@pytest.mark.parametrize("kind, header, column", [
    (COURT_ACCOUNTS, "PACER Acct", "pacer_username"),
    (COURT_ACCOUNTS, "PACER Login ID", "pacer_username"),
    (COURT_ACCOUNTS, "Acct Status", "account_status"),
    (COURT_ACCOUNTS, "E-mail addr", "email"),
    (COURT_ACCOUNTS, "User Login", "cmecf_login"),
    (COURT_ACCOUNTS, "Attorney Name", "filer_name"),
    (COURT_ACCOUNTS, "Atty Name", "filer_name"),
    (COURT_ACCOUNTS, "Bar #", "bar_id"),
    (COURT_ACCOUNTS, "E-Mail Address", "email"),
    (COURT_ACCOUNTS, "Law Firm", "firm_name"),
    (COURT_ACCOUNTS, "User ID", "cmecf_login"),
    (COURT_ACCOUNTS, "Attorney E-mail", "email"),        # read by its words
    (ROSTER, "E-mail addr", "email"),
    (ROSTER, "PACER Login ID", "pacer_username"),
    (ROSTER, "Bar #", "bar_id"),
    (PACER_ACCOUNTS, "PACER Login ID", "pacer_username"),
    (PACER_ACCOUNTS, "Acct #", "account_number"),
    (PACER_ACCOUNTS, "Case Search Status", "case_search_status"),
])
def test_spellings_people_use(kind, header, column):
    from auditor.load.recognise import candidates

    level, found = candidates(kind, header)
    assert found == (column,) and level >= 1


@pytest.mark.parametrize("header", ["Secondary E-mail", "Bar Status", "Remark", "Filing Agent", "Office Phone"])
def test_look_alikes_name_no_column(header):
    from auditor.load.recognise import candidates

    assert candidates(COURT_ACCOUNTS, header) == (0, ())


def test_pacer_acct_decided_by_its_values(tmp_path):
    """In a PACER list "PACER Acct" may be the username or the 7-digit account number: the values say."""
    header = ["PACER Acct", "Holder", "Acct"]
    path = write_csv(tmp_path / "p.csv", header, [["jdoe01", "John Doe", "0733745"], ["asmith01", "Ann Smith", "2095813"]])
    raw = read_table(path, PACER_ACCOUNTS)
    assert raw.headers["pacer_username"] == "PACER Acct" and raw.headers["account_number"] == "Acct"
    path = write_csv(tmp_path / "q.csv", ["Login", "Holder", "PACER Acct"],
                     [["jdoe01", "John Doe", "0733745"], ["asmith01", "Ann Smith", "2095813"]])
    raw = read_table(path, PACER_ACCOUNTS)
    assert raw.headers["pacer_username"] == "Login" and raw.headers["account_number"] == "PACER Acct"


def test_account_numbers_are_never_read_as_usernames(tmp_path):
    header = ["Login", "Name", "Role", "PACER Acct"]
    path = write_csv(tmp_path / "c.csv", header, [["jdoe", "Doe, John", "staff", "0733745"],
                                                  ["asmith", "Smith, Ann", "staff", "2095813"]])
    raw = read_table(path, COURT_ACCOUNTS)
    assert "pacer_username" not in raw.headers and "PACER Acct" in raw.unknown_columns
    assert any(i["code"] == "column-values" and "7-digit" in i["reason"] for i in raw.header_issues)


def test_role_read_from_the_column_whose_values_are_roles(tmp_path):
    header = ["Login", "Name", "Account Type", "Role"]
    path = write_csv(tmp_path / "c.csv", header, [["jdoe", "Doe, John", "Legacy PACER Account", "Attorney"],
                                                  ["asmith", "Smith, Ann", "Upgraded PACER Account", "Staff"]])
    raw = read_table(path, COURT_ACCOUNTS)
    assert raw.headers["filer_role"] == "Role"


def test_an_undecided_header_is_asked_about_not_guessed(tmp_path):
    """"Account" in a PACER list whose cells are blank could be either column: the audit stops with
    one line naming the file, the header and its candidates, and --map settles it."""
    header = ["Account", "Holder", "Account Type"]
    path = write_csv(tmp_path / "pacer.csv", header, [["", "John Doe", "Individual"], ["", "Ann Smith", "Individual"]])
    out = tmp_path / "r.xlsx"
    proc = run_cli("audit", "--pacer-accounts", path, "--out", out, "--no-history", "--as-of", "2026-11-30")
    assert proc.returncode == 2 and not out.exists()
    line = proc.stderr.strip()
    assert len(line.splitlines()) == 1
    assert "pacer.csv" in line and "'Account'" in line and "pacer_username or account_number" in line
    assert '--map "Account=pacer_username"' in line
    path = write_csv(tmp_path / "pacer.csv", header, [["jdoe01", "John Doe", "Individual"], ["", "Ann Smith", "Individual"]])
    proc = run_cli("validate", path, "--map", "Account=PACER username")   # the user's word is kept
    assert proc.returncode == 0, proc.stdout
    assert "Account -> PACER username" in proc.stdout


def test_map_names_a_header_nothing_recognises(tmp_path):
    header = ["Login", "Name", "Role", "Zugang"]
    path = write_csv(tmp_path / "c.csv", header, [["jdoe", "Doe, John", "Attorney", "jdoe01"]])
    proc = run_cli("validate", path, "--court", "ncmb", "--map", "zugang=PACER username")
    assert proc.returncode == 0, proc.stderr
    assert "Zugang -> PACER username" in proc.stdout
    proc = run_cli("validate", path, "--map", "Zugang=nothing_like_it")
    assert proc.returncode == 2 and "is no column" in proc.stderr


def test_validate_guesses_a_court_export_with_split_names(tmp_path):
    """Login, Last Name, First Name, ..., PACER Username: a court export, not a PACER list whose
    username is the Login."""
    header = ["Login", "Last Name", "First Name", "Bar ID", "Email", "PACER Username", "Role", "Status", "Firm"]
    path = write_csv(tmp_path / "export.csv", header, [["jdoe", "Doe", "John", "NC123", "j@doelaw.com", "jdoe01",
                                                        "Attorney", "Active", "Doe LLP"]])
    proc = run_cli("validate", path, "--court", "ncmb")
    assert proc.returncode == 0, proc.stderr
    first, columns = proc.stdout.splitlines()[:2]
    assert "court filer accounts" in first
    assert "Login -> CM/ECF login" in columns and "PACER Username -> PACER username" in columns


def test_notes_sheet_first_and_table_not_at_a1(tmp_path):
    import openpyxl

    wb = openpyxl.Workbook()
    wb.active.title = "Read me"
    wb.active["B2"] = "This export lists the filers of the court."
    ws = wb.create_sheet("Filers")
    ws["C5"], ws["D5"], ws["E5"], ws["F5"] = "User Login", "Attorney Name", "Type", "PACER Acct"
    ws["C6"], ws["D6"], ws["E6"], ws["F6"] = "jdoe", "Doe, John", "Attorney", "jdoe01"
    ws["C8"] = "Report generated 11/30/2026"
    wb.save(tmp_path / "f.xlsx")
    raw = read_table(tmp_path / "f.xlsx", COURT_ACCOUNTS)
    assert raw.sheet == "Filers" and raw.headers["pacer_username"] == "PACER Acct"
    assert len(raw.frame) == 1 and [i["code"] for i in raw.header_issues] == ["footer-row"]


def test_utf16_without_bom(tmp_path):
    text = "Login\tName\tRole\njdoe\tDoe, John\tAttorney\n"
    (tmp_path / "f.txt").write_bytes(text.encode("utf-16-le"))
    raw = read_table(tmp_path / "f.txt", COURT_ACCOUNTS)
    assert raw.encoding == "utf-16-le" and raw.frame.loc[2, "filer_name"] == "Doe, John"


def test_write_xlsx_helper_kept(tmp_path):
    # a workbook whose only sheet has a title row still reads as before
    path = write_xlsx(tmp_path / "r.xlsx", ["Firm", "Name", "Position"], [["Doe LLP", "John Doe", "Attorney"]],
                      title="Staff")
    raw = read_table(path, ROSTER)
    assert raw.headers["person_name"] == "Name"

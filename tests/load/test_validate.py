"""Validating loaded inputs: typed records, defaults, and data issues a clerk can act on."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from auditor import columns as C
from auditor.errors import InputError
from auditor.load.table import Limits
from auditor.model import DATA_ISSUE_CODES, DATA_ISSUE_COLUMNS
from auditor.api import load_input

KNOWN = {"ncmb": "ncmb", "ncmbk": "ncmb", "ncwb": "ncwb", "ncwbk": "ncwb"}


def write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


COURT_CSV = (
    "Court,CM/ECF Login,Name,Filer Type,Bar Number,Email,Firm,PACER Login,Status,Linked,Last Filed\n"
    "NCMBK,jdoe,\"Doe, John\",Atty,00412345,JD@Example.COM,Smith & Jones,jdoe1,,2021-03-04,45000\n"   # 2
    "ncmb,asmith,\"Smith, Ann\",Limited Filer,,not-an-email,Smith & Jones,,Frozen,03/04/2021,\n"     # 3
    "\n"                                                                                              # 4
    "ncmb,,Bob,staff,,,Acme,,,4/5/21,\n"                                                              # 5
    "xyz,carl,Carl,wizard,,,Acme,,,,\n"                                                               # 6
    "ncwb,dan,Dan,ATTORNEY ,,,,,inactive,2021/12/31,yesterday\n"                                      # 7
    "ncmb,#N/A,Eve,staff,,,,,,,\n"                                                                    # 8
)


@pytest.fixture
def court_table(tmp_path):
    return load_input(write(tmp_path, "ncmb.csv", COURT_CSV), "court_accounts", known_courts=KNOWN)


def _issue(table, row, column):
    got = table.issues[(table.issues["row"] == row) & (table.issues["column"] == column)]
    assert len(got) == 1, table.issues.to_string()
    return got.iloc[0]


def test_records_typed_with_every_canonical_column(court_table):
    r = court_table.records
    for col in C.columns("court_accounts"):
        assert col.name in r.columns
        if col.dtype == C.DATE:
            assert str(r[col.name].dtype) == "datetime64[ns]"
        else:
            assert r[col.name].dtype == pd.StringDtype("pyarrow")
    assert list(r["_row"]) == [2, 3, 6, 7]   # row 6: unknown role, audited as other
    assert set(r["_file"]) == {"ncmb.csv"} and set(r["_kind"]) == {"court_accounts"}
    assert set(r["_sheet"]) == {""}


def test_records_of_several_files_keep_each_row_s_file_and_a_byte_per_row_for_it(tmp_path):
    """Each record still names its own file and row when the files of a kind are put together, and
    the file names stay categories (held once, not once per row)."""
    from auditor.validate.records import concat_records

    a = load_input(write(tmp_path, "a.csv", "Court,Login,Name,Role\nncmb,x,X Y,staff\nncmb,y,Y Z,staff\n"),
                   "court_accounts")
    b = load_input(write(tmp_path, "b.csv", "Name,Login,Court,Role\nZ Q,z,ncmb,staff\n"), "court_accounts")
    both = concat_records([a.records, b.records])
    assert list(both.columns) == list(a.records.columns)
    assert list(zip(both["_file"], both["_row"], both["cmecf_login"])) == [("a.csv", 2, "x"), ("a.csv", 3, "y"),
                                                                           ("b.csv", 2, "z")]
    assert isinstance(both["_file"].dtype, pd.CategoricalDtype) and both["_file"].cat.codes.dtype.itemsize == 1
    assert list(both["_sheet"]) == ["", "", ""] and set(both["_kind"]) == {"court_accounts"}


def test_values_coerced(court_table):
    r = court_table.records.set_index("_row")
    assert r.loc[2, "court_id"] == "ncmb"           # PACER's NCMBK mapped through the calendar
    assert r.loc[2, "filer_role"] == "attorney"
    assert r.loc[3, "filer_role"] == "limited_filer"
    assert r.loc[7, "filer_role"] == "attorney"
    assert r.loc[2, "bar_id"] == "00412345"
    assert r.loc[2, "email"] == "jd@example.com"
    assert pd.isna(r.loc[3, "email"])
    assert r.loc[2, "linked_on"] == pd.Timestamp("2021-03-04")
    assert r.loc[3, "linked_on"] == pd.Timestamp("2021-03-04")
    assert r.loc[7, "linked_on"] == pd.Timestamp("2021-12-31")
    assert r.loc[2, "last_filed_on"] == pd.Timestamp("2023-03-15")   # Excel serial 45000
    assert r.loc[2, "account_status"] == "active"    # blank -> default
    assert pd.isna(r.loc[3, "account_status"])       # "Frozen" not understood: unknown, never assumed active
    assert r.loc[7, "account_status"] == "inactive"


def test_date_times_with_and_without_a_zone_in_one_column(tmp_path):
    """A zone (Z, -05:00, +01:00) puts the moment in UTC; a date-time without one is read as written.
    One column may mix them (an export merged from two systems): each cell is read, none refused."""
    csv = ("Court,CM/ECF Login,Name,Filer Type,Last Filed\n"
           "ncmb,a,A A,Attorney,2024-01-05T23:00:00-05:00\n"   # 04:00 on the 6th in UTC
           "ncmb,b,B B,Attorney,2024-01-06T10:00:00+01:00\n"
           "ncmb,c,C C,Attorney,2024-01-07T10:00Z\n"
           "ncmb,d,D D,Attorney,2024-01-08T23:30\n"
           "ncmb,e,E E,Attorney,2024-01-09 08:15:00\n")
    table = load_input(write(tmp_path, "mixed.csv", csv), "court_accounts", known_courts=KNOWN)
    got = table.records.set_index("_row")["last_filed_on"]
    assert got.to_dict() == {2: pd.Timestamp("2024-01-06"), 3: pd.Timestamp("2024-01-06"), 4: pd.Timestamp("2024-01-07"),
                             5: pd.Timestamp("2024-01-08"), 6: pd.Timestamp("2024-01-09")}
    assert set(table.issues["code"]) == {"attorney-without-bar"}, table.issues.to_string()   # no date refused


def test_counts_add_up(court_table):
    t = court_table
    assert t.rows_read == 6
    assert t.rows_blank == 1
    assert t.rows_rejected == 2
    assert t.rows_read == t.rows_audited + t.rows_rejected


def test_issues_name_row_column_as_written_value_and_firm(court_table):
    issues = court_table.issues
    assert list(issues.columns) == DATA_ISSUE_COLUMNS
    assert set(issues["severity"]) <= {"rejected", "warning"}

    blank = _issue(court_table, 5, "CM/ECF Login")
    assert blank["severity"] == "rejected" and blank["reason"].startswith("cmecf_login is blank")
    assert blank["firm_name"] == "Acme" and blank["file"] == "ncmb.csv" and blank["code"] == "blank-required"

    role = _issue(court_table, 6, "Filer Type")
    assert role["severity"] == "warning" and role["value"] == "wizard" and role["code"] == "unknown-role"
    assert "attorney" in role["reason"] and "limited_filer" in role["reason"]
    assert "audited with the role other" in role["reason"]
    assert court_table.records.set_index("_row").loc[6, "filer_role"] == "other"

    court = _issue(court_table, 6, "Court")
    assert court["severity"] == "warning" and court["code"] == "unknown-court"
    assert court["reason"].startswith("unknown court id 'xyz'")

    status = _issue(court_table, 3, "Status")
    assert status["severity"] == "warning" and status["value"] == "Frozen" and status["code"] == "unknown-category"

    email = _issue(court_table, 3, "Email")
    assert email["severity"] == "warning" and email["value"] == "not-an-email" and email["code"] == "bad-email"

    date = _issue(court_table, 7, "Last Filed")
    assert date["severity"] == "warning" and date["value"] == "yesterday" and date["code"] == "bad-date"

    bar = _issue(court_table, 7, "Bar Number")
    assert bar["severity"] == "warning" and "attorney without bar id" in bar["reason"]

    err = _issue(court_table, 8, "CM/ECF Login")
    assert err["severity"] == "rejected" and err["value"] == "#N/A" and err["code"] == "excel-error"
    assert set(issues["code"]) <= set(DATA_ISSUE_CODES)


def test_row_with_several_problems_counted_once(tmp_path):
    p = write(tmp_path, "x.csv", "Login,Name,Role,Email,Linked\n,Someone,wizard,bad,never\n")
    t = load_input(p, "court_accounts", court="ncmb")
    assert len(t.issues) == 4
    assert t.rows_rejected == 1 and t.rows_audited == 0 and t.rows_read == 1


def test_court_option_fills_blank_and_missing_court(tmp_path):
    p = write(tmp_path, "c.csv", "Login,Name,Role\nx,X Y,staff\n")
    t = load_input(p, "court_accounts", court="NCWBK", known_courts=KNOWN)
    assert list(t.records["court_id"]) == ["ncwb"]
    t = load_input(p, "court_accounts", court="NCWB")
    assert list(t.records["court_id"]) == ["ncwb"]


def test_missing_required_column_names_the_aliases(tmp_path):
    p = write(tmp_path, "ncmb.csv", "Court,Name,Role\nncmb,X,staff\n")
    with pytest.raises(InputError) as exc:
        load_input(p, "court_accounts")
    msg = str(exc.value)
    assert msg.startswith("ncmb.csv: no column for cmecf_login (looked for: cmecf_login, cmecf login,")
    assert "found: Court, Name, Role" in msg


def test_missing_court_column_without_option(tmp_path):
    p = write(tmp_path, "c.csv", "Login,Name,Role\nx,X,staff\n")
    with pytest.raises(InputError, match="no column for court_id.*--court"):
        load_input(p, "court_accounts")


def test_unrecognised_header_hints_at_delimiter(tmp_path):
    p = write(tmp_path, "w.csv", "alpha,beta,gamma\n1,2,3\n")
    with pytest.raises(InputError, match="header row was not recognised.*delimiter"):
        load_input(p, "court_accounts", court="ncmb")


def test_header_only_audits_zero_rows(tmp_path):
    p = write(tmp_path, "h.csv", "Court,Login,Name,Role\n")
    t = load_input(p, "court_accounts")
    assert t.rows_read == 0 and t.rows_audited == 0 and len(t.issues) == 0


def test_roster_defaults_and_firm_option(tmp_path):
    p = write(tmp_path, "roster.csv",
              "Name,Position,Bar No,PACER Login,Usage,Left Firm,Firm\n"
              "Jane Roe,Partner,NC1,jroe,,,\n"
              "Pat Poe,Legal Assistant,,ppoe,,1/2/2024,Other LLP\n"
              "Sam Soe,associate,NC2,ssoe,view only,,\n")
    t = load_input(p, "roster", firm="Smith & Jones")
    r = t.records.set_index("_row")
    assert list(r["role"]) == ["attorney", "paralegal", "attorney"]
    assert list(r["pacer_use"]) == ["efiling", "research", "research"]
    assert list(r["firm_name"]) == ["Smith & Jones", "Other LLP", "Smith & Jones"]
    assert r.loc[3, "left_firm_on"] == pd.Timestamp("2024-01-02")
    assert t.rows_read == 3 and t.rows_rejected == 0


def test_roster_without_firm_column_or_option_refused(tmp_path):
    p = write(tmp_path, "roster.csv", "Name,Role\nJane,attorney\n")
    with pytest.raises(InputError, match="no column for firm_name.*--firm"):
        load_input(p, "roster")


def test_pacer_accounts_bools_and_dates(tmp_path):
    p = write(tmp_path, "pacer.csv",
              "PACER Username,Holder,Type,Upgraded,MFA,Created\n"
              "00123,Jane,Upgraded PACER Account,Y,yes,2013-05-01\n"
              "firm1,Smith LLP,Legacy firm account,no,maybe,5/1/13\n"
              "ann,Ann,individual,,,60\n")
    t = load_input(p, "pacer_accounts")
    r = t.records.set_index("_row")
    assert r.loc[2, "pacer_username"] == "00123"
    assert list(r["account_type"]) == ["individual", "shared", "individual"]
    assert r["upgraded"].dtype == "boolean"
    assert r.loc[2, "upgraded"] is True or r.loc[2, "upgraded"] == True  # noqa: E712
    assert r.loc[3, "upgraded"] == False  # noqa: E712
    assert pd.isna(r.loc[3, "mfa_enrolled"]) and pd.isna(r.loc[4, "upgraded"])
    assert r.loc[3, "created_on"] == pd.Timestamp("2013-05-01")
    assert pd.isna(r.loc[4, "created_on"])           # serial 60 is Excel's 29 Feb 1900
    assert _issue(t, 3, "MFA")["value"] == "maybe"
    assert _issue(t, 4, "Created")["severity"] == "warning"


def test_excel_serial_dates_around_1900_leap_bug(tmp_path):
    p = write(tmp_path, "p.csv", "PACER Login,Created\na,1\nb,59\nc,61\nd,45000.75\ne,2958466\n")
    t = load_input(p, "pacer_accounts")
    got = dict(zip(t.records["pacer_username"], t.records["created_on"]))
    assert got["a"] == pd.Timestamp("1900-01-01")
    assert got["b"] == pd.Timestamp("1900-02-28")
    assert got["c"] == pd.Timestamp("1900-03-01")
    assert got["d"] == pd.Timestamp("2023-03-15")
    assert pd.isna(got["e"])


def test_xlsx_end_to_end_rows_and_issues(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Accounts for ncmb"])
    ws.merge_cells("A1:E1")
    ws.append(["Court", "Login", "Name", "Role", "Linked", "Last Filed"])
    ws.append(["ncmb", 1001, "A B", "staff", 44000, "n/a"])
    ws.append([None] * 6)
    ws.append(["ncmb", "x2", "C D", "Attorney", None, None])
    p = tmp_path / "acc.xlsx"
    wb.save(p)
    t = load_input(p, "court_accounts")
    assert t.sheet == "Sheet"
    assert list(t.records["_row"]) == [3, 5]
    assert list(t.records["cmecf_login"]) == ["1001", "x2"]
    assert t.records["linked_on"].iloc[0] == pd.Timestamp("2020-06-18")
    assert t.rows_blank == 1 and t.rows_read == 2
    title = t.issues[t.issues["row"] == 1].iloc[0]
    assert title["reason"] == "title row above the header, not audited" and title["sheet"] == "Sheet"
    assert _issue(t, 3, "Last Filed")["value"] == "n/a"
    assert _issue(t, 5, "bar_id")["severity"] == "warning"


def test_long_cell_row_rejected(tmp_path):
    p = write(tmp_path, "l.csv", "Court,Login,Name,Role\nncmb,x," + "é" * 40 + ",staff\nncmb,y,Y,staff\n")
    t = load_input(p, "court_accounts", limits=Limits(max_cell_chars=30))
    assert t.rows_read == 2 and t.rows_rejected == 1 and list(t.records["_row"]) == [3]
    assert _issue(t, 2, "Name")["severity"] == "rejected"


def test_duplicate_header_issue_reaches_table(tmp_path):
    p = write(tmp_path, "d.csv", "Court,Login,Name,Role,PACER Login,PACER ID\nncmb,x,X,staff,a,b\n")
    t = load_input(p, "court_accounts")
    assert list(t.records["pacer_username"]) == ["a"]
    assert "PACER ID (column F)" in t.unknown_columns
    dup = t.issues[t.issues["reason"].str.contains("duplicate")]
    assert len(dup) == 1 and dup.iloc[0]["severity"] == "warning"


def test_large_file_loads_every_row(tmp_path):
    n = 50_000
    body = "".join(f"ncmb,user{i},Name {i},{'Atty' if i % 2 else 'staff'},NC{i},u{i}@x.com,,p{i},,{'2021-03-04' if i % 3 else '45000'},\n"
                   for i in range(n))
    p = write(tmp_path, "big.csv", COURT_CSV.splitlines()[0] + "\n" + body)
    t = load_input(p, "court_accounts", known_courts=KNOWN)
    assert t.rows_read == n and t.rows_audited == n
    assert t.records["_row"].iloc[-1] == n + 1


def test_name_in_separate_last_first_columns(tmp_path):
    p = write(tmp_path, "split.csv",
              "Court,Login,Last Name,First Name,MI,Role\n"
              "ncmb,jsmith,Smith,John,A,Attorney\n"
              "ncmb,cher,,Cher,,Attorney\n"
              "ncmb,nobody,,,,Attorney\n")
    t = load_input(p, "court_accounts", known_courts=KNOWN)
    r = t.records.set_index("_row")
    assert r.loc[2, "filer_name"] == "Smith, John A"
    assert r.loc[3, "filer_name"] == "Cher"
    assert t.rows_rejected == 1  # no name at all: the required name is blank
    issue = t.issues[t.issues["row"] == 4].iloc[0]
    assert issue["column"] == "Last Name + First Name + MI"
    assert "Last Name" not in t.unknown_columns and "MI" not in t.unknown_columns


def test_pacer_account_type_as_pacer_shows_it_fills_upgraded(tmp_path):
    p = write(tmp_path, "pacer.csv",
              "PACER Username,Account Type,Upgraded\n"
              "jd4821,Legacy PACER Account,\n"
              "jdoe2020,Upgraded PACER Account,\n"
              "lp1234,Legacy PACER Account (Upgrade),\n"
              "ab1234,Legacy PACER Account,yes\n"
              "firmpaa1,PAA,\n")
    r = load_input(p, "pacer_accounts").records.set_index("pacer_username")
    assert r.loc["jd4821", "account_type"] == "individual" and r.loc["jd4821", "upgraded"] == False  # noqa: E712
    assert r.loc["jdoe2020", "upgraded"] == True  # noqa: E712
    assert r.loc["lp1234", "upgraded"] == False  # noqa: E712
    assert r.loc["ab1234", "upgraded"] == True  # noqa: E712  (the upgraded column, when given, wins)
    assert pd.isna(r.loc["firmpaa1", "upgraded"])

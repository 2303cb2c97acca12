"""End to end: real export files through the real `auditor audit`, the workbook read back.

One court export (XLSX with a merged title row and alias headers), two firm
rosters (CSV and XLSX) and a PACER account list, each planting one problem
per rule beside a look-alike that must not fire.
"""

from __future__ import annotations

import datetime as dt
import zipfile

import openpyxl
import pytest

from conftest import all_text, run_cli, run_process, sheet_rows, write_csv, write_xlsx

COURT_HEADER = ["Court", "CM/ECF Login", "Filer Name", "Filer Type", "Bar Number", "E-mail", "Law Firm",
                "PACER Login", "Status", "Linked On", "Last Filed"]
COURT_ROWS = [
    # row 3 (title row 1, header row 2): two attorneys share one PACER account
    ["ncmb", "jsmith", "Smith, John A.", "Atty", "NC12345", "JS@SJ.COM", "Smith & Jones, LLP", "sjshared01",
     "Active", "2020-05-01", "2026-10-01"],
    ["ncmb", "jroe", "Roe, Jane", "Attorney", "NC22222", "jr@sj.com", "Smith & Jones, LLP", "sjshared01",
     "Active", "05/02/2020", "2026-10-02"],
    # row 5: legacy username
    ["ncwb", "kwhite", "White, Kim", "Attorney", "NC33333", "", "Brown PC", "kw4821", "Active", 43952, ""],
    # row 6: unlinked, with a login that cannot be linked
    ["ncmb", "bob&co", "Bob Brown", "Attorney", "NC44444", "", "Brown PC", "", "Active", "", ""],
    # row 7: unlinked but inactive: no finding
    ["ncmb", "oldtimer", "Old Timer", "Attorney", "NC55555", "", "Brown PC", "", "Inactive", "", ""],
    # rows 8-9: one bar id, two active accounts at one court; bar id with leading zeros kept
    ["ncmb", "aduo1", "Duo, Ann", "Attorney", "00412345", "", "Solo Law", "annduo2020", "Active", "", ""],
    ["ncmb", "aduo2", "Ann Duo", "Attorney", "00412345", "", "Solo Law", "annduo2021", "Active", "", ""],
    # row 10: formula-looking name, unlinked
    ["ncmb", "evil", '=HYPERLINK("http://x","y")', "Pro Se", "", "", "", "", "Active", "", ""],
    # row 11: a PAA used as a login
    ["ncmb", "cpaa", "Carl Paa", "Creditor", "", "", "Smith & Jones, LLP", "sjpaa2010", "Active", "", ""],
    # row 12: the same person as row 3, written the other way, at another court: not shared with row 3
    ["ncwb", "jsmith", "John Smith", "Attorney", "NC12345", "", "Smith & Jones, LLP", "sjshared01", "Active",
     "", ""],
    # row 13: holder of the PACER account is someone else
    ["ncwb", "mgray", "Gray, Mary", "Attorney", "NC66666", "", "Gray LLC", "tomblack1", "Active", "", ""],
]
ROSTER_A_HEADER = ["Name", "Position", "Bar #", "PACER User Name", "PACER Use", "PAA", "Left Firm", "Courts"]
ROSTER_A = [
    ["John Smith", "Partner", "NC12345", "sjshared01", "efiling", "sjpaa2010", "", "ncmb;ncwb"],   # row 2
    ["Pat Para", "Paralegal", "", "sjlibrary1", "research", "", "", ""],                           # row 3
    ["Sam Staff", "Staff", "", "sjlibrary1", "Research only", "", "", ""],                         # row 4
    ["Gone Person", "Attorney", "NC99999", "gone2019x", "efiling", "sjpaa2010", "2025-03-01", ""],  # row 5
    ["Left Clean", "Attorney", "NC88888", "left2019x", "efiling", "", "03/01/2025", ""],           # row 6
    ["New Atty", "Associate", "NC77777", "", "", "", "", "ncmb"],                                  # row 7
]
PACER_HEADER = ["PACER Username", "Account Holder", "Account Type", "Upgraded", "PAA ID", "Account Number",
                "Email", "MFA Enrolled", "Case Search Status"]
PACER_ROWS = [
    ["sjpaa2010", "Smith & Jones", "PAA", "No", "", "0012345", "admin@sj.com", "", "Active"],
    ["sjshared01", "John Smith", "Individual", "Yes", "sjpaa2010", "0012346", "js@sj.com", "No", "Active"],
    ["kw4821", "Kim White", "Individual", "No", "", "0012347", "kw@brown.com", "Yes", "Active"],
    ["tomblack1", "Tom Black", "Individual", "Yes", "", "0012348", "tb@x.com", "Yes", "Active"],
    ["annduo2020", "Ann Duo", "Individual", "Yes", "", "0012349", "ann+court@duo.com", "Yes", "Active"],
    ["annduo2021", "Ann Duo", "Individual", "Yes", "", "0012350", "ann@duo.com", "Yes", "Inactive"],
]


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    d = tmp_path_factory.mktemp("inputs")
    court = write_xlsx(d / "ncmb-export.xlsx", COURT_HEADER, COURT_ROWS, title="CM/ECF filer accounts, Nov 2026")
    roster_a = write_csv(d / "smith.csv", ROSTER_A_HEADER, ROSTER_A)
    roster_b = write_xlsx(d / "brown.xlsx", ["Firm", "Person", "Role", "Bar Number", "PACER ID"],
                          [["Brown PC", "Kim White", "Attorney", "NC33333", "kw4821"]])
    pacer = write_csv(d / "pacer.csv", PACER_HEADER, PACER_ROWS, delimiter=";")
    return {"court": court, "roster_a": roster_a, "roster_b": roster_b, "pacer": pacer, "dir": d}


@pytest.fixture(scope="module")
def report(inputs):
    out = inputs["dir"] / "report.xlsx"
    proc = run_cli("audit", "--court-accounts", inputs["court"], "--roster", inputs["roster_a"],
                   "--roster", inputs["roster_b"], "--pacer-accounts", inputs["pacer"], "--firm",
                   "Smith & Jones, LLP", "--as-of", "2026-11-30", "--out", out)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    return out


def findings(report):
    return sheet_rows(report, "Findings")


def fired(report, rule_id):
    return [f for f in findings(report) if f["rule_id"] == rule_id]


def test_workbook_has_the_sheets_and_columns(report):
    wb = openpyxl.load_workbook(report)
    assert wb.sheetnames[:4] == ["Summary", "Findings", "Data issues", "Rules"]
    assert wb.sheetnames[4:] == ["Changes", "Trend"]  # recorded in the default history beside the report
    header = [c.value for c in wb["Findings"][1]]
    for col in ["Finding ID", "Rule", "Severity", "Problem", "Court", "Firm", "Person", "E-mail", "Bar ID",
                "CM/ECF login", "PACER username", "Evidence", "What to do", "Who acts", "Due date", "Status",
                "Notes", "Accepted until", "First seen", "Last seen", "Source (file, row)", "Related findings"]:
        assert col in header
    assert header[:3] == ["Severity", "Person", "Firm"]  # who and how severe at the left (and on paper)
    assert header.index("Evidence") < 10   # first after what prints
    assert wb["Findings"].tables, "Findings must be an Excel table"


def test_shared_filing_account_one_finding_per_person(report):
    hits = fired(report, "shared-filing-account")
    people = sorted((h["person_name"], h["source"]) for h in hits)
    assert [p for p, _ in people] == ["John Smith", "John Smith", "Roe, Jane", "Smith, John A."]
    assert all("2 different people" in h["evidence"] for h in hits)
    assert {h["source"] for h in hits} >= {"ncmb-export.xlsx, sheet Accounts, row 3", "smith.csv, row 2"}


def test_research_only_sharing_is_info_not_a_violation(report):
    research = fired(report, "shared-research-account")
    assert sorted(h["person_name"] for h in research) == ["Pat Para", "Sam Staff"]
    assert all(h["severity"] == "info" for h in research)
    assert not [h for h in fired(report, "shared-filing-account") if h["pacer_username"] == "sjlibrary1"]


def test_legacy_username(report):
    assert {(h["pacer_username"], h["source"].split(",")[0]) for h in fired(report, "legacy-username")} == {
        ("kw4821", "ncmb-export.xlsx"), ("kw4821", "brown.xlsx")}


def test_unlinked_and_special_characters(report):
    assert sorted(h["cmecf_login"] for h in fired(report, "unlinked-filing-account")) == ["bob&co", "evil"]
    assert [h["cmecf_login"] for h in fired(report, "login-has-special-characters")] == ["bob&co"]


def test_duplicate_filing_accounts_keeps_leading_zeros(report):
    hits = fired(report, "duplicate-filing-accounts")
    assert sorted(h["cmecf_login"] for h in hits) == ["aduo1", "aduo2"]
    assert {h["bar_id"] for h in hits} == {"00412345"}


def test_paa_rules(report):
    assert [h["cmecf_login"] for h in fired(report, "paa-used-as-login")] == ["cpaa"]
    assert [h["pacer_username"] for h in fired(report, "paa-not-upgraded")] == ["sjpaa2010"]


def test_departed_still_linked_only_with_paa(report):
    assert [h["person_name"] for h in fired(report, "departed-still-linked")] == ["Gone Person"]


def test_attorney_without_pacer_account(report):
    hits = fired(report, "attorney-without-pacer-account")
    assert [h["person_name"] for h in hits] == ["New Atty"]
    assert hits[0]["firm_name"] == "Smith & Jones, LLP"  # from --firm


def test_holder_name_mismatch_but_not_for_name_variants(report):
    hits = fired(report, "holder-name-mismatch")
    assert ("Gray, Mary", "tomblack1") in {(h["person_name"], h["pacer_username"]) for h in hits}
    assert not [h for h in hits if h["person_name"] in ("Smith, John A.", "John Smith")]


def test_mfa_and_duplicate_pacer_accounts(report):
    assert [h["pacer_username"] for h in fired(report, "mfa-not-enrolled")] == ["sjshared01"]
    dup = fired(report, "duplicate-pacer-accounts")   # one person's two accounts: one finding, naming both
    assert [h["pacer_username"] for h in dup] == ["annduo2020"] and "annduo2020, annduo2021" in dup[0]["evidence"]
    assert [h["pacer_username"] for h in fired(report, "search-status-inactive")] == ["annduo2021"]


def test_formula_looking_input_is_text(report):
    wb = openpyxl.load_workbook(report)
    cells = [c for row in wb["Findings"].iter_rows() for c in row if c.value == '=HYPERLINK("http://x","y")']
    assert cells and all(c.data_type == "s" for c in cells)
    assert all(c.quotePrefix for c in cells)  # stays text even when a clerk edits the cell
    plain = [c for row in wb["Findings"].iter_rows(min_row=2) for c in row if c.value == "Roe, Jane"]
    assert plain and not any(c.quotePrefix for c in plain)
    with zipfile.ZipFile(report) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"<f>" not in z.read(name) and b"<f " not in z.read(name)


def test_finding_ids_are_stable_and_unique(report, inputs, tmp_path):
    first = {(f["rule_id"], f["source"]): f["finding_id"] for f in findings(report)}
    assert len(set(first.values())) == len(first)
    again = tmp_path / "again.xlsx"
    proc = run_cli("audit", "--court-accounts", inputs["court"], "--roster", inputs["roster_a"],
                   "--roster", inputs["roster_b"], "--pacer-accounts", inputs["pacer"], "--firm",
                   "Smith & Jones, LLP", "--as-of", "2026-12-31", "--out", again, "--no-history")
    assert proc.returncode == 0, proc.stderr
    second = {(f["rule_id"], f["source"]): f["finding_id"] for f in findings(again)}
    assert first == second


def test_due_dates_and_status(report):
    for f in findings(report):
        assert f["status"] == "Open"
        assert f["first_seen"] == dt.datetime(2026, 11, 30)
        if f["severity"] == "high":
            assert f["due_date"] == dt.datetime(2026, 12, 14)


def test_row_accounting_on_summary(report):
    text = all_text(report, "Summary")
    for name in ("ncmb-export.xlsx", "smith.csv", "brown.xlsx", "pacer.csv"):
        assert name in text
    assert "SHA-256" in text or "sha256" in text.lower()


def test_rules_sheet_lists_every_rule(report):
    rows = sheet_rows(report, "Rules")
    ids = {r.get("id") or r.get("rule_id") for r in rows}
    assert {"shared-filing-account", "legacy-username", "mfa-not-enrolled"} <= ids


def test_roster_alone_is_a_complete_audit_and_reports_rules_not_run(inputs, tmp_path):
    out = tmp_path / "firm.xlsx"
    proc = run_cli("audit", "--roster", inputs["roster_a"], "--firm", "Smith & Jones, LLP", "--as-of",
                   "2026-11-30", "--out", out)
    assert proc.returncode == 0, proc.stderr
    rules = {(r.get("id") or r.get("rule_id")): r for r in sheet_rows(out, "Rules")}
    not_run = rules["mfa-not-enrolled"]
    assert str(not_run.get("ran")).lower() in ("no", "false")
    assert "PACER accounts" in str(not_run.get("notes"))
    assert [h["person_name"] for h in fired(out, "attorney-without-pacer-account")] == ["New Atty"]


def test_fail_on_exit_code(inputs, tmp_path):
    base = ["audit", "--roster", inputs["roster_a"], "--firm", "S&J", "--as-of", "2026-11-30",
            "--out", tmp_path / "r.xlsx"]
    assert run_cli(*base, "--fail-on", "high").returncode == 1
    assert run_cli(*base, "--fail-on", "info").returncode == 1
    clean = write_csv(tmp_path / "clean.csv", ["Firm", "Name", "Role", "Bar", "PACER Login"],
                      [["S&J", "Ok Person", "Attorney", "NC1", "okperson1"]])
    ok = run_cli("audit", "--roster", clean, "--as-of", "2026-11-30", "--fail-on", "low", "--out",
                 tmp_path / "c.xlsx")
    assert ok.returncode == 0, ok.stderr


def test_the_installed_script_gives_the_shell_its_exit_codes(inputs, tmp_path):
    """The same exit codes from the installed `auditor` script in a process of its own, as a shell or a
    scheduled task sees them: 1 for findings at --fail-on (the report written), 2 with one line for bad
    usage (0 for a run that ends well: the signal and commit tests under tests/outputs)."""
    found = run_process("audit", "--roster", inputs["roster_a"], "--firm", "S&J", "--as-of", "2026-11-30",
                        "--fail-on", "high", "--out", tmp_path / "r.xlsx")
    assert found.returncode == 1 and (tmp_path / "r.xlsx").is_file(), found.stderr
    bad = run_process("audit", "--roster", "does-not-exist.csv", "--out", "x.xlsx", cwd=tmp_path)
    assert bad.returncode == 2 and "does-not-exist.csv" in bad.stderr and "Traceback" not in bad.stderr
    assert bad.stderr.count("\n") == 1 and not (tmp_path / "x.xlsx").exists()


@pytest.mark.parametrize("args, message", [
    (["audit", "--out", "x.xlsx"], "at least one input"),
    (["audit", "--roster", "does-not-exist.csv", "--out", "x.xlsx"], "does-not-exist.csv"),
    (["audit", "--roster", "{roster}", "--as-of", "30/11/2026", "--out", "x.xlsx"], "YYYY-MM-DD"),
    (["rules", "no-such-rule"], "no-such-rule"),
])
def test_usage_errors_exit_2_with_one_line(inputs, tmp_path, args, message):
    args = [str(a).replace("{roster}", str(inputs["roster_a"])) for a in args]
    proc = run_cli(*args, cwd=tmp_path)
    assert proc.returncode == 2
    assert message in proc.stderr
    assert "Traceback" not in proc.stderr


def test_missing_required_column_names_column_and_aliases(tmp_path):
    bad = write_csv(tmp_path / "court.csv", ["Court", "Filer Name", "Role"], [["ncmb", "A B", "Attorney"]])
    proc = run_cli("audit", "--court-accounts", bad, "--out", tmp_path / "r.xlsx")
    assert proc.returncode == 2
    assert "court.csv" in proc.stderr and "cmecf_login" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "r.xlsx").exists()


def test_split_by_firm_gives_each_firm_its_own_rows_only(inputs, tmp_path):
    out = tmp_path / "court.xlsx"
    proc = run_cli("audit", "--court-accounts", inputs["court"], "--roster", inputs["roster_a"],
                   "--roster", inputs["roster_b"], "--pacer-accounts", inputs["pacer"], "--firm",
                   "Smith & Jones, LLP", "--as-of", "2026-11-30", "--split-by-firm", "--progress", "--out", out)
    assert proc.returncode == 0, proc.stderr
    folder = tmp_path / "court-firms"
    books = len(list(folder.glob("*.xlsx")))
    assert f"firm workbooks: 0 of {books}" in proc.stderr and f"firm workbooks: {books} of {books}" in proc.stderr
    assert f"firm workbooks: {len(list(folder.glob('*.xlsx')))} in {folder}" in proc.stdout
    # the report line, the firm workbooks line and the history line, not one line per firm
    lines = proc.stdout.splitlines()
    assert len(lines) == 3 and lines[1].startswith("firm workbooks: ") and lines[2].startswith("history: run 1 of ")
    names = {p.name for p in folder.glob("*.xlsx")}
    assert {"Smith & Jones, LLP.xlsx", "Brown PC.xlsx"} <= names, names
    index = (folder / "index.csv").read_text(encoding="utf-8")
    assert "Brown PC,Brown PC.xlsx," in index
    brown = folder / "Brown PC.xlsx"
    text = "\n".join(all_text(brown, s) for s in openpyxl.load_workbook(brown, read_only=True).sheetnames)
    assert "White, Kim" in text
    for outsider in ("Roe, Jane", "Smith, John", "Gone Person", "smith.csv", "Gray, Mary"):
        assert outsider not in text
    # the court's own report names the PACER account's holder; the firm's copy does not
    master = all_text(out, "Findings")
    assert "gives Tom Black as the holder of PACER username tomblack1" in master
    gray = folder / "Gray LLC.xlsx"
    gray_text = "\n".join(all_text(gray, s) for s in openpyxl.load_workbook(gray, read_only=True).sheetnames)
    assert "Gray, Mary" in gray_text and "tomblack1" in gray_text and "Tom Black" not in gray_text
    assert "gives (a person outside this firm) as the holder" in gray_text


def test_out_must_be_xlsx_before_anything_is_read(inputs, tmp_path):
    proc = run_cli("audit", "--roster", inputs["roster_a"], "--firm", "S&J", "--out", tmp_path / "r.csv")
    assert proc.returncode == 2 and ".xlsx" in proc.stderr

"""The Excel report, read back the way a user (or a user's script) sees it."""

from __future__ import annotations

import csv
import datetime as dt
import subprocess
import zipfile

import openpyxl
import pandas as pd
import pytest

from auditor import api
from conftest import sheet_rows
from auditor.model import DATA_ISSUE_COLUMNS, FINDING_COLUMNS, FINDING_DATE_COLUMNS, STATUSES, AuditResult, InputTable, RuleRun
from auditor.report.workbook import write_report
from auditor.report.format import FINDING_LAYOUT, SEVERITY_FILLS

HEADERS = [c.header for c in FINDING_LAYOUT]
IDS = [c.id for c in FINDING_LAYOUT]


def col(name: str) -> int:
    """1-based column of a Findings column id."""
    return IDS.index(name) + 1


def ix(name: str) -> int:
    """0-based position of a Findings column id in a row tuple."""
    return IDS.index(name)

DANGEROUS = ['=HYPERLINK("http://x","y")', "+1-555", "@SUM(A1)", "-2+3", "\t=1+1", "\r=1+1", "#N/A", "=1"]
# XML reads a carriage return back as a line feed: the cell still holds that text, never a formula
READ_BACK = {v.replace("\r", "\n") for v in DANGEROUS}


def finding(i: int, **kw) -> dict:
    row = dict.fromkeys(FINDING_COLUMNS)
    row.update(
        finding_id=f"F{i:05d}", rule_id="legacy-username", severity="medium", title="Legacy PACER username",
        court_id="ncmb", firm_name="Smith & Jones, LLP", person_name=f"Person {i}", bar_id=f"NC{i:05d}",
        cmecf_login=f"login{i}", pacer_username=f"pu{i}", evidence="username has 6 characters",
        remediation="Upgrade the PACER account.", owner="filer", due_date=dt.date(2026, 2, 1),
        status="Open", first_seen=dt.date(2026, 1, 1), source=f"accounts.csv row {i + 2}",
    )
    row.update(kw)
    return row


def findings_frame(rows: list[dict]) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=FINDING_COLUMNS)
    for c in FINDING_COLUMNS:
        if c in FINDING_DATE_COLUMNS:
            df[c] = pd.to_datetime(df[c])
        else:
            df[c] = df[c].astype("string")
    return df


def issues_frame(rows: list[dict]) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=DATA_ISSUE_COLUMNS)
    for c in DATA_ISSUE_COLUMNS:
        df[c] = df[c].astype("Int64") if c == "row" else df[c].astype("string")
    return df


def input_table(name: str, kind: str, read: int, audited: int, rejected: int, **kw) -> InputTable:
    return InputTable(
        path=f"/home/clerk/private/{name}", name=name, kind=kind, sheet=kw.pop("sheet", ""),
        sha256=(name.encode().hex() * 64)[:64], rows_read=read, records=pd.DataFrame(index=range(audited)),
        rows_rejected=rejected, issues=issues_frame([]), **kw,
    )


def rule(rid: str, severity: str = "medium", n: int = 0, **kw) -> RuleRun:
    base = dict(id=rid, title=rid.replace("-", " ").capitalize(), severity=severity, enabled=True, ran=True,
                reason="", findings=n, source="PACER NextGen FAQ", owner="filer", applies_to=["court_accounts"],
                origin="/opt/auditor/rules/builtin.yaml")
    base.update(kw)
    return RuleRun(**base)


def make_result(findings: pd.DataFrame, issues: pd.DataFrame | None = None, inputs=None, **kw) -> AuditResult:
    if issues is None:
        issues = issues_frame([])
    if inputs is None:
        inputs = [input_table("accounts.csv", "court_accounts", 12, 10, 2),
                  input_table("roster.xlsx", "roster", 5, 5, 0, sheet="People", unknown_columns=["Notes"])]
    base = dict(
        as_of=dt.date(2026, 1, 15), courts=["ncmb", "ncwb"], inputs=inputs, findings=findings,
        data_issues=issues, rules=[rule("legacy-username"), rule("shared-filing-account", "high"),
                                   rule("mfa-not-enrolled", "low", enabled=False, ran=False, reason="disabled")],
        readiness={"active_filers": 10, "ready_filers": 7, "share": 0.7},
        generated_at=dt.datetime(2026, 1, 15, 9, 30),
    )
    base.update(kw)
    return AuditResult(**base)


def all_values(path) -> list:
    wb = openpyxl.load_workbook(path)
    return [c.value for ws in wb for row in ws.iter_rows() for c in row if c.value is not None]


def sheet_xml(path) -> dict[str, str]:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n).decode("utf-8") for n in z.namelist() if n.startswith("xl/worksheets/sheet")}


def rows_of(ws) -> list[list]:
    return [list(r) for r in ws.iter_rows(values_only=True)]


@pytest.fixture
def basic(tmp_path):
    rows = [finding(0, severity="low", rule_id="mfa-not-enrolled", person_name="Zed Low"),
            finding(1, severity="high", rule_id="shared-filing-account", person_name="Amy High"),
            finding(2, severity="info", rule_id="shared-research-account", person_name="Ian Info"),
            finding(3, severity="medium", person_name="Mo Medium", first_seen=None),
            finding(4, severity="high", rule_id="shared-filing-account", person_name="Ann High", court_id="ncwb")]
    issues = issues_frame([{"file": "accounts.csv", "sheet": "", "row": 7, "column": "bar_id", "value": "??",
                            "reason": "not a bar id", "severity": "warning", "firm_name": "Smith & Jones, LLP"}])
    result = make_result(findings_frame(rows), issues)
    return write_report(result, tmp_path / "report.xlsx"), result


def test_sheets_in_order_and_findings_table(basic):
    path, result = basic
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["Summary", "Findings", "Data issues", "Rules"]
    ws = wb["Findings"]
    assert ws.freeze_panes == "A2"
    (name, ref), = ws.tables.items()
    last = openpyxl.utils.get_column_letter(len(FINDING_LAYOUT))
    assert ref == f"A1:{last}{len(result.findings) + 1}"
    assert [c.value for c in ws[1]] == HEADERS
    # the printed columns first (a reader of the printout needs these), the rest on screen
    assert HEADERS[:7] == ["Severity", "Person", "Firm", "Problem", "What to do", "Due date", "Status"]
    assert ws.print_area == "'Findings'!$A$1:$G$6"        # the header and the 5 findings
    assert HEADERS[7] == "Finding ID" and "CM/ECF login" in HEADERS
    assert "PACER username" in HEADERS and "Notes" in HEADERS
    assert [c.name for c in ws.tables[name].tableColumns] == HEADERS
    # a user's script reads the sheet by its plain-word headers; every finding column is there
    back = pd.read_excel(path, sheet_name="Findings", engine="openpyxl")
    assert list(back.columns) == HEADERS and len(back) == 5
    assert set(FINDING_COLUMNS) <= set(IDS)


def test_findings_sorted_by_severity_then_rule_then_court(basic):
    path, _ = basic
    ws = openpyxl.load_workbook(path)["Findings"]
    got = [(r[ix("severity")], r[ix("rule_id")], r[ix("court_id")], r[ix("person_name")]) for r in rows_of(ws)[1:]]
    assert got == [("high", "shared-filing-account", "ncmb", "Amy High"),
                   ("high", "shared-filing-account", "ncwb", "Ann High"),
                   ("medium", "legacy-username", "ncmb", "Mo Medium"),
                   ("low", "mfa-not-enrolled", "ncmb", "Zed Low"),
                   ("info", "shared-research-account", "ncmb", "Ian Info")]


def test_status_drop_down_severity_colours_and_dates(basic):
    path, _ = basic
    ws = openpyxl.load_workbook(path)["Findings"]
    status_col = col("status")
    dvs = [dv for dv in ws.data_validations.dataValidation if dv.type == "list"]
    assert len(dvs) == 1
    assert dvs[0].formula1.strip('"').split(",") == list(STATUSES)
    # a value outside the list is refused, not merely warned about
    assert dvs[0].showErrorMessage and dvs[0].errorStyle in (None, "stop")
    for r in range(2, ws.max_row + 1):
        assert ws.cell(r, status_col).coordinate in dvs[0].sqref
        sev = ws.cell(r, col("severity"))
        assert sev.fill.fgColor.rgb[-6:] == SEVERITY_FILLS[sev.value][0]
    colours = {ws.cell(r, col("severity")).fill.fgColor.rgb for r in range(2, ws.max_row + 1)}
    assert len(colours) == 4
    due = ws.cell(2, col("due_date"))
    assert due.is_date and due.value.date() == dt.date(2026, 2, 1) and "yy" in due.number_format
    first_seen = [ws.cell(r, col("first_seen")).value for r in range(2, 7)]
    assert first_seen.count(None) == 1  # the missing date stays empty, not 1900-01-00
    evidence = ws.cell(2, col("evidence"))
    assert evidence.alignment.wrap_text
    # overdue due dates stand out: a rule over the due-date column, comparing with today and the status
    letter = openpyxl.utils.get_column_letter(col("due_date"))
    rules = [(str(rng.sqref), r) for rng in ws.conditional_formatting for r in rng.rules]
    overdue = [r for ref, r in rules if ref.startswith(f"{letter}2:")]
    assert overdue and "TODAY()" in overdue[0].formula[0] and "Resolved" in overdue[0].formula[0]
    assert overdue[0].dxf.fill is not None


def test_summary_accounts_for_every_row_and_has_a_chart(basic):
    path, _ = basic
    ws = openpyxl.load_workbook(path)["Summary"]
    rows = rows_of(ws)
    assert rows[0][0] == "NextGen account readiness audit"
    header = next(r for r in rows if r[0] == "File")
    idx = {h: i for i, h in enumerate(header) if h}
    files = {r[0]: r for r in rows if r[0] in ("accounts.csv", "roster.xlsx")}
    acc, ros = files["accounts.csv"], files["roster.xlsx"]
    assert (acc[idx["Rows read"]], acc[idx["Rows audited"]], acc[idx["Rows rejected"]]) == (12, 10, 2)
    assert (ros[idx["Rows read"]], ros[idx["Rows audited"]], ros[idx["Rows rejected"]]) == (5, 5, 0)
    assert acc[idx["Kind"]] == "court filer accounts" and ros[idx["Sheet"]] == "People"
    assert "Notes" in ros[idx["Reason / unknown columns"]]
    total = next(r for r in rows[rows.index(header):] if r[0] == "Total")
    assert (total[idx["Rows read"]], total[idx["Rows audited"]], total[idx["Rows rejected"]]) == (17, 15, 2)
    text = " ".join(str(v) for r in rows for v in r if v is not None)
    assert "rows read = rows audited + rows rejected" in text
    assert "/home/clerk" not in text  # never a path
    owner_head = next(i for i, r in enumerate(rows) if r[0] == "Who acts")
    head = rows[owner_head]
    total_row = next(r for r in rows[owner_head:] if r[0] == "Total")
    sev = {h: total_row[i] for i, h in enumerate(head) if h in ("high", "medium", "low", "info")}
    assert sev == {"high": 2, "medium": 1, "low": 1, "info": 1}
    assert total_row[head.index("Total")] == 5  # the counts add up
    filer = next(r for r in rows[owner_head:] if r[0] == "Filer")
    assert filer[head.index("Total")] == 5
    assert "ready" in text and "upgraded" in text and "linked" in text
    share = next(r for r in rows if r[0] == "Share ready")
    assert share[1] == pytest.approx(0.7) and "7 of 10 active filers" in share[2]
    assert ws._charts, "the Summary has a chart"
    assert any(r[0] == "ncwb" and r[1] == 1 for r in rows)  # by court
    assert any(r[0] == "Smith & Jones, LLP" and r[1] == 5 for r in rows)  # by firm


def test_unbalanced_file_is_flagged(tmp_path):
    result = make_result(findings_frame([]), inputs=[input_table("bad.csv", "court_accounts", 10, 7, 2)])
    rows = rows_of(openpyxl.load_workbook(write_report(result, tmp_path / "r.xlsx"))["Summary"])
    text = " ".join(str(v) for r in rows for v in r if v is not None)
    assert "WARNING" in text and "bad.csv" in text


def test_formula_looking_input_is_written_as_text(tmp_path):
    rows = [finding(i, person_name=v, bar_id=v, evidence=v, firm_name=v) for i, v in enumerate(DANGEROUS)]
    issues = issues_frame([{"file": "=cmd|' /C calc'!A0", "sheet": "=S", "row": 3, "column": "@x",
                            "value": v, "reason": "+r", "severity": "warning", "firm_name": None}
                           for v in DANGEROUS])
    inputs = [input_table("=evil().csv", "court_accounts", 3, 3, 0, reason="=HYPERLINK(\"x\")")]
    result = make_result(findings_frame(rows), issues, inputs=inputs,
                         rules=[rule("legacy-username", title="=1+2", source="@SUM(A1)")])
    path = write_report(result, tmp_path / "r.xlsx")
    wb = openpyxl.load_workbook(path)
    ws = wb["Findings"]
    person = col("person_name")
    back = {(ws.cell(r, person).value, ws.cell(r, person).data_type) for r in range(2, ws.max_row + 1)}
    assert back == {(v, "s") for v in READ_BACK}
    for name in ("bar_id", "evidence", "firm_name"):
        c = col(name)
        got = {ws.cell(r, c).value for r in range(2, ws.max_row + 1)}
        # firm names that normalise alike ("\t=1+1", "\r=1+1") are shown one way
        assert got == READ_BACK if name != "firm_name" else got <= READ_BACK and len(got) >= len(READ_BACK) - 2
        assert {ws.cell(r, c).data_type for r in range(2, ws.max_row + 1)} == {"s"}
    di = wb["Data issues"]
    assert {di.cell(r, 5).value for r in range(2, di.max_row + 1)} == READ_BACK
    assert di.cell(2, 1).value == "=cmd|' /C calc'!A0" and di.cell(2, 1).data_type == "s"
    for sheet in wb:
        for row in sheet.iter_rows():
            for c in row:
                assert c.data_type != "f", (sheet.title, c.coordinate, c.value)
    for name, xml in sheet_xml(path).items():
        assert "<f>" not in xml and "<f " not in xml, name
        assert "<hyperlink" not in xml
    assert "=evil().csv" in all_values(path)


def test_control_characters_and_long_text_do_not_crash(tmp_path):
    long = "x" * 40_000
    rows = [finding(0, person_name="Bell\x07Name", evidence="nul\x00here\x1f", bar_id="a\x0bb"),
            finding(1, evidence=long, remediation="😀" * 20_000)]
    issues = issues_frame([{"file": "a.csv", "sheet": "", "row": 2, "column": "x", "value": "v\x08",
                            "reason": "r", "severity": "rejected", "firm_name": None}])
    path = write_report(make_result(findings_frame(rows), issues), tmp_path / "r.xlsx")
    ws = openpyxl.load_workbook(path)["Findings"]
    by_id = {r[ix("finding_id")]: r for r in rows_of(ws)[1:]}
    assert by_id["F00000"][ix("person_name")] == "Bell\\x07Name"
    assert by_id["F00000"][ix("evidence")] == "nul\\x00here\\x1f"
    assert by_id["F00000"][ix("bar_id")] == "a\\x0bb"
    ev, rem = by_id["F00001"][ix("evidence")], by_id["F00001"][ix("remediation")]
    assert len(ev) <= 32_767 and ev.startswith("xxx") and "cut" in ev
    assert len(rem.encode("utf-16-le")) // 2 <= 32_767 and "cut" in rem
    assert openpyxl.load_workbook(path)["Data issues"]["E2"].value == "v\\x08"


def test_no_findings_still_gives_a_valid_table(tmp_path):
    path = write_report(make_result(findings_frame([])), tmp_path / "r.xlsx")
    wb = openpyxl.load_workbook(path)
    ws = wb["Findings"]
    (_, ref), = ws.tables.items()
    assert ref == f"A1:{openpyxl.utils.get_column_letter(len(FINDING_LAYOUT))}2"
    assert [c.value for c in ws[1]] == HEADERS
    assert all(c.value is None for c in ws[2])  # one empty table row: nothing that is not a finding
    assert "No data issues" in str(wb["Data issues"]["A2"].value)


def test_large_sheets_continue_on_numbered_sheets(tmp_path):
    rows = [finding(i, person_name=f"P{i:02d}") for i in range(7)]
    issues = issues_frame([{"file": "accounts.csv", "sheet": "", "row": i + 2, "column": "c", "value": str(i),
                            "reason": "bad", "severity": "rejected", "firm_name": None} for i in range(4)])
    path = write_report(make_result(findings_frame(rows), issues), tmp_path / "r.xlsx", max_rows=3)
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["Summary", "Findings", "Findings (2)", "Findings (3)",
                             "Data issues", "Data issues (2)", "Rules"]
    people, tables = [], set()
    for name in ("Findings", "Findings (2)", "Findings (3)"):
        ws = wb[name]
        assert [c.value for c in ws[1]] == HEADERS and ws.freeze_panes == "A2"
        (tname, ref), = ws.tables.items()
        tables.add(tname)
        assert ref == f"A1:{openpyxl.utils.get_column_letter(len(FINDING_LAYOUT))}{ws.max_row}" and ws.max_row <= 4
        people += [r[ix("person_name")] for r in rows_of(ws)[1:]]
    assert people == [f"P{i:02d}" for i in range(7)] and len(tables) == 3
    values = [r[4] for n in ("Data issues", "Data issues (2)") for r in rows_of(wb[n])[1:]]
    assert values == ["0", "1", "2", "3"]


def firm_result():
    rows = [finding(0, firm_name="Smith & Jones, LLP", person_name="Sam Smith", source="accounts.csv row 2"),
            finding(1, firm_name="smith and jones llp", person_name="Jo Jones", source="roster.xlsx row 5"),
            finding(2, firm_name="Acme Legal", person_name="Alice Acme", source="acme-roster.csv row 2",
                    severity="high", rule_id="shared-filing-account"),
            finding(3, firm_name=None, person_name="Nobody Firmless", source="accounts.csv row 9"),
            finding(4, firm_name="../../etc/Évil Firm*", person_name="Eve Evil", source="accounts.csv row 4")]
    issues = issues_frame([
        {"file": "acme-roster.csv", "sheet": "", "row": 3, "column": "bar_id", "value": "Acme Secret",
         "reason": "bad", "severity": "warning", "firm_name": "Acme Legal"},
        {"file": "roster.xlsx", "sheet": "People", "row": 9, "column": "email", "value": "jo@sj",
         "reason": "bad e-mail", "severity": "warning", "firm_name": "Smith and Jones LLP"}])
    inputs = [input_table("accounts.csv", "court_accounts", 12, 10, 2),
              input_table("roster.xlsx", "roster", 5, 5, 0),
              input_table("acme-roster.csv", "roster", 3, 3, 0)]
    return make_result(findings_frame(rows), issues, inputs=inputs,
                       previous={"new": 2, "resolved": 1, "still_open": 3})


def test_firm_workbook_holds_that_firm_alone(tmp_path):
    path = write_report(firm_result(), tmp_path / "r.xlsx", firm="SMITH & JONES LLP")
    values = [str(v) for v in all_values(path)]
    text = "\n".join(values)
    assert "Sam Smith" in text and "Jo Jones" in text and "jo@sj" in text
    for other in ("Alice Acme", "Acme", "acme-roster.csv", "Nobody Firmless", "Eve Evil", "Evil"):
        assert other not in text, other
    wb = openpyxl.load_workbook(path)
    assert wb["Findings"].max_row == 3 and wb["Data issues"].max_row == 2
    summary = rows_of(wb["Summary"])
    assert {r[0] for r in summary} >= {"accounts.csv", "roster.xlsx"}
    total = next(r for r in summary if r[0] == "Total" and len(r) > 5 and r[5] is not None)
    assert total[1:6] == [0, 2, 0, 0, 2]  # counts from this firm's rows alone: 2 medium
    assert summary[0][0].endswith("firm copy")
    rules = {r[0]: r[5] for r in rows_of(wb["Rules"])[1:]}
    assert rules["legacy-username"] == 2 and rules["shared-filing-account"] == 0


def test_evidence_of_a_shared_account_does_not_name_another_firms_people(tmp_path):
    shared = "Used to e-file by 2 people: Sam Smith; Alice Acme."
    rows = [finding(0, firm_name="Smith & Jones", person_name="Sam Smith", pacer_username="Shared1", evidence=shared),
            finding(1, firm_name="Acme Legal", person_name="Alice Acme", pacer_username="shared1", evidence=shared)]
    path = write_report(make_result(findings_frame(rows)), tmp_path / "r.xlsx", firm="Smith & Jones")
    text = "\n".join(map(str, all_values(path)))
    assert "Alice Acme" not in text
    assert "Sam Smith; (a person outside this firm)" in text


def test_split_by_firm_one_workbook_per_firm_with_an_index(tmp_path):
    result = firm_result()
    result.inputs[1].records = pd.DataFrame({"firm_name": ["Smith and Jones LLP", "Clean & Clear LLC", "???"]})
    paths = api.write(result, tmp_path / "reports" / "ncmb.xlsx", split_by_firm=True)
    report, index = paths[0], paths[1]
    folder = tmp_path / "reports" / "ncmb-firms"
    assert report == tmp_path / "reports" / "ncmb.xlsx" and index == folder / "index.csv"
    names = sorted(p.name for p in paths[2:])
    # Smith & Jones (two spellings), Acme, the odd name, and the clean firm: no firm-less workbook, and none
    # for a "firm" with no letter or digit
    assert names == ["Acme Legal.xlsx", "Clean & Clear LLC.xlsx", "Smith & Jones, LLP.xlsx", "etc Évil Firm.xlsx"]
    assert all(p.parent == folder and p.exists() for p in paths[2:])
    everyone = {"Sam Smith", "Jo Jones", "Alice Acme", "Nobody Firmless", "Eve Evil"}
    for p in paths[2:]:
        seen = {v for v in map(str, all_values(p)) if v in everyone}
        assert seen in ({"Sam Smith", "Jo Jones"}, {"Alice Acme"}, {"Eve Evil"}, set())
    clean = openpyxl.load_workbook(folder / "Clean & Clear LLC.xlsx")
    text = "\n".join(str(v) for r in rows_of(clean["Summary"]) for v in r if v is not None)
    assert "All clear: no findings for this firm" in text
    assert clean["Findings"].max_row <= 2 and clean["Findings"]["A2"].value is None
    lines = index.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "firm,file,high,medium,low,info,findings,data issues,active filers,ready filers,share ready,status"
    rows = {r[0]: r for r in csv.reader(lines[1:])}
    assert rows["Smith & Jones, LLP"][1:7] == ["Smith & Jones, LLP.xlsx", "0", "2", "0", "0", "2"]
    assert rows["Clean & Clear LLC"][-1] == "all clear: no findings"
    assert "???" not in rows and len(rows) == 4  # no letter or digit: not a firm, no workbook
    firms = {r[0]: r for r in rows_of(openpyxl.load_workbook(report)["Firms"])[1:]}
    assert firms["Acme Legal"][1] == 1 and firms["Acme Legal"][-2] == "Acme Legal.xlsx"


def test_firm_file_names_readable_unique_and_safe():
    from auditor.report.firms import file_names

    names = file_names({"mega law": "Mega Law", "ømega law": "Ømega Law", "con": "CON",
                        "a b": "A/B: \"Partners\"?", "x1": "Smith LLP", "x2": "SMITH LLP", "dots": "Firm P.A.",
                        "long": "Ł" * 300, "none": "---"})
    assert names["mega law"] == "Mega Law.xlsx" and names["ømega law"] == "Ømega Law.xlsx"
    assert names["con"] == "CON (firm).xlsx" and names["a b"] == "A B Partners.xlsx"
    assert names["dots"] == "Firm P.A.xlsx"
    # one name on a disk that ignores case: each gets a code made from its own firm, the same every run
    assert names["x1"] != names["x2"] and names["x1"].casefold() != names["x2"].casefold()
    assert names == file_names({"x2": "SMITH LLP", "x1": "Smith LLP", "mega law": "Mega Law", "ømega law": "Ømega Law",
                                "con": "CON", "a b": "A/B: \"Partners\"?", "dots": "Firm P.A.", "long": "Ł" * 300,
                                "none": "---"})
    assert len(names["long"].encode("utf-8")) <= 130 and "none" not in names


def test_previous_counts_on_summary(tmp_path):
    rows = rows_of(openpyxl.load_workbook(write_report(firm_result(), tmp_path / "r.xlsx"))["Summary"])
    got = {r[0]: r[1] for r in rows if r[0] in ("New findings", "Resolved", "Still open")}
    assert got == {"New findings": 2, "Resolved": 1, "Still open": 3}


def test_rules_sheet(basic):
    path, _ = basic
    rows = rows_of(openpyxl.load_workbook(path)["Rules"])
    # headed in plain words; what a reader needs prints (the first 7 columns), the rest is on screen
    assert rows[0] == ["Rule", "What it finds", "Severity", "Who acts", "Ran", "Findings",
                       "Notes (why it did not run, or not everywhere)", "Turned on", "Applies to", "Source",
                       "Rule file"]
    assert openpyxl.load_workbook(path)["Rules"].print_area == f"'Rules'!$A$1:$G${len(rows)}"
    by_id = {r[0]: r for r in rows[1:]}
    assert by_id["shared-filing-account"][5] == 2
    assert by_id["mfa-not-enrolled"][4] == "no" and by_id["mfa-not-enrolled"][7] == "no"
    assert by_id["mfa-not-enrolled"][6] == "disabled"
    assert by_id["legacy-username"][10] == "builtin.yaml"  # the file's name, never its path


@pytest.mark.parametrize("empty", [False, True])
def test_libreoffice_opens_the_report(tmp_path, empty, soffice):
    rows = [] if empty else [finding(i, person_name=v) for i, v in enumerate(DANGEROUS)]
    path = write_report(make_result(findings_frame(rows)), tmp_path / "report.xlsx")
    exe = soffice
    out = tmp_path / "pdf"
    proc = subprocess.run([exe, "--headless", f"-env:UserInstallation=file://{tmp_path}/lo-profile",
                           "--convert-to", "pdf", "--outdir", str(out), str(path)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    pdf = out / "report.pdf"
    assert pdf.exists() and pdf.stat().st_size > 1000


def test_redaction_replaces_whole_names_only(tmp_path):
    shared = "Used to e-file by 3 people: John Smith; John Smithson; Alice Acme."
    rows = [finding(0, firm_name="Smith & Jones", person_name="John Smithson", pacer_username="Shared1",
                    evidence=shared),
            finding(1, firm_name="Acme Legal", person_name="John Smith", pacer_username="shared1", evidence=shared)]
    path = write_report(make_result(findings_frame(rows)), tmp_path / "r.xlsx", firm="Smith & Jones")
    text = "\n".join(map(str, all_values(path)))
    assert "(a person outside this firm); John Smithson;" in text


def test_one_firm_one_spelling_and_what_to_do_first(tmp_path):
    rows = [finding(0, firm_name="Ashby & Fairbanks, PLLC", severity="high", rule_id="shared-filing-account"),
            finding(1, firm_name="Ashby and Fairbanks PLLC"), finding(2, firm_name="Ashby and Fairbanks PLLC"),
            finding(3, firm_name=None, owner="court", rule_id="duplicate-filing-accounts", title="Duplicate accounts"),
            finding(4, firm_name=None, court_id=None)]
    path = write_report(make_result(findings_frame(rows)), tmp_path / "r.xlsx")
    firms = {r["firm_name"] for r in sheet_rows(path, "Findings")}
    assert firms == {"Ashby and Fairbanks PLLC", None}  # the filter lists the firm once, as most often written
    summary = rows_of(openpyxl.load_workbook(path)["Summary"])
    first = [r[0] for r in summary]
    court, others = first.index("The court's own items"), first.index("For firms and filers")
    assert court < others and summary[court + 1][4] == "Duplicate accounts"
    assert summary[court + 1][0] == "Court (clerk's office)"
    assert [r for r in summary if r[0] == "Ashby and Fairbanks PLLC"][0][1] == 3
    text = " ".join(str(v) for r in summary for v in r if v is not None)
    assert "(no firm given): findings on court accounts whose export names no firm" in text
    assert "(no court: roster or PACER list): findings from a firm roster or the PACER list" in text


def test_many_firms_go_on_a_sheet_of_their_own(tmp_path):
    rows = [finding(i, firm_name=f"Firm {i:02d} LLP") for i in range(25)]
    path = write_report(make_result(findings_frame(rows)), tmp_path / "r.xlsx")
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["Summary", "Findings", "Data issues", "Rules", "Firms"]
    summary = rows_of(wb["Summary"])
    assert len(summary) < 100 and any(r[0] == "25 firms: see the Firms sheet." for r in summary)
    firms = rows_of(wb["Firms"])
    assert firms[0][:7] == ["Firm", "high", "medium", "low", "info", "Findings", "Data issues"]
    assert len(firms) == 26 and sum(r[5] for r in firms[1:]) == 25

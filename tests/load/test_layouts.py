"""One data set written the ways courts and firms really export it gives the same findings.

The shipped sample (court export, PACER list, rosters) is the canonical data set.  Each layout
below writes one of its files again: other header spellings and abbreviations, another column order,
title rows above and totals lines below, another delimiter or encoding, extra columns that look like
key columns but are not (a secondary e-mail, a bar status), a table that does not start at A1, a
workbook that opens on a notes sheet.  Each is audited for real (files written, report written and read
back) and must give the findings of the canonical files: the same finding ids, rules and evidence.

Then each layout is written again without its key column (the PACER username of a court export or of
a PACER list, the account status): the file must be read with that column absent, never with another
column taken for it.
"""

from __future__ import annotations

import codecs
import datetime as dt
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from conftest import ROOT, run_cli, sheet_rows

SAMPLE = ROOT / "sample_data"
AS_OF = dt.date(2026, 11, 30)
COURT, PACER, WHITFIELD = "court_accounts.csv", "pacer_accounts.csv", "roster_whitfield-pemberton-llp.csv"
OTHER_ROSTERS = ("roster_kensington-lockhart-p-a.csv", "roster_ashby-fairbanks-pllc.xlsx")


def canonical(name: str) -> pd.DataFrame:
    return pd.read_csv(SAMPLE / name, dtype=str, keep_default_na=False)


# --- writers -----------------------------------------------------------------------------------

def text_file(path: Path, frame: pd.DataFrame, *, sep=",", encoding="utf-8", above=(), below=()) -> Path:
    body = frame.to_csv(index=False, sep=sep, lineterminator="\r\n")
    lines = [*(sep.join([t] + [""] * (frame.shape[1] - 1)) for t in above)]
    text = "".join(line + "\r\n" for line in lines) + body + "".join(line + "\r\n" for line in below)
    data = text.encode(encoding)
    if encoding == "utf-16":      # Python writes the byte order mark itself
        assert data[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
    path.write_bytes(data)
    return path


def workbook(path: Path, frame: pd.DataFrame, *, row=1, col=1, above=(), below=(), notes_first=False) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    if notes_first:
        ws.title = "Notes"
        ws["A1"] = "About this export"
        ws["A2"] = "Accounts as of the end of the month. Filer names as entered by the filer."
        ws["A4"] = "Questions: the clerk's office."
        ws = wb.create_sheet("Accounts")
    r = row
    for t in above:
        ws.cell(r, col, t)
        r += 1
    for j, h in enumerate(frame.columns):
        ws.cell(r, col + j, h)
    for values in frame.itertuples(index=False):
        r += 1
        for j, v in enumerate(values):
            if v != "":
                ws.cell(r, col + j, v)
    r += 1
    for t in below:
        r += 1
        ws.cell(r, col, t)
    wb.save(path)
    return path


# --- the layouts -------------------------------------------------------------------------------
# Each takes the canonical frame of its file (with the key column perhaps dropped) and a folder, and
# writes the file.  ``KEYS`` names, per file, the canonical headers of its key columns.

ISSUE = {"CM/ECF Login": "User Login", "Filer Name": "Attorney Name", "Role": "Type", "Bar Number": "Bar #",
         "E-mail": "E-Mail Address", "Firm": "Law Firm", "PACER Login": "PACER Acct", "Status": "Acct Status"}
SCREEN = {"CM/ECF Login": "Login ID", "Filer Name": "Filer Full Name", "Role": "Filer Type",
          "Bar Number": "Bar ID Number", "E-mail": "Primary E-mail", "Firm": "Firm Name",
          "PACER Login": "PACER Login ID", "Status": "Account Status", "Linked On": "Date Linked",
          "Last Filed": "Last Filing Date"}
SNAKE = {"Court": "court_id", "CM/ECF Login": "CmecfLogin", "Filer Name": "filer_name", "Role": "filer_role",
         "Bar Number": "bar_no", "E-mail": "EmailAddr", "Firm": "firm_name", "PACER Login": "PacerAcct",
         "Status": "AcctStatus", "Linked On": "linked_on", "Last Filed": "last_filed_on"}
PACER_ABBR = {"PACER Username": "PACER Acct", "Account Holder": "Holder Name", "Account Type": "Acct Type",
              "Account Number": "Acct", "Email Address": "E-mail addr", "MFA": "MFA Enabled"}
PACER_SCREEN = {"PACER Username": "Account", "Account Number": "PACER Acct #", "Upgraded": "Upgraded (Y/N)",
                "Email Address": "Primary Email Address"}
ROSTER_ABBR = {"Firm": "Law Firm", "Name": "Atty Name", "Position": "Staff Type", "Bar No": "Bar #",
               "Work Email": "E-mail addr", "PACER User Name": "PACER Login ID", "PACER Usage": "Usage",
               "PAA": "PAA Acct", "Date Left": "Date Departed"}
TITLE = ("U.S. Bankruptcy Court - CM/ECF filer accounts", "Exported 11/30/2026 08:14")
FOOTER = ("Total: {n} records", "Report generated 11/30/2026 08:14 by CM/ECF")


def footer(frame):
    return [t.format(n=len(frame)) for t in FOOTER]


def issue_file(f, d):
    """The file of the report that found a false all-clear: its spellings, an extra column, title rows."""
    f = f.rename(columns=ISSUE)
    f["Office Phone"] = "919-555-0100"
    return text_file(d / "filers.csv", f, above=TITLE)


def reversed_order(f, d):
    return text_file(d / "filers.csv", f[f.columns[::-1]])


def title_and_footer(f, d):
    return text_file(d / "filers.csv", f, above=TITLE, below=["", *footer(f)])


def pipes(f, d):
    return text_file(d / "filers.txt", f.rename(columns=ISSUE), sep="|", below=footer(f))


def tabs_utf16(f, d):
    return text_file(d / "filers.tsv", f.rename(columns=SCREEN), sep="\t", encoding="utf-16", above=TITLE)


def tabs_utf16_no_bom(f, d):
    return text_file(d / "filers.txt", f, sep="\t", encoding="utf-16-le")


def semicolons_bom(f, d):
    return text_file(d / "filers.csv", f.rename(columns=SNAKE), sep=";", encoding="utf-8-sig")


def screen_labels(f, d):
    """CM/ECF's own labels, with columns that look like key columns and are not: a secondary e-mail,
    a bar status, a filing agent, a remark."""
    f = f.rename(columns=SCREEN)
    f.insert(5, "Secondary E-mail", "notices@" + f["Firm Name"].str.len().astype(str) + "courtmail.example")
    f.insert(3, "Bar Status", "Active")
    f["Filing Agent"] = "Smith, Jane"
    f["Remark"] = "Inactive accounts reviewed"
    return text_file(d / "filers.csv", f)


def snake_and_camel(f, d):
    return text_file(d / "filers.csv", f.rename(columns=SNAKE))


def status_codes(f, d):
    f = f.rename(columns={"Status": "Status (A/I)"})
    f["Status (A/I)"] = f["Status (A/I)"].str[:1]
    return text_file(d / "filers.csv", f)


def account_type_beside_role(f, d):
    """A PACER "Account Type" column (upgraded or legacy) before the role: the role is read from Role."""
    f = f.copy()
    f.insert(1, "Account Type", "Upgraded PACER Account")
    return text_file(d / "filers.csv", f)


def xlsx_not_at_a1(f, d):
    return workbook(d / "filers.xlsx", f.rename(columns=ISSUE), row=4, col=3, above=TITLE[:1])


def xlsx_notes_first(f, d):
    return workbook(d / "filers.xlsx", f.rename(columns=SCREEN), notes_first=True, below=footer(f))


def extra_and_blank_columns(f, d):
    f = f.copy()
    f.insert(2, "", "")
    f.insert(6, "Office Phone", "919-555-0100")
    f.insert(0, "Notes", "")
    return text_file(d / "filers.csv", f)


def pacer_abbreviated(f, d):
    return text_file(d / "pacer.csv", f.rename(columns=PACER_ABBR), above=("PACER accounts of the firms",))


def pacer_screen_xlsx(f, d):
    f = f.rename(columns=PACER_SCREEN)
    return workbook(d / "pacer.xlsx", f[f.columns[::-1]], notes_first=True, below=footer(f))


def roster_abbreviated(f, d):
    return text_file(d / "whitfield.txt", f.rename(columns=ROSTER_ABBR), sep="|",
                     above=("Whitfield & Pemberton staff",), below=footer(f))


LAYOUTS = {  # name -> (file it writes again, its key columns (canonical headers), writer)
    "issue-file": (COURT, ("PACER Login", "Status"), issue_file),
    "reversed-order": (COURT, ("PACER Login", "Status"), reversed_order),
    "title-and-footer": (COURT, ("PACER Login", "Status"), title_and_footer),
    "pipes": (COURT, ("PACER Login", "Status"), pipes),
    "tabs-utf16": (COURT, ("PACER Login", "Status"), tabs_utf16),
    "tabs-utf16-no-bom": (COURT, ("PACER Login", "Status"), tabs_utf16_no_bom),
    "semicolons-bom": (COURT, ("PACER Login", "Status"), semicolons_bom),
    "screen-labels": (COURT, ("PACER Login", "Status"), screen_labels),
    "snake-and-camel": (COURT, ("PACER Login", "Status"), snake_and_camel),
    "status-codes": (COURT, ("PACER Login",), status_codes),
    "account-type-beside-role": (COURT, ("PACER Login", "Status"), account_type_beside_role),
    "xlsx-not-at-a1": (COURT, ("PACER Login", "Status"), xlsx_not_at_a1),
    "xlsx-notes-first": (COURT, ("PACER Login", "Status"), xlsx_notes_first),
    "extra-and-blank-columns": (COURT, ("PACER Login", "Status"), extra_and_blank_columns),
    "pacer-abbreviated": (PACER, ("Upgraded", "Account Type"), pacer_abbreviated),
    "pacer-screen-xlsx": (PACER, ("Upgraded", "Account Type"), pacer_screen_xlsx),
    "roster-abbreviated": (WHITFIELD, ("PACER User Name",), roster_abbreviated),
}
KIND_OF = {COURT: "court_accounts", PACER: "pacer_accounts", WHITFIELD: "roster"}
KEY_COLUMN = {"PACER Login": "pacer_username", "Status": "account_status", "Upgraded": "upgraded",
              "Account Type": "account_type", "PACER User Name": "pacer_username"}


def inputs(replaced: str, path: Path) -> dict[str, list[Path]]:
    files = {"court_accounts": [SAMPLE / COURT], "pacer_accounts": [SAMPLE / PACER],
             "roster": [SAMPLE / WHITFIELD, *(SAMPLE / r for r in OTHER_ROSTERS)]}
    files[KIND_OF[replaced]] = [path if p.name == replaced else p for p in files[KIND_OF[replaced]]]
    return files


def audited(files: dict[str, list[Path]], out: Path) -> tuple[set, list[dict]]:
    """Audit the files, write the report, read it back: (finding id, rule, evidence) of every finding
    and the Summary's rows."""
    from auditor import api

    result = api.audit(as_of=AS_OF, **files)
    api.write(result, out)
    findings = {(r["finding_id"], r["rule_id"], r["evidence"]) for r in sheet_rows(out, "Findings")}
    wb = openpyxl.load_workbook(out, read_only=True)
    summary = [list(r) for r in wb["Summary"].iter_rows(values_only=True)]
    wb.close()
    return findings, summary


@pytest.fixture(scope="module")
def canonical_findings(tmp_path_factory):
    d = tmp_path_factory.mktemp("canonical")
    findings, _ = audited(inputs(COURT, SAMPLE / COURT), d / "canonical.xlsx")
    assert len(findings) > 40
    return findings


def input_row(summary: list[list], file_name: str) -> dict:
    """The Summary's Input files row of one file, by the table's own header."""
    start = next(i for i, r in enumerate(summary) if r and r[0] == "File")
    header = summary[start]
    row = next(r for r in summary[start + 1:] if r and r[0] == file_name)
    return dict(zip(header, row))


def test_at_least_fifteen_layouts():
    assert len(LAYOUTS) >= 15


@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_layout_gives_the_canonical_findings(layout, tmp_path, canonical_findings):
    replaced, _, write = LAYOUTS[layout]
    path = write(canonical(replaced), tmp_path)
    findings, summary = audited(inputs(replaced, path), tmp_path / "report.xlsx")
    assert findings == canonical_findings, (
        f"only in {layout}: {sorted(findings - canonical_findings)[:3]}; "
        f"only canonical: {sorted(canonical_findings - findings)[:3]}")
    row = input_row(summary, path.name)
    assert row["Rows rejected"] == 0
    for header in LAYOUTS[layout][1]:   # each key column is read, and the Summary says from which header
        assert KEY_COLUMN[header].replace("_", " ").replace("pacer", "PACER") in row["Columns read as"]


@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_layout_without_its_key_column_reads_it_as_absent(layout, tmp_path):
    from auditor.api import load_input

    replaced, keys, write = LAYOUTS[layout]
    for header in keys:
        frame = canonical(replaced).drop(columns=[header])
        folder = tmp_path / header.replace(" ", "-")
        folder.mkdir()
        path = write(frame, folder)
        table = load_input(path, KIND_OF[replaced], court=None)
        column = KEY_COLUMN[header]
        assert column not in table.column_map, (layout, header, table.column_map[column])
        assert column not in table.present_columns
        if column == "account_status":   # blank means the default, never another column's values
            assert set(table.records[column].dropna()) == {"active"}
        else:
            assert table.records[column].isna().all()


def test_issue_file_on_the_command_line(tmp_path):
    """The court export that was once audited without its PACER usernames: the terminal and the Summary
    name the columns it was read with."""
    path = issue_file(canonical(COURT), tmp_path)
    out = tmp_path / "report.xlsx"
    proc = run_cli("audit", "--court-accounts", path, "--pacer-accounts", SAMPLE / PACER,
                   "--as-of", AS_OF.isoformat(), "--out", out, "--no-history")
    assert proc.returncode == 0, proc.stderr
    wb = openpyxl.load_workbook(out, read_only=True)
    summary = [list(r) for r in wb["Summary"].iter_rows(values_only=True)]
    wb.close()
    row = input_row(summary, "filers.csv")
    assert "PACER Acct -> PACER username" in row["Columns read as"]
    assert "Acct Status -> account status" in row["Columns read as"]
    assert "Office Phone" in row["Reason / unknown columns"]
    proc = run_cli("validate", path)
    assert proc.returncode == 0, proc.stderr
    assert "court filer accounts" in proc.stdout.splitlines()[0]
    assert "PACER Acct -> PACER username" in proc.stdout
    assert "footer" not in proc.stdout and "title row above the header" in proc.stdout

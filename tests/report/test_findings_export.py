"""`auditor audit --findings-csv / --findings-parquet`: every finding for other programs, the same as the report."""

import csv

import pyarrow.parquet as pq

from auditor.model import FINDING_COLUMNS

from conftest import run_cli, sheet_rows, write_csv

FORMULA = '=HYPERLINK("http://x","y")'
COURT_HEADER = ["Court", "CM/ECF Login", "Filer Name", "Filer Type", "Bar Number", "E-mail", "Law Firm",
                "PACER Login", "Status", "Linked On", "Last Filed"]


def test_findings_csv_and_parquet_match_the_report(tmp_path):
    data = tmp_path / "data"
    proc = run_cli("sample", "--rows", "300", "--out", data, "--seed", "3")
    assert proc.returncode == 0, proc.stderr
    extra = write_csv(tmp_path / "extra.csv", COURT_HEADER,
                      [["ncmb", "evil", FORMULA, "Pro Se", "", "", "", "", "Active", "", ""]])
    out, out_csv, out_pq = tmp_path / "r.xlsx", tmp_path / "f" / "findings.csv", tmp_path / "findings.parquet"
    proc = run_cli("audit", "--court-accounts", data / "court_accounts.csv", "--court-accounts", extra,
                   "--pacer-accounts", data / "pacer_accounts.csv", "--as-of", "2026-11-30", "--out", out,
                   "--findings-csv", out_csv, "--findings-parquet", out_pq, "--quiet")
    assert proc.returncode == 0, proc.stderr
    assert f"findings CSV: {out_csv}" in proc.stdout and f"findings Parquet: {out_pq}" in proc.stdout

    sheet = sheet_rows(out, "Findings")
    with out_csv.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    table = pq.read_table(out_pq).to_pylist()
    assert len(sheet) == len(rows) == len(table) > 1
    # the exports keep the machine names, in the model's order, then the related findings and the firms'
    # answers from the history (empty here: no history); the sheet shows the same columns in plain words
    # (read back here as those names)
    extra = ["related_findings", "firm_answer", "firm_note", "status_from"]
    assert list(rows[0]) == list(table[0]) == [*FINDING_COLUMNS, *extra]
    assert set(sheet[0]) == set(FINDING_COLUMNS) | {"related", "firm_answer", "firm_note", "status_from"}
    assert any(r["related_findings"] for r in rows)      # the sample plants shared accounts
    for want, got_csv, got_pq in zip(sheet, rows, table):
        assert got_csv["finding_id"] == got_pq["finding_id"] == want["finding_id"]
        assert got_csv["related_findings"] == (want["related"] or "") and got_pq["related_findings"] == want["related"]
        assert got_csv["firm_answer"] == got_csv["status_from"] == "" and got_pq["firm_answer"] is None
        assert got_pq["evidence"] == want["evidence"] and got_pq["person_name"] == want["person_name"]
        assert got_pq["due_date"] == (want["due_date"].date() if want["due_date"] else None)
        assert got_csv["first_seen"] == want["first_seen"].date().isoformat() == "2026-11-30"

    # the formula-looking name: verbatim in Parquet, never a live formula in the CSV
    assert any(r["person_name"] == FORMULA for r in table)
    evil = [r for r in rows if FORMULA in r["person_name"]]
    assert evil and all(r["person_name"] == "'" + FORMULA for r in evil)
    assert not any(v.startswith(("=", "+", "@")) for r in rows for v in r.values())
